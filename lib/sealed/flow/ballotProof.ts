/**
 * Encrypting and proving a sealed ballot, browser-safe: no Node built-in, no file path. The
 * circuit's wasm and proving key are passed in (file paths in Node: lib/sealed/flow/prover.ts;
 * bytes in a Web Worker: app/src/worker.ts), so the CLI, the demo and the web app encrypt,
 * shape the witness, prove and check the proof's public outputs with the same code.
 */
import { computeNullifier } from "../../core/identity";
import { proveGroth16 } from "../../proving/groth16Prove";
import { toSolidityProof, type SolidityProof } from "../../core/proof";
import type { MerklePath } from "../../core/voterRoll";
import { IDENTITY, addPoints, type Point } from "../babyjub";
import { SEALED_MAX_OPTIONS, ballotPlaintexts, encryptBallot, type EncryptedBallot, type SelectionRule } from "../ballot";
import { sealedVoteInput } from "../circuitInput";
import type { Ciphertext } from "../elgamal";
import { SealedError } from "../errors";

/** The 32 words castVote takes: c1[0..7][x,y] then c2[0..7][x,y]. */
export function ciphertextWords(ciphertexts: readonly Ciphertext[]): bigint[] {
  return [...ciphertexts.flatMap((c) => [c.c1.x, c.c1.y]), ...ciphertexts.flatMap((c) => [c.c2.x, c.c2.y])];
}

/** The ciphertexts back from the 32 words of castVote or a VoteCast event. */
export function ciphertextsFromWords(words: readonly bigint[]): Ciphertext[] {
  if (words.length !== 4 * SEALED_MAX_OPTIONS) throw new SealedError("BAD_PARAMETERS", `${words.length} ciphertext words, expected ${4 * SEALED_MAX_OPTIONS}`);
  const half = 2 * SEALED_MAX_OPTIONS;
  return Array.from({ length: SEALED_MAX_OPTIONS }, (_, j) => ({
    c1: { x: words[2 * j], y: words[2 * j + 1] },
    c2: { x: words[half + 2 * j], y: words[half + 2 * j + 1] },
  }));
}

/**
 * Σ of many ballots' 32 words, point by point (C1[0..7], C2[0..7]) from the encryption of 0, as
 * the contract adds them: the encrypted totals. No point is validated (an auditor sums what the
 * chain holds, valid or not, and compares).
 */
export function sumCiphertextWords(ballots: readonly (readonly bigint[])[]): bigint[] {
  const sums: Point[] = Array.from({ length: 2 * SEALED_MAX_OPTIONS }, () => IDENTITY);
  for (const words of ballots) {
    for (let p = 0; p < sums.length; p++) sums[p] = addPoints(sums[p], { x: words[2 * p], y: words[2 * p + 1] });
  }
  return sums.flatMap((point) => [point.x, point.y]);
}

/** The circuit's rule: the election's, over all 8 circuit options (the unused ones encrypt 0). */
export const circuitRule = (rule: SelectionRule): SelectionRule => ({ ...rule, options: SEALED_MAX_OPTIONS });

/** One plaintext per circuit option: the election's choice, then 0s. */
export function circuitPlaintexts(rule: SelectionRule, selected: readonly number[]): bigint[] {
  const plaintexts = ballotPlaintexts(rule, selected);
  while (plaintexts.length < SEALED_MAX_OPTIONS) plaintexts.push(0n);
  return plaintexts;
}

/** Encrypts `selected` under the election key over all circuit options (fresh randomness unless given). */
export function encryptSealedChoice(electionKey: Point, rule: SelectionRule, selected: readonly number[], randomness?: readonly bigint[]): EncryptedBallot {
  return encryptBallot(electionKey, circuitRule(rule), circuitPlaintexts(rule, selected), randomness);
}

export interface SealedBallotRequest {
  readonly identitySecret: bigint;
  readonly path: MerklePath;
  readonly electionScope: bigint;
  readonly electionKey: Point;
  readonly rule: SelectionRule;
  /** Chosen options (0-based). */
  readonly selected: readonly number[];
  /** Randomness per circuit option: the prepared ballot's (tests, a ballot prepared before casting); fresh otherwise. */
  readonly randomness?: readonly bigint[];
}

export interface ProvenSealedBallot {
  readonly nullifier: bigint;
  readonly ciphertexts: readonly Ciphertext[];
  /** Secret: shown only by a Benaloh challenge, after which this ballot must not be cast. */
  readonly encrypted: EncryptedBallot;
  readonly ciphertextWords: readonly bigint[];
  readonly proof: SolidityProof;
  readonly provingMs: number;
}

/** The circuit's wasm and proving key: file paths (Node) or their bytes (a browser). */
export interface SealedVoteArtifacts {
  readonly wasm: string | Uint8Array;
  readonly zkey: string | Uint8Array;
}

/**
 * Encrypts the choice (all 8 circuit options; the unused ones encrypt 0), proves the ballot with
 * the given artifacts and checks that the circuit's public outputs are the locally computed
 * nullifier and ciphertexts.
 */
export async function proveSealedBallotWith(request: SealedBallotRequest, artifacts: SealedVoteArtifacts, now: () => number = () => Date.now()): Promise<ProvenSealedBallot> {
  const encrypted = encryptSealedChoice(request.electionKey, request.rule, request.selected, request.randomness);
  const plaintexts = circuitPlaintexts(request.rule, request.selected);
  const input = sealedVoteInput({ ...request, plaintexts, randomness: encrypted.randomness }, SEALED_MAX_OPTIONS);
  const started = now();
  const { proof, publicSignals } = await proveGroth16(input, artifacts.wasm, artifacts.zkey);
  const provingMs = Math.round(now() - started);
  const words = ciphertextWords(encrypted.ciphertexts);
  const nullifier = await computeNullifier(request.identitySecret, request.electionScope);
  const signals = publicSignals.map(BigInt);
  if (signals[1] !== nullifier || words.some((w, i) => signals[2 + i] !== w)) {
    throw new SealedError("BAD_PARAMETERS", "the circuit's public outputs differ from the locally computed ballot");
  }
  return { nullifier, ciphertexts: encrypted.ciphertexts, encrypted, ciphertextWords: words, proof: toSolidityProof(proof), provingMs };
}
