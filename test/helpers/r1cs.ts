/**
 * R1CS checking for circuit tests: load a circom .r1cs, compute a witness with the circuit's
 * wasm, and list the constraints a (possibly tampered) witness violates. The arithmetic is
 * all here (r1csfile only parses the file); tests first show the honest witness satisfies the
 * system, so no rejection can pass vacuously. Same method as test/circuit.test.ts.
 */
import { expect } from "chai";
import * as snarkjs from "snarkjs";

import { SNARK_SCALAR_FIELD } from "../../lib/core/constants";

const p = SNARK_SCALAR_FIELD;
export const modP = (x: bigint): bigint => ((x % p) + p) % p;

type LinearCombination = Record<string, bigint>;
export type Constraint = [LinearCombination, LinearCombination, LinearCombination];

export interface R1cs {
  prime: bigint;
  nVars: number;
  nOutputs: number;
  nPubInputs: number;
  nPrvInputs: number;
  nConstraints: number;
  constraints: Constraint[];
}

// r1csfile ships no typings (it is a dependency of snarkjs).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { readR1cs } = require("r1csfile") as { readR1cs(file: string, options: Record<string, unknown>): Promise<R1cs & { n8: number }> };

export async function loadR1cs(file: string): Promise<R1cs> {
  const field = {
    p,
    fromRprLE(buff: Uint8Array, offset = 0): bigint {
      let value = 0n;
      for (let i = 31; i >= 0; i--) value = (value << 8n) | BigInt(buff[offset + i]);
      return value;
    },
  };
  const r1cs = await readR1cs(file, { loadConstraints: true, loadMap: false, loadCustomGates: false, F: field });
  expect(r1cs.prime).to.equal(p);
  expect(r1cs.n8).to.equal(32);
  expect(r1cs.constraints).to.have.length(r1cs.nConstraints);
  return r1cs;
}

function evalLc(lc: LinearCombination, witness: readonly bigint[]): bigint {
  let sum = 0n;
  for (const [wire, coefficient] of Object.entries(lc)) {
    const value = witness[Number(wire)];
    if (value === undefined) throw new Error(`wire ${wire} is outside the witness of ${witness.length}`);
    sum += coefficient * value;
  }
  return modP(sum);
}

/** Indices of the constraints `witness` violates; [] means it satisfies the whole system. */
export function violations(r1cs: R1cs, witness: readonly bigint[]): number[] {
  expect(witness).to.have.length(r1cs.nVars, "witness length must match the R1CS");
  expect(witness[0]).to.equal(1n, "wire 0 is the constant 1");
  const bad: number[] = [];
  r1cs.constraints.forEach(([a, b, c], i) => {
    if (modP(evalLc(a, witness) * evalLc(b, witness) - evalLc(c, witness)) !== 0n) bad.push(i);
  });
  return bad;
}

/** The wires a constraint mentions with a non-zero coefficient. */
export function wiresOf(constraint: Constraint): Set<number> {
  const wires = new Set<number>();
  for (const lc of constraint) for (const [wire, coefficient] of Object.entries(lc)) if (modP(coefficient) !== 0n) wires.add(Number(wire));
  return wires;
}

/** Signal names -> witness index, from circom's .sym (`labelIdx,varIdx,componentIdx,name`). */
export class SymbolMap {
  readonly indexOf = new Map<string, number>();

  constructor(readonly text: string) {
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      const match = /^(\d+),(-?\d+),(-?\d+),(.+)$/.exec(line);
      if (!match) throw new Error(`unexpected .sym line: ${line}`);
      if (Number(match[2]) >= 0) this.indexOf.set(match[4], Number(match[2]));
    }
  }

  wire(name: string): number {
    const index = this.indexOf.get(name);
    if (index === undefined) throw new Error(`signal ${name} is not in the witness (absent or removed by the optimizer)`);
    return index;
  }
}

export type WitnessInput = Record<string, unknown>;

/** The full witness (index 0 is the constant 1) computed by a circuit's wasm, in memory. */
export async function computeWitness(input: WitnessInput, wasm: string): Promise<bigint[]> {
  const wtns: { type: "mem"; data?: Uint8Array } = { type: "mem" };
  await snarkjs.wtns.calculate(input, wasm, wtns);
  return (await snarkjs.wtns.exportJson(wtns)).map((value) => BigInt(value));
}

/** Runs the witness calculator expecting it to refuse; returns the error (its console noise muted). */
export async function witnessError(input: WitnessInput, wasm: string): Promise<Error | undefined> {
  const consoleError = console.error;
  const consoleLog = console.log;
  console.error = () => undefined;
  console.log = () => undefined;
  try {
    await computeWitness(input, wasm);
    return undefined;
  } catch (error) {
    return error as Error;
  } finally {
    console.error = consoleError;
    console.log = consoleLog;
  }
}
