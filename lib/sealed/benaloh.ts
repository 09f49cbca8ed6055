/**
 * Benaloh challenge (cast-as-intended). The voter's device commits to an encrypted ballot; the
 * voter either casts it or challenges it. A challenged ballot's randomness is revealed, and an
 * independent verifier (this function, on another device) recomputes every ciphertext from the
 * election key, the claimed choice and that randomness. A challenged ballot is then spoiled,
 * never cast: its randomness is public, so casting it would publish the vote.
 */
import { assertKeyPoint, pointsEqual, type Point } from "./babyjub";
import { assertValidPlaintexts, type SelectionRule } from "./ballot";
import { assertCiphertext, encrypt, type Ciphertext } from "./elgamal";
import { SealedError } from "./errors";

export interface BenalohChallenge {
  readonly electionKey: Point;
  readonly rule: SelectionRule;
  /** What the device showed before the voter asked to challenge. */
  readonly ciphertexts: readonly Ciphertext[];
  /** Revealed by the device after the challenge. */
  readonly randomness: readonly bigint[];
  /** What the voter meant to choose, one 0/1 per option. */
  readonly plaintexts: readonly bigint[];
}

export interface BenalohResult {
  /** True only if every option's ciphertext re-encrypts exactly. */
  readonly matches: boolean;
  /** Options whose ciphertext does not encrypt the claimed plaintext with the revealed r. */
  readonly mismatchedOptions: readonly number[];
}

export function verifyBenalohChallenge(challenge: BenalohChallenge): BenalohResult {
  assertKeyPoint(challenge.electionKey, "election key");
  assertValidPlaintexts(challenge.rule, challenge.plaintexts);
  const { ciphertexts, randomness, plaintexts } = challenge;
  if (ciphertexts.length !== plaintexts.length || randomness.length !== plaintexts.length) {
    throw new SealedError("BAD_PARAMETERS", `${ciphertexts.length} ciphertexts and ${randomness.length} randomness values for ${plaintexts.length} options`);
  }
  ciphertexts.forEach((c, j) => assertCiphertext(c, `ciphertext of option ${j}`));
  const mismatchedOptions: number[] = [];
  plaintexts.forEach((m, j) => {
    const expected = encrypt(challenge.electionKey, m, randomness[j]);
    if (!pointsEqual(expected.c1, ciphertexts[j].c1) || !pointsEqual(expected.c2, ciphertexts[j].c2)) mismatchedOptions.push(j);
  });
  return { matches: mismatchedOptions.length === 0, mismatchedOptions };
}
