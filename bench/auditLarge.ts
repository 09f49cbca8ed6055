/**
 * The 1M-voter audit's off-chain stages, without the 40-minute e2e (bench/e2e.ts): the
 * VoteCast-free part of the chain data is synthesised exactly as ZkBallot emits it
 * (VoterCommitmentsPublished events of 5,000 commitments, ABI-encoded with the contract's
 * interface), then each stage of lib/audit runs on it as the auditor runs it: ABI decoding, the
 * running keccak roll digest, the Poseidon roll root, and the re-verification of every ballot's
 * proof. NOT covered: eth_getLogs over JSON-RPC (the node's side and the transfer), block and
 * transaction look-ups, and the verifier compilation (cached, lib/audit/compileCache.ts).
 */
import { createHash } from "node:crypto";

import { ZkBallot__factory } from "../typechain-types";
import { zkBallotEvents } from "../lib/chain/zkBallotEvents";
import { fastVoterRollDigest } from "../lib/audit/checks/voterRoll";
import { computeVoterRollDigest } from "../lib/chain/election";
import { SNARK_SCALAR_FIELD } from "../lib/core/constants";
import { fastRollRoot } from "../lib/node/fastRoll";
import { verifyVoteProofs, type ProofItem } from "../lib/proving/batchVerify";

export interface LargeAuditStages {
  decodeSeconds: number;
  digestSeconds: number;
  /** The old digest path (an ABI encoder per commitment), measured on `referenceSample` commitments and scaled. */
  referenceDigestSecondsScaled: number;
  referenceSample: number;
  rollRootSeconds: number;
  proofsSeconds: number;
  ballotsPerSecond: number;
  totalSeconds: number;
}

function fillerCommitment(i: number): bigint {
  const value = BigInt("0x" + createHash("sha256").update(`zkballot bench filler ${i}`).digest("hex")) >> 4n;
  return value === 0n ? 1n : value % SNARK_SCALAR_FIELD;
}

const seconds = (started: number) => (performance.now() - started) / 1000;

export async function measureLargeAuditStages(options: { rollSize: number; proofs: ProofItem[]; batchSize?: number; log: (line: string) => void }): Promise<LargeAuditStages> {
  const { rollSize, proofs, log } = options;
  const batchSize = options.batchSize ?? 5_000;
  const iface = ZkBallot__factory.createInterface();
  const event = iface.getEvent("VoterCommitmentsPublished")!;
  const registrar = "0x" + "11".repeat(20);
  log(`  synthesising ${Math.ceil(rollSize / batchSize)} VoterCommitmentsPublished events (${rollSize.toLocaleString("en-US")} commitments)`);
  const logs: { topics: string[]; data: string }[] = [];
  for (let first = 0; first < rollSize; first += batchSize) {
    const batch = Array.from({ length: Math.min(batchSize, rollSize - first) }, (_, k) => fillerCommitment(first + k));
    logs.push(iface.encodeEventLog(event, [1n, registrar, BigInt(first), batch, "0x" + "00".repeat(32)]));
  }
  let started = performance.now();
  const batches = logs.map((entry) => zkBallotEvents().decodeAs("VoterCommitmentsPublished", entry).args.voterCommitments);
  const decodeSeconds = seconds(started);
  log(`  decode: ${decodeSeconds.toFixed(1)} s`);
  started = performance.now();
  let digest = "0x" + "00".repeat(32);
  for (const batch of batches) digest = fastVoterRollDigest(batch, digest);
  const digestSeconds = seconds(started);
  log(`  digest: ${digestSeconds.toFixed(1)} s`);
  const referenceSample = Math.min(rollSize, 20_000);
  started = performance.now();
  computeVoterRollDigest(batches.flat().slice(0, referenceSample));
  const referenceDigestSecondsScaled = seconds(started) * (rollSize / referenceSample);
  const commitments = batches.flat();
  started = performance.now();
  await fastRollRoot(commitments, { depth: 20 });
  const rollRootSeconds = seconds(started);
  log(`  roll root: ${rollRootSeconds.toFixed(1)} s`);
  await verifyVoteProofs(proofs.slice(0, 8)); // warm-up, as the audit bench does
  started = performance.now();
  const verdicts = await verifyVoteProofs(proofs);
  const proofsSeconds = seconds(started);
  if (!verdicts.every(Boolean)) throw new Error("a valid proof was rejected");
  log(`  ${proofs.length} proofs: ${proofsSeconds.toFixed(1)} s`);
  return {
    decodeSeconds, digestSeconds, referenceDigestSecondsScaled, referenceSample, rollRootSeconds, proofsSeconds,
    ballotsPerSecond: proofs.length / proofsSeconds, totalSeconds: decodeSeconds + digestSeconds + rollRootSeconds + proofsSeconds,
  };
}
