import { buildPoseidon, type Poseidon } from "circomlibjs";

let poseidonPromise: Promise<Poseidon> | undefined;

/** Loads circomlibjs's Poseidon once per process; it matches circomlib's circuit Poseidon. */
export function loadPoseidon(): Promise<Poseidon> {
  poseidonPromise ??= buildPoseidon();
  return poseidonPromise;
}

/** Synchronous hasher over bigints, for hot loops once Poseidon is loaded. */
export type PoseidonHasher = (inputs: bigint[]) => bigint;

export async function poseidonHasher(): Promise<PoseidonHasher> {
  const poseidon = await loadPoseidon();
  return (inputs) => poseidon.F.toObject(poseidon(inputs));
}
