/**
 * Groth16 proving that keeps what does not change from one proof to the next. snarkjs's
 * `groth16.fullProve` compiles the circuit's WebAssembly witness calculator again for every
 * proof; a process that proves many ballots (a benchmark, a test suite, an operator's load test)
 * pays that each time. Given the circuit's bytes, this module compiles the calculator once per
 * wasm (held as long as the bytes are) and proves with snarkjs's own `groth16.prove`, so the
 * proof is exactly what fullProve makes. Given file paths or URLs it is fullProve itself.
 * Browser-safe: no Node built-in (Node callers pass bytes they read once: lib/node/artifactBytes.ts).
 */
import { WitnessCalculatorBuilder, type WitnessCalculator } from "circom_runtime";
import * as snarkjs from "snarkjs";

/** A circuit artifact: its bytes, or a path or URL snarkjs reads. */
export type CircuitArtifact = string | Uint8Array;

export interface Groth16Output {
  readonly proof: snarkjs.Groth16Proof;
  readonly publicSignals: string[];
}

interface CachedCalculator {
  readonly calculator: Promise<WitnessCalculator>;
  /** The last witness computation queued: a calculator holds one witness at a time. */
  pending: Promise<unknown>;
}

const calculators = new WeakMap<Uint8Array, CachedCalculator>();

function cachedCalculator(wasm: Uint8Array): CachedCalculator {
  let cached = calculators.get(wasm);
  if (cached === undefined) {
    cached = { calculator: WitnessCalculatorBuilder(wasm), pending: Promise.resolve() };
    calculators.set(wasm, cached);
  }
  return cached;
}

/**
 * The witness of `input` in snarkjs's .wtns format, from the calculator compiled once for `wasm`.
 * Calls for the same circuit run one after another: the calculator's inputs and witness live in
 * its WebAssembly memory, and two interleaved computations would read each other's.
 */
export function calculateWitness(input: Record<string, unknown>, wasm: Uint8Array): Promise<Uint8Array> {
  const cached = cachedCalculator(wasm);
  const witness = cached.pending.then(async () => (await cached.calculator).calculateWTNSBin(input));
  cached.pending = witness.catch(() => undefined);
  return witness;
}

/** A Groth16 proof of `input`: the witness calculator kept per circuit when its bytes are given. */
export async function proveGroth16(input: Record<string, unknown>, wasm: CircuitArtifact, zkey: CircuitArtifact): Promise<Groth16Output> {
  if (typeof wasm === "string" || typeof zkey === "string") return snarkjs.groth16.fullProve(input, wasm, zkey);
  return snarkjs.groth16.prove(zkey, await calculateWitness(input, wasm));
}
