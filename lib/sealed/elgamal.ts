/**
 * Exponential ElGamal on Baby Jubjub: Enc(m; r) = (r·G, m·G + r·K) under the election key K.
 * Ciphertexts add: Enc(a; r) + Enc(b; s) = Enc(a + b; r + s), which is how the contract keeps
 * encrypted running totals. Decryption by k trustees: each posts D_i = x_i·c1 for its share x_i
 * of the election secret; m·G = c2 − Σ λ_i·D_i with Lagrange coefficients at 0; m is then a
 * small discrete log (bsgs.ts).
 */
import {
  IDENTITY,
  SUBGROUP_ORDER,
  addPoints,
  assertKeyPoint,
  assertScalar,
  assertSubgroupPoint,
  invert,
  modOrder,
  multiplyGenerator,
  multiplyPoint,
  randomScalar,
  subtractPoints,
  sumPoints,
  type Point,
} from "./babyjub";
import { SealedError } from "./errors";

export interface Ciphertext {
  readonly c1: Point;
  readonly c2: Point;
}

export const ZERO_CIPHERTEXT: Ciphertext = Object.freeze({ c1: IDENTITY, c2: IDENTITY });

export function assertCiphertext(value: unknown, what: string): asserts value is Ciphertext {
  const candidate = value as Partial<Ciphertext> | null;
  if (candidate === null || typeof candidate !== "object") throw new SealedError("NOT_ON_CURVE", `${what} is not a ciphertext {c1, c2}`);
  assertSubgroupPoint(candidate.c1, `${what}.c1`);
  assertSubgroupPoint(candidate.c2, `${what}.c2`);
}

/**
 * Encrypts a non-negative integer plaintext with randomness r in [1, l). r = 0 is refused:
 * it would publish m·G in the clear.
 */
export function encrypt(electionKey: Point, plaintext: bigint, randomness: bigint = randomScalar()): Ciphertext {
  assertKeyPoint(electionKey, "election key");
  if (typeof plaintext !== "bigint" || plaintext < 0n || plaintext >= SUBGROUP_ORDER) {
    throw new SealedError("BAD_PLAINTEXT", `plaintext ${String(plaintext)} is not an integer in [0, l)`);
  }
  assertScalar(randomness, "encryption randomness", true);
  return {
    c1: multiplyGenerator(randomness),
    c2: addPoints(multiplyGenerator(plaintext), multiplyPoint(electionKey, randomness)),
  };
}

/** Homomorphic addition of two ciphertexts (both validated). */
export function addCiphertexts(a: Ciphertext, b: Ciphertext): Ciphertext {
  assertCiphertext(a, "first ciphertext");
  assertCiphertext(b, "second ciphertext");
  return { c1: addPoints(a.c1, b.c1), c2: addPoints(a.c2, b.c2) };
}

/** Σ of many ciphertexts, validated once each; the sum of none is the encryption of 0 with r = 0. */
export function sumCiphertexts(ciphertexts: readonly Ciphertext[]): Ciphertext {
  ciphertexts.forEach((ciphertext, i) => assertCiphertext(ciphertext, `ciphertext ${i}`));
  return { c1: sumPoints(ciphertexts.map((c) => c.c1)), c2: sumPoints(ciphertexts.map((c) => c.c2)) };
}

/** Per-option totals of many ballots (each ballot a ciphertext per option). */
export function tallyCiphertexts(ballots: readonly (readonly Ciphertext[])[], options: number): Ciphertext[] {
  ballots.forEach((ballot, i) => {
    if (ballot.length !== options) throw new SealedError("BAD_PARAMETERS", `ballot ${i} has ${ballot.length} ciphertexts, expected ${options}`);
  });
  return Array.from({ length: options }, (_, j) => sumCiphertexts(ballots.map((ballot) => ballot[j])));
}

/** Trustee i's partial decryption D = x_i·c1 of one ciphertext. */
export function partialDecrypt(secretShare: bigint, ciphertext: Ciphertext): Point {
  assertScalar(secretShare, "secret share", true);
  assertCiphertext(ciphertext, "ciphertext");
  return multiplyPoint(ciphertext.c1, secretShare);
}

/** A trustee's partial decryption with the trustee's index (its x in the sharing polynomial). */
export interface PartialDecryption {
  readonly trustee: number;
  readonly partial: Point;
}

export function assertTrusteeIndex(index: unknown, trustees: number, what = "trustee index"): asserts index is number {
  if (typeof index !== "number" || !Number.isSafeInteger(index) || index < 1 || index > trustees) {
    throw new SealedError("BAD_PARAMETERS", `${what} ${String(index)} is not an integer in [1, ${trustees}]`);
  }
}

/**
 * Lagrange coefficients at 0 for the given distinct indices, mod l:
 * λ_i = Π_{j≠i} j / (j − i).
 */
export function lagrangeCoefficientsAtZero(indices: readonly number[]): bigint[] {
  if (new Set(indices).size !== indices.length) throw new SealedError("BAD_PARAMETERS", `trustee indices ${indices.join(", ")} are not distinct`);
  for (const index of indices) {
    if (!Number.isSafeInteger(index) || index < 1) throw new SealedError("BAD_PARAMETERS", `trustee index ${index} is not a positive integer`);
  }
  return indices.map((i) => {
    let numerator = 1n;
    let denominator = 1n;
    for (const j of indices) {
      if (j === i) continue;
      numerator = modOrder(numerator * BigInt(j));
      denominator = modOrder(denominator * BigInt(j - i));
    }
    return modOrder(numerator * invert(denominator, SUBGROUP_ORDER));
  });
}

/**
 * m·G = c2 − Σ λ_i·D_i from exactly `threshold` partial decryptions (any more are ignored:
 * the first `threshold` distinct trustees are used, so the result never depends on extras).
 * With fewer than the threshold the interpolation is wrong, so this refuses rather than
 * return a meaningless point. The partials must already have been checked (their proofs).
 */
export function combinePartialDecryptions(ciphertext: Ciphertext, partials: readonly PartialDecryption[], threshold: number): Point {
  assertCiphertext(ciphertext, "ciphertext");
  if (!Number.isSafeInteger(threshold) || threshold < 1) throw new SealedError("BAD_PARAMETERS", `threshold ${threshold} is not a positive integer`);
  const chosen: PartialDecryption[] = [];
  for (const partial of partials) {
    if (chosen.some((c) => c.trustee === partial.trustee)) continue;
    assertSubgroupPoint(partial.partial, `partial decryption of trustee ${partial.trustee}`);
    chosen.push(partial);
    if (chosen.length === threshold) break;
  }
  if (chosen.length < threshold) {
    throw new SealedError("TOO_FEW_SHARES", `${chosen.length} distinct partial decryptions, the threshold is ${threshold}`, "wait for more trustees to decrypt");
  }
  return lagrangeCombine(ciphertext.c2, chosen);
}

/**
 * c2 − Σ λ_i·D_i over exactly the given partials, with no threshold check: what a party that
 * holds fewer than k shares would compute. Exported so tests can show it gives a wrong point.
 */
export function lagrangeCombine(c2: Point, partials: readonly PartialDecryption[]): Point {
  const lambdas = lagrangeCoefficientsAtZero(partials.map((p) => p.trustee));
  const shared = sumPoints(partials.map((partial, i) => multiplyPoint(partial.partial, lambdas[i])));
  return subtractPoints(c2, shared);
}

/** Decryption to m·G with the whole election secret (tests, and a dealer-based reference). */
export function decryptToPoint(secret: bigint, ciphertext: Ciphertext): Point {
  assertScalar(secret, "election secret", true);
  assertCiphertext(ciphertext, "ciphertext");
  return subtractPoints(ciphertext.c2, multiplyPoint(ciphertext.c1, secret));
}
