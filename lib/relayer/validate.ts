/**
 * Everything the relayer checks before it accepts a ballot, so that it never spends gas on a
 * ballot the contract would refuse. Each refusal has an HTTP status and a stable code.
 */
import type { Provider } from "ethers";

import type { ZkBallot } from "../../typechain-types";
import { computeElectionScope, decodeContractRevert, Phase } from "../chain/election";
import { ZkBallotError } from "../core/errors";
import { parseFieldElement } from "../core/field";
import { checkVotingOpen, describeVoteRejection, electionBallotSelections } from "../core/rules";
import { parseSolidityProof, publicSignalsArray } from "../proving/prover";

export class RelayRejection extends Error {
  constructor(
    readonly statusCode: 400 | 404 | 409 | 422 | 429 | 503,
    readonly code: string,
    message: string,
    /** Seconds a client should wait before retrying (sent as Retry-After with 429 and 503). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export interface BallotRequest {
  electionId: bigint;
  ballot: bigint;
  nullifier: bigint;
  proof: bigint[];
}

/** POST /v1/ballots as the client sends it: the shape the route schema guarantees. */
export interface BallotRequestBody {
  electionId: string;
  ballot: string;
  nullifier: string;
  proof: string[];
}

/**
 * The route schema of POST /v1/ballots (JSON Schema, compiled by Fastify's ajv): an object with
 * exactly these four fields, of these types. Field ranges (below r, canonical below q) need
 * big integers, which JSON Schema has not: parseBallotRequest checks them after the schema.
 */
export const BALLOT_REQUEST_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["electionId", "ballot", "nullifier", "proof"],
  properties: {
    electionId: { type: "string", pattern: "^[1-9][0-9]{0,18}$" },
    ballot: { type: "string" },
    nullifier: { type: "string" },
    proof: { type: "array", minItems: 8, maxItems: 8, items: { type: "string" } },
  },
} as const;

/** The part of an ajv error that the refusal is made from. */
export interface SchemaViolation {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
}

/**
 * A schema violation as the refusal clients and docs/RELAYER.md know: the shape is
 * INVALID_REQUEST, a ballot or nullifier of the wrong type INVALID_FIELD_ELEMENT, a proof that is
 * not 8 strings INVALID_PROOF. Messages name the field.
 */
export function schemaRejection(violation: SchemaViolation): RelayRejection {
  const field = violation.instancePath.split("/")[1] ?? "";
  if (violation.instancePath === "") {
    if (violation.keyword === "additionalProperties") return new RelayRejection(400, "INVALID_REQUEST", `unknown field ${JSON.stringify(violation.params.additionalProperty)}`);
    if (violation.keyword === "required") return new RelayRejection(400, "INVALID_REQUEST", `missing field ${String(violation.params.missingProperty)}`);
    return new RelayRejection(400, "INVALID_REQUEST", "the body must be a JSON object");
  }
  if (field === "electionId") return new RelayRejection(400, "INVALID_REQUEST", "electionId must be a positive integer as a decimal string");
  if (field === "ballot" || field === "nullifier") return new RelayRejection(400, "INVALID_FIELD_ELEMENT", `${field} must be a decimal or 0x-hex string of a field element`);
  if (field === "proof") return new RelayRejection(400, "INVALID_PROOF", "proof must be an array of 8 strings");
  if (field === "ciphertexts") {
    // A word of the wrong type is a bad field element, like a ballot or nullifier; a wrong count is not a ciphertext.
    if (violation.instancePath.split("/").length > 2) return new RelayRejection(400, "INVALID_FIELD_ELEMENT", `${violation.instancePath.slice(1).replace("/", "[")}] must be a decimal or 0x-hex string of a field element`);
    return new RelayRejection(400, "INVALID_CIPHERTEXT", "ciphertexts must be an array of 32 strings (c1[0..7][x,y] then c2[0..7][x,y])");
  }
  return new RelayRejection(400, "INVALID_REQUEST", `${violation.instancePath} is invalid`);
}

/** Field checks on a body the schema accepted: every number within its field, canonical. */
export function parseBallotRequest(body: BallotRequestBody): BallotRequest {
  try {
    return {
      electionId: BigInt(body.electionId),
      ballot: parseFieldElement(body.ballot, "ballot"),
      nullifier: parseFieldElement(body.nullifier, "nullifier"),
      proof: parseSolidityProof(body.proof),
    };
  } catch (error) {
    throw new RelayRejection(400, (error as ZkBallotError).code ?? "INVALID_REQUEST", (error as Error).message);
  }
}

export interface ChainContext {
  zkBallot: ZkBallot;
  chainId: bigint;
  contractAddress: string;
  verificationKey: unknown;
}

/** What the cheap checks need of an election, read from the chain. */
export interface ElectionFacts {
  phase: Phase;
  numOptions: number;
  /** The selection rule: a ballot chooses minSelections to maxSelections options. */
  minSelections: number;
  maxSelections: number;
  votingStartsAt: bigint;
  votingEndsAt: bigint;
  voterRollRoot: bigint;
  electionScope: bigint;
}

/** How long a read of an election or of the chain's time is reused: one RPC a second, not one per request. */
const CHAIN_VIEW_TTL_MS = 1_000;
/** Elections (including unknown ids) remembered at most; the oldest entry makes room, never all at once. */
const CHAIN_VIEW_MAX_ELECTIONS = 1_024;

/**
 * A short-lived, bounded cache of the chain reads every request needs, so that a flood of
 * requests costs a handful of RPC calls a second, not several per request. Concurrent requests
 * share one read (single flight). A failed read is not cached. `read` gives an election's facts
 * (an open ZkBallot's: readOpenElection; a SealedZkBallot's: lib/relayer/sealedValidate.ts).
 */
export class ChainView<Facts = ElectionFacts> {
  private readonly elections = new Map<string, { at: number; facts: Promise<Facts | "not-found"> }>();
  private clock?: { at: number; timestamp: Promise<bigint> };

  constructor(
    private readonly provider: Provider,
    private readonly read: (electionId: bigint) => Promise<Facts | "not-found">,
    private readonly ttlMs = CHAIN_VIEW_TTL_MS,
  ) {}

  election(electionId: bigint, now = Date.now()): Promise<Facts | "not-found"> {
    const key = electionId.toString();
    const cached = this.elections.get(key);
    if (cached && now - cached.at < this.ttlMs) return cached.facts;
    const facts = this.read(electionId);
    this.elections.delete(key);
    if (this.elections.size >= CHAIN_VIEW_MAX_ELECTIONS) this.elections.delete(this.elections.keys().next().value!);
    this.elections.set(key, { at: now, facts });
    facts.catch(() => this.elections.get(key)?.facts === facts && this.elections.delete(key));
    return facts;
  }

  /** The latest block's timestamp: the contract's notion of now. */
  chainTime(now = Date.now()): Promise<bigint> {
    if (this.clock && now - this.clock.at < this.ttlMs) return this.clock.timestamp;
    const timestamp = (async () => {
      const latest = await this.provider.getBlock("latest");
      if (!latest) throw chainUnavailable();
      return BigInt(latest.timestamp);
    })();
    this.clock = { at: now, timestamp };
    timestamp.catch(() => this.clock?.timestamp === timestamp && (this.clock = undefined));
    return timestamp;
  }
}

/** An open election's facts from ZkBallot.getElection; ElectionNotFound is "not-found", any other failure CHAIN_UNAVAILABLE. */
export function readOpenElection(context: ChainContext): (electionId: bigint) => Promise<ElectionFacts | "not-found"> {
  return async (electionId) => {
    try {
      const election = await context.zkBallot.getElection(electionId);
      return {
        phase: Number(election.phase) as Phase,
        numOptions: Number(election.numOptions),
        minSelections: Number(election.minSelections),
        maxSelections: Number(election.maxSelections),
        votingStartsAt: election.votingStartsAt,
        votingEndsAt: election.votingEndsAt,
        voterRollRoot: election.voterRollRoot,
        electionScope: computeElectionScope(context.chainId, context.contractAddress, electionId),
      };
    } catch (error) {
      if (decodeContractRevert(error)?.name === "ElectionNotFound") return "not-found";
      throw chainUnavailable();
    }
  };
}

/** The ChainView of an open ZkBallot. */
export function openChainView(context: ChainContext): ChainView<ElectionFacts> {
  return new ChainView(context.zkBallot.runner!.provider!, readOpenElection(context));
}

/** What a contract's nullifier rule needs from the chain; ZkBallot and SealedZkBallot keep the same record. */
export interface NullifierRecord {
  provider: Provider;
  contractAddress: string;
  /** VoteCast's topic: both contracts index (electionId, nullifier) as topics 1 and 2. */
  voteCastTopic: string;
  spentInBlock(electionId: bigint, nullifier: bigint): Promise<bigint>;
}

export function openNullifierRecord(context: ChainContext): NullifierRecord {
  return {
    provider: context.zkBallot.runner!.provider!,
    contractAddress: context.contractAddress,
    voteCastTopic: context.zkBallot.interface.getEvent("VoteCast").topicHash,
    spentInBlock: (electionId, nullifier) => context.zkBallot.nullifierSpentInBlock(electionId, nullifier),
  };
}

export function chainUnavailable(): RelayRejection {
  return new RelayRejection(503, "CHAIN_UNAVAILABLE", "the relayer cannot read the chain right now; retry later", 5);
}

/**
 * The election exists and accepts ballots now (phase, then window; the phase is judged before
 * the clock is read, so a closed election costs no block lookup). Shared by both routes.
 */
export async function checkElectionVoting<Facts extends { phase: Phase; votingStartsAt: bigint; votingEndsAt: bigint }>(view: ChainView<Facts>, electionId: bigint): Promise<Facts> {
  const election = await view.election(electionId);
  if (election === "not-found") throw new RelayRejection(404, "ELECTION_NOT_FOUND", describeVoteRejection({ error: "ElectionNotFound", electionId }));
  const phaseOnly = checkVotingOpen(electionId, { ...election, votingStartsAt: 0n, votingEndsAt: 0n }, 0n);
  const closed = phaseOnly ?? checkVotingOpen(electionId, election, await view.chainTime());
  if (closed) throw new RelayRejection(409, "ELECTION_NOT_VOTING", describeVoteRejection(closed));
  return election;
}

/** The cheap checks (no proof verification, cached chain reads): election exists, is voting, window open, ballot in range. */
export async function checkBallotCheaply(view: ChainView<ElectionFacts>, request: BallotRequest): Promise<ElectionFacts> {
  const election = await checkElectionVoting(view, request.electionId);
  if (electionBallotSelections(request.ballot, election) === undefined) {
    const { numOptions, minSelections, maxSelections } = election;
    throw new RelayRejection(422, "INVALID_BALLOT", describeVoteRejection({ error: "InvalidBallot", electionId: request.electionId, ballot: request.ballot, numOptions, minSelections, maxSelections }));
  }
  return election;
}

/** Spent nullifiers remembered at most (about 150 bytes each); the oldest makes room. */
const SPENT_INDEX_MAX = 200_000;

/**
 * The nullifiers spent on-chain, from the contract's VoteCast logs (both indexed: read from the
 * topics, nothing decoded), caught up at most once a second with one eth_getLogs from the last
 * block seen. A request asks it instead of the node, so a flood of fresh nullifiers costs the
 * node nothing: only a hit (a replay of a spent ballot) is confirmed with nullifierSpentInBlock,
 * and a proof that verifies is checked with that call before it is stored (the index may lag
 * the chain by a second; a reorg may remove an entry's vote, which the confirmation catches).
 * When the logs cannot be read the index says "unknown" and the caller asks the node.
 */
export class SpentIndex {
  private readonly spent = new Map<string, true>();
  private nextBlock = 0;
  private refresh?: { at: number; done: Promise<boolean> };

  constructor(private readonly record: NullifierRecord, private readonly ttlMs = CHAIN_VIEW_TTL_MS) {}

  /** true: VoteCast seen for it; false: not seen up to the last block read; "unknown": the logs cannot be read. */
  async has(electionId: bigint, nullifier: bigint, now = Date.now()): Promise<boolean | "unknown"> {
    if (!this.refresh || now - this.refresh.at >= this.ttlMs) {
      const done = this.catchUp();
      this.refresh = { at: now, done };
    }
    if (!(await this.refresh.done)) return "unknown";
    return this.spent.has(`${electionId}:${nullifier}`);
  }

  private async catchUp(): Promise<boolean> {
    try {
      const { provider, contractAddress, voteCastTopic } = this.record;
      const latest = await provider.getBlockNumber();
      if (latest < this.nextBlock) return true;
      const logs = await provider.getLogs({ address: contractAddress, topics: [voteCastTopic], fromBlock: this.nextBlock, toBlock: latest });
      for (const log of logs) {
        const key = `${BigInt(log.topics[1])}:${BigInt(log.topics[2])}`;
        if (this.spent.size >= SPENT_INDEX_MAX) this.spent.delete(this.spent.keys().next().value!);
        this.spent.set(key, true);
      }
      this.nextBlock = latest + 1;
      return true;
    } catch {
      return false;
    }
  }
}

/**
 * Before the proof: refuse a nullifier that is spent on-chain, asking the node only when the
 * index has seen it spent (or cannot tell), so junk with fresh nullifiers never reaches the node.
 */
export async function checkNullifierNotKnownSpent(index: SpentIndex, record: NullifierRecord, request: { electionId: bigint; nullifier: bigint }): Promise<void> {
  if ((await index.has(request.electionId, request.nullifier)) !== false) await checkNullifierUnspent(record, request);
}

/** One RPC call: has this nullifier voted on-chain? */
export async function checkNullifierUnspent(record: NullifierRecord, request: { electionId: bigint; nullifier: bigint }): Promise<void> {
  let spentInBlock: bigint;
  try {
    spentInBlock = await record.spentInBlock(request.electionId, request.nullifier);
  } catch {
    throw chainUnavailable();
  }
  if (spentInBlock !== 0n) throw new RelayRejection(409, "NULLIFIER_SPENT", describeVoteRejection({ error: "NullifierAlreadySpent", electionId: request.electionId, nullifier: request.nullifier, spentInBlock }));
}

/** The public signals the proof must verify against. */
export function ballotPublicSignals(election: ElectionFacts, request: BallotRequest): bigint[] {
  return publicSignalsArray({ voterRollRoot: election.voterRollRoot, nullifier: request.nullifier, electionScope: election.electionScope, ballot: request.ballot });
}
