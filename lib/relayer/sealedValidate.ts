/**
 * What the relayer checks before it accepts a sealed ballot (POST /v1/sealed-ballots), so that
 * it never spends gas on a ballot SealedZkBallot.castVotes would skip. The open route's pieces
 * are reused (validate.ts: ChainView, SpentIndex, RelayRejection, the schema refusals); what is
 * sealed is here: the body's 32 ciphertext words, the Baby Jubjub check of every point, the
 * election's facts (key, selection rule, roll root) and the public signals the contract builds.
 */
import type { SealedZkBallot } from "../../typechain-types";
import { computeElectionScope, decodeContractRevert, Phase } from "../chain/election";
import type { ZkBallotError } from "../core/errors";
import { parseFieldElement } from "../core/field";
import { parseSolidityProof } from "../proving/prover";
import { isOnCurve, type Point } from "../sealed/babyjub";
import { SEALED_MAX_OPTIONS } from "../sealed/ballot";
import { sealedVoteSignals } from "../sealed/circuitInput";
import { verifyGroth16Proofs, type Groth16ProofItem } from "../proving/batchVerify";
import { onG1, ProofPoolFull } from "./proofPool";
import { ChainView, chainUnavailable, checkElectionVoting, type NullifierRecord, RelayRejection } from "./validate";

/** Words castVote takes for the ciphertexts: c1[0..7][x,y] then c2[0..7][x,y]. */
export const SEALED_CIPHERTEXT_WORDS = 4 * SEALED_MAX_OPTIONS;

export interface SealedChainContext {
  sealed: SealedZkBallot;
  chainId: bigint;
  contractAddress: string;
  /** The sealed vote circuit's verification key (lib/sealed/flow/prover.ts sealedVerificationKey). */
  verificationKey: Record<string, unknown>;
}

export interface SealedBallotRequest {
  electionId: bigint;
  nullifier: bigint;
  ciphertexts: bigint[];
  proof: bigint[];
}

/** POST /v1/sealed-ballots as the client sends it: the shape the route schema guarantees. */
export interface SealedBallotRequestBody {
  electionId: string;
  nullifier: string;
  ciphertexts: string[];
  proof: string[];
}

/** The route schema (Fastify's ajv), like BALLOT_REQUEST_SCHEMA; field ranges are checked after it (parseSealedBallotRequest). */
export const SEALED_BALLOT_REQUEST_SCHEMA = {
  type: "object",
  additionalProperties: false,
  required: ["electionId", "nullifier", "ciphertexts", "proof"],
  properties: {
    electionId: { type: "string", pattern: "^[1-9][0-9]{0,18}$" },
    nullifier: { type: "string" },
    ciphertexts: { type: "array", minItems: SEALED_CIPHERTEXT_WORDS, maxItems: SEALED_CIPHERTEXT_WORDS, items: { type: "string" } },
    proof: { type: "array", minItems: 8, maxItems: 8, items: { type: "string" } },
  },
} as const;

/** The 16 points of the 32 words, c1 of options 0..7 then c2 of options 0..7. */
function pointsOf(words: readonly bigint[]): Point[] {
  return Array.from({ length: words.length / 2 }, (_, p) => ({ x: words[2 * p], y: words[2 * p + 1] }));
}

/**
 * Field checks on a body the schema accepted (every word canonical below r, the proof below q),
 * then every ciphertext point on Baby Jubjub: a point off the curve can never be a circuit
 * output, so it is refused (INVALID_CIPHERTEXT) before any chain read or proof verification.
 */
export function parseSealedBallotRequest(body: SealedBallotRequestBody): SealedBallotRequest {
  let request: SealedBallotRequest;
  try {
    request = {
      electionId: BigInt(body.electionId),
      nullifier: parseFieldElement(body.nullifier, "nullifier"),
      ciphertexts: body.ciphertexts.map((word, i) => parseFieldElement(word, `ciphertexts[${i}]`)),
      proof: parseSolidityProof(body.proof),
    };
  } catch (error) {
    throw new RelayRejection(400, (error as ZkBallotError).code ?? "INVALID_REQUEST", (error as Error).message);
  }
  const off = pointsOf(request.ciphertexts).findIndex((point) => !isOnCurve(point));
  if (off >= 0) {
    const half = SEALED_MAX_OPTIONS;
    const name = off < half ? `c1 of option ${off}` : `c2 of option ${off - half}`;
    throw new RelayRejection(422, "INVALID_CIPHERTEXT", `ciphertexts[${2 * off}], ciphertexts[${2 * off + 1}] (${name}) is not a point on Baby Jubjub`);
  }
  return request;
}

/** What the checks and the proof's public signals need of a sealed election. */
export interface SealedElectionFacts {
  phase: Phase;
  numOptions: number;
  minSelections: number;
  maxSelections: number;
  votingStartsAt: bigint;
  votingEndsAt: bigint;
  /** 0 until voting opens. */
  voterRollRoot: bigint;
  electionKey: Point;
  electionScope: bigint;
}

type FixedFacts = Omit<SealedElectionFacts, "phase">;
/** SealedZkBallot's phase after Closed (ISealedZkBallot.Phase.Tallied), which the open contract has not. */
const SEALED_PHASE_TALLIED = 4;
/** Elections whose fixed facts (rule, window, key, root) are remembered at most; the oldest makes room. */
const FIXED_FACTS_MAX = 1_024;

/**
 * A sealed election's facts: the phase from getElection (every read), and what no longer changes
 * once voting is open (the rule and window from ElectionCreated, the root from VotingOpened, the
 * key) read from the events once and remembered, so the cached view costs one call a second.
 */
export function readSealedElection(context: SealedChainContext): (electionId: bigint) => Promise<SealedElectionFacts | "not-found"> {
  const fixed = new Map<string, FixedFacts>();
  return async (electionId) => {
    try {
      const [phase, numOptions, , key] = await context.sealed.getElection(electionId);
      const known = fixed.get(electionId.toString());
      if (known !== undefined) return { ...known, phase: Number(phase) as Phase };
      if (Number(phase) !== Phase.Voting) {
        // Not voting: refused on the phase alone, before any event is read.
        return { phase: Number(phase) as Phase, numOptions: Number(numOptions), minSelections: 0, maxSelections: 0, votingStartsAt: 0n, votingEndsAt: 0n, voterRollRoot: 0n, electionKey: { x: key[0], y: key[1] }, electionScope: 0n };
      }
      const [created] = await context.sealed.queryFilter(context.sealed.filters.ElectionCreated(electionId));
      const [opened] = await context.sealed.queryFilter(context.sealed.filters.VotingOpened(electionId));
      if (created === undefined || opened === undefined) throw chainUnavailable();
      const config = created.args.config;
      const facts: FixedFacts = {
        numOptions: Number(numOptions),
        minSelections: Number(config.minSelections),
        maxSelections: Number(config.maxSelections),
        votingStartsAt: config.votingStartsAt,
        votingEndsAt: config.votingEndsAt,
        voterRollRoot: opened.args.voterRollRoot,
        electionKey: { x: key[0], y: key[1] },
        electionScope: computeElectionScope(context.chainId, context.contractAddress, electionId),
      };
      if (fixed.size >= FIXED_FACTS_MAX) fixed.delete(fixed.keys().next().value!);
      fixed.set(electionId.toString(), facts);
      return { ...facts, phase: Number(phase) as Phase };
    } catch (error) {
      if (error instanceof RelayRejection) throw error;
      if (decodeContractRevert(error, context.sealed.interface)?.name === "ElectionNotFound") return "not-found";
      throw chainUnavailable();
    }
  };
}

export function sealedChainView(context: SealedChainContext): ChainView<SealedElectionFacts> {
  return new ChainView(context.sealed.runner!.provider!, readSealedElection(context));
}

export function sealedNullifierRecord(context: SealedChainContext): NullifierRecord {
  return {
    provider: context.sealed.runner!.provider!,
    contractAddress: context.contractAddress,
    voteCastTopic: context.sealed.interface.getEvent("VoteCast").topicHash,
    spentInBlock: (electionId, nullifier) => context.sealed.nullifierSpentInBlock(electionId, nullifier),
  };
}

/** The cheap checks of a sealed ballot (cached chain reads, no proof): the election exists, is sealed here, is voting, its window is open. */
export async function checkSealedBallotCheaply(view: ChainView<SealedElectionFacts>, request: SealedBallotRequest): Promise<SealedElectionFacts> {
  const election = await view.election(request.electionId); // cached: checkElectionVoting reads the same entry
  if (election !== "not-found" && Number(election.phase) === SEALED_PHASE_TALLIED) {
    throw new RelayRejection(409, "ELECTION_NOT_VOTING", `election ${request.electionId} is in phase Tallied, not Voting`);
  }
  return checkElectionVoting(view, request.electionId);
}

/** The public signals SealedZkBallot._verifyBallot builds for this ballot (circuit order). */
export function sealedBallotPublicSignals(election: SealedElectionFacts, request: SealedBallotRequest): bigint[] {
  return sealedVoteSignals({ voterRollRoot: election.voterRollRoot, nullifier: request.nullifier, ciphertextWords: request.ciphertexts, electionScope: election.electionScope, electionKey: election.electionKey, minSelections: election.minSelections, maxSelections: election.maxSelections, numOptions: election.numOptions });
}

/**
 * The one place sealed proofs are verified. Requests that arrive together are verified together:
 * the first waits at most `windowMs` (or until `batchSize` have come) and then the lot go through
 * lib/proving/batchVerify.ts verifyGroth16Proofs, whose randomised check runs on the mcl worker
 * threads (about one pairing a proof, off the event loop); a batch that fails is split, and
 * every false is snarkjs's verdict. Bounded: at most `maxQueued` proofs at once, beyond that
 * ProofPoolFull (503 with Retry-After); A or C off BN254's G1 is refused without a pairing.
 */
export class SealedProofVerifier {
  private inFlight = 0;
  private pending: { item: Groth16ProofItem; resolve(valid: boolean): void; reject(error: unknown): void }[] = [];
  private timer: NodeJS.Timeout | undefined;
  readonly stats = { verified: 0, refusedFull: 0, batches: 0 };

  constructor(
    private readonly verificationKey: Record<string, unknown>,
    readonly maxQueued = 16,
    private readonly windowMs = 5,
    private readonly batchSize = 16,
  ) {}

  get load(): number {
    return this.inFlight;
  }

  async verify(publicSignals: readonly bigint[], proof: readonly bigint[]): Promise<boolean> {
    if (this.inFlight >= this.maxQueued) {
      this.stats.refusedFull++;
      throw new ProofPoolFull(1);
    }
    this.stats.verified++;
    if (!onG1(proof[0], proof[1]) || !onG1(proof[6], proof[7])) return false;
    this.inFlight++;
    try {
      return await new Promise<boolean>((resolve, reject) => {
        this.pending.push({ item: { signals: publicSignals, proof }, resolve, reject });
        if (this.pending.length >= this.batchSize) this.flush();
        else this.timer ??= setTimeout(() => this.flush(), this.windowMs);
      });
    } finally {
      this.inFlight--;
    }
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    this.stats.batches++;
    verifyGroth16Proofs(batch.map((entry) => entry.item), this.verificationKey).then(
      ({ results }) => batch.forEach((entry, i) => entry.resolve(results[i])),
      (error: unknown) => batch.forEach((entry) => entry.reject(error)),
    );
  }
}
