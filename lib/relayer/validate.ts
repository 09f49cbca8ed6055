/**
 * Everything the relayer checks before it accepts a ballot, so that it never spends gas on a
 * ballot the contract would refuse. Each refusal has an HTTP status and a stable code.
 */
import type { ZkBallot } from "../../typechain-types";
import { computeElectionScope, decodeContractRevert, Phase } from "../chain/election";
import { ZkBallotError } from "../core/errors";
import { parseFieldElement } from "../core/field";
import { checkVotingOpen, describeVoteRejection, singleChoiceOption } from "../core/rules";
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

const FIELDS = ["electionId", "ballot", "nullifier", "proof"];

/** Schema and field checks: the request's shape, and every number within its field. */
export function parseBallotRequest(body: unknown): BallotRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new RelayRejection(400, "INVALID_REQUEST", "the body must be a JSON object");
  const record = body as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!FIELDS.includes(key)) throw new RelayRejection(400, "INVALID_REQUEST", `unknown field ${JSON.stringify(key)}`);
  }
  for (const key of FIELDS) {
    if (record[key] === undefined) throw new RelayRejection(400, "INVALID_REQUEST", `missing field ${key}`);
  }
  const electionId = record.electionId;
  if (typeof electionId !== "string" || !/^[1-9][0-9]{0,18}$/.test(electionId)) {
    throw new RelayRejection(400, "INVALID_REQUEST", "electionId must be a positive integer as a decimal string");
  }
  try {
    if (typeof record.ballot !== "string" || typeof record.nullifier !== "string") throw new ZkBallotError("INVALID_FIELD_ELEMENT", "ballot and nullifier must be strings");
    if (!Array.isArray(record.proof) || !record.proof.every((value) => typeof value === "string")) throw new ZkBallotError("INVALID_PROOF", "proof must be an array of 8 strings");
    return {
      electionId: BigInt(electionId),
      ballot: parseFieldElement(record.ballot, "ballot"),
      nullifier: parseFieldElement(record.nullifier, "nullifier"),
      proof: parseSolidityProof(record.proof as string[]),
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
 * share one read (single flight). A failed read is not cached.
 */
export class ChainView {
  private readonly elections = new Map<string, { at: number; facts: Promise<ElectionFacts | "not-found"> }>();
  private clock?: { at: number; timestamp: Promise<bigint> };

  constructor(private readonly context: ChainContext, private readonly ttlMs = CHAIN_VIEW_TTL_MS) {}

  election(electionId: bigint, now = Date.now()): Promise<ElectionFacts | "not-found"> {
    const key = electionId.toString();
    const cached = this.elections.get(key);
    if (cached && now - cached.at < this.ttlMs) return cached.facts;
    const facts = this.readElection(electionId);
    this.elections.delete(key);
    if (this.elections.size >= CHAIN_VIEW_MAX_ELECTIONS) this.elections.delete(this.elections.keys().next().value!);
    this.elections.set(key, { at: now, facts });
    facts.catch(() => this.elections.get(key)?.facts === facts && this.elections.delete(key));
    return facts;
  }

  private async readElection(electionId: bigint): Promise<ElectionFacts | "not-found"> {
    try {
      const election = await this.context.zkBallot.getElection(electionId);
      return {
        phase: Number(election.phase) as Phase,
        numOptions: Number(election.numOptions),
        votingStartsAt: election.votingStartsAt,
        votingEndsAt: election.votingEndsAt,
        voterRollRoot: election.voterRollRoot,
        electionScope: computeElectionScope(this.context.chainId, this.context.contractAddress, electionId),
      };
    } catch (error) {
      if (decodeContractRevert(error)?.name === "ElectionNotFound") return "not-found";
      throw chainUnavailable();
    }
  }

  /** The latest block's timestamp: the contract's notion of now. */
  chainTime(now = Date.now()): Promise<bigint> {
    if (this.clock && now - this.clock.at < this.ttlMs) return this.clock.timestamp;
    const timestamp = (async () => {
      const latest = await this.context.zkBallot.runner!.provider!.getBlock("latest");
      if (!latest) throw chainUnavailable();
      return BigInt(latest.timestamp);
    })();
    this.clock = { at: now, timestamp };
    timestamp.catch(() => this.clock?.timestamp === timestamp && (this.clock = undefined));
    return timestamp;
  }
}

function chainUnavailable(): RelayRejection {
  return new RelayRejection(503, "CHAIN_UNAVAILABLE", "the relayer cannot read the chain right now; retry later", 5);
}

/** The cheap checks (no proof verification, cached chain reads): election exists, is voting, window open, ballot in range. */
export async function checkBallotCheaply(view: ChainView, request: BallotRequest): Promise<ElectionFacts> {
  const election = await view.election(request.electionId);
  if (election === "not-found") throw new RelayRejection(404, "ELECTION_NOT_FOUND", describeVoteRejection({ error: "ElectionNotFound", electionId: request.electionId }));
  // The phase is judged before the clock is read, so a closed election costs no block lookup.
  const phaseOnly = checkVotingOpen(request.electionId, { ...election, votingStartsAt: 0n, votingEndsAt: 0n }, 0n);
  const closed = phaseOnly ?? checkVotingOpen(request.electionId, election, await view.chainTime());
  if (closed) throw new RelayRejection(409, "ELECTION_NOT_VOTING", describeVoteRejection(closed));
  if (singleChoiceOption(request.ballot, election.numOptions) === undefined) {
    throw new RelayRejection(422, "INVALID_BALLOT", describeVoteRejection({ error: "InvalidBallot", electionId: request.electionId, ballot: request.ballot, numOptions: election.numOptions }));
  }
  return election;
}

/** One RPC call: has this nullifier voted on-chain? */
export async function checkNullifierUnspent(context: ChainContext, request: BallotRequest): Promise<void> {
  let spentInBlock: bigint;
  try {
    spentInBlock = await context.zkBallot.nullifierSpentInBlock(request.electionId, request.nullifier);
  } catch {
    throw chainUnavailable();
  }
  if (spentInBlock !== 0n) throw new RelayRejection(409, "NULLIFIER_SPENT", describeVoteRejection({ error: "NullifierAlreadySpent", electionId: request.electionId, nullifier: request.nullifier, spentInBlock }));
}

/** The public signals the proof must verify against. */
export function ballotPublicSignals(election: ElectionFacts, request: BallotRequest): bigint[] {
  return publicSignalsArray({ voterRollRoot: election.voterRollRoot, nullifier: request.nullifier, electionScope: election.electionScope, ballot: request.ballot });
}
