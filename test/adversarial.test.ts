/**
 * Adversarial suite: every attack we know, each as a test that must fail to cheat.
 *
 * This file holds only the attacks that no other test file covers. Attacks already covered
 * elsewhere (the contract's rules in ZkBallot.test.ts, tampered witnesses and public inputs in
 * circuit.test.ts, corrupted inputs in lib.test.ts and cli.test.ts, a dishonest operator caught
 * by the auditor in audit.test.ts) are listed with the exact test that shows each of them in
 * docs/THREATS.md. So there is no "circuit" block here: every circuit constraint is attacked in
 * circuit.test.ts ("R1CS against tampered witnesses").
 *
 * Proofs are real Groth16 proofs, made once in the fixture (loadFixture caches it) and reused.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import {
  FunctionFragment,
  Network,
  concat,
  id as keccakText,
  toBeHex,
  zeroPadValue,
  type Filter,
  type FilterByBlockHash,
  type Interface,
  type Log,
  type LogDescription,
  type TransactionReceipt,
  type TransactionRequest,
} from "ethers";
import { ethers, network } from "hardhat";

import { loadManifest } from "../lib/proving/artifacts";
import { auditElection, formatAuditSummary, type AuditReport } from "../lib/audit/audit";
import { BN254_BASE_FIELD, SNARK_SCALAR_FIELD } from "../lib/core/constants";
import {
  Phase,
  computeElectionScope,
  computeVoterRollDigest,
  deployZkBallot,
  fetchVoterRoll,
  openVoting,
  prepareBallot,
  publishVoterRoll,
  type PreparedBallot,
} from "../lib/chain/election";
import { fetchContractLogs } from "../lib/chain/chainLogs";
import { connectDeployment, newDeploymentRecord, saveDeployment } from "../lib/chain/deployments";
import { ZkBallotError, type ZkBallotErrorCode } from "../lib/core/errors";
import { toHex32 } from "../lib/core/field";
import { computeNullifier, createIdentity, identityFromSecret, parseIdentity, serializeIdentity, type VoterIdentity } from "../lib/core/identity";
import { loadIdentity, saveIdentity } from "../lib/node/identityFile";
import { proveVote, releaseSnarkjs, verifyVoteProof, type SolidityProof, type VoteProof } from "../lib/proving/prover";
import { deployVoteBatchVerifier } from "../lib/proving/batchVerifierContract";
import { readVoterRollFile, writeVoterRollFile } from "../lib/node/rollFile";
import { VoterRoll } from "../lib/core/voterRoll";
import { VoteVerifier__factory, VoteBatchVerifier__factory, ZkBallot__factory, type ZkBallot } from "../typechain-types";

import { runHardhatCliAsync } from "./helpers/processes";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const realFs = require("node:fs") as typeof import("node:fs"); // the module object itself, so a test can make one call fail

const R = SNARK_SCALAR_FIELD;
const Q = BN254_BASE_FIELD;
const TWO_256 = 1n << 256n;
const withCoordinate = (proof: readonly bigint[], index: number, value: bigint) => proof.map((v, i) => (i === index ? value : v)) as SolidityProof;
const ROLL_DEPTH = loadManifest().rollDepth;
const NUM_OPTIONS = 4;
/** Explicit gas: no estimate first, so a transaction that reverts is still mined (and the error is the contract's). */
const GAS = { gasLimit: 3_000_000 };

type Overrides = Partial<{ electionId: bigint; ballot: bigint; nullifier: bigint; proof: bigint[] }>;

function submission(prepared: PreparedBallot, overrides: Overrides = {}) {
  return {
    electionId: overrides.electionId ?? prepared.electionId,
    ballot: overrides.ballot ?? prepared.ballot,
    nullifier: overrides.nullifier ?? prepared.nullifier,
    proof: (overrides.proof ?? prepared.proof) as SolidityProof,
  };
}

function cast(contract: ZkBallot, prepared: PreparedBallot, overrides: Overrides = {}, txOverrides: object = {}) {
  const s = submission(prepared, overrides);
  return contract.castVote(s.electionId, s.ballot, s.nullifier, s.proof, txOverrides);
}

function asPrepared(electionId: bigint, vote: VoteProof): PreparedBallot {
  return { electionId, ballot: vote.publicSignals.ballot, nullifier: vote.publicSignals.nullifier, proof: vote.proof };
}

/** The ZkBallot events of a receipt, decoded. */
function eventsOf(zkBallot: ZkBallot, receipt: TransactionReceipt): LogDescription[] {
  return receipt.logs.map((log) => zkBallot.interface.parseLog(log)).filter((event): event is LogDescription => event !== null);
}

/** Name and arguments of the custom error carried by each VoteSkipped event of a receipt. */
function skipReasons(zkBallot: ZkBallot, receipt: TransactionReceipt): { name: string; args: unknown[] }[] {
  return eventsOf(zkBallot, receipt)
    .filter((event) => event.name === "VoteSkipped")
    .map((event) => {
      const reason = zkBallot.interface.parseError(event.args.reason as string)!;
      return { name: reason.name, args: [...reason.args] };
    });
}

/** Revert data of a mined, failed transaction, through the node's tracer. */
async function revertDataOf(txHash: string): Promise<string> {
  const trace = (await network.provider.send("debug_traceTransaction", [txHash, { disableStorage: true, disableMemory: true, disableStack: true }])) as { failed: boolean; returnValue: string };
  expect(trace.failed).to.equal(true);
  return trace.returnValue.startsWith("0x") ? trace.returnValue : "0x" + trace.returnValue;
}

async function expectError(action: () => unknown, code: ZkBallotErrorCode, message?: RegExp): Promise<ZkBallotError> {
  try {
    await action();
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(ZkBallotError);
    expect((error as ZkBallotError).code, (error as Error).message).to.equal(code);
    if (message) expect((error as Error).message).to.match(message);
    return error as ZkBallotError;
  }
  expect.fail(`expected a ${code} error`);
}

/** Everything about an election that an attacker might want to change. */
async function record(zkBallot: ZkBallot, electionId: bigint) {
  const e = await zkBallot.getElection(electionId);
  return {
    phase: e.phase,
    numOptions: e.numOptions,
    votingStartsAt: e.votingStartsAt,
    votingEndsAt: e.votingEndsAt,
    voterCount: e.voterCount,
    registrar: e.registrar,
    voterRollRoot: e.voterRollRoot,
    voterRollDigest: e.voterRollDigest,
    metadataHash: e.metadataHash, // the title and metadata URI are not stored: only in ElectionCreated
    tallies: [...(await zkBallot.tallies(electionId))],
  };
}

// ---------------------------------------------------------------------------- a hostile RPC

type HardhatEthersProvider = typeof ethers.provider;

interface Forgery {
  /** Rewrites what eth_getLogs returns. */
  logs?: (logs: Log[], filter: Filter | FilterByBlockHash) => Log[];
  /** Rewrites what eth_call returns (the call's data says which function). */
  call?: (tx: TransactionRequest, result: string) => string;
  /** Reports this chain id instead of the real one. */
  chainId?: bigint;
}

/**
 * ethers.provider behind a JS Proxy that lies as `forgery` says and is honest otherwise.
 * Transactions sent through it reach the real chain.
 */
function hostileProvider(forgery: Forgery = {}): HardhatEthersProvider {
  const target = ethers.provider;
  const proxy: HardhatEthersProvider = new Proxy(target, {
    get(t, property) {
      if (property === "provider") return proxy;
      if (property === "getLogs" && forgery.logs) {
        return async (filter: Filter | FilterByBlockHash) => forgery.logs!(await t.getLogs(filter), filter);
      }
      if (property === "call" && forgery.call) return async (tx: TransactionRequest) => forgery.call!(tx, await t.call(tx));
      if (property === "getNetwork" && forgery.chainId !== undefined) return async () => new Network("forged", forgery.chainId!);
      const value = Reflect.get(t, property, t) as unknown;
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(t) : value;
    },
  });
  return proxy;
}

/** A copy of a log with other data (and topics). */
function withData(log: Log, encoded: { data: string; topics: readonly string[] }): Log {
  return { ...log, data: encoded.data, topics: [...encoded.topics] } as unknown as Log;
}

const selectorOf = (zkBallot: ZkBallot, name: string) => (zkBallot.interface as Interface).getFunction(name)!.selector;
const callsFunction = (zkBallot: ZkBallot, tx: TransactionRequest, name: string) => typeof tx.data === "string" && tx.data.startsWith(selectorOf(zkBallot, name));

/** An eth_call forgery that rewrites fields of getElection's result (ElectionView field index -> value). */
function lyingElectionView(zkBallot: ZkBallot, electionId: bigint, fields: Record<number, unknown>) {
  return (tx: TransactionRequest, result: string): string => {
    if (!callsFunction(zkBallot, tx, "getElection")) return result;
    const [asked] = zkBallot.interface.decodeFunctionData("getElection", tx.data as string);
    if (asked !== electionId) return result;
    const view = [...zkBallot.interface.decodeFunctionResult("getElection", result)[0]];
    for (const [index, value] of Object.entries(fields)) view[Number(index)] = value;
    return zkBallot.interface.encodeFunctionResult("getElection", [view]);
  };
}
/** A field's index in ElectionView, by name (the struct may gain fields). */
const viewField = (name: string) => ZkBallot__factory.createInterface().getFunction("getElection").outputs[0].components!.findIndex((field) => field.name === name);
const VIEW_VOTER_COUNT = viewField("voterCount");
const VIEW_VOTER_ROLL_DIGEST = viewField("voterRollDigest");

// ----------------------------------------------------------------------------------- fixture

/**
 * One deployment with four elections (4 options, no window):
 *  - A (1): roll of voters 0-4, open;
 *  - B (2): roll of voters 0, 1, 5 (a different roll), open;
 *  - P (3): roll of voters 0-4 published in two stages (a voter snapshots the roll after the
 *    first), open at the full root;
 *  - REG (4): roll of voters 0-4 in two batches, still in Registration;
 * and a second deployment whose "verifier" is the first ZkBallot (a contract that reverts on
 * verifyProof), election 1 open on voters 0-4.
 */
async function adversaryFixture() {
  const [admin, registrar, outsider, relayer, builder, voterAccount] = await ethers.getSigners();
  const zkBallot = await deployZkBallot(admin);
  const verifier = VoteVerifier__factory.connect(await zkBallot.VERIFIER(), admin);
  const address = await zkBallot.getAddress();
  const { chainId } = await ethers.provider.getNetwork();

  const voters: VoterIdentity[] = [];
  for (let i = 0; i < 6; i++) voters.push(await identityFromSecret(BigInt(keccakText(`zkballot adversary ${i}`)) >> 4n));
  const commitmentsOf = (indices: number[]) => indices.map((i) => voters[i].voterCommitment);
  const rollA = await VoterRoll.build(commitmentsOf([0, 1, 2, 3, 4]), { depth: ROLL_DEPTH });
  const rollB = await VoterRoll.build(commitmentsOf([0, 1, 5]), { depth: ROLL_DEPTH });
  const partialRoll = await VoterRoll.build(commitmentsOf([0, 1]), { depth: ROLL_DEPTH });

  const config = (title: string) => ({ title, numOptions: NUM_OPTIONS, minSelections: 1, maxSelections: 1, metadataURI: "", metadataHash: keccakText(title), registrar: registrar.address, votingStartsAt: 0, votingEndsAt: 0 });
  const asRegistrar = zkBallot.connect(registrar);
  for (const title of ["A", "B", "P", "REG"]) await zkBallot.connect(admin).createElection(config(title));
  const [A, B, P, REG] = [1n, 2n, 3n, 4n];
  await asRegistrar.publishVoterCommitments(A, 0, commitmentsOf([0, 1, 2, 3, 4]));
  await asRegistrar.openVoting(A, rollA.root);
  await asRegistrar.publishVoterCommitments(B, 0, commitmentsOf([0, 1, 5]));
  await asRegistrar.openVoting(B, rollB.root);
  await asRegistrar.publishVoterCommitments(P, 0, commitmentsOf([0, 1])); // a voter snapshots the roll here
  await asRegistrar.publishVoterCommitments(P, 2, commitmentsOf([2, 3, 4]));
  await asRegistrar.openVoting(P, rollA.root);
  await asRegistrar.publishVoterCommitments(REG, 0, commitmentsOf([0, 1]));
  await asRegistrar.publishVoterCommitments(REG, 2, commitmentsOf([2, 3, 4]));

  // A deployment wired to verifiers that revert (any contract without verifyProof or verifyBatch does).
  const broken = await new ZkBallot__factory(admin).deploy(address, address, ROLL_DEPTH);
  await broken.connect(admin).createElection(config("broken verifier"));
  await broken.connect(registrar).publishVoterCommitments(1n, 0, commitmentsOf([0, 1, 2, 3, 4]));
  await broken.connect(registrar).openVoting(1n, rollA.root);

  const prove = (electionId: bigint, voter: number, option: number) => prepareBallot({ zkBallot, electionId, identity: voters[voter], option, voterRoll: rollA });
  const a0 = await prove(A, 0, 1); // ballot 2
  const a1 = await prove(A, 1, 0); // ballot 1
  const a2 = await prove(A, 2, 2); // ballot 4

  const proveRaw = (voter: number, roll: VoterRoll, electionScope: bigint, ballot: bigint) =>
    proveVote({ identity: voters[voter], path: roll.pathOf(voters[voter].voterCommitment), voterRollRoot: roll.root, electionScope, ballot });
  // Voter 3, on A's roll: a proof for election A of this very contract address, but on chain 1.
  const otherChainScope = computeElectionScope(1n, address, A);
  const otherChain = await proveRaw(3, rollA, otherChainScope, 2n);
  // Voter 3 is on A's roll, not on B's: a proof for B's scope against A's root.
  const foreignRoot = await proveRaw(3, rollA, await zkBallot.electionScope(B), 1n);
  // Voter 0's proof for P against the roll as it stood after the first batch.
  const staleRoot = await proveRaw(0, partialRoll, await zkBallot.electionScope(P), 1n);
  // Voter 4's genuine proof for the broken deployment's election.
  const brokenVote = await proveRaw(4, rollA, await broken.electionScope(1n), 8n);

  return {
    zkBallot, verifier, broken, address, chainId, admin, registrar, outsider, relayer, builder, voterAccount,
    voters, rollA, rollB, partialRoll, A, B, P, REG,
    a0, a1, a2, otherChainScope, otherChain, foreignRoot, staleRoot, brokenVote,
  };
}

/** Runs `action` with the deployments address book in `directory` (the env variable lib/deployments reads). */
async function withDeploymentsDir(directory: string, action: () => Promise<void>): Promise<void> {
  const previous = process.env.ZKBALLOT_DEPLOYMENTS_DIR;
  process.env.ZKBALLOT_DEPLOYMENTS_DIR = directory;
  try {
    await action();
  } finally {
    if (previous === undefined) delete process.env.ZKBALLOT_DEPLOYMENTS_DIR;
    else process.env.ZKBALLOT_DEPLOYMENTS_DIR = previous;
  }
}

// ------------------------------------------------------------------------------------- tests

describe("adversarial", function () {
  this.timeout(300_000);
  after(() => releaseSnarkjs());

  describe("double voting", () => {
    it("a nullifier counts once across two castVotes batches mined in different blocks, and castVote after them is refused", async () => {
      const { zkBallot, relayer, builder, outsider, A, a0, a1, a2 } = await loadFixture(adversaryFixture);
      const first = (await (await zkBallot.connect(relayer).castVotes([submission(a0), submission(a1)])).wait())!;
      expect(skipReasons(zkBallot, first)).to.deep.equal([]);

      // Another relayer, a later block: a0 again, with its own ballot and with another one.
      const second = (await (await zkBallot.connect(builder).castVotes([submission(a0), submission(a0, { ballot: 8n }), submission(a2)])).wait())!;
      expect(second.blockNumber).to.be.greaterThan(first.blockNumber);
      const spent = ["NullifierAlreadySpent", [A, a0.nullifier, BigInt(first.blockNumber)]];
      expect(skipReasons(zkBallot, second).map((r) => [r.name, r.args])).to.deep.equal([spent, spent]);
      expect(eventsOf(zkBallot, second).filter((e) => e.name === "VoteCast").map((e) => e.args.nullifier)).to.deep.equal([a2.nullifier]);

      await expect(cast(zkBallot.connect(outsider), a1)).to.be.revertedWithCustomError(zkBallot, "NullifierAlreadySpent").withArgs(A, a1.nullifier, first.blockNumber);
      expect(await zkBallot.tallies(A)).to.deep.equal([1n, 1n, 1n, 0n]);
      expect(await zkBallot.nullifierSpentInBlock(A, a0.nullifier)).to.equal(BigInt(first.blockNumber));
      expect(await zkBallot.nullifierSpentInBlock(A, a2.nullifier)).to.equal(BigInt(second.blockNumber));
    });

    it("two castVotes batches carrying the same ballot in one block: the first counts it, the second skips it", async () => {
      const { zkBallot, relayer, builder, A, a0, a1 } = await loadFixture(adversaryFixture);
      await network.provider.send("evm_setAutomine", [false]);
      let hashes: string[];
      try {
        const one = await zkBallot.connect(relayer).castVotes([submission(a0)], GAS);
        const two = await zkBallot.connect(builder).castVotes([submission(a0), submission(a1)], GAS);
        hashes = [one.hash, two.hash];
        await network.provider.send("evm_mine");
      } finally {
        await network.provider.send("evm_setAutomine", [true]);
      }
      const receipts = await Promise.all(hashes.map((hash) => ethers.provider.getTransactionReceipt(hash)));
      expect(receipts.map((r) => r!.status)).to.deep.equal([1, 1]);
      expect(receipts[0]!.blockNumber).to.equal(receipts[1]!.blockNumber);
      const [earlier, later] = [...receipts].sort((x, y) => x!.index - y!.index);
      const block = BigInt(earlier!.blockNumber);
      // Whichever was ordered first counts a0; the other finds it spent in this very block.
      const castBy = (r: TransactionReceipt) => eventsOf(zkBallot, r).filter((e) => e.name === "VoteCast").map((e) => e.args.nullifier as bigint);
      expect(castBy(earlier!)).to.include(a0.nullifier);
      expect(castBy(later!)).to.not.include(a0.nullifier);
      expect(skipReasons(zkBallot, later!).map((r) => [r.name, r.args])).to.deep.equal([["NullifierAlreadySpent", [A, a0.nullifier, block]]]);
      expect(await zkBallot.tallies(A)).to.deep.equal([1n, 1n, 0n, 0n]);
    });
  });

  describe("replay", () => {
    it("a proof made for this contract address, election and roll on another chain id is refused here; scope and nullifier commit to the chain id", async () => {
      const { zkBallot, relayer, address, chainId, voters, A, otherChain, otherChainScope } = await loadFixture(adversaryFixture);
      // The proof is valid for what it states (chain 1's scope)...
      expect(await verifyVoteProof(otherChain.publicSignals, otherChain.proof)).to.equal(true);
      // ...and that scope is not this chain's: the contract derives its scope from block.chainid.
      const here = await zkBallot.electionScope(A);
      expect(here).to.equal(computeElectionScope(chainId, address, A));
      const elsewhere = [1n, 10n, 137n, 8453n, 11155111n, chainId + 1n].map((id) => computeElectionScope(id, address, A));
      expect(elsewhere).to.not.include(here);
      expect(new Set(elsewhere).size).to.equal(elsewhere.length);
      expect(otherChainScope).to.equal(elsewhere[0]);

      const replay = asPrepared(A, otherChain);
      await expect(cast(zkBallot.connect(relayer), replay)).to.be.revertedWithCustomError(zkBallot, "InvalidProof").withArgs(A, replay.nullifier);
      const receipt = (await (await zkBallot.connect(relayer).castVotes([submission(replay)])).wait())!;
      expect(skipReasons(zkBallot, receipt).map((r) => r.name)).to.deep.equal(["InvalidProof"]);
      // The same voter's nullifier here is another value: the two chains' ballots are unlinkable and independent.
      expect(await computeNullifier(voters[3].identitySecret, here)).to.not.equal(replay.nullifier);
      expect(await zkBallot.nullifierSpentInBlock(A, replay.nullifier)).to.equal(0n);
      expect(await zkBallot.tallies(A)).to.deep.equal([0n, 0n, 0n, 0n]);
    });
  });

  describe("ballot substitution by a relayer or block builder", () => {
    it("a relayer that rewrites the ballot, nullifier or election of batch entries gets them skipped, burns no nullifier, and the genuine ballots still count", async () => {
      const { zkBallot, relayer, A, B, a0, a1, a2 } = await loadFixture(adversaryFixture);
      const batch = [
        submission(a0, { ballot: 1n }), // another valid option
        submission(a1, { nullifier: a2.nullifier }), // another voter's unspent nullifier
        submission(a2, { electionId: B }), // another open election with the same voters
        submission(a0), // the genuine a0, after its forgery
      ];
      const receipt = (await (await zkBallot.connect(relayer).castVotes(batch)).wait())!;
      expect(skipReasons(zkBallot, receipt).map((r) => [r.name, r.args])).to.deep.equal([
        ["InvalidProof", [A, a0.nullifier]],
        ["InvalidProof", [A, a2.nullifier]],
        ["InvalidProof", [B, a2.nullifier]],
      ]);
      expect(await zkBallot.tallies(A)).to.deep.equal([0n, 1n, 0n, 0n]); // a0's own choice, option 1
      expect(await zkBallot.tallies(B)).to.deep.equal([0n, 0n, 0n, 0n]);
      expect(await zkBallot.nullifierSpentInBlock(A, a1.nullifier)).to.equal(0n);
      expect(await zkBallot.nullifierSpentInBlock(A, a2.nullifier)).to.equal(0n);
      // The voters whose entries were forged lost nothing: their genuine ballots count afterwards.
      expect(await zkBallot.connect(relayer).castVotes.staticCall([submission(a1), submission(a2)])).to.equal(2n);
      await zkBallot.connect(relayer).castVotes([submission(a1), submission(a2)]);
      expect(await zkBallot.tallies(A)).to.deep.equal([1n, 1n, 1n, 0n]);
    });

    it("a block builder that front-runs a pending ballot with an altered copy fails, and the voter's ballot counts; a verbatim copy casts only the voter's own choice", async () => {
      const { zkBallot, voterAccount, builder, A, a0, a1 } = await loadFixture(adversaryFixture);
      const baseFee = (await ethers.provider.getBlock("latest"))!.baseFeePerGas!;
      const gwei = 1_000_000_000n;
      const voterFees = { ...GAS, maxFeePerGas: 2n * baseFee + gwei, maxPriorityFeePerGas: gwei };
      const builderFees = { ...GAS, maxFeePerGas: 2n * baseFee + 50n * gwei, maxPriorityFeePerGas: 50n * gwei }; // ordered first

      async function sameBlock(send: () => Promise<{ hash: string }[]>): Promise<TransactionReceipt[]> {
        await network.provider.send("evm_setAutomine", [false]);
        let hashes: string[];
        try {
          hashes = (await send()).map((tx) => tx.hash);
          await network.provider.send("evm_mine");
        } finally {
          await network.provider.send("evm_setAutomine", [true]);
        }
        return (await Promise.all(hashes.map((hash) => ethers.provider.getTransactionReceipt(hash)))).map((r) => r!);
      }

      // Altered copy: the builder's version carries another ballot.
      const [voterTx, altered] = await sameBlock(async () => [
        await cast(zkBallot.connect(voterAccount), a0, {}, voterFees),
        await cast(zkBallot.connect(builder), a0, { ballot: 8n }, builderFees),
      ]);
      expect(altered.index).to.be.lessThan(voterTx.index);
      expect(altered.status).to.equal(0);
      expect(zkBallot.interface.parseError(await revertDataOf(altered.hash))?.name).to.equal("InvalidProof");
      expect(voterTx.status).to.equal(1);
      expect(await zkBallot.tallies(A)).to.deep.equal([0n, 1n, 0n, 0n]);

      // Verbatim copy: it counts, but what it counts is the voter's own ballot; the voter's transaction finds it spent.
      const [original, copy] = await sameBlock(async () => [
        await cast(zkBallot.connect(voterAccount), a1, {}, voterFees),
        await cast(zkBallot.connect(builder), a1, {}, builderFees),
      ]);
      expect(copy.index).to.be.lessThan(original.index);
      expect(copy.status).to.equal(1);
      expect(original.status).to.equal(0);
      expect(zkBallot.interface.parseError(await revertDataOf(original.hash))?.name).to.equal("NullifierAlreadySpent");
      expect(await zkBallot.tallies(A)).to.deep.equal([1n, 1n, 0n, 0n]);
    });

    it("a relayer that starves a batch of gas cannot burn, skip or miscount a valid ballot: below the gas it needs the whole batch reverts, and it counts when resubmitted", async () => {
      const { zkBallot, relayer, A, a0, a1 } = await loadFixture(adversaryFixture);
      const asRelayer = zkBallot.connect(relayer);
      for (const batch of [[submission(a0)], [submission(a0), submission(a1)]]) {
        const enough = await asRelayer.castVotes.estimateGas(batch);
        const outcomes = new Set<string>();
        for (let gasLimit = 100_000n; gasLimit < enough; gasLimit += 10_000n) {
          outcomes.add(
            await asRelayer.castVotes.staticCall(batch, { gasLimit }).then(
              (counted) => `counted ${counted}`,
              (error: unknown) => zkBallot.interface.parseError((error as { data?: string }).data ?? "0x")?.name ?? "out of gas",
            ),
          );
        }
        // Short of gas, never a mined batch that skips the ballot (F1 in docs/THREATS.md): the
        // verifier is not called without its full gas cap.
        expect([...outcomes].every((outcome) => outcome === "out of gas" || outcome === "InsufficientGasForProof"), [...outcomes].join(", ")).to.equal(true);
        expect(outcomes.has("InsufficientGasForProof")).to.equal(true);
        for (const vote of [a0, a1]) expect(await zkBallot.nullifierSpentInBlock(A, vote.nullifier)).to.equal(0n);
      }
      await expect(asRelayer.castVotes([submission(a0), submission(a1)])).to.emit(zkBallot, "VoteCast").withArgs(A, a0.nullifier, a0.ballot, a0.proof);
      expect(await zkBallot.tallies(A)).to.deep.equal([1n, 1n, 0n, 0n]);
    });
  });

  describe("field aliasing", () => {
    it("a valid ballot plus the field order is InvalidBallot, directly and in a batch", async () => {
      const { zkBallot, relayer, A, a0 } = await loadFixture(adversaryFixture);
      await expect(cast(zkBallot.connect(relayer), a0, { ballot: a0.ballot + R })).to.be.revertedWithCustomError(zkBallot, "InvalidBallot").withArgs(A, a0.ballot + R);
      const receipt = (await (await zkBallot.connect(relayer).castVotes([submission(a0, { ballot: a0.ballot + R })])).wait())!;
      expect(skipReasons(zkBallot, receipt).map((r) => [r.name, r.args])).to.deep.equal([["InvalidBallot", [A, a0.ballot + R]]]);
      expect(await zkBallot.nullifierSpentInBlock(A, a0.nullifier)).to.equal(0n);
    });

    it("the deployed verifier itself refuses each public signal aliased by the field order, so no alias can reach a true verdict", async () => {
      const { zkBallot, verifier, A, rollA, a0 } = await loadFixture(adversaryFixture);
      const p = a0.proof;
      const verify = (signals: bigint[]) =>
        verifier.verifyProof([p[0], p[1]], [[p[2], p[3]], [p[4], p[5]]], [p[6], p[7]], signals as [bigint, bigint, bigint, bigint]);
      const honest = [rollA.root, a0.nullifier, await zkBallot.electionScope(A), a0.ballot];
      expect(await verify(honest)).to.equal(true);
      for (let i = 0; i < 4; i++) {
        const aliased = honest.map((value, j) => (j === i ? value + R : value));
        expect(await verify(aliased), `public signal ${i} + r`).to.equal(false);
      }
    });
  });

  describe("non-canonical proof coordinates", () => {
    // The generated VoteVerifier negates A.y as mod(sub(q, y'), q). sub wraps mod 2^256, so for
    // y' in [q, 2^256) it computes (2^256 + q - y') mod q, which equals the honest (q - y) mod q
    // exactly when y' = y + 2^256 - k*q. Those are the aliases; y + q is not one.
    const nonCanonicalAy = (y: bigint) => [1n, 2n, 3n, 4n, 5n].map((k) => y + TWO_256 - k * Q).filter((v) => v >= Q && v < TWO_256);

    it("the generated verifier accepts A.y re-encoded as y + 2^256 - k*q (k = 1..4 or 5), refuses A.y + q, and refuses every other coordinate + q at a precompile", async () => {
      const { zkBallot, verifier, A, rollA, a0 } = await loadFixture(adversaryFixture);
      const scope = await zkBallot.electionScope(A);
      const verify = (p: readonly bigint[]) =>
        verifier.verifyProof([p[0], p[1]], [[p[2], p[3]], [p[4], p[5]]], [p[6], p[7]], [rollA.root, a0.nullifier, scope, a0.ballot]);
      expect(await verify(a0.proof)).to.equal(true);
      const aliases = nonCanonicalAy(a0.proof[1]);
      expect(aliases.length).to.be.within(4, 5);
      for (const alias of aliases) expect(await verify(withCoordinate(a0.proof, 1, alias)), `A.y alias ${alias}`).to.equal(true);
      expect(await verify(withCoordinate(a0.proof, 1, a0.proof[1] + Q)), "A.y + q").to.equal(false);
      for (const i of [0, 2, 3, 4, 5, 6, 7]) expect(await verify(withCoordinate(a0.proof, i, a0.proof[i] + Q)), `coordinate ${i} + q`).to.equal(false);
      // The batch verifier refuses the alias (it checks every coordinate < q): in the pre-fix
      // castVotes this sent the batch to the one-by-one path, where VoteVerifier accepted it.
      const batchVerifier = VoteBatchVerifier__factory.connect(await zkBallot.BATCH_VERIFIER(), ethers.provider);
      const signals: [bigint, bigint, bigint, bigint] = [rollA.root, a0.nullifier, scope, a0.ballot];
      expect(await batchVerifier.verifyBatch([signals, signals], [a0.proof, a0.proof])).to.equal(true);
      expect(await batchVerifier.verifyBatch([signals, signals], [a0.proof, withCoordinate(a0.proof, 1, aliases[0])])).to.equal(false);
      // The off-chain verifier refuses the alias by name rather than reducing it.
      await expectError(() => verifyVoteProof({ voterRollRoot: rollA.root, nullifier: a0.nullifier, electionScope: scope, ballot: a0.ballot }, withCoordinate(a0.proof, 1, aliases[0])), "NON_CANONICAL_PROOF", /coordinate 1 \(A\.y\)/);
    });

    it("ZkBallot refuses every coordinate >= q before any verifier runs: castVote reverts ProofCoordinateOutOfField, castVotes skips the entry alone and in a batch, and the nullifier stays unspent", async () => {
      const { zkBallot, relayer, A, a0, a1, a2 } = await loadFixture(adversaryFixture);
      const asRelayer = zkBallot.connect(relayer);
      const reencoded: [number, bigint][] = [
        ...nonCanonicalAy(a0.proof[1]).map((v): [number, bigint] => [1, v]),
        ...[0, 1, 2, 3, 4, 5, 6, 7].map((i): [number, bigint] => [i, a0.proof[i] + Q]),
        [7, TWO_256 - 1n],
      ];
      for (const [index, value] of reencoded) {
        const proof = withCoordinate(a0.proof, index, value);
        await expect(cast(asRelayer, a0, { proof }), `castVote ${index}=${value}`).to.be.revertedWithCustomError(zkBallot, "ProofCoordinateOutOfField").withArgs(index, value);
        const alone = (await (await asRelayer.castVotes([submission(a0, { proof })])).wait())!;
        expect(skipReasons(zkBallot, alone).map((r) => [r.name, r.args])).to.deep.equal([["ProofCoordinateOutOfField", [BigInt(index), value]]]);
      }
      expect(await zkBallot.nullifierSpentInBlock(A, a0.nullifier)).to.equal(0n);
      // In a batch with two honest ballots: they count through the batch verifier, the alias is skipped.
      const [alias] = nonCanonicalAy(a0.proof[1]);
      const receipt = (await (await asRelayer.castVotes([submission(a0, { proof: withCoordinate(a0.proof, 1, alias) }), submission(a1), submission(a2)])).wait())!;
      expect(skipReasons(zkBallot, receipt).map((r) => [r.name, r.args])).to.deep.equal([["ProofCoordinateOutOfField", [1n, alias]]]);
      expect(await zkBallot.nullifierSpentInBlock(A, a0.nullifier)).to.equal(0n);
      expect(await zkBallot.tallies(A)).to.deep.equal([1n, 0n, 1n, 0n]);
      // The voter's own canonical ballot still counts afterwards.
      await expect(cast(asRelayer, a0)).to.emit(zkBallot, "VoteCast").withArgs(A, a0.nullifier, a0.ballot, a0.proof);
      expect(await zkBallot.tallies(A)).to.deep.equal([1n, 1n, 1n, 0n]);
    });
  });

  describe("malformed proofs and calldata", () => {
    it("raw transactions with truncated, garbage, lying-length or empty calldata, or with ether, revert and change nothing; appended bytes change nothing", async () => {
      const { zkBallot, relayer, A, a0 } = await loadFixture(adversaryFixture);
      const to = await zkBallot.getAddress();
      const valid = zkBallot.interface.encodeFunctionData("castVote", [A, a0.ballot, a0.nullifier, a0.proof]);
      const word = (value: bigint) => zeroPadValue(toBeHex(value), 32);
      const castVotes = selectorOf(zkBallot, "castVotes");
      const bytes = (hex: string) => (hex.length - 2) / 2;
      const garbage: [string, string, bigint][] = [
        ["selector only", selectorOf(zkBallot, "castVote"), 0n],
        ["one byte short", valid.slice(0, -2), 0n],
        ["one word short", valid.slice(0, -64), 0n],
        ["first 100 bytes", valid.slice(0, 2 + 200), 0n],
        ["unknown selector", concat(["0xdeadbeef", word(1n)]), 0n],
        ["castVotes: array offset past the end", concat([castVotes, word(32_000n)]), 0n],
        ["castVotes: length 2^64", concat([castVotes, word(32n), word(1n << 64n)]), 0n],
        ["castVotes: length 1, no entry", concat([castVotes, word(32n), word(1n)]), 0n],
        ["castVotes: entry cut short", concat([castVotes, word(32n), word(1n), word(A), word(a0.ballot), word(a0.nullifier)]), 0n],
        ["empty calldata with ether", "0x", 1n],
        ["a valid call with ether (not payable)", valid, 1n],
      ];
      expect(bytes(valid)).to.equal(4 + 11 * 32);
      for (const [what, data, value] of garbage) {
        await expect(relayer.sendTransaction({ to, data, value, ...GAS }), what).to.be.reverted;
      }
      expect(await zkBallot.nullifierSpentInBlock(A, a0.nullifier)).to.equal(0n);
      expect(await zkBallot.tallies(A)).to.deep.equal([0n, 0n, 0n, 0n]);
      expect(await ethers.provider.getBalance(to)).to.equal(0n);

      // The ABI decoder ignores bytes after the arguments: what is counted is still the proof's ballot.
      const tx = await relayer.sendTransaction({ to, data: concat([valid, keccakText("appended"), "0xffffff"]), ...GAS });
      await expect(tx).to.emit(zkBallot, "VoteCast").withArgs(A, a0.nullifier, a0.ballot, a0.proof);
      expect(await zkBallot.tallies(A)).to.deep.equal([0n, 1n, 0n, 0n]);
    });

    it("the contract fails closed: with verifiers that revert, a genuine proof is InvalidProof in castVote and skipped in castVotes, alone or in a batch; with no code at the verifier, both revert", async () => {
      const { broken, admin, registrar, relayer, outsider, rollA, brokenVote } = await loadFixture(adversaryFixture);
      const vote = asPrepared(1n, brokenVote);
      expect(await verifyVoteProof(brokenVote.publicSignals, brokenVote.proof)).to.equal(true); // genuine for this election
      await expect(cast(broken.connect(relayer), vote)).to.be.revertedWithCustomError(broken, "InvalidProof").withArgs(1n, vote.nullifier);
      const receipt = (await (await broken.connect(relayer).castVotes([submission(vote)])).wait())!;
      expect(skipReasons(broken, receipt).map((r) => r.name)).to.deep.equal(["InvalidProof"]);
      // Two entries take the batch path: the reverting batch verifier counts as a failed check.
      const pair = [submission(vote), submission(vote, { nullifier: vote.nullifier + 1n })];
      const pairReceipt = (await (await broken.connect(relayer).castVotes(pair)).wait())!;
      expect(skipReasons(broken, pairReceipt).map((r) => r.name)).to.deep.equal(["InvalidProof", "InvalidProof"]);
      expect(await broken.tallies(1n)).to.deep.equal([0n, 0n, 0n, 0n]);

      // A verifier address with no code at all (an account, or a typo).
      const nowhere = await new ZkBallot__factory(admin).deploy(outsider.address, outsider.address, ROLL_DEPTH);
      await nowhere.connect(admin).createElection({ title: "no verifier", numOptions: NUM_OPTIONS, minSelections: 1, maxSelections: 1, metadataURI: "", metadataHash: keccakText("x"), registrar: registrar.address, votingStartsAt: 0, votingEndsAt: 0 });
      await nowhere.connect(registrar).publishVoterCommitments(1n, 0, [1n]);
      await nowhere.connect(registrar).openVoting(1n, rollA.root);
      await expect(cast(nowhere.connect(relayer), vote, {}, GAS)).to.be.reverted;
      await expect(nowhere.connect(relayer).castVotes([submission(vote)], GAS)).to.be.reverted;
      expect(await nowhere.nullifierSpentInBlock(1n, vote.nullifier)).to.equal(0n);
    });
  });

  describe("stale or foreign roots", () => {
    it("a proof against another election's roll root is refused, even from a voter on that other roll", async () => {
      const { zkBallot, relayer, rollA, B, foreignRoot } = await loadFixture(adversaryFixture);
      expect(foreignRoot.publicSignals.voterRollRoot).to.equal(rollA.root);
      expect(foreignRoot.publicSignals.electionScope).to.equal(await zkBallot.electionScope(B)); // the right scope
      expect(await verifyVoteProof(foreignRoot.publicSignals, foreignRoot.proof)).to.equal(true); // valid for A's root
      const vote = asPrepared(B, foreignRoot);
      await expect(cast(zkBallot.connect(relayer), vote)).to.be.revertedWithCustomError(zkBallot, "InvalidProof").withArgs(B, vote.nullifier);
      expect(await zkBallot.tallies(B)).to.deep.equal([0n, 0n, 0n, 0n]);
    });

    it("a proof against the roll as it stood before the freeze (fewer commitments) is refused once the roll has grown", async () => {
      const { zkBallot, relayer, partialRoll, rollA, P, staleRoot } = await loadFixture(adversaryFixture);
      expect((await zkBallot.getElection(P)).voterRollRoot).to.equal(rollA.root);
      expect(staleRoot.publicSignals.voterRollRoot).to.equal(partialRoll.root);
      expect(await verifyVoteProof(staleRoot.publicSignals, staleRoot.proof)).to.equal(true); // valid for the partial root
      const vote = asPrepared(P, staleRoot);
      await expect(cast(zkBallot.connect(relayer), vote)).to.be.revertedWithCustomError(zkBallot, "InvalidProof").withArgs(P, vote.nullifier);
      const receipt = (await (await zkBallot.connect(relayer).castVotes([submission(vote)])).wait())!;
      expect(skipReasons(zkBallot, receipt).map((r) => r.name)).to.deep.equal(["InvalidProof"]);
      expect(await zkBallot.nullifierSpentInBlock(P, vote.nullifier)).to.equal(0n);
    });
  });

  describe("lifecycle abuse", () => {
    it("once voting is open, no caller can change the frozen root, the roll, the options, the window or the registrar", async () => {
      const { zkBallot, admin, registrar, outsider, A, rollA } = await loadFixture(adversaryFixture);
      // The ABI has no setter for any of them: these are all the functions that change state.
      const mutating = zkBallot.interface.fragments
        .filter((fragment): fragment is FunctionFragment => fragment.type === "function" && !(fragment as FunctionFragment).constant)
        .map((fragment) => fragment.name)
        .sort();
      expect(mutating).to.deep.equal(["acceptAdmin", "cancelAdminTransfer", "castVote", "castVotes", "closeElection", "createElection", "multicall", "openVoting", "publishVoterCommitments", "setRegistrar", "transferAdmin"]);

      const before = await record(zkBallot, A);
      for (const caller of [admin, registrar, outsider]) {
        const as = zkBallot.connect(caller);
        const expectRevert = (call: Promise<unknown>) => expect(call).to.be.revertedWithCustomError(zkBallot, caller === registrar ? "WrongPhase" : "NotRegistrar");
        await expectRevert(as.publishVoterCommitments(A, 5, [123n]));
        await expectRevert(as.publishVoterCommitments(A, 0, [123n]));
        await expectRevert(as.openVoting(A, rollA.root + 1n));
        await expectRevert(as.openVoting(A, rollA.root));
        await expect(as.setRegistrar(A, caller.address)).to.be.revertedWithCustomError(zkBallot, caller === admin ? "WrongPhase" : "NotAdmin");
        await as.createElection({ title: "decoy", numOptions: 2, minSelections: 1, maxSelections: 1, metadataURI: "", metadataHash: keccakText("decoy"), registrar: caller.address, votingStartsAt: 0, votingEndsAt: 0 });
      }
      // Even a new admin (the role may change hands during voting) has no such power.
      await zkBallot.connect(admin).transferAdmin(A, outsider.address);
      await zkBallot.connect(outsider).acceptAdmin(A);
      await expect(zkBallot.connect(outsider).setRegistrar(A, outsider.address)).to.be.revertedWithCustomError(zkBallot, "WrongPhase");
      expect(await record(zkBallot, A)).to.deep.equal(before);
    });

    it("roles are per election: being admin or registrar of one election gives no power over another", async () => {
      const { zkBallot, admin, registrar, outsider, A, REG } = await loadFixture(adversaryFixture);
      // The outsider creates its own election: admin there, and its own registrar.
      const own = (await zkBallot.electionCount()) + 1n;
      await zkBallot.connect(outsider).createElection({ title: "mine", numOptions: 2, minSelections: 1, maxSelections: 1, metadataURI: "", metadataHash: keccakText("mine"), registrar: outsider.address, votingStartsAt: 0, votingEndsAt: 0 });
      const asOutsider = zkBallot.connect(outsider);
      await asOutsider.publishVoterCommitments(own, 0, [42n]); // its own election works for it
      for (const victim of [A, REG]) {
        const before = await record(zkBallot, victim);
        const count = (await zkBallot.getElection(victim)).voterCount;
        await expect(asOutsider.transferAdmin(victim, outsider.address)).to.be.revertedWithCustomError(zkBallot, "NotAdmin").withArgs(victim, outsider.address);
        await expect(asOutsider.setRegistrar(victim, outsider.address)).to.be.revertedWithCustomError(zkBallot, "NotAdmin").withArgs(victim, outsider.address);
        await expect(asOutsider.publishVoterCommitments(victim, count, [43n])).to.be.revertedWithCustomError(zkBallot, "NotRegistrar").withArgs(victim, outsider.address);
        await expect(asOutsider.openVoting(victim, 1n)).to.be.revertedWithCustomError(zkBallot, "NotRegistrar").withArgs(victim, outsider.address);
        expect(await record(zkBallot, victim)).to.deep.equal(before);
      }
      await expect(asOutsider.closeElection(A)).to.be.revertedWithCustomError(zkBallot, "NotAdmin").withArgs(A, outsider.address);
      // And the victim's roles have no power over the outsider's election.
      await expect(zkBallot.connect(admin).setRegistrar(own, admin.address)).to.be.revertedWithCustomError(zkBallot, "NotAdmin").withArgs(own, admin.address);
      await expect(zkBallot.connect(registrar).publishVoterCommitments(own, 1, [44n])).to.be.revertedWithCustomError(zkBallot, "NotRegistrar").withArgs(own, registrar.address);
    });

    it("an election whose end time passes before voting opens stays in Registration for good: it can neither open, nor close, nor take ballots", async () => {
      const { zkBallot, admin, registrar, relayer, rollA, a0 } = await loadFixture(adversaryFixture);
      const id = (await zkBallot.electionCount()) + 1n;
      const end = (await time.latest()) + 1_000;
      await zkBallot.connect(admin).createElection({ title: "late", numOptions: NUM_OPTIONS, minSelections: 1, maxSelections: 1, metadataURI: "", metadataHash: keccakText("late"), registrar: registrar.address, votingStartsAt: 0, votingEndsAt: end });
      await zkBallot.connect(registrar).publishVoterCommitments(id, 0, [1n, 2n]);
      await time.increaseTo(end);
      await expect(zkBallot.connect(registrar).openVoting(id, rollA.root, GAS)).to.be.revertedWithCustomError(zkBallot, "VotingEnded").withArgs(id, end);
      await expect(zkBallot.connect(admin).closeElection(id)).to.be.revertedWithCustomError(zkBallot, "WrongPhase").withArgs(id, Phase.Registration, Phase.Voting);
      await expect(cast(zkBallot.connect(relayer), a0, { electionId: id })).to.be.revertedWithCustomError(zkBallot, "WrongPhase").withArgs(id, Phase.Registration, Phase.Voting);
      expect((await zkBallot.getElection(id)).phase).to.equal(BigInt(Phase.Registration));
    });
  });

  describe("inputs to scripts", () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-adversarial-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = (name: string) => path.join(dir, name);

    it("corrupted identity files are refused by the library: empty, binary, a directory, a zero secret, a missing field, a secret beyond JSON's integers", async () => {
      const identity = await createIdentity();
      const good = JSON.parse(serializeIdentity(identity)) as Record<string, unknown>;
      const cases: [string, string | Buffer, ZkBallotErrorCode, RegExp][] = [
        ["empty.json", "", "INVALID_IDENTITY", /not valid JSON/],
        ["binary.json", Buffer.from(keccakText("binary").slice(2), "hex"), "INVALID_IDENTITY", /not valid JSON/],
        ["bom.json", "\ufeff" + serializeIdentity(identity), "INVALID_IDENTITY", /not valid JSON/],
        ["zero.json", JSON.stringify({ ...good, identitySecret: "0x0" }), "INVALID_IDENTITY", /identity secret is zero/],
        ["missing.json", JSON.stringify({ ...good, voterCommitment: undefined }), "INVALID_IDENTITY", /voterCommitment is not a number/],
        ["number.json", `{"format":"zkballot-identity","version":1,"identitySecret":${identity.identitySecret},"voterCommitment":"${toHex32(identity.voterCommitment)}"}`, "INVALID_IDENTITY", /not a safe integer/],
        ["swapped.json", JSON.stringify({ ...good, identitySecret: good.voterCommitment, voterCommitment: good.identitySecret }), "INVALID_IDENTITY", /corrupted/],
      ];
      for (const [name, content, code, message] of cases) {
        fs.writeFileSync(file(name), content);
        await expectError(() => loadIdentity(file(name)), code, message);
      }
      fs.mkdirSync(file("directory.json"));
      await expectError(() => loadIdentity(file("directory.json")), "IDENTITY_FILE_UNREADABLE", /EISDIR/);
      await expectError(() => parseIdentity("null"), "INVALID_IDENTITY", /not a JSON object/);
    });

    it("`identity commitment` with a corrupted file and `identity new` into an unwritable place exit 1 with one error line, print nothing else, and write nothing", async () => {
      const identity = await createIdentity();
      const text = serializeIdentity(identity);
      const lastSecretDigit = text.indexOf('"voterCommitment"') - 6; // the last hex digit of identitySecret: `…d",\n  "voterCommitment"`
      fs.writeFileSync(file("flipped.json"), text.slice(0, lastSecretDigit) + (text[lastSecretDigit] === "1" ? "2" : "1") + text.slice(lastSecretDigit + 1));
      fs.writeFileSync(file("empty.json"), "");
      fs.writeFileSync(file("binary.json"), Buffer.from(keccakText("garbage").slice(2), "hex"));
      fs.writeFileSync(file("outside.json"), JSON.stringify({ ...JSON.parse(text), identitySecret: toHex32(identity.identitySecret + R) }));
      fs.mkdirSync(file("directory.json"));
      fs.writeFileSync(file("a-file"), "not a directory");

      const env: NodeJS.ProcessEnv = { ...process.env };
      delete env.TESTNET_RPC_URL;
      const run = (args: string[]) => runHardhatCliAsync(args, env); // at most CLI_JOBS at once, each with a deadline
      const cases: [string[], RegExp][] = [
        [["identity", "commitment", "--identity", file("flipped.json")], /flipped.json is corrupted: its voterCommitment does not match its identitySecret/],
        [["identity", "commitment", "--identity", file("empty.json")], /empty.json is not valid JSON/],
        [["identity", "commitment", "--identity", file("binary.json")], /binary.json is not valid JSON/],
        [["identity", "commitment", "--identity", file("outside.json")], /identitySecret is outside the BN254 scalar field/],
        [["identity", "commitment", "--identity", file("directory.json")], /cannot read .*directory.json: EISDIR/],
        [["identity", "new", "--out", path.join(file("a-file"), "voter.json")], /ENOTDIR/],
      ];
      const runs = await Promise.all(cases.map(([args]) => run(args)));
      runs.forEach((result, i) => {
        const what = cases[i][0].join(" ");
        expect(result.status, `${what}\n${result.stdout}${result.stderr}`).to.equal(1);
        expect(result.stdout, what).to.equal("");
        const lines = result.stderr.trimEnd().split("\n");
        expect(lines, what).to.have.length(1);
        expect(lines[0], what).to.match(/^error: /);
        expect(lines[0], what).to.match(cases[i][1]);
      });
      expect(fs.readFileSync(file("a-file"), "utf8")).to.equal("not a directory");
      expect(fs.readdirSync(dir).sort()).to.deep.equal(["a-file", "binary.json", "directory.json", "empty.json", "flipped.json", "outside.json"]);
    });

    it("a truncated roll file is refused when read (JSON, CSV cut mid-line: F3) or, cut at a line boundary, before it is used: by the chain's count and digest, the election's root, and the registrar's resume check", async () => {
      const { zkBallot, registrar, voters, A, REG } = await loadFixture(adversaryFixture);
      const commitments = voters.slice(0, 5).map((voter) => voter.voterCommitment);
      const json = JSON.stringify(commitments.map(toHex32));
      fs.writeFileSync(file("roll.json"), json.slice(0, json.length - 40));
      await expectError(() => readVoterRollFile(file("roll.json")), "INVALID_ROLL", /roll.json is not valid JSON \(truncated\?\)/);
      const wrapped = JSON.stringify({ voterCommitments: commitments.map(toHex32) });
      fs.writeFileSync(file("wrapped.json"), wrapped.slice(0, wrapped.lastIndexOf(",")));
      await expectError(() => readVoterRollFile(file("wrapped.json")), "INVALID_ROLL", /not valid JSON/);

      writeVoterRollFile(file("roll.csv"), commitments);
      const csv = fs.readFileSync(file("roll.csv"), "utf8");
      expect(readVoterRollFile(file("roll.csv"))).to.deep.equal(commitments);
      const election = await zkBallot.getElection(A);
      // Cut in the middle of a line: refused when read (F3), for hex and decimal entries alike.
      const decimal = ["voterCommitment", ...commitments.map(String)].join("\n") + "\n";
      const midLine: [string, string][] = [
        ["in the middle of the last line", csv.slice(0, csv.length - 30)],
        ["in the middle of a line, mid-file", csv.slice(0, csv.indexOf("\n", 100) - 20)],
        ["just before the last newline", csv.slice(0, csv.length - 1)],
        ["in the middle of a decimal line", decimal.slice(0, decimal.length - 30)],
      ];
      for (const [where, text] of midLine) {
        fs.writeFileSync(file("cut.csv"), text);
        await expectError(() => readVoterRollFile(file("cut.csv")), "INVALID_ROLL", /cut.csv line \d+ does not end with a newline: the file may be cut short/).catch((error: Error) => expect.fail(`${where}: ${error.message}`));
      }
      // A shortened hex entry is refused even where a newline follows it (a line lost its end).
      fs.writeFileSync(file("short.csv"), csv.replace(toHex32(commitments[2]), toHex32(commitments[2]).slice(0, 40)));
      await expectError(() => readVoterRollFile(file("short.csv")), "INVALID_ROLL", /short.csv line 4 has 38 hex digits, not 64/);
      // Cut at a line boundary: every line is whole, so only the chain's records can tell.
      const truncations: [string, string][] = [["at a line boundary", csv.slice(0, csv.lastIndexOf("\n", csv.length - 2) + 1)]];
      for (const [where, text] of truncations) {
        fs.writeFileSync(file("cut.csv"), text);
        const read = readVoterRollFile(file("cut.csv"));
        expect(read, where).to.deep.equal(commitments.slice(0, 4));
        // `vote --roll-file` compares count and digest with the chain's:
        expect(BigInt(read.length) === election.voterCount && computeVoterRollDigest(read) === election.voterRollDigest, where).to.equal(false);
        // the library refuses to prove against it (before proving):
        const voterRoll = await VoterRoll.build(read, { depth: ROLL_DEPTH });
        await expectError(() => prepareBallot({ zkBallot, electionId: A, identity: voters[0], option: 0, voterRoll }), "INVALID_ROLL", /root differs/);
        // and a registrar resuming publication with it is refused:
        await expectError(() => publishVoterRoll(zkBallot.connect(registrar), REG, read), "INVALID_ROLL", /not a prefix of this roll/);
      }
      expect((await zkBallot.getElection(REG)).voterCount).to.equal(5n);
    });

    it("a hostile RPC that forges, drops, repeats or reorders roll logs, or lies about the voter count or digest, makes fetchVoterRoll and openVoting refuse, and nothing is sent", async () => {
      const { zkBallot, registrar, voters, REG } = await loadFixture(adversaryFixture);
      const iface = zkBallot.interface;
      const published = iface.getEvent("VoterCommitmentsPublished")!;
      const forgeCommitment = (logs: Log[]) =>
        logs.map((log) => {
          const event = iface.parseLog(log);
          if (event?.name !== "VoterCommitmentsPublished" || event.args.firstIndex !== 2n) return log;
          const forged = [...(event.args.voterCommitments as bigint[])];
          forged[2] = 12345n;
          return withData(log, iface.encodeEventLog(published, [REG, event.args.registrar, 2n, forged, event.args.voterRollDigest]));
        });
      const lies: [string, Forgery, RegExp][] = [
        ["a forged commitment", { logs: forgeCommitment }, /do not match the on-chain count and digest/],
        ["the first batch dropped", { logs: (logs) => logs.slice(1) }, /starts at index 2, expected 0/],
        ["no logs at all", { logs: () => [] }, /do not match the on-chain count and digest/],
        ["a batch repeated", { logs: (logs) => [logs[0], ...logs] }, /starts at index 0, expected 2/],
        // (the reader sorts logs by block and position, so the lie must be in those fields)
        ["batches reordered", { logs: ([first, second]) => [{ ...second, blockNumber: first.blockNumber, index: first.index } as unknown as Log, { ...first, blockNumber: second.blockNumber, index: second.index } as unknown as Log] }, /starts at index 2, expected 0/],
        ["a lying voter count", { call: lyingElectionView(zkBallot, REG, { [VIEW_VOTER_COUNT]: 4n }) }, /do not match the on-chain count and digest/],
        ["a lying roll digest", { call: lyingElectionView(zkBallot, REG, { [VIEW_VOTER_ROLL_DIGEST]: keccakText("lie") }) }, /do not match the on-chain count and digest/],
      ];
      const honest = await fetchVoterRoll(zkBallot.connect(hostileProvider()), REG);
      expect(honest).to.deep.equal(voters.slice(0, 5).map((voter) => voter.voterCommitment)); // the proxy alone changes nothing
      for (const [what, forgery, message] of lies) {
        const provider = hostileProvider(forgery);
        await expectError(() => fetchVoterRoll(zkBallot.connect(provider), REG), "EVENT_DECODE", message).catch((error: Error) => expect.fail(`${what}: ${error.message}`));
        await expectError(() => openVoting(zkBallot.connect(registrar.connect(provider)), REG), "EVENT_DECODE", message);
      }
      expect((await zkBallot.getElection(REG)).phase).to.equal(BigInt(Phase.Registration));
      expect(await zkBallot.queryFilter(zkBallot.filters.VotingOpened(REG))).to.have.length(0);
    });

    it("preparing a ballot never shows the RPC the voter's nullifier (F2): no request carries it, yet a second ballot is refused from the election's events, and dropped VoteCast logs are caught", async () => {
      const { zkBallot, relayer, voters, rollA, A } = await loadFixture(adversaryFixture);
      const requests: string[] = [];
      // An EIP-1193 provider that records every JSON-RPC request before passing it to Hardhat.
      const recording = new ethers.BrowserProvider({
        request: async (request: { method: string; params?: unknown[] | object }) => {
          requests.push(JSON.stringify(request).toLowerCase());
          return network.provider.request(request);
        },
      });
      const asVoter = zkBallot.connect(recording);
      const nullifier = await computeNullifier(voters[3].identitySecret, await zkBallot.electionScope(A));
      const shows = () => requests.filter((request) => request.includes(nullifier.toString(16))); // unpadded: in any word or topic

      const prepared = await prepareBallot({ zkBallot: asVoter, electionId: A, identity: voters[3], option: 1, voterRoll: rollA });
      expect(prepared.nullifier).to.equal(nullifier);
      expect(requests.length).to.be.greaterThan(3);
      expect(shows()).to.deep.equal([]);
      await (await cast(zkBallot.connect(relayer), prepared)).wait();

      requests.length = 0;
      const again = await expectError(() => prepareBallot({ zkBallot: asVoter, electionId: A, identity: voters[3], option: 2, voterRoll: rollA }), "ALREADY_VOTED", /already voted in election 1, in block \d+/);
      expect(again.message).to.include(`block ${await zkBallot.nullifierSpentInBlock(A, nullifier)}`);
      expect(shows()).to.deep.equal([]);
      // The recorder does see a nullifier when one is sent: the old check would have failed here.
      await asVoter.nullifierSpentInBlock(A, nullifier);
      expect(shows()).to.have.length(1);

      // An RPC that hides the voter's earlier ballot cannot make them prove and send a doomed second one unawares.
      const hiding = hostileProvider({ logs: (logs) => logs.filter((log) => log.topics[2] !== toHex32(nullifier)) });
      await expectError(() => prepareBallot({ zkBallot: zkBallot.connect(hiding), electionId: A, identity: voters[3], option: 2, voterRoll: rollA }), "EVENT_DECODE", /returned 0 VoteCast events, which do not add up to the tally/);
    });

    it("a deployment record that names another contract is refused with a clear error before anything is sent (F5)", async () => {
      const { zkBallot, verifier, broken, outsider } = await loadFixture(adversaryFixture);
      const { chainId } = await ethers.provider.getNetwork();
      // Same verifier and roll depth as the recorded ZkBallot, another VoteBatchVerifier.
      const otherBatch = await new ZkBallot__factory(outsider).deploy(await verifier.getAddress(), await (await deployVoteBatchVerifier(outsider)).getAddress(), ROLL_DEPTH);
      const good = newDeploymentRecord(chainId, await zkBallot.getAddress(), await verifier.getAddress(), await zkBallot.BATCH_VERIFIER(), 0, ROLL_DEPTH, false);
      await withDeploymentsDir(file("deployments"), async () => {
        saveDeployment(good);
        const connected = await connectDeployment(ethers.provider);
        expect(await connected.zkBallot.getAddress()).to.equal(good.zkBallot);
        const cases: [string, Partial<typeof good>, ZkBallotErrorCode, RegExp][] = [
          ["the verifier's address", { zkBallot: good.verifier }, "DEPLOYMENT_MISMATCH", /is not the ZkBallot recorded in .*31337.json: it does not answer ROLL_DEPTH\(\) and VERIFIER\(\)/],
          ["another roll depth", { rollDepth: ROLL_DEPTH + 1 }, "DEPLOYMENT_MISMATCH", new RegExp(`its roll depth is ${ROLL_DEPTH}, the record says ${ROLL_DEPTH + 1}`)],
          ["a ZkBallot with another verifier", { zkBallot: await broken.getAddress() }, "DEPLOYMENT_MISMATCH", /its verifier is 0x[0-9a-fA-F]{40}, the record says/],
          ["a ZkBallot with another batch verifier", { zkBallot: await otherBatch.getAddress() }, "DEPLOYMENT_MISMATCH", /its batch verifier is 0x[0-9a-fA-F]{40}, the record says/],
          ["a record without the batch verifier (older zkballot)", { batchVerifier: undefined }, "INVALID_ARGUMENT", /is corrupted: it has no batchVerifier: it was written by an older zkballot.*hint: add "batchVerifier"/],
          ["a batch verifier that is not an address", { batchVerifier: "0x1234" }, "INVALID_ARGUMENT", /is corrupted: batchVerifier "0x1234" is not an address/],
          ["an account without code", { zkBallot: outsider.address }, "INVALID_ARGUMENT", /no contract at the recorded ZkBallot address/],
          ["a roll depth that is not a number", { rollDepth: "20" as unknown as number }, "INVALID_ARGUMENT", /is corrupted: rollDepth "20" is not a positive integer/],
        ];
        for (const [what, change, code, message] of cases) {
          saveDeployment({ ...good, ...change });
          await expectError(() => connectDeployment(ethers.provider), code, message).catch((error: Error) => expect.fail(`${what}: ${error.message}`));
        }
      });
    });

    it("a hostile RPC that lies consistently (forged logs and matching count and digest) can feed the registrar a forged roll, but the root it freezes is caught by the auditor on an honest RPC", async () => {
      const { zkBallot, registrar, address, voters, REG } = await loadFixture(adversaryFixture);
      const iface = zkBallot.interface;
      const published = iface.getEvent("VoterCommitmentsPublished")!;
      const real = voters.slice(0, 5).map((voter) => voter.voterCommitment);
      const forgedRoll = [...real.slice(0, 4), 12345n]; // voter 4 replaced by a commitment nobody can open
      const forgedDigest = computeVoterRollDigest(forgedRoll);
      const provider = hostileProvider({
        logs: (logs) =>
          logs.map((log) => {
            const event = iface.parseLog(log);
            if (event?.name !== "VoterCommitmentsPublished" || event.args.firstIndex !== 2n) return log;
            return withData(log, iface.encodeEventLog(published, [REG, event.args.registrar, 2n, forgedRoll.slice(2), forgedDigest]));
          }),
        call: lyingElectionView(zkBallot, REG, { [VIEW_VOTER_ROLL_DIGEST]: forgedDigest }),
      });
      expect(await fetchVoterRoll(zkBallot.connect(provider), REG)).to.deep.equal(forgedRoll); // undetectable through that RPC alone
      const { voterRollRoot } = await openVoting(zkBallot.connect(registrar.connect(provider)), REG);
      expect(voterRollRoot).to.equal((await VoterRoll.build(forgedRoll, { depth: ROLL_DEPTH })).root);

      const report = await auditElection({ provider: ethers.provider, contractAddress: address, electionId: REG });
      expect(report.result.ok).to.equal(false);
      const roll = report.checks.find((check) => check.id === "voter-roll")!;
      expect(roll.status, formatAuditSummary(report)).to.equal("fail");
      expect(roll.findings.map((f) => f.message).join("\n")).to.match(/frozen root .* is not the Poseidon root of the published commitments/);
    });

    it("the auditor reports every forgery of a hostile RPC (dropped, altered or replayed ballot logs, lying tallies, a lying roll count, another chain id) and never passes it", async () => {
      const { zkBallot, relayer, admin, address, A, a0, a1 } = await loadFixture(adversaryFixture);
      await zkBallot.connect(relayer).castVotes([submission(a0), submission(a1)]);
      await zkBallot.connect(admin).closeElection(A);
      const iface = zkBallot.interface;
      const voteCast = iface.getEvent("VoteCast")!;
      const isVoteOf = (log: Log, prepared: PreparedBallot) => {
        const event = iface.parseLog(log);
        return event?.name === "VoteCast" && event.args.nullifier === prepared.nullifier;
      };
      const audit = (forgery: Forgery) => auditElection({ provider: hostileProvider(forgery), contractAddress: address, electionId: A });
      const failing = (report: AuditReport) => report.checks.filter((check) => check.status === "fail").map((check) => check.id);

      // Through the proxy with no forgery, every check passes. (Under `hardhat coverage` the
      // verifier is compiled without the optimizer, so verifier-integrity alone fails there.)
      const baseline = await audit({});
      expect(failing(baseline).filter((id) => id !== "verifier-integrity"), formatAuditSummary(baseline)).to.deep.equal([]);

      const scenarios: [string, Forgery, string[]][] = [
        ["a ballot log dropped", { logs: (logs) => logs.filter((log) => !isVoteOf(log, a1)) }, ["tally"]],
        [
          "a ballot log altered to another option",
          { logs: (logs) => logs.map((log) => (isVoteOf(log, a0) ? withData(log, iface.encodeEventLog(voteCast, [A, a0.nullifier, 8n, a0.proof])) : log)) },
          ["ballots", "tally"],
        ],
        ["a ballot log replayed", { logs: (logs) => logs.flatMap((log) => (isVoteOf(log, a0) ? [log, { ...log, index: log.index + 1000 } as unknown as Log] : [log])) }, ["ballots"]],
        [
          "lying tallies",
          { call: (tx, result) => (callsFunction(zkBallot, tx, "tallies") ? iface.encodeFunctionResult("tallies", [[2n, 1n, 0n, 0n]]) : result) },
          ["tally"],
        ],
        ["a lying voter count", { call: lyingElectionView(zkBallot, A, { [VIEW_VOTER_COUNT]: 6n }) }, ["voter-roll"]],
        ["another chain id", { chainId: 1n }, ["ballots"]],
      ];
      for (const [what, forgery, checks] of scenarios) {
        const report = await audit(forgery);
        expect(report.result.ok, `${what}: ${formatAuditSummary(report)}`).to.equal(false);
        expect(failing(report), `${what}: ${formatAuditSummary(report)}`).to.include.members(checks);
        for (const id of checks) expect(failing(baseline), `${what}: ${id} fails without any forgery`).to.not.include(id);
      }
    });

    it("nothing is written half-way and no temporary file stays behind (F4): a failing identity save leaves no identity file; a failing roll, deployment or log-cache write leaves the previous file intact", async () => {
      const identity = await createIdentity();
      type BeforeFailure = (original: (...args: unknown[]) => unknown, ...args: unknown[]) => void;
      /** Runs `action` while fs[name] fails (with ENOSPC), after doing `partial` with the real function. */
      async function failing(name: "writeSync" | "fsyncSync" | "linkSync" | "writeFileSync" | "renameSync", action: () => unknown, partial?: BeforeFailure) {
        const original = realFs[name] as (...args: unknown[]) => unknown;
        (realFs as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
          partial?.(original, ...args);
          throw Object.assign(new Error(`${name}: injected failure`), { code: "ENOSPC" });
        };
        try {
          let failure: unknown;
          try {
            await action();
          } catch (error) {
            failure = error;
          }
          expect(String(failure), `${name} failed, yet the action succeeded`).to.match(/injected failure/);
        } finally {
          (realFs as unknown as Record<string, unknown>)[name] = original;
        }
      }

      const strays = () => fs.readdirSync(dir, { recursive: true }).map(String).filter((name) => name.endsWith(".tmp"));

      // Identity: the disk fills up half-way through the write, fsync fails, or the final link fails.
      const halfWrite: BeforeFailure = (writeSync, fd, data) => void writeSync(fd, String(data).slice(0, 60));
      await failing("writeSync", () => saveIdentity(identity, file("a.json")), halfWrite);
      await failing("fsyncSync", () => saveIdentity(identity, file("b.json")));
      await failing("linkSync", () => saveIdentity(identity, file("c.json")));
      for (const name of ["a.json", "b.json", "c.json"]) expect(fs.existsSync(file(name)), name).to.equal(false);
      expect(() => saveIdentity(identity, path.join(file("missing-dir"), "d.json"))).to.throw(/ENOENT/);
      saveIdentity(identity, file("a.json")); // the same path works once the disk is fine again
      expect(await loadIdentity(file("a.json"))).to.deep.equal(identity);

      // Roll file: an existing file survives a failed rewrite, whether the write or the rename fails.
      const roll = [11n, 22n, 33n];
      writeVoterRollFile(file("roll.csv"), roll);
      const before = fs.readFileSync(file("roll.csv"), "utf8");
      const halfFile: BeforeFailure = (writeFileSync, target, data) => void writeFileSync(target, String(data).slice(0, 50));
      await failing("writeFileSync", () => writeVoterRollFile(file("roll.csv"), [44n, 55n, 66n, 77n]), halfFile);
      await failing("renameSync", () => writeVoterRollFile(file("roll.csv"), [44n, 55n, 66n, 77n]));
      expect(fs.readFileSync(file("roll.csv"), "utf8")).to.equal(before);
      expect(readVoterRollFile(file("roll.csv"))).to.deep.equal(roll);

      // Deployment record and audit log cache: the same, through the same writer.
      const { zkBallot, verifier } = await loadFixture(adversaryFixture);
      const { chainId } = await ethers.provider.getNetwork();
      const record = newDeploymentRecord(chainId, await zkBallot.getAddress(), await verifier.getAddress(), await zkBallot.BATCH_VERIFIER(), 0, ROLL_DEPTH, false);
      await withDeploymentsDir(file("deployments"), async () => {
        const saved = saveDeployment(record);
        await failing("writeFileSync", () => saveDeployment({ ...record, deployBlock: 7 }), halfFile);
        await failing("renameSync", () => saveDeployment({ ...record, deployBlock: 7 }));
        expect(JSON.parse(fs.readFileSync(saved, "utf8"))).to.deep.equal(record);
      });
      const logRead = { provider: ethers.provider, contract: await zkBallot.getAddress(), chainId, fromBlock: 0, toBlock: await ethers.provider.getBlockNumber(), blockRange: 5_000, maxRetries: 0, cacheDir: file("cache"), cacheConfirmations: 0 };
      await failing("renameSync", () => fetchContractLogs(logRead));
      expect(fs.readdirSync(file("cache"))).to.deep.equal([]);
      expect(await fetchContractLogs(logRead)).to.have.length.greaterThan(10); // and the cache works once the disk does
      expect(fs.readdirSync(file("cache"))).to.have.length(1);
      expect(strays()).to.deep.equal([]);
    });
  });
});
