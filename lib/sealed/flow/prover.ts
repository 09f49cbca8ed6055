/**
 * Groth16 proving for sealed elections (Node: reads the committed circuits/build/sealed/
 * artifacts). The pure shaping of witnesses is lib/sealed/circuitInput.ts; this module runs
 * snarkjs on it and returns what the contract takes.
 */
import * as fs from "node:fs";

import * as snarkjs from "snarkjs";

import { fromSolidityProof } from "../../core/proof";
import type { MerklePath } from "../../core/voterRoll";
import { artifactPath } from "../../proving/artifacts";
import { toSolidityProof, type SolidityProof } from "../../proving/prover";
import { sealedArtifactFiles, type SealedCircuitName } from "../../proving/sealedCircuits";
import { computeNullifier } from "../../core/identity";
import { IDENTITY, addPoints, multiplyGenerator, pointsEqual, type Point } from "../babyjub";
import { SEALED_MAX_OPTIONS, ballotPlaintexts, encryptBallot, type EncryptedBallot, type SelectionRule } from "../ballot";
import { sealedDecryptionInput, sealedVoteInput } from "../circuitInput";
import { partialDecrypt, type Ciphertext } from "../elgamal";
import { SealedError } from "../errors";

function circuitFiles(name: SealedCircuitName): { wasm: string; zkey: string; verificationKey: string } {
  const files = sealedArtifactFiles(name);
  const paths = { wasm: artifactPath(files.wasm), zkey: artifactPath(files.zkey), verificationKey: artifactPath(files.verificationKey) };
  for (const file of Object.values(paths)) {
    if (!fs.existsSync(file)) throw new SealedError("BAD_PARAMETERS", `${file} not found`, "run `npm run circuits -- --sealed`");
  }
  return paths;
}

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
  const sums: Point[] = Array.from({ length: 4 * SEALED_MAX_OPTIONS / 2 }, () => IDENTITY);
  for (const words of ballots) {
    for (let p = 0; p < sums.length; p++) sums[p] = addPoints(sums[p], { x: words[2 * p], y: words[2 * p + 1] });
  }
  return sums.flatMap((point) => [point.x, point.y]);
}

export interface SealedBallotRequest {
  readonly identitySecret: bigint;
  readonly path: MerklePath;
  readonly electionScope: bigint;
  readonly electionKey: Point;
  readonly rule: SelectionRule;
  /** Chosen options (0-based). */
  readonly selected: readonly number[];
  /** Fixed randomness per circuit option (tests); fresh otherwise. */
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

/** Encrypts the choice (all 8 circuit options; the unused ones encrypt 0) and proves the ballot. */
export async function proveSealedBallot(request: SealedBallotRequest): Promise<ProvenSealedBallot> {
  const plaintexts = [...ballotPlaintexts(request.rule, request.selected)];
  while (plaintexts.length < SEALED_MAX_OPTIONS) plaintexts.push(0n);
  const circuitRule = { ...request.rule, options: SEALED_MAX_OPTIONS };
  const encrypted = encryptBallot(request.electionKey, circuitRule, plaintexts, request.randomness);
  const input = sealedVoteInput({ ...request, plaintexts, randomness: encrypted.randomness }, SEALED_MAX_OPTIONS);
  const { wasm, zkey } = circuitFiles("sealedVote");
  const started = Date.now();
  const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, wasm, zkey);
  const provingMs = Date.now() - started;
  const words = ciphertextWords(encrypted.ciphertexts);
  const nullifier = await computeNullifier(request.identitySecret, request.electionScope);
  const signals = publicSignals.map(BigInt);
  if (signals[1] !== nullifier || words.some((w, i) => signals[2 + i] !== w)) {
    throw new SealedError("BAD_PARAMETERS", "the circuit's public outputs differ from the locally computed ballot");
  }
  return { nullifier, ciphertexts: encrypted.ciphertexts, encrypted, ciphertextWords: words, proof: toSolidityProof(proof), provingMs };
}

export interface ProvenDecryption {
  /** D_ij for the 8 options, option order. */
  readonly partials: readonly Point[];
  /** The 16 words postPartialDecryption takes. */
  readonly partialWords: readonly bigint[];
  readonly proof: SolidityProof;
  readonly provingMs: number;
}

/** Trustee's partial decryption of the 8 c1 totals with its Groth16 proof against shareKey. */
export async function proveSealedDecryption(share: bigint, shareKey: Point, c1Totals: readonly Point[]): Promise<ProvenDecryption> {
  if (!pointsEqual(multiplyGenerator(share), shareKey)) throw new SealedError("BAD_SHARE", "the secret share does not match the trustee's share key on chain", "use this election's trustee key file");
  const partials = c1Totals.map((c1) => partialDecrypt(share, { c1, c2: c1 }));
  const input = sealedDecryptionInput({ share, shareKey, c1Totals, partials });
  const { wasm, zkey } = circuitFiles("sealedDecryption");
  const started = Date.now();
  const { proof } = await snarkjs.groth16.fullProve(input, wasm, zkey);
  return { partials, partialWords: partials.flatMap((p) => [p.x, p.y]), proof: toSolidityProof(proof), provingMs: Date.now() - started };
}

const verificationKeys = new Map<SealedCircuitName, Record<string, unknown>>();

/** The committed verification key of a sealed circuit (read once). */
export function sealedVerificationKey(name: SealedCircuitName): Record<string, unknown> {
  let key = verificationKeys.get(name);
  if (key === undefined) {
    key = JSON.parse(fs.readFileSync(circuitFiles(name).verificationKey, "utf8")) as Record<string, unknown>;
    verificationKeys.set(name, key);
  }
  return key;
}

/**
 * snarkjs's verdict on a sealed proof in the contract's encoding (8 words) with the given public
 * signals (lib/sealed/circuitInput.ts sealedVoteSignals, sealedDecryptionSignals); a malformed
 * proof is false, not an exception.
 */
export async function verifySealedProof(name: SealedCircuitName, signals: readonly bigint[], proof: readonly bigint[], verificationKey: Record<string, unknown> = sealedVerificationKey(name)): Promise<boolean> {
  try {
    return await snarkjs.groth16.verify(verificationKey, signals.map(String), fromSolidityProof(proof));
  } catch {
    return false;
  }
}
