import type { Poseidon } from "circomlibjs";

let poseidonPromise: Promise<Poseidon> | undefined;

/**
 * Loads circomlibjs's Poseidon once per process; it matches circomlib's circuit Poseidon. The
 * package is loaded here, not on import: a command that hashes nothing (status, tally, deploy)
 * does not pay for loading it.
 */
export function loadPoseidon(): Promise<Poseidon> {
  poseidonPromise ??= import("circomlibjs").then((circomlibjs) => circomlibjs.buildPoseidon());
  return poseidonPromise;
}

/** Synchronous hasher over bigints, for hot loops once Poseidon is loaded. */
export type PoseidonHasher = (inputs: bigint[]) => bigint;

/**
 * Up to this many hashes, a registered quick hasher costs less than building circomlibjs's
 * (about 0.45 s of CPU once per process; the quick one is slower by about 0.1 ms a two-input hash).
 */
export const QUICK_POSEIDON_MAX_HASHES = 2_000;

let quickHasher: PoseidonHasher | undefined;

/**
 * Registers a Poseidon with no start-up cost and the same results (Node: lib/node/bigintPoseidon.ts
 * registers itself), used for jobs of at most QUICK_POSEIDON_MAX_HASHES hashes.
 */
export function registerQuickPoseidon(hasher: PoseidonHasher | undefined): void {
  quickHasher = hasher;
}

/** A hasher for a job of about `expectedHashes` hashes (unknown: many): the quick one for a small job when registered. */
export async function poseidonHasher(expectedHashes = Number.POSITIVE_INFINITY): Promise<PoseidonHasher> {
  if (quickHasher !== undefined && expectedHashes <= QUICK_POSEIDON_MAX_HASHES) return quickHasher;
  const poseidon = await loadPoseidon();
  return (inputs) => poseidon.F.toObject(poseidon(inputs));
}
