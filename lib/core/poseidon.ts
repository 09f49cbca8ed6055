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

export async function poseidonHasher(): Promise<PoseidonHasher> {
  const poseidon = await loadPoseidon();
  return (inputs) => poseidon.F.toObject(poseidon(inputs));
}
