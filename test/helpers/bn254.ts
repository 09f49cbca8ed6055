/**
 * BN254 arithmetic on the test side, independent of the contracts and of the libraries under
 * test: affine G1 addition, Fq2, and a point on the twist outside G2's order-r subgroup.
 */
import { BN254_BASE_FIELD } from "../../lib/proving/prover";

const Q = BN254_BASE_FIELD;

export const mod = (a: bigint, m = Q): bigint => ((a % m) + m) % m;

export function powMod(base: bigint, exponent: bigint, m = Q): bigint {
  let result = 1n;
  let b = mod(base, m);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

/** Affine G1 addition; (0, 0) is the identity. */
export function g1Add(p: [bigint, bigint], q: [bigint, bigint]): [bigint, bigint] {
  if (p[0] === 0n && p[1] === 0n) return q;
  if (q[0] === 0n && q[1] === 0n) return p;
  let lambda: bigint;
  if (p[0] === q[0]) {
    if (mod(p[1] + q[1]) === 0n) return [0n, 0n];
    lambda = mod(3n * p[0] * p[0] * powMod(2n * p[1], Q - 2n));
  } else {
    lambda = mod((q[1] - p[1]) * powMod(q[0] - p[0], Q - 2n));
  }
  const x = mod(lambda * lambda - p[0] - q[0]);
  return [x, mod(lambda * (p[0] - x) - p[1])];
}

export const G1_GENERATOR: [bigint, bigint] = [1n, 2n];
export const negG1 = (p: [bigint, bigint]): [bigint, bigint] => [p[0], p[1] === 0n ? 0n : Q - p[1]];

/** Fq2 = Fq[u]/(u^2 + 1), as [real, imaginary]. */
export type Fq2 = [bigint, bigint];
export const fq2Mul = (a: Fq2, b: Fq2): Fq2 => [mod(a[0] * b[0] - a[1] * b[1]), mod(a[0] * b[1] + a[1] * b[0])];
export const fq2Add = (a: Fq2, b: Fq2): Fq2 => [mod(a[0] + b[0]), mod(a[1] + b[1])];
export function fq2Pow(a: Fq2, exponent: bigint): Fq2 {
  let result: Fq2 = [1n, 0n];
  let b = a;
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = fq2Mul(result, b);
    b = fq2Mul(b, b);
  }
  return result;
}
/** Square root in Fq2 for q = 3 mod 4 (Adj and Rodríguez-Henríquez, algorithm 9), or undefined. */
export function fq2Sqrt(a: Fq2): Fq2 | undefined {
  const a1 = fq2Pow(a, (Q - 3n) / 4n);
  const alpha = fq2Mul(fq2Mul(a1, a1), a);
  const x0 = fq2Mul(a1, a);
  const x = alpha[0] === Q - 1n && alpha[1] === 0n ? fq2Mul([0n, 1n], x0) : fq2Mul(fq2Pow(fq2Add([1n, 0n], alpha), (Q - 1n) / 2n), x0);
  const check = fq2Mul(x, x);
  return check[0] === a[0] && check[1] === a[1] ? x : undefined;
}
/** b' = 3 / (9 + u), the twist's constant. */
export const TWIST_B: Fq2 = fq2Mul([3n, 0n], fq2Pow([9n, 1n], Q * Q - 2n));

/**
 * A point on the twist y^2 = x^3 + b' that is (with overwhelming probability: the twist's
 * order is r times a ~254-bit cofactor) outside G2's order-r subgroup, in precompile order.
 */
export function twistPointOutsideSubgroup(): bigint[] {
  for (let x = 1n; ; x++) {
    const y = fq2Sqrt(fq2Add(fq2Pow([x, 0n], 3n), TWIST_B));
    if (y !== undefined) return [0n, x, y[1], y[0]];
  }
}

