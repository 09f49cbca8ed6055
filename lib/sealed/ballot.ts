/**
 * A sealed ballot: one exponential ElGamal ciphertext per option of a 0/1 plaintext, valid if
 * the number of 1s is within the election's [minSelections, maxSelections] (single choice is
 * [1, 1]). The sealed vote circuit proves the same rule; this is the client-side check that
 * refuses to encrypt an invalid ballot in the first place.
 */
import { selectionRangeProblem, type SelectionRule } from "../core/ballot";
import { assertKeyPoint, assertScalar, randomScalar, type Point } from "./babyjub";
import { encrypt, type Ciphertext } from "./elgamal";
import { SealedError } from "./errors";

// The selection rule is one concept for open and sealed elections: it lives in lib/core/ballot.ts.
export { singleChoice, type SelectionRule } from "../core/ballot";

/** The option count the sealed circuit is built for (docs/PROTOCOL.md, "Sealed elections"). */
export const SEALED_MAX_OPTIONS = 8;

export function assertSelectionRule(rule: SelectionRule): void {
  const options = rule?.options;
  if (!Number.isSafeInteger(options) || options < 1 || options > SEALED_MAX_OPTIONS) {
    throw new SealedError("BAD_PARAMETERS", `${String(options)} options: a sealed election has 1 to ${SEALED_MAX_OPTIONS}`);
  }
  // SealedZkBallot accepts max = 0 (its InvalidSelectionRange only checks min <= max <= options).
  const problem = selectionRangeProblem(rule, true);
  if (problem !== undefined) throw new SealedError("BAD_PARAMETERS", problem);
}

/** The 0/1 plaintexts of a ballot that selects the given option indices (0-based). */
export function ballotPlaintexts(rule: SelectionRule, selected: readonly number[]): bigint[] {
  assertSelectionRule(rule);
  const chosen = new Set(selected);
  if (chosen.size !== selected.length) throw new SealedError("BAD_PLAINTEXT", `option selected twice in ${selected.join(", ")}`);
  for (const option of chosen) {
    if (!Number.isSafeInteger(option) || option < 0 || option >= rule.options) throw new SealedError("BAD_PLAINTEXT", `option ${option} is not in [0, ${rule.options})`);
  }
  const plaintexts = Array.from({ length: rule.options }, (_, j) => (chosen.has(j) ? 1n : 0n));
  assertValidPlaintexts(rule, plaintexts);
  return plaintexts;
}

export function assertValidPlaintexts(rule: SelectionRule, plaintexts: readonly bigint[]): void {
  assertSelectionRule(rule);
  if (plaintexts.length !== rule.options) throw new SealedError("BAD_PLAINTEXT", `${plaintexts.length} plaintexts for ${rule.options} options`);
  plaintexts.forEach((m, j) => {
    if (m !== 0n && m !== 1n) throw new SealedError("BAD_PLAINTEXT", `option ${j}'s plaintext ${String(m)} is not 0 or 1`);
  });
  const count = plaintexts.filter((m) => m === 1n).length;
  if (count < rule.minSelections || count > rule.maxSelections) {
    throw new SealedError("BAD_PLAINTEXT", `${count} options selected, the election allows ${rule.minSelections} to ${rule.maxSelections}`);
  }
}

export interface EncryptedBallot {
  readonly ciphertexts: readonly Ciphertext[];
  /** Secret until a Benaloh challenge reveals it; never published for a cast ballot. */
  readonly randomness: readonly bigint[];
}

/** Encrypts a valid ballot, with fresh randomness per option unless given. */
export function encryptBallot(electionKey: Point, rule: SelectionRule, plaintexts: readonly bigint[], randomness?: readonly bigint[]): EncryptedBallot {
  assertKeyPoint(electionKey, "election key");
  assertValidPlaintexts(rule, plaintexts);
  const rs = randomness ? [...randomness] : plaintexts.map(() => randomScalar());
  if (rs.length !== plaintexts.length) throw new SealedError("BAD_PARAMETERS", `${rs.length} randomness values for ${plaintexts.length} options`);
  rs.forEach((r, j) => assertScalar(r, `randomness of option ${j}`, true));
  if (new Set(rs).size !== rs.length) throw new SealedError("BAD_PARAMETERS", "two options share randomness", "c2 differences would reveal the plaintext differences");
  return { ciphertexts: plaintexts.map((m, j) => encrypt(electionKey, m, rs[j])), randomness: rs };
}
