/**
 * Everything the relayer checks before it accepts a ballot, so that it never spends gas on a
 * ballot the contract would refuse. Each refusal has an HTTP status and a stable code.
 */
import type { ZkBallot } from "../../typechain-types";
import { decodeSingleChoiceBallot } from "../ballot";
import { computeElectionScope, decodeContractRevert, Phase } from "../election";
import { ZkBallotError } from "../errors";
import { parseFieldElement } from "../field";
import { parseSolidityProof, verifyVoteProof } from "../prover";

export class RelayRejection extends Error {
  constructor(
    readonly statusCode: 400 | 404 | 409 | 422 | 429 | 503,
    readonly code: string,
    message: string,
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

/** The checks that need the chain: election phase and window, ballot range, nullifier unspent, proof valid. */
export async function checkBallotAgainstChain(context: ChainContext, request: BallotRequest): Promise<void> {
  const { zkBallot } = context;
  let election: Awaited<ReturnType<ZkBallot["getElection"]>>;
  try {
    election = await zkBallot.getElection(request.electionId);
  } catch (error) {
    if (decodeContractRevert(error)?.name === "ElectionNotFound") {
      throw new RelayRejection(404, "ELECTION_NOT_FOUND", `election ${request.electionId} does not exist`);
    }
    throw new RelayRejection(503, "CHAIN_UNAVAILABLE", "the relayer cannot read the chain right now; retry later");
  }
  if (Number(election.phase) !== Phase.Voting) {
    throw new RelayRejection(409, "ELECTION_NOT_VOTING", `election ${request.electionId} is in phase ${Phase[Number(election.phase)]}, not Voting`);
  }
  const latest = await zkBallot.runner!.provider!.getBlock("latest");
  const now = BigInt(latest?.timestamp ?? Math.floor(Date.now() / 1000));
  if (now < election.votingStartsAt) throw new RelayRejection(409, "ELECTION_NOT_VOTING", `voting in election ${request.electionId} starts at ${election.votingStartsAt}`);
  if (election.votingEndsAt !== 0n && now >= election.votingEndsAt) throw new RelayRejection(409, "ELECTION_NOT_VOTING", `voting in election ${request.electionId} ended at ${election.votingEndsAt}`);
  try {
    decodeSingleChoiceBallot(request.ballot, Number(election.numOptions));
  } catch (error) {
    throw new RelayRejection(422, "INVALID_BALLOT", (error as Error).message);
  }
  const spentInBlock = await zkBallot.nullifierSpentInBlock(request.electionId, request.nullifier);
  if (spentInBlock !== 0n) throw new RelayRejection(409, "NULLIFIER_SPENT", `this nullifier already voted in block ${spentInBlock}`);
  const electionScope = computeElectionScope(context.chainId, context.contractAddress, request.electionId);
  const valid = await verifyVoteProof({ voterRollRoot: election.voterRollRoot, nullifier: request.nullifier, electionScope, ballot: request.ballot }, request.proof, context.verificationKey);
  if (!valid) throw new RelayRejection(422, "INVALID_PROOF", "the proof does not verify for this election's roll root, scope, nullifier and ballot");
}
