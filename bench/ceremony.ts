/**
 * A full trusted setup ceremony for the depth-20 vote circuit, for bench/run.ts: a LOCAL 2^13
 * phase 1 (or the file in CEREMONY_PTAU), init, three contributions, the beacon, verify; times
 * and file sizes.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { compileCeremonyCircuit, contribute, createLocalPtau, finalizeCeremony, initCeremony } from "../lib/proving/ceremony";
import { verifyCeremony } from "../lib/proving/ceremonyVerify";

export interface CeremonyFigures {
  ptauSeconds?: number;
  ptauPower: number;
  initSeconds: number;
  contributionSeconds: number[];
  finalizeSeconds: number;
  verifySeconds: number;
  constraints: number;
  bytes: { ptau: number; r1cs: number; zkey: number; transcript: number; verificationKey: number; verifier: number };
}

async function seconds<T>(action: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await action();
  return [result, (performance.now() - started) / 1000];
}

export async function measureCeremony(rollDepth: number, contributors: number, log: (line: string) => void): Promise<CeremonyFigures> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-bench-ceremony-"));
  try {
    const compiled = await compileCeremonyCircuit("vote", path.join(work, "circuit"), rollDepth);
    let ptau = process.env.CEREMONY_PTAU;
    let ptauSeconds: number | undefined;
    if (ptau === undefined) {
      log("  LOCAL 2^13 phase 1 (minutes; set CEREMONY_PTAU=<file> to reuse one)");
      ptau = path.join(work, "pot13_local.ptau");
      [, ptauSeconds] = await seconds(() => createLocalPtau({ power: 13, contributors: ["bench local"], beaconHex: "0x" + "42".repeat(32), out: ptau!, workDir: path.join(work, "phase1") }));
    }
    const dir = path.join(work, "ceremony");
    const [init, initSeconds] = await seconds(() => initCeremony({ circuit: "vote", r1cs: compiled.r1cs, wasm: compiled.wasm, ptau: ptau!, dir }));
    const contributionSeconds: number[] = [];
    for (let i = 0; i < contributors; i++) {
      const file = (n: number) => path.join(dir, `vote_${String(n).padStart(4, "0")}.zkey`);
      const [, took] = await seconds(() => contribute({ input: file(i), output: file(i + 1), name: `bench contributor ${i + 1}` }));
      contributionSeconds.push(took);
      log(`  contribution ${i + 1}: ${took.toFixed(1)} s`);
    }
    const [final, finalizeSeconds] = await seconds(() => finalizeCeremony({ dir, beaconHex: "0x" + "99".repeat(32) }));
    const [verification, verifySeconds] = await seconds(() => verifyCeremony({ dir, ptau: ptau!, checkPtau: false }));
    if (!verification.ok) throw new Error(`the benchmark's ceremony does not verify: ${JSON.stringify(verification.failure)}`);
    const size = (file: string) => fs.statSync(path.join(dir, file)).size;
    return {
      ptauSeconds,
      ptauPower: init.transcript.phase1.power,
      initSeconds,
      contributionSeconds,
      finalizeSeconds,
      verifySeconds,
      constraints: init.transcript.r1cs.constraints,
      bytes: {
        ptau: fs.statSync(ptau).size,
        r1cs: size(init.transcript.r1cs.file),
        zkey: size(final.transcript.final!.key.file),
        transcript: size("transcript.json"),
        verificationKey: size(final.transcript.final!.verificationKey.file),
        verifier: size(final.transcript.final!.verifier.file),
      },
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
