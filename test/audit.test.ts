import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { runInNewContext } from "node:vm";

import { AbiCoder, JsonRpcProvider, NonceManager, Wallet, keccak256, toBeHex, zeroPadValue, type Interface, type Provider } from "ethers";
import { ethers, network } from "hardhat";

import { auditElection, formatAuditSummary, renderAuditHtml, type AuditReport } from "../lib/audit/audit";
import {
  castPreparedBallot,
  closeElection,
  createElection,
  deployZkBallot,
  fetchVoterRoll,
  openVoting,
  prepareBallot,
  publishVoterRoll,
} from "../lib/chain/election";
import { createIdentity, type VoterIdentity } from "../lib/core/identity";
import { loadVerificationKey, releaseSnarkjs } from "../lib/proving/prover";
import { VERIFIER_CONTRACT_NAME, renderVerifierSource } from "../lib/proving/setup";
import { compileStandalone } from "../lib/proving/solidity";
import { deployVoteBatchVerifier } from "../lib/proving/batchVerifierContract";
import { VoterRoll } from "../lib/core/voterRoll";
import { loadManifest } from "../lib/proving/artifacts";
import { toHex32 } from "../lib/core/field";
import { ANVIL_KEYS, startAnvil } from "./helpers/processes";
import { VoteVerifier__factory, OperatorForwarder__factory, ZkBallotWithoutCoordinateCheck__factory, ZkBallot__factory, type ZkBallot } from "../typechain-types";
import { BN254_BASE_FIELD } from "../lib/core/constants";
import { checkMyBallot } from "../lib/chain/results";

// Storage layout of ZkBallot (constants and immutables take no slot).
const ELECTIONS_SLOT = 1n;
const TALLIES_SLOT = 2n;
const NULLIFIER_BLOCKS_SLOT = 3n;
const coder = AbiCoder.defaultAbiCoder();
const mappingSlot = (key: bigint, slot: bigint) => BigInt(keccak256(coder.encode(["uint256", "uint256"], [key, slot])));
const asWord = (value: bigint) => zeroPadValue(toBeHex(value), 32);

async function setStorage(contract: string, slot: bigint, value: bigint): Promise<void> {
  await network.provider.send("hardhat_setStorageAt", [contract, toBeHex(slot), asWord(value)]);
}
async function getStorage(contract: string, slot: bigint): Promise<bigint> {
  return BigInt(await ethers.provider.getStorage(contract, slot));
}

function check(report: AuditReport, id: string) {
  const found = report.checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id}`);
  return found;
}

function expectOnlyFailures(report: AuditReport, failing: string[]): void {
  const failed = report.checks.filter((c) => c.status === "fail").map((c) => c.id);
  expect(failed, formatAuditSummary(report)).to.include.members(failing);
  expect(report.result.ok).to.equal(false);
}

const DAY = 24 * 3600;

describe("auditor", function () {
  this.timeout(300_000);
  after(() => releaseSnarkjs());

  async function electionFixture() {
    const [operator, registrar, relayer] = await ethers.getSigners();
    const zkBallot = await deployZkBallot(operator);
    const votingEndsAt = (await time.latest()) + DAY;
    const { electionId } = await createElection(zkBallot, { title: "Audit me", numOptions: 3, registrar: registrar.address, votingEndsAt });
    const voters: VoterIdentity[] = [];
    for (let i = 0; i < 6; i++) voters.push(await createIdentity());
    await publishVoterRoll(zkBallot.connect(registrar), electionId, voters.map((v) => v.voterCommitment), { batchSize: 4 });
    await openVoting(zkBallot.connect(registrar), electionId);
    const voterRoll = await VoterRoll.build(await fetchVoterRoll(zkBallot, electionId));
    const asRelayer = zkBallot.connect(relayer);
    const prepared = [];
    for (const [i, option] of [0, 2, 2].entries()) {
      const ballot = await prepareBallot({ zkBallot: asRelayer, electionId, identity: voters[i], option, voterRoll });
      await castPreparedBallot(asRelayer, ballot);
      prepared.push(ballot);
    }
    return { zkBallot, electionId, voters, voterRoll, prepared, operator, registrar, relayer, votingEndsAt };
  }

  const audit = (zkBallot: ZkBallot, electionId: bigint, extra: Partial<Parameters<typeof auditElection>[0]> = {}) =>
    zkBallot.getAddress().then((contractAddress) => auditElection({ provider: ethers.provider, contractAddress, electionId, ...extra }));

  it("passes a clean election, with the record of every operator action", async () => {
    const { zkBallot, electionId, operator, registrar } = await loadFixture(electionFixture);
    await closeElection(zkBallot, electionId);
    const report = await audit(zkBallot, electionId);
    expect(report.result.ok, formatAuditSummary(report)).to.equal(true);
    expect(report.checks.map((c) => c.id)).to.deep.equal(["election-record", "voter-roll", "verifier-integrity", "ballots", "tally", "unexplained"]);
    expect(check(report, "verifier-integrity").status).to.equal("warn"); // the development setup is reported as insecure
    expect(check(report, "verifier-integrity").warnings[0]).to.match(/INSECURE trusted setup/);
    expect(check(report, "tally").status).to.equal("pass");
    expect(check(report, "ballots").evidence.verified).to.equal(3);
    expect(check(report, "tally").evidence.recount).to.deep.equal(["1", "0", "2"]);
    expect(report.operations.map((op) => [op.action, op.actor, op.transactionFrom])).to.deep.equal([
      ["ElectionCreated", operator.address, operator.address],
      ["VoterCommitmentsPublished", registrar.address, registrar.address],
      ["VoterCommitmentsPublished", registrar.address, registrar.address],
      ["VotingOpened", registrar.address, registrar.address],
      ["ElectionClosed", operator.address, operator.address],
    ]);
    const html = renderAuditHtml(report, ["a", "b", "c"]);
    expect(html).to.match(/<svg[^>]*aria-label="tally"/);
    expect(html).to.include("PASS");
  });

  it("shows the evidence of passing checks in the JSON and the HTML, lists every ballot with a working search, wraps long values and makes no external request", async () => {
    const { zkBallot, electionId, prepared, voters } = await loadFixture(electionFixture);
    await closeElection(zkBallot, electionId);
    const report = await audit(zkBallot, electionId);
    expect(report.result.ok, formatAuditSummary(report)).to.equal(true);
    const election = await zkBallot.getElection(electionId);
    const roll = check(report, "voter-roll").evidence;
    expect(roll).to.include({ recomputedRoot: election.voterRollRoot.toString(), frozenRoot: election.voterRollRoot.toString(), voterCount: voters.length, onChainVoterCount: voters.length, voterRollDigest: election.voterRollDigest, onChainVoterRollDigest: election.voterRollDigest });
    const verifier = check(report, "verifier-integrity").evidence;
    expect(verifier.verifierCodeHash).to.equal(keccak256(await ethers.provider.getCode(await zkBallot.VERIFIER())));
    expect(verifier.batchVerifierCodeHash).to.equal(keccak256(await ethers.provider.getCode(await zkBallot.BATCH_VERIFIER())));
    expect(verifier.verificationKeySha256).to.equal(loadManifest().files["circuits/build/verification_key.json"]);
    expect(check(report, "tally").evidence).to.deep.include({ recount: ["1", "0", "2"], onChain: ["1", "0", "2"], final: ["1", "0", "2"] });
    expect(report.ballots.map((b) => [b.nullifier, b.option, b.verified])).to.deep.equal(prepared.map((p, i) => [toHex32(p.nullifier), [0, 2, 2][i], true]));
    expect(report.ballots.every((b) => /^0x[0-9a-f]{64}$/.test(b.transactionHash) && b.blockNumber > 0)).to.equal(true);

    const html = renderAuditHtml(report, ["a", "b", "c"]);
    // Evidence next to what the chain states, in the comparison table.
    const evidenceTable = html.slice(html.indexOf('<table id="evidence">'), html.indexOf("</table>", html.indexOf('<table id="evidence">')));
    for (const value of [election.voterRollRoot.toString(), election.voterRollDigest, String(verifier.verifierCodeHash), String(verifier.batchVerifierCodeHash), String(verifier.verificationKeySha256), "recount of verified ballots: 1, 0, 2", "on-chain: 1, 0, 2"]) {
      expect(evidenceTable, value).to.include(value);
    }
    expect(evidenceTable.split(election.voterRollRoot.toString()).length - 1).to.equal(2); // recomputed and frozen
    for (const b of report.ballots) expect(html).to.include(b.nullifier).and.to.include(b.transactionHash);
    // Self-contained: no external resource of any kind.
    expect(html).not.to.match(/<(link|img|iframe)\b|\bsrc=|href=|url\(|@import|fetch\(|XMLHttpRequest/i);
    expect(html).to.match(/td,th\{[^}]*overflow-wrap:anywhere/);
    expect(html).to.match(/code\{[^}]*overflow-wrap:anywhere/);

    // The inline search, run against a minimal DOM: typing a nullifier leaves only that ballot's row.
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)![1];
    const rows = report.ballots.map((b) => ({ textContent: `${b.nullifier} ${b.option} ${b.blockNumber} ${b.transactionHash}`, hidden: false }));
    let onInput: () => void = () => undefined;
    const input = { value: "", addEventListener: (_: string, listener: () => void) => (onInput = listener) };
    const count = { textContent: "" };
    const document = { getElementById: (id: string) => (id === "ballot-search" ? input : count), querySelectorAll: () => rows };
    runInNewContext(script, { document });
    input.value = ` ${report.ballots[1].nullifier.slice(0, 20).toUpperCase()} `;
    onInput();
    expect(rows.map((row) => row.hidden)).to.deep.equal([true, false, true]);
    expect(count.textContent).to.equal("1");
    input.value = "";
    onInput();
    expect(rows.map((row) => row.hidden)).to.deep.equal([false, false, false]);
  });

  it("reads the acting operator from the events: an admin and a registrar that are contracts (a multisig stand-in) pass the audit", async () => {
    const [operator, registrar, relayer] = await ethers.getSigners();
    const zkBallot = await deployZkBallot(operator);
    const adminWallet = await new OperatorForwarder__factory(operator).deploy();
    const registrarWallet = await new OperatorForwarder__factory(registrar).deploy();
    const [adminAddress, registrarAddress, target] = [await adminWallet.getAddress(), await registrarWallet.getAddress(), await zkBallot.getAddress()];
    const iface = zkBallot.interface as unknown as Interface;
    const asAdmin = (fn: string, args: unknown[]) => adminWallet.forward(target, iface.encodeFunctionData(fn, args)).then((tx) => tx.wait());
    const asRegistrar = (fn: string, args: unknown[]) => registrarWallet.forward(target, iface.encodeFunctionData(fn, args)).then((tx) => tx.wait());

    await asAdmin("createElection", [{ title: "Run by a multisig", numOptions: 2, minSelections: 1, maxSelections: 1, metadataURI: "", metadataHash: keccak256("0x"), registrar: registrar.address, votingStartsAt: 0, votingEndsAt: 0 }]);
    const electionId = await zkBallot.electionCount();
    expect((await zkBallot.getElection(electionId)).admin).to.equal(adminAddress);
    await asAdmin("setRegistrar", [electionId, registrarAddress]);
    const voters = [await createIdentity(), await createIdentity()];
    await asRegistrar("publishVoterCommitments", [electionId, 0, voters.map((v) => v.voterCommitment)]);
    const voterRoll = await VoterRoll.build(voters.map((v) => v.voterCommitment));
    await asRegistrar("openVoting", [electionId, voterRoll.root]);
    await castPreparedBallot(zkBallot.connect(relayer), await prepareBallot({ zkBallot: zkBallot.connect(relayer), electionId, identity: voters[0], option: 1, voterRoll }));
    await asAdmin("closeElection", [electionId]);

    const report = await audit(zkBallot, electionId);
    expect(report.result.ok, formatAuditSummary(report)).to.equal(true);
    expect(report.operations.map((op) => [op.action, op.actor, op.transactionFrom])).to.deep.equal([
      ["ElectionCreated", adminAddress, operator.address],
      ["RegistrarChanged", adminAddress, operator.address],
      ["VoterCommitmentsPublished", registrarAddress, registrar.address],
      ["VotingOpened", registrarAddress, registrar.address],
      ["ElectionClosed", adminAddress, operator.address],
    ]);
  });

  it("on a chain that is not a local development chain (against a real anvil node with chain id 11155111), a development setup fails the verdict", async () => {
    const node = await startAnvil({ chainId: 11155111 });
    try {
      const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
      const [operator, registrar] = ANVIL_KEYS.map((key) => new NonceManager(new Wallet(key, provider)));
      const zkBallot = await deployZkBallot(operator, { allowInsecureDevSetup: true });
      const { electionId } = await createElection(zkBallot, { title: "Testnet rehearsal", numOptions: 2, registrar: await registrar.getAddress() });
      const voters = [await createIdentity(), await createIdentity()];
      await publishVoterRoll(zkBallot.connect(registrar), electionId, voters.map((v) => v.voterCommitment));
      await openVoting(zkBallot.connect(registrar), electionId);
      const voterRoll = await VoterRoll.build(await fetchVoterRoll(zkBallot, electionId));
      await castPreparedBallot(zkBallot, await prepareBallot({ zkBallot, electionId, identity: voters[1], option: 0, voterRoll }));
      const report = await auditElection({ provider, contractAddress: await zkBallot.getAddress(), electionId });
      expect(report.chainId).to.equal("11155111");
      expectOnlyFailures(report, ["verifier-integrity"]);
      expect(report.checks.filter((c) => c.status === "fail").map((c) => c.id)).to.deep.equal(["verifier-integrity"]);
      const finding = check(report, "verifier-integrity").findings.find((f) => f.code === "INSECURE_SETUP");
      expect(finding?.message).to.match(/INSECURE trusted setup on chain 11155111, which is not a local development chain/);
      expect(formatAuditSummary(report)).to.match(/RESULT: FAIL/);
      expect(renderAuditHtml(report, ["yes", "no"])).to.match(/<h2 id="verdict"[^>]*>FAIL/);
      expect(check(report, "ballots").status).to.equal("pass"); // everything else holds
    } finally {
      node.stop();
    }
  });

  it("on a contract that lets non-canonical proofs in (the pre-fix check path), names each such ballot, fails ballots and tally, and my-ballot reports it without throwing", async () => {
    const [operator, registrar, relayer] = await ethers.getSigners();
    const current = await deployZkBallot(operator); // for its verifiers
    const legacy = await new ZkBallotWithoutCoordinateCheck__factory(operator).deploy(await current.VERIFIER(), await current.BATCH_VERIFIER(), await current.ROLL_DEPTH());
    const zkBallot = ZkBallot__factory.connect(await legacy.getAddress(), relayer);
    const { electionId } = await createElection(zkBallot.connect(operator), { title: "Re-encoded", numOptions: 3, registrar: registrar.address });
    const voters = [await createIdentity(), await createIdentity(), await createIdentity()];
    await publishVoterRoll(zkBallot.connect(registrar), electionId, voters.map((v) => v.voterCommitment));
    await openVoting(zkBallot.connect(registrar), electionId);
    const voterRoll = await VoterRoll.build(await fetchVoterRoll(zkBallot, electionId));
    const [b0, b1, b2] = await Promise.all([0, 1, 2].map((i) => prepareBallot({ zkBallot, electionId, identity: voters[i], option: i, voterRoll })));
    // A.y re-encoded as y + 2^256 - q: the generated verifier reduces it to the honest value.
    const reencode = (proof: readonly bigint[]) => proof.map((v, i) => (i === 1 ? v + (1n << 256n) - BN254_BASE_FIELD : v)) as typeof b0.proof;
    const viaCastVote = await castPreparedBallot(zkBallot, { ...b0, proof: reencode(b0.proof) });
    const entry = (b: typeof b0, proof = b.proof) => ({ electionId, ballot: b.ballot, nullifier: b.nullifier, proof });
    // Batch of two: the batch verifier refuses the alias, the one-by-one fallback counts it.
    const viaFallback = (await (await zkBallot.castVotes([entry(b1), entry(b2, reencode(b2.proof))])).wait())!;
    expect(await zkBallot.tallies(electionId)).to.deep.equal([1n, 1n, 1n]);

    const report = await audit(zkBallot, electionId);
    expectOnlyFailures(report, ["ballots", "tally"]);
    const named = check(report, "ballots").findings.filter((f) => f.code === "NON_CANONICAL_PROOF");
    expect(named.map((f) => f.transactionHash)).to.deep.equal([viaCastVote.hash, viaFallback.hash]);
    expect(named[0].message).to.match(/non-canonical proof encoding: coordinate 1 \(A\.y\) .* not below the base field order q/);
    expect(check(report, "ballots").evidence).to.include({ voteCastEvents: 3, verified: 1, nonCanonicalProofs: 2 });
    expect(check(report, "tally").evidence.recount).to.deep.equal(["0", "1", "0"]);
    expect(formatAuditSummary(report)).to.match(/RESULT: FAIL/);

    const mine = await checkMyBallot(zkBallot, electionId, voters[0]);
    expect(mine).to.include({ voted: true, proofVerifiedOffChain: false });
    expect(mine.proofProblem?.code).to.equal("NON_CANONICAL_PROOF");
    expect(mine.proofProblem?.message).to.match(/coordinate 1 \(A\.y\)/);
    expect(mine.record?.transactionHash).to.equal(viaCastVote.hash);
    const honest = await checkMyBallot(zkBallot, electionId, voters[1]);
    expect(honest).to.include({ voted: true, proofVerifiedOffChain: true, countedInTally: true });
    expect(honest.proofProblem).to.equal(undefined);
  });

  it("fails the roll check when the frozen root is not the root of the published commitments", async () => {
    const [operator, registrar] = await ethers.getSigners();
    const zkBallot = await deployZkBallot(operator);
    const { electionId } = await createElection(zkBallot, { title: "Bad root", numOptions: 2, registrar: registrar.address });
    const voters = [await createIdentity(), await createIdentity(), await createIdentity()];
    await publishVoterRoll(zkBallot.connect(registrar), electionId, voters.map((v) => v.voterCommitment));
    const wrongRoot = (await VoterRoll.build(voters.slice(0, 2).map((v) => v.voterCommitment))).root; // one voter left out
    const receipt = await (await zkBallot.connect(registrar).openVoting(electionId, wrongRoot)).wait();
    const report = await audit(zkBallot, electionId);
    expectOnlyFailures(report, ["voter-roll"]);
    const finding = check(report, "voter-roll").findings.find((f) => /frozen root .* is not the Poseidon root/.test(f.message));
    expect(finding?.transactionHash).to.equal(receipt!.hash);
    expect(finding?.blockNumber).to.equal(receipt!.blockNumber);
  });

  it("fails the verifier check for a verifier built from a different key", async () => {
    const [operator] = await ethers.getSigners();
    const otherKey = structuredClone(loadVerificationKey()) as { IC: string[][] };
    [otherKey.IC[1], otherKey.IC[2]] = [otherKey.IC[2], otherKey.IC[1]];
    const { bytecode } = compileStandalone("VoteVerifier.sol", renderVerifierSource(otherKey as unknown as Record<string, unknown>), VERIFIER_CONTRACT_NAME);
    const otherVerifier = await new ethers.ContractFactory(VoteVerifier__factory.abi, bytecode, operator).deploy();
    const batchVerifier = await deployVoteBatchVerifier(operator);
    const zkBallot = await new ZkBallot__factory(operator).deploy(await otherVerifier.getAddress(), await batchVerifier.getAddress(), 20);
    const { electionId } = await createElection(zkBallot, { title: "Swapped verifier", numOptions: 2, registrar: operator.address });
    const report = await audit(zkBallot, electionId);
    expectOnlyFailures(report, ["verifier-integrity"]);
    expect(check(report, "verifier-integrity").findings.map((f) => f.message)).to.deep.equal([
      `the code at ${await otherVerifier.getAddress()} is not the verifier compiled from the published verification key`,
    ]);

    // The clean deployment fails too when audited against the other key.
    const clean = await loadFixture(electionFixture);
    const againstOtherKey = await audit(clean.zkBallot, clean.electionId, { verificationKey: otherKey as unknown as Record<string, unknown> });
    expectOnlyFailures(againstOtherKey, ["verifier-integrity", "ballots", "tally"]);
  });

  it("fails the verifier check for a batch verifier with another key, or with code that is not VoteBatchVerifier", async () => {
    const [operator] = await ethers.getSigners();
    const otherKey = structuredClone(loadVerificationKey()) as { IC: string[][] };
    [otherKey.IC[1], otherKey.IC[2]] = [otherKey.IC[2], otherKey.IC[1]];
    const verifier = await new VoteVerifier__factory(operator).deploy();
    const otherBatchVerifier = await deployVoteBatchVerifier(operator, otherKey);
    const withOtherKey = await new ZkBallot__factory(operator).deploy(await verifier.getAddress(), await otherBatchVerifier.getAddress(), 20);
    const first = await createElection(withOtherKey, { title: "Batch verifier with another key", numOptions: 2, registrar: operator.address });
    const report = await audit(withOtherKey, first.electionId);
    expectOnlyFailures(report, ["verifier-integrity"]);
    expect(check(report, "verifier-integrity").findings.map((f) => f.message)).to.deep.equal(["the batch verifier's ic differs from the published verification key"]);
    expect(check(report, "verifier-integrity").evidence.batchVerifier).to.equal(await otherBatchVerifier.getAddress());

    // The single-proof verifier in the batch verifier's place: code, not key, differs.
    const verifierAddress = await verifier.getAddress();
    const withWrongCode = await new ZkBallot__factory(operator).deploy(verifierAddress, verifierAddress, 20);
    const second = await createElection(withWrongCode, { title: "Batch verifier with other code", numOptions: 2, registrar: operator.address });
    const wrongCode = await audit(withWrongCode, second.electionId);
    expectOnlyFailures(wrongCode, ["verifier-integrity"]);
    expect(check(wrongCode, "verifier-integrity").findings.map((f) => f.message)).to.deep.equal([
      `the code at ${verifierAddress} is not VoteBatchVerifier as compiled from contracts/verifiers/VoteBatchVerifier.sol`,
    ]);
  });

  it("fails the tally check when a tally slot is corrupted", async () => {
    const { zkBallot, electionId } = await loadFixture(electionFixture);
    const address = await zkBallot.getAddress();
    const slot = mappingSlot(electionId, TALLIES_SLOT) + 1n; // option 1
    expect(await getStorage(address, slot)).to.equal((await zkBallot.tallies(electionId))[1]);
    await setStorage(address, slot, 7n);
    expect((await zkBallot.tallies(electionId))[1]).to.equal(7n);
    const report = await audit(zkBallot, electionId);
    expectOnlyFailures(report, ["tally"]);
    expect(check(report, "tally").findings[0].message).to.match(/on-chain tally \[1, 7, 2\] differs from the recount of verified ballots \[1, 0, 2\]/);
    expect(check(report, "ballots").status).to.equal("pass");
  });

  it("fails the ballot check on a double vote, naming both transactions", async () => {
    const { zkBallot, electionId, prepared, relayer } = await loadFixture(electionFixture);
    const address = await zkBallot.getAddress();
    const first = (await zkBallot.queryFilter(zkBallot.filters.VoteCast(electionId, prepared[0].nullifier)))[0];
    // Corrupt the contract's memory of the spent nullifier, then replay the same proof.
    const slot = mappingSlot(prepared[0].nullifier, mappingSlot(electionId, NULLIFIER_BLOCKS_SLOT));
    expect(await getStorage(address, slot)).to.equal(BigInt(first.blockNumber));
    await setStorage(address, slot, 0n);
    const replay = await castPreparedBallot(zkBallot.connect(relayer), prepared[0]);
    const report = await audit(zkBallot, electionId);
    expectOnlyFailures(report, ["ballots", "tally"]);
    const finding = check(report, "ballots").findings[0];
    expect(finding.message).to.include(`already used in block ${first.blockNumber} (tx ${first.transactionHash}): a double vote`);
    expect(finding.transactionHash).to.equal(replay.hash);
  });

  it("fails the ballot check for a ballot cast outside the voting window", async () => {
    const { zkBallot, electionId, voters, voterRoll, relayer, votingEndsAt } = await loadFixture(electionFixture);
    const address = await zkBallot.getAddress();
    await time.increaseTo(votingEndsAt + 10);
    // Stretch the end time in storage so the contract accepts a late ballot, then put it back.
    const electionSlot = mappingSlot(electionId, ELECTIONS_SLOT);
    const packed = await getStorage(address, electionSlot);
    const endsAtShift = 80n; // phase (8 bits), numOptions (8), votingStartsAt (64), then votingEndsAt (64)
    const mask = ((1n << 64n) - 1n) << endsAtShift;
    expect((packed & mask) >> endsAtShift).to.equal(BigInt(votingEndsAt));
    await setStorage(address, electionSlot, (packed & ~mask) | (BigInt(votingEndsAt + DAY) << endsAtShift));
    const late = await prepareBallot({ zkBallot: zkBallot.connect(relayer), electionId, identity: voters[4], option: 1, voterRoll });
    const receipt = await castPreparedBallot(zkBallot.connect(relayer), late);
    await setStorage(address, electionSlot, packed);
    const report = await audit(zkBallot, electionId);
    expectOnlyFailures(report, ["ballots", "tally"]);
    const finding = check(report, "ballots").findings.find((f) => /outside the voting window/.test(f.message));
    expect(finding?.transactionHash).to.equal(receipt.hash);
  });

  it("reports state that no event explains", async () => {
    const { zkBallot, electionId } = await loadFixture(electionFixture);
    const address = await zkBallot.getAddress();
    const electionSlot = mappingSlot(electionId, ELECTIONS_SLOT);
    const packed = await getStorage(address, electionSlot);
    await setStorage(address, electionSlot, (packed & ~0xffn) | 3n); // phase Closed, without ElectionClosed
    const report = await audit(zkBallot, electionId);
    expectOnlyFailures(report, ["unexplained"]);
    expect(check(report, "unexplained").findings[0].message).to.match(/the contract says phase Closed but its events lead to Voting/);
  });

  it("survives a range-limited, flaky RPC and resumes from its log cache", async () => {
    const { zkBallot, electionId } = await loadFixture(electionFixture);
    let calls = 0;
    let refusedRanges = 0;
    const flaky = new Proxy(ethers.provider, {
      get(target, property, receiver) {
        if (property === "getLogs") {
          return async (filter: { fromBlock: number; toBlock: number }) => {
            calls++;
            if (filter.toBlock - filter.fromBlock + 1 > 3) {
              refusedRanges++;
              throw new Error("query exceeds max block range 3");
            }
            if (calls % 3 === 0) throw new Error("503 service unavailable");
            return target.getLogs(filter);
          };
        }
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }) as unknown as Provider;
    const cacheDir = await import("node:fs").then((fs) => fs.mkdtempSync(`${require("node:os").tmpdir()}/zkballot-audit-`));
    const report = await audit(zkBallot, electionId, { provider: flaky, fromBlock: 0, cacheDir, cacheConfirmations: 0 });
    expect(report.result.ok, formatAuditSummary(report)).to.equal(true);
    expect(refusedRanges).to.be.greaterThan(0);
    expect(check(report, "ballots").evidence.verified).to.equal(3);

    const callsBefore = calls;
    const again = await audit(zkBallot, electionId, { provider: flaky, fromBlock: 0, cacheDir, cacheConfirmations: 0 });
    expect(again.result.ok).to.equal(true);
    expect(calls - callsBefore).to.equal(0); // everything came from the cache
  });
});

describe("auditor building blocks", function () {
  this.timeout(60_000);

  it("the fast roll digest equals the contract's digest as computeVoterRollDigest states it, from the empty and from a running digest", async () => {
    const { fastVoterRollDigest } = await import("../lib/audit/checks/voterRoll");
    const { computeVoterRollDigest } = await import("../lib/chain/election");
    const commitments = [1n, 2n, (1n << 253n) + 12345n, 0xffn];
    const empty = "0x" + "00".repeat(32);
    expect(fastVoterRollDigest(commitments, empty)).to.equal(computeVoterRollDigest(commitments, empty));
    const running = computeVoterRollDigest([7n]);
    expect(fastVoterRollDigest(commitments, running)).to.equal(computeVoterRollDigest(commitments, running));
    expect(fastVoterRollDigest([], running)).to.equal(running);
    expect(fastVoterRollDigest([2n, 1n], empty)).not.to.equal(fastVoterRollDigest([1n, 2n], empty));
  });

  it("uses a cached compilation only when its key matches: a tampered or foreign entry is recompiled, never trusted", async () => {
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const { compileCached, compileCacheKey, compileCacheDirectory } = await import("../lib/audit/compileCache");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-compile-cache-"));
    try {
      const sources = { "A.sol": "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\ncontract A { function f() external pure returns (uint256) { return 42; } }\n" };
      const first = compileCached(sources, "A.sol", "A", dir);
      expect(first.cacheHit).to.equal(false);
      const key = compileCacheKey(sources, "A.sol", "A");
      const file = path.join(dir, `${key}.json`);
      expect(fs.existsSync(file)).to.equal(true);
      const second = compileCached(sources, "A.sol", "A", dir);
      expect(second).to.deep.equal({ compiled: first.compiled, cacheHit: true });
      // Another source has another key.
      const other = { "A.sol": sources["A.sol"].replace("42", "43") };
      expect(compileCacheKey(other, "A.sol", "A")).not.to.equal(key);
      expect(compileCached(other, "A.sol", "A", dir).cacheHit).to.equal(false);
      // An entry whose stored key differs (copied from elsewhere, or edited) is not used.
      const tampered = JSON.parse(fs.readFileSync(file, "utf8")) as { key: string; compiled: { deployedBytecode: string } };
      fs.writeFileSync(file, JSON.stringify({ key: "0".repeat(64), compiled: { ...tampered.compiled, deployedBytecode: "0x00" } }));
      const afterTamper = compileCached(sources, "A.sol", "A", dir);
      expect(afterTamper.cacheHit).to.equal(false);
      expect(afterTamper.compiled.deployedBytecode).to.equal(first.compiled.deployedBytecode);
      fs.writeFileSync(file, "{ not json");
      expect(compileCached(sources, "A.sol", "A", dir).cacheHit).to.equal(false);
      // The directory: the option, else the environment; "" turns the cache off.
      expect(compileCacheDirectory(dir)).to.equal(dir);
      expect(compileCacheDirectory("")).to.equal(undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads only the audited election's logs (topic filter on electionId), plus the ElectionCreated events it counts", async () => {
    const [operator, registrar] = await ethers.getSigners();
    const zkBallot = await deployZkBallot(operator);
    const one = await createElection(zkBallot, { title: "One", numOptions: 2, registrar: registrar.address });
    const two = await createElection(zkBallot, { title: "Two", numOptions: 2, registrar: registrar.address });
    const voters = [await createIdentity(), await createIdentity(), await createIdentity()];
    await publishVoterRoll(zkBallot.connect(registrar), one.electionId, voters.map((v) => v.voterCommitment), { batchSize: 1 });
    const filters: unknown[] = [];
    const recording = new Proxy(ethers.provider, {
      get(target, property, receiver) {
        if (property === "getLogs") return (filter: { topics?: unknown[] }) => (filters.push(filter.topics), target.getLogs(filter as never));
        const value = Reflect.get(target, property, receiver) as unknown;
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      },
    }) as unknown as Provider;
    const report = await auditElection({ provider: recording, contractAddress: await zkBallot.getAddress(), electionId: two.electionId, fromBlock: 0 });
    expect(report.result.ok, formatAuditSummary(report)).to.equal(true);
    expect(filters.length).to.be.greaterThan(0);
    expect(filters.every((topics) => Array.isArray(topics) && topics.length > 0)).to.equal(true); // never an unfiltered read
    const evidence = check(report, "unexplained").evidence;
    // Election 2's own log (its ElectionCreated) and the two ElectionCreated events: none of election 1's three roll batches.
    expect(evidence).to.include({ logsOfThisElection: 1, logsFetched: 3 });
    const first = await auditElection({ provider: recording, contractAddress: await zkBallot.getAddress(), electionId: one.electionId, fromBlock: 0 });
    expect(check(first, "unexplained").evidence).to.include({ logsOfThisElection: 4, logsFetched: 6 });
    expect(check(first, "voter-roll").evidence.batches).to.equal(3);
  });
  describe("approval elections", function () {
    this.timeout(300_000);
    // Election slot 0 after voterCount: minSelections at bit 208, maxSelections at bit 216.
    const MAX_SELECTIONS_SHIFT = 216n;
    const audit = (zkBallot: ZkBallot, electionId: bigint) => zkBallot.getAddress().then((contractAddress) => auditElection({ provider: ethers.provider, contractAddress, electionId }));

    /** Four options, choose 0 to 2: ballots [0, 2], [2], blank, cast by a relayer. */
    async function approvalFixture() {
      const [operator, registrar, relayer] = await ethers.getSigners();
      const zkBallot = await deployZkBallot(operator);
      const { electionId } = await createElection(zkBallot, { title: "Approve", numOptions: 4, minSelections: 0, maxSelections: 2, registrar: registrar.address });
      const voters: VoterIdentity[] = [];
      for (let i = 0; i < 4; i++) voters.push(await createIdentity());
      await publishVoterRoll(zkBallot.connect(registrar), electionId, voters.map((v) => v.voterCommitment));
      await openVoting(zkBallot.connect(registrar), electionId);
      const voterRoll = await VoterRoll.build(await fetchVoterRoll(zkBallot, electionId));
      const asRelayer = zkBallot.connect(relayer);
      for (const [i, options] of [[0, 2], [2], []].entries()) {
        await castPreparedBallot(asRelayer, await prepareBallot({ zkBallot: asRelayer, electionId, identity: voters[i], option: options, voterRoll }));
      }
      return { zkBallot, electionId, voters, voterRoll, relayer };
    }

    it("passes: every chosen option counted once, the blank ballot verified and counted for none; my-ballot names the choices", async () => {
      const { zkBallot, electionId, voters } = await loadFixture(approvalFixture);
      await closeElection(zkBallot, electionId);
      const report = await audit(zkBallot, electionId);
      expect(report.result.ok, formatAuditSummary(report)).to.equal(true);
      expect(check(report, "tally").evidence).to.deep.include({ recount: ["1", "0", "2", "0"], onChain: ["1", "0", "2", "0"], final: ["1", "0", "2", "0"] });
      expect(check(report, "ballots").evidence.verified).to.equal(3);
      expect(report.election).to.include({ minSelections: 0, maxSelections: 2 });
      expect(report.ballots.map((b) => [b.selections, b.option, b.verified])).to.deep.equal([[[0, 2], null, true], [[2], 2, true], [[], null, true]]);
      const html = renderAuditHtml(report, ["a", "b", "c", "d"]);
      expect(html).to.include("0 (a), 2 (c)").and.to.include("(blank)");

      const mine = await checkMyBallot(zkBallot, electionId, voters[0]);
      expect(mine).to.include({ voted: true, proofVerifiedOffChain: true, countedInTally: true });
      expect(mine.record).to.include({ optionName: "option 0, option 2" });
      expect(mine.record?.selections).to.deep.equal([0, 2]);
    });

    it("fails the tally check when a tally slot is corrupted, and the ballot check for a ballot outside the election's range", async () => {
      const { zkBallot, electionId, voters, voterRoll, relayer } = await loadFixture(approvalFixture);
      const address = await zkBallot.getAddress();
      await setStorage(address, mappingSlot(electionId, TALLIES_SLOT) + 1n, 5n); // option 1
      const corrupted = await audit(zkBallot, electionId);
      expectOnlyFailures(corrupted, ["tally"]);
      expect(check(corrupted, "tally").findings[0].message).to.match(/on-chain tally \[1, 5, 2, 0\] differs from the recount of verified ballots \[1, 0, 2, 0\]/);
      expect(check(corrupted, "ballots").status).to.equal("pass");
      await setStorage(address, mappingSlot(electionId, TALLIES_SLOT) + 1n, 0n);

      // Widen the range in storage so the contract takes a ballot of three options, then put it back.
      const electionSlot = mappingSlot(electionId, ELECTIONS_SLOT);
      const packed = await getStorage(address, electionSlot);
      expect((packed >> MAX_SELECTIONS_SHIFT) & 0xffn).to.equal(2n);
      await setStorage(address, electionSlot, (packed & ~(0xffn << MAX_SELECTIONS_SHIFT)) | (3n << MAX_SELECTIONS_SHIFT));
      const three = await prepareBallot({ zkBallot: zkBallot.connect(relayer), electionId, identity: voters[3], option: [0, 1, 3], voterRoll });
      const receipt = await castPreparedBallot(zkBallot.connect(relayer), three);
      await setStorage(address, electionSlot, packed);
      const report = await audit(zkBallot, electionId);
      expectOnlyFailures(report, ["ballots", "tally"]);
      const finding = check(report, "ballots").findings[0];
      expect(finding.message).to.equal("ballot 11 is not valid where voters choose up to 2 of 4 options");
      expect(finding.transactionHash).to.equal(receipt.hash);
      expect(check(report, "tally").evidence.recount).to.deep.equal(["1", "0", "2", "0"]);
    });
  });
});

describe("auditor log decoding", () => {
  it("the fast VoterCommitmentsPublished decoder gives what ethers gives, and leaves any other layout to ethers", async () => {
    const { zkBallotEvents } = await import("../lib/chain/zkBallotEvents");
    const decoder = zkBallotEvents(); // lib/core/events.ts with the compiled ABI: the one decoder
    const iface = ZkBallot__factory.createInterface() as unknown as Interface;
    const event = iface.getEvent("VoterCommitmentsPublished")!;
    const registrar = "0x" + "ab".repeat(20);
    const log = iface.encodeEventLog(event, [7n, registrar, 5n, [1n, (1n << 255n) + 3n, 42n], "0x" + "cd".repeat(32)]);
    const fast = decoder.decodeRollBatchLayout(log)!;
    const reference = iface.parseLog(log)!;
    expect(fast.name).to.equal(reference.name);
    for (const field of ["electionId", "registrar", "firstIndex", "voterRollDigest"] as const) expect(fast.args[field], field).to.equal(reference.args[field]);
    expect(fast.args.voterCommitments).to.deep.equal([...(reference.args.voterCommitments as bigint[])]);
    expect(fast.args.electionId).to.equal(7n);
    expect(decoder.decode(log)).to.deep.equal(fast);
    // Other layouts (a truncated array, a wrong offset, another event) are not read by the fast path.
    expect(decoder.decodeRollBatchLayout({ ...log, data: log.data.slice(0, -64) })).to.equal(null);
    expect(decoder.decodeRollBatchLayout({ ...log, data: log.data.slice(0, 66) + "0".repeat(62) + "40" + log.data.slice(130) })).to.equal(null);
    const other = iface.encodeEventLog(iface.getEvent("VoteSkipped")!, [7n, 9n, "0x"]);
    expect(decoder.decodeRollBatchLayout(other)).to.equal(null);
    expect(decoder.decode(other)?.name).to.equal("VoteSkipped");
  });
});
