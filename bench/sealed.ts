/**
 * Sealed-election measurements for bench/run.ts: count recovery (baby-step giant-step), the
 * sealed circuits' constraint counts, and the gas of Baby Jubjub arithmetic in Solidity (the
 * figures docs/PROTOCOL.md, "Sealed elections", bases its choices on).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { CountRecoveryTable, multiplyGenerator, randomScalar, type Point } from "../lib/sealed";
import { compileSealedCircuit } from "../lib/proving/sealedCircuits";

export interface BsgsTimes {
  tableSeconds: number[];
  /** Worst case for the table: the count equal to its maximum, one option. */
  recoverMaxSeconds: number[];
  /** A whole 8-option tally with every count near the maximum, table built once. */
  recoverTallySeconds: number[];
}

export function measureBsgs(maxCount: number, options: number, runs: number): BsgsTimes {
  const times: BsgsTimes = { tableSeconds: [], recoverMaxSeconds: [], recoverTallySeconds: [] };
  const counts = Array.from({ length: options }, (_, j) => maxCount - j * 997);
  const points = counts.map((m) => multiplyGenerator(BigInt(m)));
  const maxPoint = multiplyGenerator(BigInt(maxCount));
  for (let run = 0; run < runs; run++) {
    let started = performance.now();
    const table = CountRecoveryTable.build(maxCount);
    times.tableSeconds.push((performance.now() - started) / 1000);
    started = performance.now();
    if (table.recover(maxPoint) !== maxCount) throw new Error("BSGS recovered a wrong count");
    times.recoverMaxSeconds.push((performance.now() - started) / 1000);
    started = performance.now();
    const recovered = points.map((point) => table.recover(point));
    times.recoverTallySeconds.push((performance.now() - started) / 1000);
    if (recovered.some((m, j) => m !== counts[j])) throw new Error("BSGS recovered a wrong tally");
  }
  return times;
}

export interface CircuitSizes {
  sealedVoteConstraints: number;
  sealedDecryptionConstraints: number;
  compileSeconds: number;
}

export function measureSealedCircuits(rollDepth: number, options: number): CircuitSizes {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-bench-sealed-"));
  try {
    const started = performance.now();
    const vote = compileSealedCircuit("sealedVote", path.join(dir, "vote"), { rollDepth, options });
    const decryption = compileSealedCircuit("sealedDecryption", path.join(dir, "decryption"), { options });
    return { sealedVoteConstraints: vote.constraints, sealedDecryptionConstraints: decryption.constraints, compileSeconds: (performance.now() - started) / 1000 };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface CurveGas {
  /** One scalar multiplication (random 251-bit scalar) and its conversion to affine. */
  mulGas: number[];
  /** Sum of 16 points (an 8-option ballot's c1 and c2) in extended coordinates, one inversion. */
  sum16Gas: number;
  /** Per-point cost of a long sum (256 points), the batch accumulation's marginal cost. */
  perPointGas: number;
}

export async function measureCurveGas(runs: number): Promise<CurveGas> {
  const hre = (await import("hardhat")).default;
  await hre.run("compile", { quiet: true });
  const harness = await (await hre.ethers.getContractFactory("BabyJubjubHarness")).deploy();
  const base = multiplyGenerator(randomScalar());
  const mulGas: number[] = [];
  for (let run = 0; run < runs; run++) {
    const [, , gas] = await harness.mul(base.x, base.y, randomScalar());
    mulGas.push(Number(gas));
  }
  const points = (n: number): Point[] => Array.from({ length: n }, () => multiplyGenerator(randomScalar()));
  const sumGas = async (list: Point[]) => Number((await harness.sum(list.map((p) => p.x), list.map((p) => p.y)))[2]);
  const sum16Gas = await sumGas(points(16));
  const long = await sumGas(points(256));
  return { mulGas, sum16Gas, perPointGas: (long - sum16Gas) / 240 };
}

export interface SealedElectionFigures {
  proveSeconds: number[];
  castVoteGas: number;
  castVotesPerBallotGas: number;
  batchSize: number;
  communicationKeyGas: number[];
  dealingGas: number[];
  fixKeyGas: number;
  decryptionProveSeconds: number[];
  decryptionGas: number[];
  finalizeGas: number;
  threshold: number;
  trustees: number;
}

/**
 * A whole 3-of-5 sealed election on Hardhat's in-process network through lib/sealed/flow:
 * ceremony, `batchSize + 1` proven 8-option-circuit ballots (one castVote, one castVotes of
 * batchSize), close, three trustees' proven partial decryptions (two absent), the checked tally.
 */
export async function measureSealedElection(batchSize: number, log: (line: string) => void = () => undefined): Promise<SealedElectionFigures> {
  const hre = (await import("hardhat")).default;
  await hre.run("compile", { quiet: true });
  const flow = await import("../lib/sealed/flow/election");
  const { proveSealedBallot } = await import("../lib/sealed/flow/prover");
  const { identityFromSecret } = await import("../lib/core/identity");
  const { VoterRoll } = await import("../lib/core/voterRoll");
  const { singleChoice } = await import("../lib/sealed/ballot");
  const signers = await hre.ethers.getSigners();
  const [admin] = signers;
  const trustees = signers.slice(1, 6);
  const contract = await flow.deploySealedZkBallot(admin);
  const options = 4;
  const { electionId, electionScope } = await flow.createSealedElection(contract, { title: "bench", numOptions: options, minSelections: 1, maxSelections: 1, registrar: admin.address, trustees: trustees.map((t) => t.address), threshold: 3 });
  const ceremony = await flow.runLocalKeyCeremony(contract, electionId, trustees, admin);
  const [, , , key] = await contract.getElection(electionId);
  const voters = await Promise.all(Array.from({ length: batchSize + 1 }, (_, i) => identityFromSecret(BigInt(7_000 + i))));
  const roll = await VoterRoll.build(voters.map((v) => v.voterCommitment));
  await contract.publishVoterCommitments(electionId, 0, voters.map((v) => v.voterCommitment));
  await contract.openVoting(electionId, roll.root);
  const ballots = [];
  for (const [i, voter] of voters.entries()) {
    ballots.push(await proveSealedBallot({ identitySecret: voter.identitySecret, path: roll.pathOf(voter.voterCommitment), electionScope, electionKey: { x: key[0], y: key[1] }, rule: singleChoice(options), selected: [i % options] }));
    log(`  sealed ballot ${i + 1}/${voters.length}: ${ballots[i].provingMs} ms`);
  }
  const single = await flow.castSealedBallot(contract, electionId, ballots[0]);
  const batch = await flow.castSealedBallots(contract, electionId, ballots.slice(1));
  await contract.closeElection(electionId);
  const decryptionGas: number[] = [];
  const decryptionProveSeconds: number[] = [];
  for (const t of [1, 2, 4]) {
    const share = await flow.deriveTrusteeShare(contract, electionId, t, ceremony.keys[t - 1], ceremony.ownShares[t - 1]);
    const { receipt, provingMs } = await flow.trusteeDecrypt(contract.connect(trustees[t - 1]), electionId, t, share);
    decryptionGas.push(Number(receipt.gasUsed));
    decryptionProveSeconds.push(provingMs / 1000);
  }
  const { counts, receipt } = await flow.finalizeSealedTally(contract, electionId);
  const expected = Array.from({ length: options }, (_, j) => voters.filter((_, i) => i % options === j).length);
  if (counts.some((c, j) => c !== expected[j])) throw new Error(`sealed tally ${counts.join(",")} differs from the plaintext tally ${expected.join(",")}`);
  return {
    proveSeconds: ballots.map((b) => b.provingMs / 1000),
    castVoteGas: Number(single.gasUsed),
    castVotesPerBallotGas: Number(batch.gasUsed) / batchSize,
    batchSize,
    communicationKeyGas: ceremony.gas.communicationKey.map(Number),
    dealingGas: ceremony.gas.dealing.map(Number),
    fixKeyGas: Number(ceremony.gas.fixKey),
    decryptionProveSeconds,
    decryptionGas,
    finalizeGas: Number(receipt.gasUsed),
    threshold: 3,
    trustees: 5,
  };
}
