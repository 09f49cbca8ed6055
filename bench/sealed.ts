/**
 * Sealed-election measurements for bench/run.ts: count recovery (baby-step giant-step), the
 * sealed circuits' constraint counts, and the gas of Baby Jubjub arithmetic in Solidity (the
 * figures docs/PROTOCOL.md, "Sealed elections", bases its choices on).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { CountRecoveryTable, multiplyGenerator, randomScalar, type Point } from "../lib/sealed";
import { compileSealedCircuit } from "../lib/proving/sealedCircuits";

export interface BsgsTimes {
  tableSeconds: number[];
  /** Worst case for the table: the count equal to its maximum, one option. */
  recoverMaxSeconds: number[];
  /** A whole 8-option tally with every count near the maximum, table built once. */
  recoverTallySeconds: number[];
}

export function measureBsgs(maxCount: number, options: number, runs: number): BsgsTimes {
  const times: BsgsTimes = { tableSeconds: [], recoverMaxSeconds: [], recoverTallySeconds: [] };
  const counts = Array.from({ length: options }, (_, j) => maxCount - j * 997);
  const points = counts.map((m) => multiplyGenerator(BigInt(m)));
  const maxPoint = multiplyGenerator(BigInt(maxCount));
  for (let run = 0; run < runs; run++) {
    let started = performance.now();
    const table = CountRecoveryTable.build(maxCount);
    times.tableSeconds.push((performance.now() - started) / 1000);
    started = performance.now();
    if (table.recover(maxPoint) !== maxCount) throw new Error("BSGS recovered a wrong count");
    times.recoverMaxSeconds.push((performance.now() - started) / 1000);
    started = performance.now();
    const recovered = points.map((point) => table.recover(point));
    times.recoverTallySeconds.push((performance.now() - started) / 1000);
    if (recovered.some((m, j) => m !== counts[j])) throw new Error("BSGS recovered a wrong tally");
  }
  return times;
}

export interface CircuitSizes {
  sealedVoteConstraints: number;
  sealedDecryptionConstraints: number;
  compileSeconds: number;
}

export function measureSealedCircuits(rollDepth: number, options: number): CircuitSizes {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-bench-sealed-"));
  try {
    const started = performance.now();
    const vote = compileSealedCircuit("sealedVote", path.join(dir, "vote"), { rollDepth, options });
    const decryption = compileSealedCircuit("sealedDecryption", path.join(dir, "decryption"), { options });
    return { sealedVoteConstraints: vote.constraints, sealedDecryptionConstraints: decryption.constraints, compileSeconds: (performance.now() - started) / 1000 };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export interface CurveGas {
  /** One scalar multiplication (random 251-bit scalar) and its conversion to affine. */
  mulGas: number[];
  /** Sum of 16 points (an 8-option ballot's c1 and c2) in extended coordinates, one inversion. */
  sum16Gas: number;
  /** Per-point cost of a long sum (256 points), the batch accumulation's marginal cost. */
  perPointGas: number;
}

export async function measureCurveGas(runs: number): Promise<CurveGas> {
  const hre = (await import("hardhat")).default;
  await hre.run("compile", { quiet: true });
  const harness = await (await hre.ethers.getContractFactory("BabyJubjubHarness")).deploy();
  const base = multiplyGenerator(randomScalar());
  const mulGas: number[] = [];
  for (let run = 0; run < runs; run++) {
    const [, , gas] = await harness.mul(base.x, base.y, randomScalar());
    mulGas.push(Number(gas));
  }
  const points = (n: number): Point[] => Array.from({ length: n }, () => multiplyGenerator(randomScalar()));
  const sumGas = async (list: Point[]) => Number((await harness.sum(list.map((p) => p.x), list.map((p) => p.y)))[2]);
  const sum16Gas = await sumGas(points(16));
  const long = await sumGas(points(256));
  return { mulGas, sum16Gas, perPointGas: (long - sum16Gas) / 240 };
}
