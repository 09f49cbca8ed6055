/**
 * ZkBallot contract rules: for each rule, the transaction that breaks it, and the legitimate
 * use that the rule lets through. Proofs are real Groth16 proofs made by the library, a
 * handful once (inside the proving fixture, which loadFixture caches) and reused.
 */
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { MaxUint256, ZeroAddress, ZeroHash, id as keccakText, type ContractTransactionReceipt } from "ethers";
import { ethers, network } from "hardhat";

import { loadManifest } from "../lib/proving/artifacts";
import { SNARK_SCALAR_FIELD } from "../lib/core/constants";
import {
  Phase,
  computeElectionScope,
  computeVoterRollDigest,
  decodeContractRevert,
  prepareBallot,
  type PreparedBallot,
} from "../lib/chain/election";
import { computeNullifier, identityFromSecret, type VoterIdentity } from "../lib/core/identity";
import { BN254_BASE_FIELD, releaseSnarkjs, type SolidityProof } from "../lib/proving/prover";
import { VoterRoll } from "../lib/core/voterRoll";
import { deployVoteBatchVerifier } from "../lib/proving/batchVerifierContract";
import { VoteVerifier__factory, ZkBallot__factory, type ZkBallot } from "../typechain-types";
import { expectGasHardfork } from "./helpers/hardfork";

const R = SNARK_SCALAR_FIELD;
const ROLL_DEPTH = loadManifest().rollDepth;
const NUM_OPTIONS = 4;
const TITLE = "Participatory budget 2027";
const METADATA_URI = "ipfs://bafy-metadata";
const METADATA_HASH = keccakText("metadata");
/** Explicit gas, so a transaction is mined (and reverts) at a timestamp we set, with no estimate first. */
const GAS = { gasLimit: 3_000_000 };

type ElectionConfigInput = Parameters<ZkBallot["createElection"]>[0];

function config(registrar: string, overrides: Partial<{ title: string; numOptions: number; minSelections: number; maxSelections: number; metadataURI: string; metadataHash: string; registrar: string; votingStartsAt: number | bigint; votingEndsAt: number | bigint }> = {}): ElectionConfigInput {
  return {
    title: TITLE,
    numOptions: NUM_OPTIONS,
    minSelections: 1,
    maxSelections: 1,
    metadataURI: METADATA_URI,
    metadataHash: METADATA_HASH,
    registrar,
    votingStartsAt: 0,
    votingEndsAt: 0,
    ...overrides,
  };
}

/** The firstIndex publishVoterCommitments expects: the current voter count (0 for an unknown election). */
async function rollIndex(zkBallot: ZkBallot, electionId: bigint | number): Promise<bigint> {
  return zkBallot.getElection(electionId).then((election) => election.voterCount, () => 0n);
}

/** Id of the election that createElection would create next. */
/**
 * Sets the next block's timestamp to one second after the latest block and returns it. After
 * loadFixture reverts to its snapshot, the latest block may be minutes old on a busy machine
 * while the next block takes the wall clock's time: a window computed from time.latest() alone
 * could already be over by the time the election is created.
 */
async function pinNextBlockTime(): Promise<number> {
  const next = (await time.latest()) + 1;
  await time.setNextBlockTimestamp(next);
  return next;
}

async function nextElectionId(zkBallot: ZkBallot): Promise<bigint> {
  return (await zkBallot.electionCount()) + 1n;
}

// ------------------------------------------------------------------------------------ fixtures

async function deployFixture() {
  const [admin, registrar, outsider, relayer, newAdmin, newRegistrar] = await ethers.getSigners();
  const verifier = await new VoteVerifier__factory(admin).deploy();
  const batchVerifier = await deployVoteBatchVerifier(admin);
  const zkBallot = await new ZkBallot__factory(admin).deploy(await verifier.getAddress(), await batchVerifier.getAddress(), ROLL_DEPTH);
  const { chainId } = await ethers.provider.getNetwork();
  return { zkBallot, verifier, batchVerifier, chainId, admin, registrar, outsider, relayer, newAdmin, newRegistrar };
}

/** One election (id 1) in Registration, with nothing published. */
async function registrationFixture() {
  const base = await deployFixture();
  const { zkBallot, admin, registrar } = base;
  await zkBallot.connect(admin).createElection(config(registrar.address));
  return { ...base, electionId: 1n };
}

/**
 * The voting world, with real proofs:
 *  - zkBallot election 1 (A) and 2 (B): no window, same roll, both open;
 *  - zkBallot election 3 (W): window [start, end), open;
 *  - zkBallot election 4 (R): still in Registration;
 *  - zkBallot2 (a second deployment on the same verifier) election 1: same roll, open.
 */
async function votingFixture() {
  const base = await deployFixture();
  const { zkBallot, verifier, batchVerifier, admin, registrar } = base;
  const zkBallot2 = await new ZkBallot__factory(admin).deploy(await verifier.getAddress(), await batchVerifier.getAddress(), ROLL_DEPTH);

  const voters: VoterIdentity[] = [];
  for (let i = 1; i <= 5; i++) voters.push(await identityFromSecret(BigInt(keccakText(`zkballot test voter ${i}`)) >> 4n));
  const commitments = voters.map((voter) => voter.voterCommitment);
  const roll = await VoterRoll.build(commitments, { depth: ROLL_DEPTH });

  const now = await time.latest();
  const windowStart = BigInt(now + 10_000);
  const windowEnd = BigInt(now + 20_000);
  const asRegistrar = zkBallot.connect(registrar);
  const open = async (contract: ZkBallot, electionId: bigint) => {
    await contract.connect(registrar).publishVoterCommitments(electionId, await rollIndex(contract.connect(registrar), electionId), commitments);
    await contract.connect(registrar).openVoting(electionId, roll.root);
  };

  await zkBallot.connect(admin).createElection(config(registrar.address, { title: "A" }));
  await zkBallot.connect(admin).createElection(config(registrar.address, { title: "B" }));
  await zkBallot.connect(admin).createElection(config(registrar.address, { title: "W", votingStartsAt: windowStart, votingEndsAt: windowEnd }));
  await zkBallot.connect(admin).createElection(config(registrar.address, { title: "R" }));
  await zkBallot2.connect(admin).createElection(config(registrar.address, { title: "A on another deployment" }));
  const [A, B, W, REG] = [1n, 2n, 3n, 4n];
  await open(zkBallot, A);
  await open(zkBallot, B);
  await open(zkBallot, W);
  await open(zkBallot2, 1n);
  await asRegistrar.publishVoterCommitments(REG, await rollIndex(asRegistrar, REG), commitments);

  const prove = (electionId: bigint, voter: number, option: number) =>
    prepareBallot({ zkBallot, electionId, identity: voters[voter], option, voterRoll: roll });
  const a0 = await prove(A, 0, 1); // ballot 2
  const a1 = await prove(A, 1, 0); // ballot 1
  const a2 = await prove(A, 2, 3); // ballot 8
  const w0 = await prove(W, 0, 2); // ballot 4

  return { ...base, zkBallot2, voters, commitments, roll, A, B, W, REG, windowStart, windowEnd, a0, a1, a2, w0 };
}

function cast(contract: ZkBallot, prepared: PreparedBallot, overrides: Partial<{ electionId: bigint; ballot: bigint; nullifier: bigint; proof: bigint[] }> = {}, txOverrides: object = {}) {
  return contract.castVote(
    overrides.electionId ?? prepared.electionId,
    overrides.ballot ?? prepared.ballot,
    overrides.nullifier ?? prepared.nullifier,
    (overrides.proof ?? prepared.proof) as SolidityProof,
    txOverrides,
  );
}

/** Revert data of a mined, failed transaction, through the node's tracer. */
async function revertDataOf(txHash: string): Promise<string> {
  const trace = (await network.provider.send("debug_traceTransaction", [txHash, { disableStorage: true, disableMemory: true, disableStack: true }])) as { failed: boolean; returnValue: string };
  expect(trace.failed).to.equal(true);
  return trace.returnValue.startsWith("0x") ? trace.returnValue : "0x" + trace.returnValue;
}

// ---------------------------------------------------------------------------------------- tests

describe("ZkBallot", function () {
  after(() => releaseSnarkjs());

  describe("constructor", () => {
    it("rejects a zero verifier or batch verifier address", async () => {
      const { verifier, batchVerifier, admin } = await loadFixture(deployFixture);
      const factory = new ZkBallot__factory(admin);
      await expect(factory.deploy(ZeroAddress, await batchVerifier.getAddress(), ROLL_DEPTH)).to.be.revertedWithCustomError(factory, "ZeroAddress");
      await expect(factory.deploy(await verifier.getAddress(), ZeroAddress, ROLL_DEPTH)).to.be.revertedWithCustomError(factory, "ZeroAddress");
    });

    it("rejects roll depth 0 and depths above 32", async () => {
      const { verifier, batchVerifier, admin } = await loadFixture(deployFixture);
      const factory = new ZkBallot__factory(admin);
      const verifierAddress = await verifier.getAddress();
      const batchVerifierAddress = await batchVerifier.getAddress();
      await expect(factory.deploy(verifierAddress, batchVerifierAddress, 0)).to.be.revertedWithCustomError(factory, "InvalidRollDepth").withArgs(0);
      await expect(factory.deploy(verifierAddress, batchVerifierAddress, 33)).to.be.revertedWithCustomError(factory, "InvalidRollDepth").withArgs(33);
      await expect(factory.deploy(verifierAddress, batchVerifierAddress, MaxUint256)).to.be.revertedWithCustomError(factory, "InvalidRollDepth").withArgs(MaxUint256);
    });

    it("accepts depths 1 and 32 and records the verifiers and depth", async () => {
      const { verifier, batchVerifier, admin, zkBallot } = await loadFixture(deployFixture);
      const factory = new ZkBallot__factory(admin);
      const verifierAddress = await verifier.getAddress();
      const batchVerifierAddress = await batchVerifier.getAddress();
      for (const depth of [1, 32]) {
        const deployed = await factory.deploy(verifierAddress, batchVerifierAddress, depth);
        expect(await deployed.ROLL_DEPTH()).to.equal(BigInt(depth));
        expect(await deployed.VERIFIER()).to.equal(verifierAddress);
        expect(await deployed.BATCH_VERIFIER()).to.equal(batchVerifierAddress);
      }
      expect(await zkBallot.ROLL_DEPTH()).to.equal(BigInt(ROLL_DEPTH));
      expect(await zkBallot.SNARK_SCALAR_FIELD()).to.equal(R);
      expect(await zkBallot.electionCount()).to.equal(0n);
    });
  });

  describe("createElection", () => {
    it("rejects an empty title", async () => {
      const { zkBallot, registrar } = await loadFixture(deployFixture);
      await expect(zkBallot.createElection(config(registrar.address, { title: "" }))).to.be.revertedWithCustomError(zkBallot, "EmptyTitle");
    });

    it("rejects fewer than 2 and more than 32 options; accepts 2 and 32", async () => {
      const { zkBallot, registrar } = await loadFixture(deployFixture);
      for (const numOptions of [0, 1, 33, 255]) {
        await expect(zkBallot.createElection(config(registrar.address, { numOptions })))
          .to.be.revertedWithCustomError(zkBallot, "InvalidOptionCount")
          .withArgs(numOptions, 32);
      }
      await expect(zkBallot.createElection(config(registrar.address, { numOptions: 2 }))).to.emit(zkBallot, "ElectionCreated");
      await expect(zkBallot.createElection(config(registrar.address, { numOptions: 32 }))).to.emit(zkBallot, "ElectionCreated");
      expect((await zkBallot.getElection(2n)).numOptions).to.equal(32n);
    });

    it("rejects a zero registrar", async () => {
      const { zkBallot } = await loadFixture(deployFixture);
      await expect(zkBallot.createElection(config(ZeroAddress))).to.be.revertedWithCustomError(zkBallot, "ZeroAddress");
    });

    it("rejects a window that starts at or after its end, or ends now or in the past", async () => {
      const { zkBallot, registrar } = await loadFixture(deployFixture);
      const cases: ((t: number) => [number, number])[] = [
        (t) => [t + 50, t + 50], // start == end
        (t) => [t + 60, t + 50], // start > end
        (t) => [0, t], // ends in the block itself
        (t) => [0, t - 1], // ends in the past
        (t) => [t - 10, t - 1], // whole window in the past
      ];
      for (const window of cases) {
        const t = (await time.latest()) + 100;
        const [start, end] = window(t);
        await time.setNextBlockTimestamp(t);
        await expect(zkBallot.createElection(config(registrar.address, { votingStartsAt: start, votingEndsAt: end }), GAS))
          .to.be.revertedWithCustomError(zkBallot, "InvalidVotingWindow")
          .withArgs(start, end, t);
      }
      expect(await zkBallot.electionCount()).to.equal(0n);
    });

    it("accepts open-ended, start-only, end-only and bounded windows", async () => {
      const { zkBallot, registrar } = await loadFixture(deployFixture);
      const now = await pinNextBlockTime();
      const windows: [number, number][] = [
        [0, 0],
        [now - 1000, 0], // a start in the past means "as soon as voting opens"
        [0, now + 100], // (each transaction is mined a second or so after the previous block)
        [now + 100, now + 101],
      ];
      for (const [start, end] of windows) {
        await expect(zkBallot.createElection(config(registrar.address, { votingStartsAt: start, votingEndsAt: end }))).to.emit(zkBallot, "ElectionCreated");
      }
      expect(await zkBallot.electionCount()).to.equal(4n);
    });

    it("emits ElectionCreated with every field, increments ids and stores the record", async () => {
      const { zkBallot, admin, registrar, outsider } = await loadFixture(deployFixture);
      const now = await pinNextBlockTime();
      const start = now + 100;
      const end = now + 200;
      await expect(zkBallot.connect(admin).createElection(config(registrar.address, { votingStartsAt: start, votingEndsAt: end })))
        .to.emit(zkBallot, "ElectionCreated")
        .withArgs(1n, admin.address, registrar.address, TITLE, NUM_OPTIONS, 1, 1, METADATA_URI, METADATA_HASH, start, end);
      expect(await zkBallot.electionCount()).to.equal(1n);

      // anyone can create an election and becomes its admin; ids increment
      await expect(zkBallot.connect(outsider).createElection(config(admin.address, { title: "second", numOptions: 2, metadataURI: "", metadataHash: ZeroHash })))
        .to.emit(zkBallot, "ElectionCreated")
        .withArgs(2n, outsider.address, admin.address, "second", 2, 1, 1, "", ZeroHash, 0, 0);
      expect(await zkBallot.electionCount()).to.equal(2n);
      expect(await zkBallot.createElection.staticCall(config(registrar.address))).to.equal(3n);

      const election = await zkBallot.getElection(1n);
      expect(election.phase).to.equal(BigInt(Phase.Registration));
      expect(election.numOptions).to.equal(BigInt(NUM_OPTIONS));
      expect([election.minSelections, election.maxSelections]).to.deep.equal([1n, 1n]);
      expect(election.votingStartsAt).to.equal(BigInt(start));
      expect(election.votingEndsAt).to.equal(BigInt(end));
      expect(election.voterCount).to.equal(0n);
      expect(election.admin).to.equal(admin.address);
      expect(election.registrar).to.equal(registrar.address);
      expect(election.voterRollRoot).to.equal(0n);
      expect(election.voterRollDigest).to.equal(ZeroHash);
      expect(election.metadataHash).to.equal(METADATA_HASH);
      expect(election.pendingAdmin).to.equal(ZeroAddress);
      // Only the hash is stored: the title and the URI are in the ElectionCreated event alone.
      const stored = zkBallot.interface.getFunction("getElection").outputs[0].components!.map((field) => field.name);
      expect(stored).to.include("metadataHash");
      expect(stored).to.not.include("title");
      expect(stored).to.not.include("metadataURI");
      expect((await zkBallot.getElection(2n)).admin).to.equal(outsider.address);
      expect(await zkBallot.tallies(1n)).to.deep.equal([0n, 0n, 0n, 0n]);
    });

    it("unknown ids (0, next, huge) are ElectionNotFound for views and actions", async () => {
      const { zkBallot, admin, registrar, outsider, electionId } = await loadFixture(registrationFixture);
      for (const unknown of [0n, electionId + 1n, MaxUint256]) {
        const notFound = (call: Promise<unknown>) => expect(call).to.be.revertedWithCustomError(zkBallot, "ElectionNotFound").withArgs(unknown);
        await notFound(zkBallot.getElection(unknown));
        await notFound(zkBallot.tallies(unknown));
        await notFound(zkBallot.connect(admin).transferAdmin(unknown, outsider.address));
        await notFound(zkBallot.connect(outsider).acceptAdmin(unknown));
        await notFound(zkBallot.connect(admin).cancelAdminTransfer(unknown));
        await notFound(zkBallot.connect(admin).setRegistrar(unknown, outsider.address));
        await notFound(zkBallot.connect(registrar).publishVoterCommitments(unknown, await rollIndex(zkBallot.connect(registrar), unknown), [1n]));
        await notFound(zkBallot.connect(registrar).openVoting(unknown, 1n));
        await notFound(zkBallot.connect(admin).closeElection(unknown));
        await notFound(zkBallot.connect(outsider).castVote(unknown, 1n, 1n, [0n, 0n, 0n, 0n, 0n, 0n, 0n, 0n]));
        expect(await zkBallot.nullifierSpentInBlock(unknown, 1n)).to.equal(0n);
      }
    });
  });

  describe("roles", () => {
    it("only the admin may transferAdmin or setRegistrar (NotAdmin), registrar included", async () => {
      const { zkBallot, registrar, outsider, electionId } = await loadFixture(registrationFixture);
      for (const caller of [registrar, outsider]) {
        await expect(zkBallot.connect(caller).transferAdmin(electionId, caller.address))
          .to.be.revertedWithCustomError(zkBallot, "NotAdmin")
          .withArgs(electionId, caller.address);
        await expect(zkBallot.connect(caller).setRegistrar(electionId, caller.address))
          .to.be.revertedWithCustomError(zkBallot, "NotAdmin")
          .withArgs(electionId, caller.address);
      }
    });

    it("only the registrar may publish or open (NotRegistrar), admin included", async () => {
      const { zkBallot, admin, outsider, electionId } = await loadFixture(registrationFixture);
      for (const caller of [admin, outsider]) {
        await expect(zkBallot.connect(caller).publishVoterCommitments(electionId, await rollIndex(zkBallot.connect(caller), electionId), [1n]))
          .to.be.revertedWithCustomError(zkBallot, "NotRegistrar")
          .withArgs(electionId, caller.address);
        await expect(zkBallot.connect(caller).openVoting(electionId, 1n))
          .to.be.revertedWithCustomError(zkBallot, "NotRegistrar")
          .withArgs(electionId, caller.address);
      }
    });

    it("rejects zero addresses for the new admin and the new registrar", async () => {
      const { zkBallot, admin, electionId } = await loadFixture(registrationFixture);
      await expect(zkBallot.connect(admin).transferAdmin(electionId, ZeroAddress)).to.be.revertedWithCustomError(zkBallot, "ZeroAddress");
      await expect(zkBallot.connect(admin).setRegistrar(electionId, ZeroAddress)).to.be.revertedWithCustomError(zkBallot, "ZeroAddress");
    });

    it("transferAdmin then acceptAdmin: AdminTransferStarted, then AdminTransferred; the new admin gains the power, the old one loses it", async () => {
      const { zkBallot, admin, newAdmin, newRegistrar, electionId } = await loadFixture(registrationFixture);
      await expect(zkBallot.connect(admin).transferAdmin(electionId, newAdmin.address))
        .to.emit(zkBallot, "AdminTransferStarted")
        .withArgs(electionId, admin.address, newAdmin.address)
        .and.not.to.emit(zkBallot, "AdminTransferred");
      // Proposed only: the admin keeps the role until the proposed account accepts.
      expect((await zkBallot.getElection(electionId)).admin).to.equal(admin.address);
      expect((await zkBallot.getElection(electionId)).pendingAdmin).to.equal(newAdmin.address);
      await expect(zkBallot.connect(newAdmin).setRegistrar(electionId, newRegistrar.address))
        .to.be.revertedWithCustomError(zkBallot, "NotAdmin")
        .withArgs(electionId, newAdmin.address);

      await expect(zkBallot.connect(newAdmin).acceptAdmin(electionId))
        .to.emit(zkBallot, "AdminTransferred")
        .withArgs(electionId, admin.address, newAdmin.address);
      const after = await zkBallot.getElection(electionId);
      expect(after.admin).to.equal(newAdmin.address);
      expect(after.pendingAdmin).to.equal(ZeroAddress);

      await expect(zkBallot.connect(admin).setRegistrar(electionId, admin.address))
        .to.be.revertedWithCustomError(zkBallot, "NotAdmin")
        .withArgs(electionId, admin.address);
      await expect(zkBallot.connect(admin).transferAdmin(electionId, admin.address))
        .to.be.revertedWithCustomError(zkBallot, "NotAdmin")
        .withArgs(electionId, admin.address);
      await expect(zkBallot.connect(newAdmin).setRegistrar(electionId, newRegistrar.address)).to.emit(zkBallot, "RegistrarChanged");
      // An accepted proposal is used up: accepting again finds none.
      await expect(zkBallot.connect(newAdmin).acceptAdmin(electionId)).to.be.revertedWithCustomError(zkBallot, "NoPendingAdmin").withArgs(electionId);
    });

    it("acceptAdmin: only the proposed account (NotPendingAdmin), only after a proposal (NoPendingAdmin)", async () => {
      const { zkBallot, admin, registrar, outsider, newAdmin, electionId } = await loadFixture(registrationFixture);
      for (const caller of [admin, registrar, outsider, newAdmin]) {
        await expect(zkBallot.connect(caller).acceptAdmin(electionId)).to.be.revertedWithCustomError(zkBallot, "NoPendingAdmin").withArgs(electionId);
      }
      await zkBallot.connect(admin).transferAdmin(electionId, newAdmin.address);
      for (const caller of [admin, registrar, outsider]) {
        await expect(zkBallot.connect(caller).acceptAdmin(electionId))
          .to.be.revertedWithCustomError(zkBallot, "NotPendingAdmin")
          .withArgs(electionId, caller.address, newAdmin.address);
      }
      expect((await zkBallot.getElection(electionId)).admin).to.equal(admin.address);
      // A proposal is per election: it gives no claim on another one.
      await zkBallot.connect(admin).createElection(config(registrar.address));
      await expect(zkBallot.connect(newAdmin).acceptAdmin(electionId + 1n)).to.be.revertedWithCustomError(zkBallot, "NoPendingAdmin").withArgs(electionId + 1n);
      await expect(zkBallot.connect(newAdmin).acceptAdmin(electionId + 2n)).to.be.revertedWithCustomError(zkBallot, "ElectionNotFound").withArgs(electionId + 2n);
    });

    it("a new proposal replaces the pending one; cancelAdminTransfer withdraws it (admin only)", async () => {
      const { zkBallot, admin, outsider, newAdmin, electionId } = await loadFixture(registrationFixture);
      await zkBallot.connect(admin).transferAdmin(electionId, newAdmin.address);
      await expect(zkBallot.connect(admin).transferAdmin(electionId, outsider.address))
        .to.emit(zkBallot, "AdminTransferStarted")
        .withArgs(electionId, admin.address, outsider.address);
      await expect(zkBallot.connect(newAdmin).acceptAdmin(electionId))
        .to.be.revertedWithCustomError(zkBallot, "NotPendingAdmin")
        .withArgs(electionId, newAdmin.address, outsider.address);

      for (const caller of [outsider, newAdmin]) {
        await expect(zkBallot.connect(caller).cancelAdminTransfer(electionId)).to.be.revertedWithCustomError(zkBallot, "NotAdmin").withArgs(electionId, caller.address);
      }
      await expect(zkBallot.connect(admin).cancelAdminTransfer(electionId))
        .to.emit(zkBallot, "AdminTransferCancelled")
        .withArgs(electionId, admin.address, outsider.address);
      expect((await zkBallot.getElection(electionId)).pendingAdmin).to.equal(ZeroAddress);
      await expect(zkBallot.connect(outsider).acceptAdmin(electionId)).to.be.revertedWithCustomError(zkBallot, "NoPendingAdmin").withArgs(electionId);
      await expect(zkBallot.connect(admin).cancelAdminTransfer(electionId)).to.be.revertedWithCustomError(zkBallot, "NoPendingAdmin").withArgs(electionId);
      expect((await zkBallot.getElection(electionId)).admin).to.equal(admin.address);
    });

    it("setRegistrar: emits RegistrarChanged; the new registrar gains the power, the old one loses it", async () => {
      const { zkBallot, admin, registrar, newRegistrar, electionId } = await loadFixture(registrationFixture);
      await expect(zkBallot.connect(admin).setRegistrar(electionId, newRegistrar.address))
        .to.emit(zkBallot, "RegistrarChanged")
        .withArgs(electionId, registrar.address, newRegistrar.address, admin.address);
      expect((await zkBallot.getElection(electionId)).registrar).to.equal(newRegistrar.address);

      await expect(zkBallot.connect(registrar).publishVoterCommitments(electionId, await rollIndex(zkBallot.connect(registrar), electionId), [1n]))
        .to.be.revertedWithCustomError(zkBallot, "NotRegistrar")
        .withArgs(electionId, registrar.address);
      await expect(zkBallot.connect(registrar).openVoting(electionId, 1n))
        .to.be.revertedWithCustomError(zkBallot, "NotRegistrar")
        .withArgs(electionId, registrar.address);
      await expect(zkBallot.connect(newRegistrar).publishVoterCommitments(electionId, await rollIndex(zkBallot.connect(newRegistrar), electionId), [1n])).to.emit(zkBallot, "VoterCommitmentsPublished");
      await expect(zkBallot.connect(newRegistrar).openVoting(electionId, 1n)).to.emit(zkBallot, "VotingOpened");
    });

    it("setRegistrar only during Registration (WrongPhase in Voting and Closed)", async () => {
      const { zkBallot, admin, newRegistrar, A } = await loadFixture(votingFixture);
      await expect(zkBallot.connect(admin).setRegistrar(A, newRegistrar.address))
        .to.be.revertedWithCustomError(zkBallot, "WrongPhase")
        .withArgs(A, Phase.Voting, Phase.Registration);
      await zkBallot.connect(admin).closeElection(A);
      await expect(zkBallot.connect(admin).setRegistrar(A, newRegistrar.address))
        .to.be.revertedWithCustomError(zkBallot, "WrongPhase")
        .withArgs(A, Phase.Closed, Phase.Registration);
    });

    it("the handover works during Voting (the new admin may close) but no step of it once Closed", async () => {
      const { zkBallot, admin, newAdmin, outsider, A, B } = await loadFixture(votingFixture);
      await expect(zkBallot.connect(admin).transferAdmin(A, newAdmin.address))
        .to.emit(zkBallot, "AdminTransferStarted")
        .withArgs(A, admin.address, newAdmin.address);
      await expect(zkBallot.connect(newAdmin).acceptAdmin(A))
        .to.emit(zkBallot, "AdminTransferred")
        .withArgs(A, admin.address, newAdmin.address);
      await expect(zkBallot.connect(admin).closeElection(A)).to.be.revertedWithCustomError(zkBallot, "NotAdmin").withArgs(A, admin.address);
      await expect(zkBallot.connect(newAdmin).closeElection(A)).to.emit(zkBallot, "ElectionClosed").withArgs(A, newAdmin.address, [0n, 0n, 0n, 0n]);
      await expect(zkBallot.connect(newAdmin).transferAdmin(A, outsider.address))
        .to.be.revertedWithCustomError(zkBallot, "WrongPhase")
        .withArgs(A, Phase.Closed, Phase.Voting);
      expect((await zkBallot.getElection(A)).admin).to.equal(newAdmin.address);

      // A proposal made before the close cannot be accepted, nor cancelled, after it.
      await zkBallot.connect(admin).transferAdmin(B, outsider.address);
      await zkBallot.connect(admin).closeElection(B);
      await expect(zkBallot.connect(outsider).acceptAdmin(B)).to.be.revertedWithCustomError(zkBallot, "WrongPhase").withArgs(B, Phase.Closed, Phase.Voting);
      await expect(zkBallot.connect(admin).cancelAdminTransfer(B)).to.be.revertedWithCustomError(zkBallot, "WrongPhase").withArgs(B, Phase.Closed, Phase.Voting);
      expect((await zkBallot.getElection(B)).admin).to.equal(admin.address);
    });
  });

  describe("multicall (OpenZeppelin Multicall)", () => {
    it("an operator sets itself registrar, publishes the roll and opens voting in one transaction", async () => {
      const { zkBallot, admin, electionId } = await loadFixture(registrationFixture);
      const iface = zkBallot.interface;
      const roll = await VoterRoll.build([11n, 22n, 33n], { depth: ROLL_DEPTH });
      const tx = await zkBallot.connect(admin).multicall([
        iface.encodeFunctionData("setRegistrar", [electionId, admin.address]),
        iface.encodeFunctionData("publishVoterCommitments", [electionId, 0n, [11n, 22n, 33n]]),
        iface.encodeFunctionData("openVoting", [electionId, roll.root]),
      ]);
      const receipt = (await tx.wait())!;
      const events = receipt.logs.map((log) => iface.parseLog(log)!);
      expect(events.map((event) => event.name)).to.deep.equal(["RegistrarChanged", "VoterCommitmentsPublished", "VotingOpened"]);
      // Each call ran as the operator: the events name it as the acting address.
      expect(events[1].args.registrar).to.equal(admin.address);
      expect(events[2].args.registrar).to.equal(admin.address);
      const election = await zkBallot.getElection(electionId);
      expect(election.phase).to.equal(BigInt(Phase.Voting));
      expect(election.registrar).to.equal(admin.address);
      expect(election.voterCount).to.equal(3n);
      expect(election.voterRollRoot).to.equal(roll.root);
    });

    it("runs every call with the caller's own rights, and one failing call reverts them all with its error", async () => {
      const { zkBallot, admin, registrar, outsider, electionId } = await loadFixture(registrationFixture);
      const iface = zkBallot.interface;
      // An outsider gains nothing by batching.
      await expect(zkBallot.connect(outsider).multicall([iface.encodeFunctionData("setRegistrar", [electionId, outsider.address])]))
        .to.be.revertedWithCustomError(zkBallot, "NotAdmin")
        .withArgs(electionId, outsider.address);
      // setRegistrar succeeds, then publishing by the admin (not the registrar yet in this batch) fails: nothing stays.
      await expect(zkBallot.connect(admin).multicall([
        iface.encodeFunctionData("setRegistrar", [electionId, outsider.address]),
        iface.encodeFunctionData("publishVoterCommitments", [electionId, 0n, [11n]]),
      ]))
        .to.be.revertedWithCustomError(zkBallot, "NotRegistrar")
        .withArgs(electionId, admin.address);
      const election = await zkBallot.getElection(electionId);
      expect(election.registrar).to.equal(registrar.address);
      expect(election.voterCount).to.equal(0n);
    });
  });

  describe("publishVoterCommitments", () => {
    it("rejects an empty batch", async () => {
      const { zkBallot, registrar, electionId } = await loadFixture(registrationFixture);
      await expect(zkBallot.connect(registrar).publishVoterCommitments(electionId, await rollIndex(zkBallot.connect(registrar), electionId), [])).to.be.revertedWithCustomError(zkBallot, "EmptyBatch");
    });

    it("rejects commitment 0 and commitments >= r with InvalidVoterCommitment(index across batches, value)", async () => {
      const { zkBallot, registrar, electionId } = await loadFixture(registrationFixture);
      const asRegistrar = zkBallot.connect(registrar);
      await expect(asRegistrar.publishVoterCommitments(electionId, await rollIndex(asRegistrar, electionId), [0n])).to.be.revertedWithCustomError(zkBallot, "InvalidVoterCommitment").withArgs(0, 0);
      await expect(asRegistrar.publishVoterCommitments(electionId, await rollIndex(asRegistrar, electionId), [5n, R])).to.be.revertedWithCustomError(zkBallot, "InvalidVoterCommitment").withArgs(1, R);

      await asRegistrar.publishVoterCommitments(electionId, await rollIndex(asRegistrar, electionId), [1n, 2n, 3n]);
      await asRegistrar.publishVoterCommitments(electionId, await rollIndex(asRegistrar, electionId), [R - 1n]); // the largest field element is fine
      for (const bad of [0n, R, R + 1n, MaxUint256]) {
        await expect(asRegistrar.publishVoterCommitments(electionId, await rollIndex(asRegistrar, electionId), [7n, bad]))
          .to.be.revertedWithCustomError(zkBallot, "InvalidVoterCommitment")
          .withArgs(5, bad);
      }
      // a rejected batch changes nothing
      const election = await zkBallot.getElection(electionId);
      expect(election.voterCount).to.equal(4n);
      expect(election.voterRollDigest).to.equal(computeVoterRollDigest([1n, 2n, 3n, R - 1n]));
    });

    it("digest equals the library's and does not depend on how the roll is split; events carry firstIndex", async () => {
      const { zkBallot, admin, registrar, electionId } = await loadFixture(registrationFixture);
      const asRegistrar = zkBallot.connect(registrar);
      const roll = [11n, 22n, 33n, 44n, 55n];
      await zkBallot.connect(admin).createElection(config(registrar.address));
      const other = electionId + 1n;

      await expect(asRegistrar.publishVoterCommitments(electionId, await rollIndex(asRegistrar, electionId), roll))
        .to.emit(zkBallot, "VoterCommitmentsPublished")
        .withArgs(electionId, registrar.address, 0, roll, computeVoterRollDigest(roll));

      await expect(asRegistrar.publishVoterCommitments(other, await rollIndex(asRegistrar, other), roll.slice(0, 1)))
        .to.emit(zkBallot, "VoterCommitmentsPublished")
        .withArgs(other, registrar.address, 0, roll.slice(0, 1), computeVoterRollDigest(roll.slice(0, 1)));
      await expect(asRegistrar.publishVoterCommitments(other, await rollIndex(asRegistrar, other), roll.slice(1, 3)))
        .to.emit(zkBallot, "VoterCommitmentsPublished")
        .withArgs(other, registrar.address, 1, roll.slice(1, 3), computeVoterRollDigest(roll.slice(0, 3)));
      await expect(asRegistrar.publishVoterCommitments(other, await rollIndex(asRegistrar, other), roll.slice(3)))
        .to.emit(zkBallot, "VoterCommitmentsPublished")
        .withArgs(other, registrar.address, 3, roll.slice(3), computeVoterRollDigest(roll));

      const one = await zkBallot.getElection(electionId);
      const split = await zkBallot.getElection(other);
      expect(one.voterRollDigest).to.equal(computeVoterRollDigest(roll));
      expect(split.voterRollDigest).to.equal(one.voterRollDigest);
      expect(one.voterCount).to.equal(5n);
      expect(split.voterCount).to.equal(5n);
      // and the order matters
      expect(computeVoterRollDigest([22n, 11n, 33n, 44n, 55n])).to.not.equal(one.voterRollDigest);
    });

    it("VoterRollFull beyond 2^ROLL_DEPTH (a depth-1 deployment holds 2)", async () => {
      const { verifier, batchVerifier, admin, registrar } = await loadFixture(deployFixture);
      const small = await new ZkBallot__factory(admin).deploy(await verifier.getAddress(), await batchVerifier.getAddress(), 1);
      await small.createElection(config(registrar.address));
      await small.createElection(config(registrar.address));
      const asRegistrar = small.connect(registrar);

      await expect(asRegistrar.publishVoterCommitments(1n, await rollIndex(asRegistrar, 1n), [1n, 2n, 3n])).to.be.revertedWithCustomError(small, "VoterRollFull").withArgs(2, 3);
      await asRegistrar.publishVoterCommitments(1n, await rollIndex(asRegistrar, 1n), [1n]);
      await expect(asRegistrar.publishVoterCommitments(1n, await rollIndex(asRegistrar, 1n), [2n, 3n])).to.be.revertedWithCustomError(small, "VoterRollFull").withArgs(2, 3);
      await expect(asRegistrar.publishVoterCommitments(1n, await rollIndex(asRegistrar, 1n), [2n])).to.emit(small, "VoterCommitmentsPublished").withArgs(1n, registrar.address, 1, [2n], computeVoterRollDigest([1n, 2n]));
      await expect(asRegistrar.publishVoterCommitments(1n, await rollIndex(asRegistrar, 1n), [3n])).to.be.revertedWithCustomError(small, "VoterRollFull").withArgs(2, 3);
      // capacity is per election
      await expect(asRegistrar.publishVoterCommitments(2n, await rollIndex(asRegistrar, 2n), [1n, 2n])).to.emit(small, "VoterCommitmentsPublished");
      expect((await small.getElection(1n)).voterCount).to.equal(2n);
    });

    it("no publishing once voting is open or the election is closed (WrongPhase)", async () => {
      const { zkBallot, admin, registrar, A } = await loadFixture(votingFixture);
      const before = await zkBallot.getElection(A);
      await expect(zkBallot.connect(registrar).publishVoterCommitments(A, await rollIndex(zkBallot.connect(registrar), A), [123n]))
        .to.be.revertedWithCustomError(zkBallot, "WrongPhase")
        .withArgs(A, Phase.Voting, Phase.Registration);
      await zkBallot.connect(admin).closeElection(A);
      await expect(zkBallot.connect(registrar).publishVoterCommitments(A, await rollIndex(zkBallot.connect(registrar), A), [123n]))
        .to.be.revertedWithCustomError(zkBallot, "WrongPhase")
        .withArgs(A, Phase.Closed, Phase.Registration);
      const after = await zkBallot.getElection(A);
      expect(after.voterCount).to.equal(before.voterCount);
      expect(after.voterRollDigest).to.equal(before.voterRollDigest);
    });
  });

  describe("openVoting", () => {
    it("rejects an empty roll", async () => {
      const { zkBallot, registrar, electionId } = await loadFixture(registrationFixture);
      await expect(zkBallot.connect(registrar).openVoting(electionId, 1n)).to.be.revertedWithCustomError(zkBallot, "EmptyVoterRoll").withArgs(electionId);
    });

    it("rejects root 0 and roots >= r; accepts r - 1", async () => {
      const { zkBallot, registrar, electionId } = await loadFixture(registrationFixture);
      const asRegistrar = zkBallot.connect(registrar);
      await asRegistrar.publishVoterCommitments(electionId, await rollIndex(asRegistrar, electionId), [1n]);
      for (const bad of [0n, R, R + 1n, MaxUint256]) {
        await expect(asRegistrar.openVoting(electionId, bad)).to.be.revertedWithCustomError(zkBallot, "InvalidVoterRollRoot").withArgs(bad);
      }
      await expect(asRegistrar.openVoting(electionId, R - 1n)).to.emit(zkBallot, "VotingOpened");
    });

    it("emits VotingOpened(registrar, root, count, digest), freezes the roll and refuses a second open (WrongPhase)", async () => {
      const { zkBallot, registrar, electionId } = await loadFixture(registrationFixture);
      const asRegistrar = zkBallot.connect(registrar);
      const commitments = [101n, 202n, 303n];
      const roll = await VoterRoll.build(commitments, { depth: ROLL_DEPTH });
      await asRegistrar.publishVoterCommitments(electionId, await rollIndex(asRegistrar, electionId), commitments.slice(0, 2));
      await asRegistrar.publishVoterCommitments(electionId, await rollIndex(asRegistrar, electionId), commitments.slice(2));
      await expect(asRegistrar.openVoting(electionId, roll.root))
        .to.emit(zkBallot, "VotingOpened")
        .withArgs(electionId, registrar.address, roll.root, 3, computeVoterRollDigest(commitments));
      const election = await zkBallot.getElection(electionId);
      expect(election.phase).to.equal(BigInt(Phase.Voting));
      expect(election.voterRollRoot).to.equal(roll.root);
      await expect(asRegistrar.openVoting(electionId, roll.root))
        .to.be.revertedWithCustomError(zkBallot, "WrongPhase")
        .withArgs(electionId, Phase.Voting, Phase.Registration);
    });

    it("may open before the window starts, but not at or after its end (VotingEnded)", async () => {
      const { zkBallot, admin, registrar } = await loadFixture(deployFixture);
      const now = await pinNextBlockTime();
      const start = now + 100;
      const end = now + 200;
      await zkBallot.connect(admin).createElection(config(registrar.address, { votingStartsAt: start, votingEndsAt: end }));
      await zkBallot.connect(admin).createElection(config(registrar.address, { votingStartsAt: start, votingEndsAt: end }));
      const asRegistrar = zkBallot.connect(registrar);
      await asRegistrar.publishVoterCommitments(1n, await rollIndex(asRegistrar, 1n), [1n]);
      await asRegistrar.publishVoterCommitments(2n, await rollIndex(asRegistrar, 2n), [1n]);

      await expect(asRegistrar.openVoting(2n, 1n)).to.emit(zkBallot, "VotingOpened"); // before the start: fine
      await time.setNextBlockTimestamp(end);
      await expect(asRegistrar.openVoting(1n, 1n, GAS)).to.be.revertedWithCustomError(zkBallot, "VotingEnded").withArgs(1n, end);
      await time.increaseTo(end + 1000);
      await expect(asRegistrar.openVoting(1n, 1n, GAS)).to.be.revertedWithCustomError(zkBallot, "VotingEnded").withArgs(1n, end);
    });

    it("opens one second before the end of the window", async () => {
      const { zkBallot, admin, registrar } = await loadFixture(deployFixture);
      const created = await pinNextBlockTime();
      const end = created + 100;
      await zkBallot.connect(admin).createElection(config(registrar.address, { votingEndsAt: end }));
      await zkBallot.connect(registrar).publishVoterCommitments(1n, await rollIndex(zkBallot.connect(registrar), 1n), [1n]);
      await time.setNextBlockTimestamp(end - 1);
      await expect(zkBallot.connect(registrar).openVoting(1n, 1n, GAS)).to.emit(zkBallot, "VotingOpened");
    });
  });

  describe("castVote", () => {
    it("accepts a real proof from anyone: tally, nullifierSpentInBlock and VoteCast(electionId, nullifier, ballot, proof)", async () => {
      const { zkBallot, outsider, relayer, A, B, a0, a1, a2 } = await loadFixture(votingFixture);
      const asOutsider = zkBallot.connect(outsider);
      expect(await zkBallot.nullifierSpentInBlock(A, a0.nullifier)).to.equal(0n);

      const tx = cast(asOutsider, a0);
      await expect(tx).to.emit(zkBallot, "VoteCast").withArgs(A, a0.nullifier, a0.ballot, a0.proof);
      const receipt = await (await tx).wait();
      expect(await zkBallot.tallies(A)).to.deep.equal([0n, 1n, 0n, 0n]);
      expect(await zkBallot.nullifierSpentInBlock(A, a0.nullifier)).to.equal(BigInt(receipt!.blockNumber));
      expect(await zkBallot.nullifierSpentInBlock(B, a0.nullifier)).to.equal(0n);

      await expect(cast(zkBallot.connect(relayer), a1)).to.emit(zkBallot, "VoteCast").withArgs(A, a1.nullifier, 1n, a1.proof);
      await expect(cast(asOutsider, a2)).to.emit(zkBallot, "VoteCast").withArgs(A, a2.nullifier, 8n, a2.proof);
      expect(await zkBallot.tallies(A)).to.deep.equal([1n, 1n, 0n, 1n]);
      expect(await zkBallot.tallies(B)).to.deep.equal([0n, 0n, 0n, 0n]);
    });

    it("ElectionNotFound for an unknown election", async () => {
      const { zkBallot, outsider, a0 } = await loadFixture(votingFixture);
      await expect(cast(zkBallot.connect(outsider), a0, { electionId: 99n })).to.be.revertedWithCustomError(zkBallot, "ElectionNotFound").withArgs(99n);
    });

    it("WrongPhase before voting opens and after the election is closed", async () => {
      const { zkBallot, admin, outsider, A, REG, a0 } = await loadFixture(votingFixture);
      const asOutsider = zkBallot.connect(outsider);
      await expect(cast(asOutsider, a0, { electionId: REG }))
        .to.be.revertedWithCustomError(zkBallot, "WrongPhase")
        .withArgs(REG, Phase.Registration, Phase.Voting);
      await zkBallot.connect(admin).closeElection(A);
      await expect(cast(asOutsider, a0)).to.be.revertedWithCustomError(zkBallot, "WrongPhase").withArgs(A, Phase.Closed, Phase.Voting);
      expect(await zkBallot.nullifierSpentInBlock(A, a0.nullifier)).to.equal(0n);
    });

    it("VotingNotStarted before votingStartsAt; accepted at votingStartsAt", async () => {
      const { zkBallot, outsider, W, windowStart, w0 } = await loadFixture(votingFixture);
      const asOutsider = zkBallot.connect(outsider);
      await expect(cast(asOutsider, w0)).to.be.revertedWithCustomError(zkBallot, "VotingNotStarted").withArgs(W, windowStart);
      await time.setNextBlockTimestamp(windowStart - 1n);
      await expect(cast(asOutsider, w0, {}, GAS)).to.be.revertedWithCustomError(zkBallot, "VotingNotStarted").withArgs(W, windowStart);
      await time.setNextBlockTimestamp(windowStart);
      await expect(cast(asOutsider, w0, {}, GAS)).to.emit(zkBallot, "VoteCast").withArgs(W, w0.nullifier, 4n, w0.proof);
      expect(await zkBallot.tallies(W)).to.deep.equal([0n, 0n, 1n, 0n]);
    });

    it("accepted one second before votingEndsAt; VotingEnded at and after it", async () => {
      const { zkBallot, outsider, W, windowEnd, w0 } = await loadFixture(votingFixture);
      const asOutsider = zkBallot.connect(outsider);
      const snapshot = await network.provider.send("evm_snapshot");
      await time.setNextBlockTimestamp(windowEnd - 1n);
      await expect(cast(asOutsider, w0, {}, GAS)).to.emit(zkBallot, "VoteCast");
      await network.provider.send("evm_revert", [snapshot]);

      await time.setNextBlockTimestamp(windowEnd);
      await expect(cast(asOutsider, w0, {}, GAS)).to.be.revertedWithCustomError(zkBallot, "VotingEnded").withArgs(W, windowEnd);
      await time.increaseTo(windowEnd + 5000n);
      await expect(cast(asOutsider, w0)).to.be.revertedWithCustomError(zkBallot, "VotingEnded").withArgs(W, windowEnd);
      expect(await zkBallot.tallies(W)).to.deep.equal([0n, 0n, 0n, 0n]);
    });

    it("InvalidBallot for 0, several bits, 2^numOptions and huge values", async () => {
      const { zkBallot, outsider, A, a0 } = await loadFixture(votingFixture);
      const asOutsider = zkBallot.connect(outsider);
      for (const ballot of [0n, 3n, 5n, 6n, 15n, 1n << BigInt(NUM_OPTIONS), 1n << 32n, 1n << 255n, R, MaxUint256]) {
        await expect(cast(asOutsider, a0, { ballot })).to.be.revertedWithCustomError(zkBallot, "InvalidBallot").withArgs(A, ballot);
      }
    });

    it("InvalidBallot at 2^32 for a 32-option election, while 2^31 passes the ballot rule", async () => {
      const { zkBallot, admin, registrar, outsider, a0 } = await loadFixture(votingFixture);
      const id = await nextElectionId(zkBallot);
      await zkBallot.connect(admin).createElection(config(registrar.address, { numOptions: 32 }));
      await zkBallot.connect(registrar).publishVoterCommitments(id, await rollIndex(zkBallot.connect(registrar), id), [1n]);
      await zkBallot.connect(registrar).openVoting(id, 1n);
      const asOutsider = zkBallot.connect(outsider);
      await expect(cast(asOutsider, a0, { electionId: id, ballot: 1n << 32n })).to.be.revertedWithCustomError(zkBallot, "InvalidBallot").withArgs(id, 1n << 32n);
      // 2^31 is a valid ballot: the transaction gets as far as the proof, which is not for this election
      await expect(cast(asOutsider, a0, { electionId: id, ballot: 1n << 31n }))
        .to.be.revertedWithCustomError(zkBallot, "InvalidProof")
        .withArgs(id, a0.nullifier);
    });

    it("NullifierOutOfField for nullifiers >= r (no aliasing of n and n + r)", async () => {
      const { zkBallot, outsider, a0 } = await loadFixture(votingFixture);
      const asOutsider = zkBallot.connect(outsider);
      for (const nullifier of [R, a0.nullifier + R, MaxUint256]) {
        await expect(cast(asOutsider, a0, { nullifier })).to.be.revertedWithCustomError(zkBallot, "NullifierOutOfField").withArgs(nullifier);
      }
    });

    it("NullifierAlreadySpent(electionId, nullifier, block) on a second submission, even with another ballot", async () => {
      const { zkBallot, outsider, relayer, A, a0 } = await loadFixture(votingFixture);
      const receipt = await (await cast(zkBallot.connect(outsider), a0)).wait();
      const block = receipt!.blockNumber;
      await expect(cast(zkBallot.connect(relayer), a0))
        .to.be.revertedWithCustomError(zkBallot, "NullifierAlreadySpent")
        .withArgs(A, a0.nullifier, block);
      await expect(cast(zkBallot.connect(relayer), a0, { ballot: 4n }))
        .to.be.revertedWithCustomError(zkBallot, "NullifierAlreadySpent")
        .withArgs(A, a0.nullifier, block);
      expect(await zkBallot.tallies(A)).to.deep.equal([0n, 1n, 0n, 0n]);
    });

    it("NullifierAlreadySpent for two submissions of one ballot in the same block", async () => {
      const { zkBallot, outsider, relayer, A, a0 } = await loadFixture(votingFixture);
      await network.provider.send("evm_setAutomine", [false]);
      let first, second;
      try {
        first = await cast(zkBallot.connect(outsider), a0, {}, GAS);
        second = await cast(zkBallot.connect(relayer), a0, {}, GAS);
        await network.provider.send("evm_mine");
      } finally {
        await network.provider.send("evm_setAutomine", [true]);
      }
      const firstReceipt = await ethers.provider.getTransactionReceipt(first.hash);
      const secondReceipt = await ethers.provider.getTransactionReceipt(second.hash);
      expect(firstReceipt!.status).to.equal(1);
      expect(secondReceipt!.status).to.equal(0);
      expect(secondReceipt!.blockNumber).to.equal(firstReceipt!.blockNumber);

      const decoded = zkBallot.interface.parseError(await revertDataOf(second.hash));
      expect(decoded?.name).to.equal("NullifierAlreadySpent");
      expect([...decoded!.args]).to.deep.equal([A, a0.nullifier, BigInt(firstReceipt!.blockNumber)]);
      expect(await zkBallot.tallies(A)).to.deep.equal([0n, 1n, 0n, 0n]);
      expect(await zkBallot.nullifierSpentInBlock(A, a0.nullifier)).to.equal(BigInt(firstReceipt!.blockNumber));
    });

    it("InvalidProof for a tampered proof coordinate (ProofCoordinateOutOfField for one + q)", async () => {
      const { zkBallot, outsider, A, a0 } = await loadFixture(votingFixture);
      const asOutsider = zkBallot.connect(outsider);
      const tampered: bigint[][] = [];
      for (let i = 0; i < 8; i++) {
        const proof = [...a0.proof];
        proof[i] = (proof[i] + 1n) % BN254_BASE_FIELD;
        tampered.push(proof);
      }
      const negatedA = [...a0.proof];
      negatedA[1] = BN254_BASE_FIELD - negatedA[1]; // -A: still on the curve, wrong proof
      tampered.push(negatedA);
      const swappedAC = [a0.proof[6], a0.proof[7], ...a0.proof.slice(2, 6), a0.proof[0], a0.proof[1]];
      tampered.push(swappedAC);
      for (const proof of tampered) {
        await expect(cast(asOutsider, a0, { proof })).to.be.revertedWithCustomError(zkBallot, "InvalidProof").withArgs(A, a0.nullifier);
      }
      const coordinatePlusQ = [...a0.proof];
      coordinatePlusQ[0] += BN254_BASE_FIELD; // same point modulo q, but not a canonical coordinate
      await expect(cast(asOutsider, a0, { proof: coordinatePlusQ })).to.be.revertedWithCustomError(zkBallot, "ProofCoordinateOutOfField").withArgs(0n, coordinatePlusQ[0]);
      expect(await zkBallot.nullifierSpentInBlock(A, a0.nullifier)).to.equal(0n);
      await expect(cast(asOutsider, a0)).to.emit(zkBallot, "VoteCast"); // the genuine proof still works
    });

    it("InvalidProof for a valid proof with another ballot or another nullifier", async () => {
      const { zkBallot, relayer, A, a0, a1 } = await loadFixture(votingFixture);
      const asRelayer = zkBallot.connect(relayer);
      for (const ballot of [1n, 4n, 8n]) {
        await expect(cast(asRelayer, a0, { ballot })).to.be.revertedWithCustomError(zkBallot, "InvalidProof").withArgs(A, a0.nullifier);
      }
      for (const nullifier of [a0.nullifier + 1n, a1.nullifier, 0n, R - 1n]) {
        await expect(cast(asRelayer, a0, { nullifier })).to.be.revertedWithCustomError(zkBallot, "InvalidProof").withArgs(A, nullifier);
      }
      // a0's proof with a1's ballot and nullifier
      await expect(cast(asRelayer, a0, { ballot: a1.ballot, nullifier: a1.nullifier }))
        .to.be.revertedWithCustomError(zkBallot, "InvalidProof")
        .withArgs(A, a1.nullifier);
      expect(await zkBallot.tallies(A)).to.deep.equal([0n, 0n, 0n, 0n]);
    });

    it("InvalidProof when a valid proof is replayed in another election of the same contract", async () => {
      const { zkBallot, outsider, A, B, a0, voters } = await loadFixture(votingFixture);
      const asOutsider = zkBallot.connect(outsider);
      await expect(cast(asOutsider, a0)).to.emit(zkBallot, "VoteCast");
      await expect(cast(asOutsider, a0, { electionId: B })).to.be.revertedWithCustomError(zkBallot, "InvalidProof").withArgs(B, a0.nullifier);
      expect(await zkBallot.tallies(B)).to.deep.equal([0n, 0n, 0n, 0n]);
      // same voter, same roll: a different nullifier in B, so votes in A and B are unlinkable
      const nullifierInB = await computeNullifier(voters[0].identitySecret, await zkBallot.electionScope(B));
      expect(nullifierInB).to.not.equal(a0.nullifier);
      expect(await zkBallot.nullifierSpentInBlock(A, a0.nullifier)).to.not.equal(0n);
    });

    it("InvalidProof when a valid proof is replayed in another deployment (same verifier, roll and election id)", async () => {
      const { zkBallot, zkBallot2, outsider, a0 } = await loadFixture(votingFixture);
      expect(a0.electionId).to.equal(1n);
      expect((await zkBallot2.getElection(1n)).voterRollRoot).to.equal((await zkBallot.getElection(1n)).voterRollRoot);
      await expect(cast(zkBallot2.connect(outsider), a0)).to.be.revertedWithCustomError(zkBallot2, "InvalidProof").withArgs(1n, a0.nullifier);
      expect(await zkBallot2.tallies(1n)).to.deep.equal([0n, 0n, 0n, 0n]);
    });

    it("garbage proofs (zeros, points off the curve) revert InvalidProof, and coordinates >= q (all ones bits) ProofCoordinateOutOfField, not a panic", async () => {
      const { zkBallot, outsider, A, a0 } = await loadFixture(votingFixture);
      const asOutsider = zkBallot.connect(outsider);
      const garbage: bigint[][] = [
        new Array(8).fill(0n),
        new Array(8).fill(1n),
        [1n, 2n, 0n, 0n, 0n, 0n, 1n, 2n], // generator for A and C, B at infinity
        [1n, 3n, ...a0.proof.slice(2)], // A off the curve
        [...a0.proof.slice(0, 2), 1n, 2n, 3n, 4n, ...a0.proof.slice(6)], // B off the twist
      ];
      for (const proof of garbage) {
        await expect(cast(asOutsider, a0, { proof })).to.be.revertedWithCustomError(zkBallot, "InvalidProof").withArgs(A, a0.nullifier);
      }
      for (const value of [BN254_BASE_FIELD, MaxUint256]) {
        await expect(cast(asOutsider, a0, { proof: new Array(8).fill(value) })).to.be.revertedWithCustomError(zkBallot, "ProofCoordinateOutOfField").withArgs(0n, value);
      }
      expect(await zkBallot.nullifierSpentInBlock(A, a0.nullifier)).to.equal(0n);
      expect(await zkBallot.tallies(A)).to.deep.equal([0n, 0n, 0n, 0n]);
    });
  });

  describe("electionScope", () => {
    it("equals the library's computeElectionScope and differs across ids and deployments", async () => {
      const { zkBallot, zkBallot2, chainId } = await loadFixture(votingFixture);
      const address = await zkBallot.getAddress();
      const address2 = await zkBallot2.getAddress();
      const scopes = new Set<bigint>();
      for (const id of [0n, 1n, 2n, 3n, 99n, MaxUint256]) {
        const scope = await zkBallot.electionScope(id);
        const scope2 = await zkBallot2.electionScope(id);
        expect(scope).to.equal(computeElectionScope(chainId, address, id));
        expect(scope2).to.equal(computeElectionScope(chainId, address2, id));
        expect(scope < R && scope2 < R).to.equal(true);
        scopes.add(scope).add(scope2);
      }
      expect(scopes.size).to.equal(12);
      expect(computeElectionScope(chainId + 1n, address, 1n)).to.not.equal(await zkBallot.electionScope(1n));
    });
  });

  describe("closeElection", () => {
    it("without an end time only the admin may close (NotAdmin), registrar included", async () => {
      const { zkBallot, registrar, outsider, A } = await loadFixture(votingFixture);
      for (const caller of [registrar, outsider]) {
        await expect(zkBallot.connect(caller).closeElection(A)).to.be.revertedWithCustomError(zkBallot, "NotAdmin").withArgs(A, caller.address);
      }
      await time.increase(365 * 24 * 3600); // however long it has been
      await expect(zkBallot.connect(outsider).closeElection(A)).to.be.revertedWithCustomError(zkBallot, "NotAdmin").withArgs(A, outsider.address);
    });

    it("with an end time a non-admin gets VotingNotEnded before it, and may close at or after it", async () => {
      const { zkBallot, outsider, relayer, W, windowStart, windowEnd, w0 } = await loadFixture(votingFixture);
      await expect(zkBallot.connect(outsider).closeElection(W)).to.be.revertedWithCustomError(zkBallot, "VotingNotEnded").withArgs(W, windowEnd);
      await time.setNextBlockTimestamp(windowStart);
      await cast(zkBallot.connect(relayer), w0, {}, GAS);
      await time.setNextBlockTimestamp(windowEnd - 1n);
      await expect(zkBallot.connect(outsider).closeElection(W, GAS)).to.be.revertedWithCustomError(zkBallot, "VotingNotEnded").withArgs(W, windowEnd);
      await time.setNextBlockTimestamp(windowEnd);
      await expect(zkBallot.connect(outsider).closeElection(W, GAS)).to.emit(zkBallot, "ElectionClosed").withArgs(W, outsider.address, [0n, 0n, 1n, 0n]);
      expect((await zkBallot.getElection(W)).phase).to.equal(BigInt(Phase.Closed));
    });

    it("anyone may close well after the end time", async () => {
      const { zkBallot, relayer, W, windowEnd } = await loadFixture(votingFixture);
      await time.increaseTo(windowEnd + 100_000n);
      await expect(zkBallot.connect(relayer).closeElection(W)).to.emit(zkBallot, "ElectionClosed").withArgs(W, relayer.address, [0n, 0n, 0n, 0n]);
    });

    it("the admin may close at any time during voting, even before the window starts", async () => {
      const { zkBallot, admin, A, W } = await loadFixture(votingFixture);
      await expect(zkBallot.connect(admin).closeElection(W)).to.emit(zkBallot, "ElectionClosed").withArgs(W, admin.address, [0n, 0n, 0n, 0n]);
      await expect(zkBallot.connect(admin).closeElection(A)).to.emit(zkBallot, "ElectionClosed").withArgs(A, admin.address, [0n, 0n, 0n, 0n]);
    });

    it("WrongPhase in Registration and when already Closed", async () => {
      const { zkBallot, admin, outsider, A, REG } = await loadFixture(votingFixture);
      await expect(zkBallot.connect(admin).closeElection(REG))
        .to.be.revertedWithCustomError(zkBallot, "WrongPhase")
        .withArgs(REG, Phase.Registration, Phase.Voting);
      await zkBallot.connect(admin).closeElection(A);
      for (const caller of [admin, outsider]) {
        await expect(zkBallot.connect(caller).closeElection(A))
          .to.be.revertedWithCustomError(zkBallot, "WrongPhase")
          .withArgs(A, Phase.Closed, Phase.Voting);
      }
    });

    it("emits ElectionClosed(electionId, closedBy, tally); the final tally stays readable", async () => {
      const { zkBallot, admin, outsider, A, B, a0, a1, a2 } = await loadFixture(votingFixture);
      const asOutsider = zkBallot.connect(outsider);
      await cast(asOutsider, a0);
      await cast(asOutsider, a1);
      await cast(asOutsider, a2);
      await expect(zkBallot.connect(admin).closeElection(A)).to.emit(zkBallot, "ElectionClosed").withArgs(A, admin.address, [1n, 1n, 0n, 1n]);
      expect(await zkBallot.tallies(A)).to.deep.equal([1n, 1n, 0n, 1n]);
      const election = await zkBallot.getElection(A);
      expect(election.phase).to.equal(BigInt(Phase.Closed));
      expect(election.voterCount).to.equal(5n);
      // other elections are untouched
      expect((await zkBallot.getElection(B)).phase).to.equal(BigInt(Phase.Voting));
    });
  });
});

describe("ZkBallot: idempotent roll batches and castVotes", function () {
  after(() => releaseSnarkjs());

  it("RollIndexMismatch when a batch does not start at the current voter count (a resent batch is never published twice)", async () => {
    const { zkBallot, registrar, electionId } = await loadFixture(registrationFixture);
    const asRegistrar = zkBallot.connect(registrar);
    await asRegistrar.publishVoterCommitments(electionId, 0, [11n, 12n]);
    await expect(asRegistrar.publishVoterCommitments(electionId, 0, [11n, 12n]))
      .to.be.revertedWithCustomError(zkBallot, "RollIndexMismatch")
      .withArgs(electionId, 0, 2);
    await expect(asRegistrar.publishVoterCommitments(electionId, 3, [13n]))
      .to.be.revertedWithCustomError(zkBallot, "RollIndexMismatch")
      .withArgs(electionId, 3, 2);
    await expect(asRegistrar.publishVoterCommitments(electionId, 2, [13n])).to.emit(zkBallot, "VoterCommitmentsPublished").withArgs(electionId, registrar.address, 2, [13n], computeVoterRollDigest([11n, 12n, 13n]));
    expect((await zkBallot.getElection(electionId)).voterCount).to.equal(3n);
  });

  function submission(prepared: PreparedBallot, overrides: Partial<{ electionId: bigint; ballot: bigint; nullifier: bigint; proof: bigint[] }> = {}) {
    return {
      electionId: overrides.electionId ?? prepared.electionId,
      ballot: overrides.ballot ?? prepared.ballot,
      nullifier: overrides.nullifier ?? prepared.nullifier,
      proof: (overrides.proof ?? prepared.proof) as SolidityProof,
    };
  }

  it("counts every valid ballot of a batch, submitted by anyone", async () => {
    const { zkBallot, relayer, A, a0, a1, a2 } = await loadFixture(votingFixture);
    const batch = [submission(a0), submission(a1), submission(a2)];
    expect(await zkBallot.connect(relayer).castVotes.staticCall(batch)).to.equal(3n);
    const tx = zkBallot.connect(relayer).castVotes(batch);
    await expect(tx).to.emit(zkBallot, "VoteCast").withArgs(A, a0.nullifier, a0.ballot, a0.proof);
    await expect(tx).to.not.emit(zkBallot, "VoteSkipped");
    expect(await zkBallot.tallies(A)).to.deep.equal([1n, 1n, 0n, 1n]);
    const block = (await (await tx).wait())!.blockNumber;
    for (const prepared of [a0, a1, a2]) expect(await zkBallot.nullifierSpentInBlock(A, prepared.nullifier)).to.equal(BigInt(block));
  });

  it("skips, with the reason castVote would give, instead of reverting the batch", async () => {
    const { zkBallot, relayer, A, B, REG, a0, a1, a2 } = await loadFixture(votingFixture);
    await cast(zkBallot.connect(relayer), a2); // spent before the batch
    const tampered = [...a1.proof];
    tampered[6] += 1n;
    const batch = [
      submission(a0), // counted
      submission(a0), // same nullifier again, inside the batch
      submission(a1, { proof: tampered }), // bad proof
      submission(a2), // spent earlier
      submission(a1, { ballot: 3n }), // invalid ballot
      submission(a1, { electionId: B }), // replay in another election
      submission(a1, { electionId: REG }), // election not in Voting
      submission(a1, { nullifier: a1.nullifier + R }), // aliasing
      submission(a1), // counted
    ];
    const iface = zkBallot.interface;
    const spentBlock = await zkBallot.nullifierSpentInBlock(A, a2.nullifier);
    const tx = zkBallot.connect(relayer).castVotes(batch);
    const receipt = (await (await tx).wait())!;
    const skipped = receipt.logs.map((log) => iface.parseLog(log)).filter((event) => event?.name === "VoteSkipped");
    const reasons = skipped.map((event) => iface.parseError(event!.args.reason as string)!);
    expect(reasons.map((reason) => reason.name)).to.deep.equal([
      "NullifierAlreadySpent",
      "InvalidProof",
      "NullifierAlreadySpent",
      "InvalidBallot",
      "InvalidProof",
      "WrongPhase",
      "NullifierOutOfField",
    ]);
    expect([...reasons[0].args]).to.deep.equal([A, a0.nullifier, BigInt(receipt.blockNumber)]);
    expect([...reasons[2].args]).to.deep.equal([A, a2.nullifier, spentBlock]);
    expect(skipped[4]!.args.electionId).to.equal(B);
    expect(await zkBallot.tallies(A)).to.deep.equal([1n, 1n, 0n, 1n]); // a2 before, a0 and a1 now
    expect(await zkBallot.tallies(B)).to.deep.equal([0n, 0n, 0n, 0n]);
  });

  /** Names of the VoteCast / VoteSkipped events of a receipt, in log order, with the nullifier. */
  function outcomes(zkBallot: ZkBallot, receipt: ContractTransactionReceipt): string[] {
    return receipt.logs
      .map((log) => zkBallot.interface.parseLog(log))
      .filter((event) => event?.name === "VoteCast" || event?.name === "VoteSkipped")
      .map((event) => {
        const reason = event!.name === "VoteSkipped" ? `:${zkBallot.interface.parseError(event!.args.reason as string)!.name}` : "";
        return `${event!.name}${reason}@${(event!.args.nullifier as bigint).toString(16).slice(0, 8)}`;
      });
  }
  const label = (name: string, prepared: PreparedBallot) => `${name}@${prepared.nullifier.toString(16).slice(0, 8)}`;

  it("checks the proofs of a clean batch with one batch verification, in input order with the skipped entries", async () => {
    const { zkBallot, relayer, A, B, a0, a1, a2 } = await loadFixture(votingFixture);
    const batch = [submission(a0), submission(a1, { electionId: B }), submission(a1), submission(a2, { ballot: 3n }), submission(a2)];
    expect(await zkBallot.connect(relayer).castVotes.staticCall(batch)).to.equal(3n);
    const receipt = (await (await zkBallot.connect(relayer).castVotes(batch)).wait())!;
    // B's rules pass (open, unspent), so its wrong-scope proof goes into the batch check: the batch fails
    // and every entry is settled one by one. Without it, one batch verification settles the rest.
    expect(outcomes(zkBallot, receipt)).to.deep.equal([
      label("VoteCast", a0),
      label("VoteSkipped:InvalidProof", a1),
      label("VoteCast", a1),
      label("VoteSkipped:InvalidBallot", a2),
      label("VoteCast", a2),
    ]);
    expect(await zkBallot.tallies(A)).to.deep.equal([1n, 1n, 0n, 1n]);

    const { zkBallot: fresh, relayer: freshRelayer, a0: b0, a1: b1, a2: b2 } = await loadFixture(votingFixture);
    const clean = [submission(b0), submission(b2, { ballot: 3n }), submission(b1), submission(b2)];
    const cleanReceipt = (await (await fresh.connect(freshRelayer).castVotes(clean)).wait())!;
    expect(outcomes(fresh, cleanReceipt)).to.deep.equal([label("VoteCast", b0), label("VoteSkipped:InvalidBallot", b2), label("VoteCast", b1), label("VoteCast", b2)]);
    // The failed batch check plus four single verifications (~210k each) against one batch
    // verification of three proofs (~190k + ~52k a proof): gas shows which path ran.
    expectGasHardfork();
    expect(receipt.gasUsed).to.be.greaterThan(4n * 210_000n);
    expect(cleanReceipt.gasUsed).to.be.lessThan(3n * 200_000n);
  });

  it("a bad proof among good ones fails the batch check; every entry is then settled as castVote would settle it", async () => {
    const { relayer, A, a0, a1, a2 } = await loadFixture(votingFixture);
    for (const position of [0, 1, 2]) {
      const { zkBallot: contract } = await loadFixture(votingFixture);
      const votes = [a0, a1, a2];
      const tampered = [...votes[position].proof];
      tampered[7] += 1n;
      const batch = votes.map((vote, i) => submission(vote, i === position ? { proof: tampered } : {}));
      const receipt = (await (await contract.connect(relayer).castVotes(batch)).wait())!;
      expect(outcomes(contract, receipt)).to.deep.equal(votes.map((vote, i) => label(i === position ? "VoteSkipped:InvalidProof" : "VoteCast", vote)));
      expect(await contract.nullifierSpentInBlock(A, votes[position].nullifier)).to.equal(0n);
    }
    // A forged copy ahead of the genuine ballot (same nullifier) does not shadow it.
    const { zkBallot } = await loadFixture(votingFixture);
    const forged = [...a0.proof];
    forged[0] += 1n;
    const receipt = (await (await zkBallot.connect(relayer).castVotes([submission(a0, { proof: forged }), submission(a0), submission(a1)])).wait())!;
    expect(outcomes(zkBallot, receipt)).to.deep.equal([label("VoteSkipped:InvalidProof", a0), label("VoteCast", a0), label("VoteCast", a1)]);
    expect(await zkBallot.tallies(A)).to.deep.equal([1n, 1n, 0n, 0n]);
  });

  it("InsufficientGasForProof instead of a starved verifier: no gas limit makes a valid batch skip a ballot", async () => {
    const { zkBallot, relayer, a0, a1 } = await loadFixture(votingFixture);
    const asRelayer = zkBallot.connect(relayer);
    for (const batch of [[submission(a0)], [submission(a0), submission(a1)]]) {
      const enough = await asRelayer.castVotes.estimateGas(batch);
      let sawGuard = false;
      for (let gasLimit = 150_000n; gasLimit < enough + 50_000n; gasLimit += 15_000n) {
        const outcome = await asRelayer.castVotes.staticCall(batch, { gasLimit }).then(
          (counted) => `counted ${counted}`,
          (error: unknown) => decodeContractRevert(error)?.name ?? "out of gas",
        );
        // Either every ballot counts, or the whole batch reverts: never a valid ballot skipped.
        expect(["out of gas", "InsufficientGasForProof", `counted ${batch.length}`]).to.include(outcome, `gas limit ${gasLimit}`);
        if (outcome === "InsufficientGasForProof") sawGuard = true;
      }
      expect(sawGuard).to.equal(true);
      expect(await asRelayer.castVotes.staticCall(batch, { gasLimit: enough })).to.equal(BigInt(batch.length));
    }
  });

  it("InvalidBatchSize for an empty or oversized batch", async () => {
    const { zkBallot, relayer, a0 } = await loadFixture(votingFixture);
    const max = await zkBallot.MAX_BATCH_SIZE();
    await expect(zkBallot.connect(relayer).castVotes([])).to.be.revertedWithCustomError(zkBallot, "InvalidBatchSize").withArgs(0, max);
    const tooMany = new Array(Number(max) + 1).fill(submission(a0));
    await expect(zkBallot.connect(relayer).castVotes(tooMany)).to.be.revertedWithCustomError(zkBallot, "InvalidBatchSize").withArgs(max + 1n, max);
  });

  it("a malformed proof in a batch burns at most PROOF_GAS_CAP, and the rest of the batch is counted", async () => {
    const { zkBallot, relayer, A, a0 } = await loadFixture(votingFixture);
    const offCurve = submission(a0, { nullifier: 5n, proof: [1n, 3n, 1n, 1n, 1n, 1n, 1n, 3n] });
    const receipt = (await (await zkBallot.connect(relayer).castVotes([offCurve, submission(a0)], { gasLimit: 2_000_000 })).wait())!;
    expect(receipt.status).to.equal(1);
    expect(await zkBallot.tallies(A)).to.deep.equal([0n, 1n, 0n, 0n]);
    expectGasHardfork();
    expect(receipt.gasUsed).to.be.lessThan(300_000n + 400_000n);
  });
});

/**
 * Approval elections: election 1 (AP) lets a ballot choose 1 to 3 of 4 options, election 2 (BL)
 * 0 to 2 (a blank ballot is valid). Same roll; real proofs of approval ballots.
 */
async function approvalFixture() {
  const base = await deployFixture();
  const { zkBallot, admin, registrar } = base;
  const voters: VoterIdentity[] = [];
  for (let i = 1; i <= 4; i++) voters.push(await identityFromSecret(BigInt(keccakText(`zkballot approval voter ${i}`)) >> 4n));
  const roll = await VoterRoll.build(voters.map((voter) => voter.voterCommitment), { depth: ROLL_DEPTH });
  await zkBallot.connect(admin).createElection(config(registrar.address, { title: "AP", minSelections: 1, maxSelections: 3 }));
  await zkBallot.connect(admin).createElection(config(registrar.address, { title: "BL", minSelections: 0, maxSelections: 2 }));
  const [AP, BL] = [1n, 2n];
  for (const id of [AP, BL]) {
    await zkBallot.connect(registrar).publishVoterCommitments(id, 0, voters.map((voter) => voter.voterCommitment));
    await zkBallot.connect(registrar).openVoting(id, roll.root);
  }
  const prove = (electionId: bigint, voter: number, options: number[]) => prepareBallot({ zkBallot, electionId, identity: voters[voter], option: options, voterRoll: roll });
  const ap0 = await prove(AP, 0, [0, 2]); // ballot 5
  const ap1 = await prove(AP, 1, [1, 2, 3]); // ballot 14
  const ap2 = await prove(AP, 2, [2]); // ballot 4
  const blank = await prove(BL, 0, []); // ballot 0
  return { ...base, voters, roll, AP, BL, ap0, ap1, ap2, blank };
}

describe("ZkBallot: approval elections (minSelections, maxSelections)", function () {
  after(() => releaseSnarkjs());

  const entry = (prepared: PreparedBallot, proof: bigint[] = prepared.proof) => ({ electionId: prepared.electionId, ballot: prepared.ballot, nullifier: prepared.nullifier, proof: proof as SolidityProof });

  it("InvalidSelectionRange for min > max, max > numOptions and max = 0; the edges of the range pass", async () => {
    const { zkBallot, registrar } = await loadFixture(deployFixture);
    for (const [min, max] of [[2, 1], [1, 5], [0, 5], [0, 0], [3, 0]]) {
      await expect(zkBallot.createElection(config(registrar.address, { minSelections: min, maxSelections: max })), `[${min}, ${max}]`)
        .to.be.revertedWithCustomError(zkBallot, "InvalidSelectionRange")
        .withArgs(min, max, NUM_OPTIONS);
    }
    // the option count is judged first, as in SealedZkBallot
    await expect(zkBallot.createElection(config(registrar.address, { numOptions: 1, minSelections: 2, maxSelections: 1 }))).to.be.revertedWithCustomError(zkBallot, "InvalidOptionCount");
    for (const [min, max] of [[0, 1], [0, NUM_OPTIONS], [NUM_OPTIONS, NUM_OPTIONS], [1, 1]]) {
      await expect(zkBallot.createElection(config(registrar.address, { minSelections: min, maxSelections: max })), `[${min}, ${max}]`).to.emit(zkBallot, "ElectionCreated");
    }
    expect(await zkBallot.electionCount()).to.equal(4n);
  });

  it("ElectionCreated and getElection carry the selection range", async () => {
    const { zkBallot, admin, registrar } = await loadFixture(deployFixture);
    await expect(zkBallot.connect(admin).createElection(config(registrar.address, { minSelections: 0, maxSelections: 3 })))
      .to.emit(zkBallot, "ElectionCreated")
      .withArgs(1n, admin.address, registrar.address, TITLE, NUM_OPTIONS, 0, 3, METADATA_URI, METADATA_HASH, 0, 0);
    const election = await zkBallot.getElection(1n);
    expect([election.numOptions, election.minSelections, election.maxSelections]).to.deep.equal([BigInt(NUM_OPTIONS), 0n, 3n]);
  });

  it("InvalidBallot for too few, too many and a bit at or above numOptions, before the proof is looked at", async () => {
    const { zkBallot, outsider, AP, BL, ap0 } = await loadFixture(approvalFixture);
    const asOutsider = zkBallot.connect(outsider);
    const refused = [
      [AP, 0n], // blank where min is 1
      [AP, 0b1111n], // four chosen, max 3
      [AP, 0b10001n], // option 4 does not exist
      [AP, 1n << 32n],
      [BL, 0b111n], // three chosen, max 2
      [BL, 0b10000n], // blank otherwise, but a bit beyond the options
    ] as const;
    for (const [electionId, ballot] of refused) {
      await expect(cast(asOutsider, ap0, { electionId, ballot }), `election ${electionId} ballot ${ballot}`).to.be.revertedWithCustomError(zkBallot, "InvalidBallot").withArgs(electionId, ballot);
    }
    // within the range the ballot rule passes and the proof decides (ap0's proof is for ballot 5)
    await expect(cast(asOutsider, ap0, { ballot: 0b111n })).to.be.revertedWithCustomError(zkBallot, "InvalidProof");
  });

  it("castVote adds one to every chosen option; a blank ballot is counted (nullifier spent) where min is 0", async () => {
    const { zkBallot, admin, outsider, AP, BL, ap0, ap1, ap2, blank } = await loadFixture(approvalFixture);
    const asOutsider = zkBallot.connect(outsider);
    await expect(cast(asOutsider, ap0)).to.emit(zkBallot, "VoteCast").withArgs(AP, ap0.nullifier, 0b101n, ap0.proof);
    await cast(asOutsider, ap1);
    await cast(asOutsider, ap2);
    expect(await zkBallot.tallies(AP)).to.deep.equal([1n, 1n, 3n, 1n]);

    await expect(cast(asOutsider, blank)).to.emit(zkBallot, "VoteCast").withArgs(BL, blank.nullifier, 0n, blank.proof);
    expect(await zkBallot.tallies(BL)).to.deep.equal([0n, 0n, 0n, 0n]);
    expect(await zkBallot.nullifierSpentInBlock(BL, blank.nullifier)).to.not.equal(0n);
    await expect(cast(asOutsider, blank)).to.be.revertedWithCustomError(zkBallot, "NullifierAlreadySpent");
    await expect(zkBallot.connect(admin).closeElection(AP)).to.emit(zkBallot, "ElectionClosed").withArgs(AP, admin.address, [1n, 1n, 3n, 1n]);
  });

  it("castVotes counts approval ballots alike on the batch path and on the one-by-one fallback", async () => {
    const { zkBallot, relayer, AP, BL, ap0, ap1, ap2, blank } = await loadFixture(approvalFixture);
    const batch = [entry(ap0), entry(ap1), entry(ap2), entry(blank), { ...entry(ap2), ballot: 0n }];
    const receipt = (await (await zkBallot.connect(relayer).castVotes(batch)).wait())!;
    const skipped = receipt.logs.map((log) => zkBallot.interface.parseLog(log)).filter((event) => event?.name === "VoteSkipped");
    expect(skipped.map((event) => zkBallot.interface.parseError(event!.args.reason as string)!.name)).to.deep.equal(["InvalidBallot"]);
    expect(await zkBallot.tallies(AP)).to.deep.equal([1n, 1n, 3n, 1n]);
    expect(await zkBallot.tallies(BL)).to.deep.equal([0n, 0n, 0n, 0n]);
    // four proofs in one batch verification (~190k + ~52k a proof), not four single ones (~210k each)
    expectGasHardfork();
    expect(receipt.gasUsed).to.be.lessThan(4n * 210_000n);

    const { zkBallot: fresh, relayer: freshRelayer } = await loadFixture(approvalFixture);
    const tampered = [...ap1.proof];
    tampered[7] += 1n;
    const fallback = (await (await fresh.connect(freshRelayer).castVotes([entry(ap0), entry(ap1, tampered), entry(ap2), entry(blank)])).wait())!;
    const reasons = fallback.logs.map((log) => fresh.interface.parseLog(log)).filter((event) => event?.name === "VoteSkipped");
    expect(reasons.map((event) => event!.args.nullifier)).to.deep.equal([ap1.nullifier]);
    expect(await fresh.tallies(AP)).to.deep.equal([1n, 0n, 2n, 0n]);
    expect(fallback.gasUsed).to.be.greaterThan(4n * 210_000n);
  });
});
