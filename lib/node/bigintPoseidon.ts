/**
 * circomlib's Poseidon in plain BigInt arithmetic, for a process that hashes only a few values.
 *
 * circomlibjs's hasher is fast per hash (WebAssembly), but building it generates a whole bn128
 * curve module in JavaScript first: about 0.45 s of CPU in every process that hashes at all,
 * which is most of what `identity new` or a refused `vote` spend beyond Hardhat's own start.
 * This one needs only the round constants (circomlibjs's own, read from its package on the
 * first hash, for the arity used) and is about three times slower per hash (0.16 against 0.06 ms for two inputs), so it serves jobs
 * of up to QUICK_POSEIDON_MAX_HASHES hashes (lib/core/poseidon.ts poseidonHasher); bigger ones
 * keep circomlibjs. Node only; test/lib.test.ts compares it with circomlibjs for every arity.
 */
import { SNARK_SCALAR_FIELD } from "../core/constants";
import { registerQuickPoseidon, type PoseidonHasher } from "../core/poseidon";
import { readCircomlibjsConstants } from "./fastPoseidon";

const P = SNARK_SCALAR_FIELD;
const FULL_ROUNDS = 8;
/** Partial rounds for t = 2..17 (circomlib's table). */
const PARTIAL_ROUNDS = [56, 57, 56, 60, 60, 63, 64, 63, 60, 66, 60, 65, 70, 60, 64, 68];

interface ReferenceConstants {
  /** Round constants per width t (index t - 2), round by round. */
  C: string[][];
  /** MDS matrix per width t (index t - 2). */
  M: string[][][];
}

interface WidthConstants {
  readonly roundConstants: bigint[];
  readonly mds: bigint[][];
}

let reference: ReferenceConstants | undefined;
const byWidth = new Map<number, WidthConstants>();

function constantsFor(t: number): WidthConstants {
  let constants = byWidth.get(t);
  if (constants === undefined) {
    reference ??= readCircomlibjsConstants<ReferenceConstants>("poseidon_constants.json");
    constants = { roundConstants: reference.C[t - 2].map((c) => BigInt(c)), mds: reference.M[t - 2].map((row) => row.map((m) => BigInt(m))) };
    byWidth.set(t, constants);
  }
  return constants;
}

function pow5(x: bigint): bigint {
  const x2 = (x * x) % P;
  return (((x2 * x2) % P) * x) % P;
}

/** Poseidon of 1 to 16 field elements (initial state 0, one output), as circomlib's circuit computes it. */
export function bigintPoseidon(inputs: bigint[]): bigint {
  if (inputs.length < 1 || inputs.length > PARTIAL_ROUNDS.length) throw new RangeError(`Poseidon takes 1 to ${PARTIAL_ROUNDS.length} inputs, got ${inputs.length}`);
  const t = inputs.length + 1;
  const { roundConstants, mds } = constantsFor(t);
  const partialRounds = PARTIAL_ROUNDS[t - 2];
  let state = [0n, ...inputs.map((x) => ((x % P) + P) % P)];
  for (let round = 0; round < FULL_ROUNDS + partialRounds; round++) {
    for (let i = 0; i < t; i++) state[i] = (state[i] + roundConstants[round * t + i]) % P;
    if (round < FULL_ROUNDS / 2 || round >= FULL_ROUNDS / 2 + partialRounds) {
      for (let i = 0; i < t; i++) state[i] = pow5(state[i]);
    } else {
      state[0] = pow5(state[0]);
    }
    const mixed = new Array<bigint>(t);
    for (let i = 0; i < t; i++) {
      let sum = 0n;
      for (let j = 0; j < t; j++) sum += mds[i][j] * state[j];
      mixed[i] = sum % P;
    }
    state = mixed;
  }
  return state[0];
}

export const quickPoseidonHasher: PoseidonHasher = bigintPoseidon;

registerQuickPoseidon(quickPoseidonHasher);
