/**
 * Model-based property test of the election lifecycle (fast-check).
 *
 * fast-check draws random sequences of operations: create elections (valid and invalid
 * windows), publish roll batches (valid and invalid ones, by the registrar or not), open voting
 * (with the true root, a wrong root, an invalid root), cast ballots one by one and in batches
 * (real proofs and tampered variants), close (by the admin or not) and let time pass. Each
 * operation runs on the in-process Hardhat network and on a plain TypeScript model of the
 * contract; the outcome (success, or the exact custom error and the skip reasons of a batch)
 * must be the same, and after every step the chain must satisfy:
 *
 *  - the tally of every election equals, option by option, the ballots the model accepted that
 *    choose that option (elections are single choice or approval, with a random selection range);
 *  - a nullifier counts once: ballots counted = distinct nullifiers spent, and each spent
 *    nullifier's block is the block of the transaction that counted it;
 *  - the roll (count and digest) and the root never change after the freeze;
 *  - an election's phase only moves forward.
 *
 * Proofs are real, made once in the fixture for elections 1 and 2 of the fixture's deployment
 * (every run starts again from that deployment, so the ids, scopes and roots match).
 *
 * FC_SEED=<n> replays a run; FC_RUNS=<n> runs more (the default keeps the file under a minute).
 */
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import type { ContractTransactionResponse, TransactionReceipt } from "ethers";
import fc from "fast-check";
import { ethers } from "hardhat";

import { loadManifest } from "../lib/proving/artifacts";
import { SNARK_SCALAR_FIELD } from "../lib/core/constants";
import { Phase, computeElectionScope, computeVoterRollDigest, decodeContractRevert, deployZkBallot } from "../lib/chain/election";
import { identityFromSecret, type VoterIdentity } from "../lib/core/identity";
import { BN254_BASE_FIELD, proveVote, releaseSnarkjs, type SolidityProof } from "../lib/proving/prover";
import { checkVote } from "../lib/core/rules";
import { VoterRoll } from "../lib/core/voterRoll";
import type { ZkBallot } from "../typechain-types";

const R = SNARK_SCALAR_FIELD;
const ROLL_DEPTH = loadManifest().rollDepth;
const TRUE_ROLL_SIZE = 5;
const MAX_ELECTIONS = 3;
const RUNS = Number(process.env.FC_RUNS ?? 60);
const MAX_COMMANDS = 30;
const SEED = process.env.FC_SEED === undefined ? undefined : Number(process.env.FC_SEED);

// ----------------------------------------------------------------------------------- fixture

interface PoolProof {
  label: string;
  electionId: bigint;
  root: bigint;
  ballot: bigint;
  nullifier: bigint;
  proof: SolidityProof;
}

/** Deployment, voters and a pool of real proofs for elections 1 and 2 (not created yet). */
async function propertyFixture() {
  const [admin, registrar, outsider, relayer] = await ethers.getSigners();
  const zkBallot = await deployZkBallot(admin);
  const address = await zkBallot.getAddress();
  const { chainId } = await ethers.provider.getNetwork();

  const voters: VoterIdentity[] = [];
  for (let i = 0; i < TRUE_ROLL_SIZE; i++) voters.push(await identityFromSecret(BigInt(ethers.id(`zkballot property voter ${i}`)) >> 4n));
  const trueRoll = voters.map((voter) => voter.voterCommitment);
  const fullRoll = await VoterRoll.build(trueRoll, { depth: ROLL_DEPTH });
  const prefixRoll = await VoterRoll.build(trueRoll.slice(0, 3), { depth: ROLL_DEPTH });

  const pool: PoolProof[] = [];
  const add = async (label: string, electionId: bigint, voter: number, roll: VoterRoll, ballot: bigint) => {
    const electionScope = computeElectionScope(chainId, address, electionId);
    const { publicSignals, proof } = await proveVote({ identity: voters[voter], path: roll.pathOf(voters[voter].voterCommitment), voterRollRoot: roll.root, electionScope, ballot });
    pool.push({ label, electionId, root: roll.root, ballot, nullifier: publicSignals.nullifier, proof });
  };
  await add("e1/v0/opt0", 1n, 0, fullRoll, 0b1n);
  await add("e1/v1/opt1", 1n, 1, fullRoll, 0b10n);
  await add("e1/v2/opt1", 1n, 2, fullRoll, 0b10n);
  await add("e1/v0/opt1 against the first 3 commitments", 1n, 0, prefixRoll, 0b10n); // voter 0 again: same nullifier as the first
  await add("e2/v0/opt0", 2n, 0, fullRoll, 0b1n);
  await add("e2/v3/opt1", 2n, 3, fullRoll, 0b10n);
  // Approval ballots: valid only where the election's selection range allows them.
  await add("e1/v3/opts0+1", 1n, 3, fullRoll, 0b11n);
  await add("e2/v4/blank", 2n, 4, fullRoll, 0n);
  expect(pool[3].nullifier).to.equal(pool[0].nullifier);

  // Roots of every roll length a run can publish (the published roll is determined by its length).
  const rootByLength = new Map<number, bigint>();
  return { zkBallot, admin, registrar, outsider, relayer, trueRoll, pool, rootByLength };
}

type Fixture = Awaited<ReturnType<typeof propertyFixture>>;

/** The i-th commitment a run publishes: the true roll, then extra commitments nobody can open. */
function commitmentAt(fixture: Fixture, index: number): bigint {
  return index < TRUE_ROLL_SIZE ? fixture.trueRoll[index] : 1_000_000n + BigInt(index);
}

async function rootOfLength(fixture: Fixture, length: number): Promise<bigint> {
  let root = fixture.rootByLength.get(length);
  if (root === undefined) {
    root = (await VoterRoll.build(Array.from({ length }, (_, i) => commitmentAt(fixture, i)), { depth: ROLL_DEPTH })).root;
    fixture.rootByLength.set(length, root);
  }
  return root;
}

// ------------------------------------------------------------------------------------- model

interface ElectionModel {
  id: bigint;
  numOptions: number;
  minSelections: number;
  maxSelections: number;
  startsAt: bigint;
  endsAt: bigint;
  phase: Phase;
  published: bigint[];
  root: bigint;
  tallies: bigint[];
  /** nullifier -> block in which it was spent */
  spent: Map<bigint, number>;
}

interface Model {
  now: bigint;
  elections: ElectionModel[];
  accepted: number;
  /** Accepted ballots that chose other than exactly one option (approval or blank). */
  acceptedNotSingle: number;
}

interface Real {
  fixture: Fixture;
  /** What the chain said at the freeze, per election, and the last phase seen. */
  frozen: Map<bigint, { root: bigint; voterCount: bigint; digest: string }>;
  lastPhase: Map<bigint, number>;
}

type Outcome = { ok: true } | { ok: false; error: string };

interface Submission {
  electionId: bigint;
  ballot: bigint;
  nullifier: bigint;
  proof: SolidityProof;
}

type Tamper = "none" | "ballot" | "nullifier" | "alias" | "proof" | "invalidBallot" | "otherElection";

function tampered(entry: PoolProof, tamper: Tamper): Submission {
  const s: Submission = { electionId: entry.electionId, ballot: entry.ballot, nullifier: entry.nullifier, proof: [...entry.proof] as SolidityProof };
  switch (tamper) {
    case "ballot":
      s.ballot = entry.ballot === 1n ? 2n : 1n; // the other valid option
      break;
    case "nullifier":
      s.nullifier = entry.nullifier + 1n;
      break;
    case "alias":
      s.nullifier = entry.nullifier + R;
      break;
    case "proof":
      s.proof[6] = (s.proof[6] + 1n) % BN254_BASE_FIELD;
      break;
    case "invalidBallot":
      s.ballot = 3n;
      break;
    case "otherElection":
      s.electionId = entry.electionId === 1n ? 2n : 1n;
      break;
    case "none":
      break;
  }
  return s;
}

/** What castVote does with `s` at the model's current time: the custom error, or the options counted. */
function judge(m: Model, pool: PoolProof[], s: Submission): { error: string } | { selections: readonly number[] } {
  const e = m.elections[Number(s.electionId) - 1];
  // The rules before the verifier come from the one rules module (lib/core/rules.ts); the model
  // supplies the state it tracks.
  const verdict = checkVote({
    electionId: s.electionId,
    election: e && { phase: e.phase, numOptions: e.numOptions, minSelections: e.minSelections, maxSelections: e.maxSelections, votingStartsAt: e.startsAt, votingEndsAt: e.endsAt },
    now: m.now,
    ballot: s.ballot,
    nullifier: s.nullifier,
    proof: s.proof,
    spentInBlock: e?.spent.has(s.nullifier) ? BigInt(e.spent.get(s.nullifier)!) || 1n : undefined,
  });
  if (!verdict.accepted) return { error: verdict.rejection.error };
  const genuine = pool.some(
    (p) => p.electionId === s.electionId && p.root === e.root && p.ballot === s.ballot && p.nullifier === s.nullifier && p.proof.every((c, i) => c === s.proof[i]),
  );
  if (!genuine) return { error: "InvalidProof" };
  // The model's own reading of the bit set, not the rules module's.
  return { selections: Array.from({ length: e.numOptions }, (_, i) => i).filter((i) => (s.ballot >> BigInt(i)) & 1n) };
}

function count(m: Model, s: Submission, selections: readonly number[], blockNumber: number): void {
  const e = m.elections[Number(s.electionId) - 1];
  for (const option of selections) e.tallies[option]++;
  if (selections.length !== 1) m.acceptedNotSingle++;
  e.spent.set(s.nullifier, blockNumber);
  m.accepted++;
}

// ------------------------------------------------------------------------------ transactions

/** Explicit gas: no estimate, so a reverting transaction is mined at the timestamp the model uses. */
const GAS = { gasLimit: 1_500_000 };
const BATCH_GAS = { gasLimit: 8_000_000 };

/** Moves the model's clock one second on and sends the transaction in a block with that timestamp. */
async function transact(m: Model, send: () => Promise<ContractTransactionResponse>): Promise<{ receipt?: TransactionReceipt; error?: string }> {
  await time.setNextBlockTimestamp(m.now);
  try {
    const receipt = await (await send()).wait();
    return { receipt: receipt! };
  } catch (error) {
    const decoded = decodeContractRevert(error);
    return { error: decoded?.name ?? `no custom error: ${(error as Error).message.split("\n")[0]}` };
  }
}

function tick(m: Model): void {
  m.now += 1n;
}

function expectOutcome(what: string, expected: Outcome, actual: { error?: string }): void {
  expect(actual.error ?? "success", what).to.equal(expected.ok ? "success" : expected.error);
}

// ---------------------------------------------------------------------------------- commands

/** Which election an operation targets: one that exists (the pick modulo their number), or -1 for the next, unknown id. */
function resolve(m: Readonly<Model>, pick: number): number {
  return pick < 0 || m.elections.length === 0 ? m.elections.length + 1 : (pick % m.elections.length) + 1;
}
const describePick = (pick: number) => (pick < 0 ? "an unknown election" : `election pick ${pick}`);

type Cmd = fc.AsyncCommand<Model, Real>;

class CreateElection implements Cmd {
  constructor(
    readonly numOptions: number,
    readonly selections: { min: number; max: number },
    readonly window: "none" | "end" | "startAndEnd" | "endsNow",
    readonly start: number,
    readonly duration: number,
  ) {}
  check = (m: Readonly<Model>) => m.elections.length < MAX_ELECTIONS;
  async run(m: Model, r: Real): Promise<void> {
    tick(m);
    const startsAt = this.window === "startAndEnd" ? m.now + BigInt(this.start) : 0n;
    const endsAt = this.window === "none" ? 0n : this.window === "endsNow" ? m.now : this.window === "end" ? m.now + BigInt(this.duration) : startsAt + BigInt(this.duration);
    const { min, max } = this.selections;
    const badRange = min > max || max > this.numOptions || max === 0;
    const expected: Outcome = badRange ? { ok: false, error: "InvalidSelectionRange" } : this.window === "endsNow" ? { ok: false, error: "InvalidVotingWindow" } : { ok: true };
    const { zkBallot, admin, registrar } = r.fixture;
    const config = { title: `election ${m.elections.length + 1}`, numOptions: this.numOptions, minSelections: min, maxSelections: max, metadataURI: "", metadataHash: ethers.ZeroHash, registrar: registrar.address, votingStartsAt: startsAt, votingEndsAt: endsAt };
    const actual = await transact(m, () => zkBallot.connect(admin).createElection(config, GAS));
    expectOutcome(this.toString(), expected, actual);
    if (expected.ok) {
      m.elections.push({ id: BigInt(m.elections.length + 1), numOptions: this.numOptions, minSelections: min, maxSelections: max, startsAt, endsAt, phase: Phase.Registration, published: [], root: 0n, tallies: new Array<bigint>(this.numOptions).fill(0n), spent: new Map() });
    }
  }
  toString = () => `createElection(${this.numOptions} options, choose ${this.selections.min}-${this.selections.max}, window ${this.window} ${this.start}/${this.duration})`;
}

type PublishKind = "valid" | "wrongIndex" | "zero" | "outOfField" | "byOutsider" | "empty";

class Publish implements Cmd {
  constructor(readonly pick: number, readonly size: number | "rest", readonly kind: PublishKind) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    tick(m);
    const election = resolve(m, this.pick);
    const id = BigInt(election);
    const e = m.elections[election - 1];
    const published = e?.published.length ?? 0;
    const n = this.kind === "empty" ? 0 : this.size === "rest" ? Math.max(1, TRUE_ROLL_SIZE - published) : this.size;
    const batch = Array.from({ length: n }, (_, i) => commitmentAt(r.fixture, published + i));
    if (this.kind === "zero") batch[batch.length - 1] = 0n;
    if (this.kind === "outOfField") batch[0] = R + batch[0];
    const firstIndex = this.kind === "wrongIndex" ? published + 1 : published;

    let expected: Outcome = { ok: true };
    if (e === undefined) expected = { ok: false, error: "ElectionNotFound" };
    else if (this.kind === "byOutsider") expected = { ok: false, error: "NotRegistrar" };
    else if (e.phase !== Phase.Registration) expected = { ok: false, error: "WrongPhase" };
    else if (this.kind === "empty") expected = { ok: false, error: "EmptyBatch" };
    else if (this.kind === "wrongIndex") expected = { ok: false, error: "RollIndexMismatch" };
    else if (this.kind === "zero" || this.kind === "outOfField") expected = { ok: false, error: "InvalidVoterCommitment" };

    const { zkBallot, registrar, outsider } = r.fixture;
    const sender = this.kind === "byOutsider" ? outsider : registrar;
    const actual = await transact(m, () => zkBallot.connect(sender).publishVoterCommitments(id, firstIndex, batch, GAS));
    expectOutcome(`${this} on election ${id}`, expected, actual);
    if (expected.ok) e!.published.push(...batch);
  }
  toString = () => `publish(${describePick(this.pick)}, ${this.size}, ${this.kind})`;
}

class OpenVoting implements Cmd {
  constructor(readonly pick: number, readonly root: "true" | "wrong" | "zero" | "outOfField", readonly byOutsider: boolean) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    tick(m);
    const election = resolve(m, this.pick);
    const id = BigInt(election);
    const e = m.elections[election - 1];
    const trueRoot = await rootOfLength(r.fixture, e?.published.length ?? 0);
    const root = { true: trueRoot, wrong: (trueRoot + 1n) % R || 1n, zero: 0n, outOfField: R + trueRoot }[this.root];

    let expected: Outcome = { ok: true };
    if (e === undefined) expected = { ok: false, error: "ElectionNotFound" };
    else if (this.byOutsider) expected = { ok: false, error: "NotRegistrar" };
    else if (e.phase !== Phase.Registration) expected = { ok: false, error: "WrongPhase" };
    else if (e.published.length === 0) expected = { ok: false, error: "EmptyVoterRoll" };
    else if (root === 0n || root >= R) expected = { ok: false, error: "InvalidVoterRollRoot" };
    else if (e.endsAt !== 0n && m.now >= e.endsAt) expected = { ok: false, error: "VotingEnded" };

    const { zkBallot, registrar, outsider } = r.fixture;
    const actual = await transact(m, () => zkBallot.connect(this.byOutsider ? outsider : registrar).openVoting(id, root, GAS));
    expectOutcome(`${this} on election ${id}`, expected, actual);
    if (expected.ok) {
      e!.phase = Phase.Voting;
      e!.root = root; // the contract cannot check the root (auditors do): a wrong one is frozen too
    }
  }
  toString = () => `openVoting(${describePick(this.pick)}, ${this.root} root${this.byOutsider ? ", by an outsider" : ""})`;
}

class CastVote implements Cmd {
  constructor(readonly proof: number, readonly tamper: Tamper) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    tick(m);
    const s = tampered(r.fixture.pool[this.proof], this.tamper);
    const verdict = judge(m, r.fixture.pool, s);
    const { zkBallot, relayer } = r.fixture;
    const actual = await transact(m, () => zkBallot.connect(relayer).castVote(s.electionId, s.ballot, s.nullifier, s.proof, GAS));
    expectOutcome(this.toString(), "error" in verdict ? { ok: false, error: verdict.error } : { ok: true }, actual);
    if ("selections" in verdict) count(m, s, verdict.selections, actual.receipt!.blockNumber);
  }
  toString = () => `castVote(${this.proof}, ${this.tamper})`;
}

class CastVotes implements Cmd {
  constructor(readonly entries: { proof: number; tamper: Tamper }[]) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    tick(m);
    const { zkBallot, relayer, pool } = r.fixture;
    const batch = this.entries.map(({ proof, tamper }) => tampered(pool[proof], tamper));
    const actual = await transact(m, () => zkBallot.connect(relayer).castVotes(batch, BATCH_GAS));
    if (batch.length === 0) {
      expectOutcome(this.toString(), { ok: false, error: "InvalidBatchSize" }, actual);
      return;
    }
    expectOutcome(this.toString(), { ok: true }, actual);
    const receipt = actual.receipt!;
    // Entries are judged in order, each seeing the effects of the ones before it.
    const expectedEvents: string[] = [];
    for (const s of batch) {
      const verdict = judge(m, pool, s);
      if ("error" in verdict) expectedEvents.push(`VoteSkipped ${s.nullifier} ${verdict.error}`);
      else {
        count(m, s, verdict.selections, receipt.blockNumber);
        expectedEvents.push(`VoteCast ${s.nullifier}`);
      }
    }
    const events = receipt.logs
      .map((log) => zkBallot.interface.parseLog(log)!)
      .map((event) => (event.name === "VoteCast" ? `VoteCast ${event.args.nullifier}` : `VoteSkipped ${event.args.nullifier} ${zkBallot.interface.parseError(event.args.reason as string)!.name}`));
    expect(events, this.toString()).to.deep.equal(expectedEvents);
  }
  toString = () => `castVotes([${this.entries.map((e) => `${e.proof}:${e.tamper}`).join(", ")}])`;
}

class CloseElection implements Cmd {
  constructor(readonly pick: number, readonly by: "admin" | "registrar" | "outsider") {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    tick(m);
    const election = resolve(m, this.pick);
    const e = m.elections[election - 1];
    let expected: Outcome = { ok: true };
    if (e === undefined) expected = { ok: false, error: "ElectionNotFound" };
    else if (e.phase !== Phase.Voting) expected = { ok: false, error: "WrongPhase" };
    else if (this.by !== "admin" && e.endsAt === 0n) expected = { ok: false, error: "NotAdmin" };
    else if (this.by !== "admin" && m.now < e.endsAt) expected = { ok: false, error: "VotingNotEnded" };
    const actual = await transact(m, () => r.fixture.zkBallot.connect(r.fixture[this.by]).closeElection(BigInt(election), GAS));
    expectOutcome(`${this} on election ${election}`, expected, actual);
    if (expected.ok) e!.phase = Phase.Closed;
  }
  toString = () => `closeElection(${describePick(this.pick)}, by ${this.by})`;
}

class TimePasses implements Cmd {
  constructor(readonly seconds: number) {}
  check = () => true;
  async run(m: Model): Promise<void> {
    m.now += BigInt(this.seconds);
    await time.increaseTo(m.now);
  }
  toString = () => `time passes (${this.seconds} s)`;
}

// -------------------------------------------------------------------------------- invariants

async function checkInvariants(m: Model, r: Real, after: string): Promise<void> {
  const { zkBallot, admin, registrar, pool } = r.fixture;
  expect(await zkBallot.electionCount(), after).to.equal(BigInt(m.elections.length));
  let counted = 0n;
  for (const e of m.elections) {
    const what = `election ${e.id} after ${after}`;
    const [chain, tallies] = await Promise.all([zkBallot.getElection(e.id), zkBallot.tallies(e.id)]);

    // phase: as the model says, and never backwards
    expect(Number(chain.phase), what).to.equal(e.phase);
    expect(Number(chain.phase), `${what}: phase went backwards`).to.be.at.least(r.lastPhase.get(e.id) ?? Phase.Registration);
    r.lastPhase.set(e.id, Number(chain.phase));
    expect([chain.numOptions, chain.minSelections, chain.maxSelections, chain.votingStartsAt, chain.votingEndsAt, chain.admin, chain.registrar], what).to.deep.equal([BigInt(e.numOptions), BigInt(e.minSelections), BigInt(e.maxSelections), e.startsAt, e.endsAt, admin.address, registrar.address]);

    // roll and root: as published, and frozen from the moment voting opens
    expect(chain.voterCount, what).to.equal(BigInt(e.published.length));
    expect(chain.voterRollDigest, what).to.equal(computeVoterRollDigest(e.published));
    expect(chain.voterRollRoot, what).to.equal(e.root);
    if (Number(chain.phase) >= Phase.Voting) {
      const frozen = r.frozen.get(e.id) ?? { root: chain.voterRollRoot, voterCount: chain.voterCount, digest: chain.voterRollDigest };
      r.frozen.set(e.id, frozen);
      expect([chain.voterRollRoot, chain.voterCount, chain.voterRollDigest], `${what}: roll changed after the freeze`).to.deep.equal([frozen.root, frozen.voterCount, frozen.digest]);
    }

    // tally: exactly the options of the ballots the model accepted (an approval ballot counts for
    // each option it chooses), and one ballot per spent nullifier (checkEvents: one VoteCast each)
    expect([...tallies], what).to.deep.equal(e.tallies);
    counted += BigInt(e.spent.size);
    const nullifiers = [...new Set([...pool.map((p) => p.nullifier), ...pool.map((p) => p.nullifier + 1n)])];
    const blocks = await Promise.all(nullifiers.map((n) => zkBallot.nullifierSpentInBlock(e.id, n)));
    nullifiers.forEach((n, i) => expect(blocks[i], `${what}: nullifier ${n}`).to.equal(BigInt(e.spent.get(n) ?? 0)));
  }
  expect(counted, `after ${after}: total tally vs ballots accepted`).to.equal(BigInt(m.accepted));
}

/** At the end of a run: the VoteCast events say the same as the tallies, one per nullifier. */
async function checkEvents(m: Model, r: Real): Promise<void> {
  const { zkBallot } = r.fixture;
  for (const e of m.elections) {
    const events = await zkBallot.queryFilter(zkBallot.filters.VoteCast(e.id));
    expect(events.length).to.equal(e.spent.size);
    expect(new Set(events.map((event) => event.args.nullifier))).to.deep.equal(new Set(e.spent.keys()));
  }
}

// ------------------------------------------------------------------------------------ arbitraries

const election = fc.oneof({ weight: 9, arbitrary: fc.nat(11) }, { weight: 1, arbitrary: fc.constant(-1) }); // see resolve()
const tamper = fc.oneof(
  { weight: 6, arbitrary: fc.constant<Tamper>("none") },
  { weight: 1, arbitrary: fc.constantFrom<Tamper>("ballot", "nullifier", "alias", "proof", "invalidBallot", "otherElection") },
);
const proofIndex = fc.integer({ min: 0, max: 7 });
/** Ranges every election (2 to 4 options) allows: single choice, approval with or without a blank ballot, exactly two. */
const validRange = fc.oneof(
  { weight: 3, arbitrary: fc.constant({ min: 1, max: 1 }) },
  { weight: 1, arbitrary: fc.constantFrom({ min: 0, max: 2 }, { min: 1, max: 2 }, { min: 2, max: 2 }) },
);
/** Mostly valid; else any small range, which may be refused (min above max, max 0, max above the options). */
const anyRange = fc.oneof({ weight: 4, arbitrary: validRange }, { weight: 1, arbitrary: fc.record({ min: fc.integer({ min: 0, max: 3 }), max: fc.integer({ min: 0, max: 5 }) }) });

const createElectionWith = (windows: CreateElection["window"][], ranges: fc.Arbitrary<{ min: number; max: number }>) =>
  fc
    .tuple(fc.integer({ min: 2, max: 4 }), ranges, fc.constantFrom(...windows), fc.integer({ min: 1, max: 60 }), fc.integer({ min: 20, max: 400 }))
    .map(([n, range, w, s, d]) => new CreateElection(n, range, w, s, d));
const createElection = createElectionWith(["none", "none", "none", "end", "startAndEnd", "endsNow"], anyRange);

/**
 * The start of every run: one or two elections, then election 1's registration: the true roll
 * (or its first 3 commitments, for which one proof of the pool is made) in random batches, and
 * usually voting opened at the true root. Many runs thus reach voting with proofs that can be
 * valid; the random operations that follow do everything else.
 */
const runPrefix = fc
  .record({
    creations: fc.array(createElectionWith(["none", "none", "end", "startAndEnd"], validRange), { minLength: 1, maxLength: 2 }),
    batches: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 5 }),
    rollSize: fc.constantFrom(TRUE_ROLL_SIZE, TRUE_ROLL_SIZE, TRUE_ROLL_SIZE, 3),
    open: fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
  })
  .map(({ creations, batches, rollSize, open }): Cmd[] => {
    const commands: Cmd[] = [...creations];
    let published = 0;
    for (const size of [...batches, rollSize]) {
      const n = Math.min(size, rollSize - published);
      if (n <= 0) break;
      commands.push(new Publish(0, n, "valid"));
      published += n;
    }
    if (open) commands.push(new OpenVoting(0, "true", false));
    return commands;
  });

const commandArbitraries: fc.Arbitrary<Cmd>[] = [
  createElection,
  ...Array.from({ length: 3 }, () =>
    fc
      .tuple(election, fc.constantFrom<number | "rest">(1, 2, 3, "rest", "rest", "rest"), fc.oneof({ weight: 8, arbitrary: fc.constant<PublishKind>("valid") }, { weight: 1, arbitrary: fc.constantFrom<PublishKind>("wrongIndex", "zero", "outOfField", "byOutsider", "empty") }))
      .map(([id, size, kind]) => new Publish(id, size, kind)),
  ),
  ...Array.from({ length: 2 }, () =>
    fc
      .tuple(
        election,
        fc.oneof({ weight: 6, arbitrary: fc.constant("true" as const) }, { weight: 1, arbitrary: fc.constantFrom("wrong" as const, "zero" as const, "outOfField" as const) }),
        fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      )
      .map(([id, root, byOutsider]) => new OpenVoting(id, root, byOutsider)),
  ),
  ...Array.from({ length: 4 }, () => fc.tuple(proofIndex, tamper).map(([p, t]) => new CastVote(p, t))),
  ...Array.from({ length: 2 }, () => fc.array(fc.record({ proof: proofIndex, tamper }), { minLength: 0, maxLength: 4 }).map((entries) => new CastVotes(entries))),
  fc.tuple(election, fc.constantFrom("admin" as const, "admin" as const, "registrar" as const, "outsider" as const)).map(([id, by]) => new CloseElection(id, by)),
  fc.integer({ min: 1, max: 300 }).map((seconds) => new TimePasses(seconds)),
];

// ----------------------------------------------------------------------------------------- test

describe("election lifecycle (property-based, fast-check)", function () {
  this.timeout(600_000);
  after(() => releaseSnarkjs());

  it("random sequences of operations never break the invariants: tally = valid ballots accepted, a nullifier counts once, the roll and root never change after the freeze, phases only move forward", async () => {
    const fixture = await loadFixture(propertyFixture); // proves once; later calls only revert the chain
    let runs = 0;
    let ballotsCounted = 0;
    let notSingleCounted = 0;
    let opened = 0;
    await fc.assert(
      fc.asyncProperty(
        runPrefix,
        fc.commands(commandArbitraries, { maxCommands: MAX_COMMANDS, size: "max" }),
        async (prefix, commands) => {
        const f = await loadFixture(propertyFixture);
        const model: Model = { now: BigInt(await time.latest()), elections: [], accepted: 0, acceptedNotSingle: 0 };
        const real: Real = { fixture: f, frozen: new Map(), lastPhase: new Map() };
        const checked = [...prefix, ...commands].map(
          (command): Cmd => ({
            check: (m) => command.check(m),
            run: async (m, r) => {
              await command.run(m, r);
              await checkInvariants(m, r, command.toString());
            },
            toString: () => command.toString(),
          }),
        );
        await fc.asyncModelRun(() => ({ model, real }), checked);
        await checkEvents(model, real);
        runs++;
        ballotsCounted += model.accepted;
        notSingleCounted += model.acceptedNotSingle;
        opened += model.elections.filter((e) => e.phase !== Phase.Registration).length;
        },
      ),
      { numRuns: RUNS, seed: SEED },
    );
    // The generator reaches the interesting states, so the properties are not checked vacuously.
    expect(runs).to.be.at.least(RUNS);
    expect(opened, "elections opened across all runs").to.be.greaterThan(0);
    expect(ballotsCounted, "ballots counted across all runs").to.be.greaterThan(0);
    // About one run in seven counts an approval or blank ballot: at the default 60 runs, some do.
    if (RUNS >= 60) expect(notSingleCounted, "approval or blank ballots counted across all runs").to.be.greaterThan(0);
    expect(fixture.pool).to.have.length(8);
  });
});
