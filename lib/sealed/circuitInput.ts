/**
 * Inputs and public-signal layout of circuits/sealedVote.circom and
 * circuits/sealedDecryption.circom. Pure data shaping, checked with the same rules the
 * circuits enforce, so a prover is never handed a witness the circuit would refuse.
 */
import type { MerklePath } from "../core/voterRoll";
import { assertKeyPoint, assertScalar, assertSubgroupPoint, type Point } from "./babyjub";
import { assertValidPlaintexts, type SelectionRule } from "./ballot";
import { SealedError } from "./errors";

export type CircuitInput = Record<string, string | string[] | string[][]>;

/** Public signals of the sealed vote circuit, in order: outputs, then public inputs. */
export function sealedVotePublicSignalNames(options: number): string[] {
  const coordinates = (name: string) => Array.from({ length: options }, (_, j) => [`${name}[${j}][0]`, `${name}[${j}][1]`]).flat();
  return [
    "voterRollRoot",
    "nullifier",
    ...coordinates("c1"),
    ...coordinates("c2"),
    "electionScope",
    "electionKey[0]",
    "electionKey[1]",
    "minSelections",
    "maxSelections",
    "numOptions",
  ];
}

/**
 * Public signals of the decryption circuit (all inputs): shareKey, then c1Totals, then
 * partials, in option order.
 */
export function sealedDecryptionPublicSignalNames(options: number): string[] {
  const coordinates = (name: string) => Array.from({ length: options }, (_, j) => [`${name}[${j}][0]`, `${name}[${j}][1]`]).flat();
  return ["shareKey[0]", "shareKey[1]", ...coordinates("c1Totals"), ...coordinates("partials")];
}

export interface SealedVoteWitnessRequest {
  readonly identitySecret: bigint;
  readonly path: MerklePath;
  readonly electionScope: bigint;
  readonly electionKey: Point;
  readonly rule: SelectionRule;
  /** One per circuit option: the election's options, then 0s up to the circuit's size. */
  readonly plaintexts: readonly bigint[];
  readonly randomness: readonly bigint[];
}

/**
 * The witness input for a sealed ballot. The circuit has a fixed number of options; an
 * election with fewer fills the rest with plaintext 0 (still encrypted, so the ballot does
 * not reveal how many options an election has beyond what the contract already says).
 */
export function sealedVoteInput(request: SealedVoteWitnessRequest, circuitOptions: number): CircuitInput {
  const { plaintexts, randomness, rule } = request;
  if (plaintexts.length !== circuitOptions || randomness.length !== circuitOptions) {
    throw new SealedError("BAD_PARAMETERS", `the circuit has ${circuitOptions} options; got ${plaintexts.length} plaintexts and ${randomness.length} randomness values`);
  }
  assertValidPlaintexts({ ...rule, options: rule.options }, plaintexts.slice(0, rule.options));
  if (plaintexts.slice(rule.options).some((m) => m !== 0n)) throw new SealedError("BAD_PLAINTEXT", "options beyond the election's must be 0");
  randomness.forEach((r, j) => assertScalar(r, `randomness of option ${j}`, true));
  assertKeyPoint(request.electionKey, "election key");
  return {
    identitySecret: request.identitySecret.toString(),
    pathIndices: request.path.pathIndices.map(String),
    siblings: request.path.siblings.map(String),
    plaintexts: plaintexts.map(String),
    randomness: randomness.map(String),
    electionScope: request.electionScope.toString(),
    electionKey: [request.electionKey.x.toString(), request.electionKey.y.toString()],
    minSelections: String(rule.minSelections),
    maxSelections: String(rule.maxSelections),
    numOptions: String(rule.options),
  };
}

export interface SealedDecryptionWitnessRequest {
  readonly share: bigint;
  readonly shareKey: Point;
  readonly c1Totals: readonly Point[];
  readonly partials: readonly Point[];
}

export function sealedDecryptionInput(request: SealedDecryptionWitnessRequest): CircuitInput {
  assertScalar(request.share, "secret share", true);
  assertKeyPoint(request.shareKey, "share key");
  if (request.c1Totals.length !== request.partials.length) throw new SealedError("BAD_PARAMETERS", `${request.c1Totals.length} totals and ${request.partials.length} partial decryptions`);
  request.c1Totals.forEach((p, j) => assertSubgroupPoint(p, `c1 total of option ${j}`));
  request.partials.forEach((p, j) => assertSubgroupPoint(p, `partial decryption of option ${j}`));
  const pair = (p: Point) => [p.x.toString(), p.y.toString()];
  return {
    share: request.share.toString(),
    shareKey: pair(request.shareKey),
    c1Totals: request.c1Totals.map(pair),
    partials: request.partials.map(pair),
  };
}

/** The sealed vote proof's public signals as castVote supplies them (sealedVotePublicSignalNames order). */
export function sealedVoteSignals(values: {
  readonly voterRollRoot: bigint;
  readonly nullifier: bigint;
  /** c1[0..7][x,y] then c2[0..7][x,y]. */
  readonly ciphertextWords: readonly bigint[];
  readonly electionScope: bigint;
  readonly electionKey: Point;
  readonly minSelections: number;
  readonly maxSelections: number;
  /** The election's options (the circuit's beyond them must encrypt 0). */
  readonly numOptions: number;
}): bigint[] {
  return [values.voterRollRoot, values.nullifier, ...values.ciphertextWords, values.electionScope, values.electionKey.x, values.electionKey.y, BigInt(values.minSelections), BigInt(values.maxSelections), BigInt(values.numOptions)];
}

/** The decryption proof's public signals as postPartialDecryption supplies them: shareKey, the 16 c1 words, the 16 partial words. */
export function sealedDecryptionSignals(shareKey: Point, c1Words: readonly bigint[], partialWords: readonly bigint[]): bigint[] {
  return [shareKey.x, shareKey.y, ...c1Words, ...partialWords];
}
