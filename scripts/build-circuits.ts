/**
 * npm run circuits              compile the circuit, run the development setup, write artifacts
 * npm run circuits:check        rebuild in a temporary directory and compare with the committed artifacts
 * npm run circuits -- --depth N build for a voter roll of 2^N (default 20)
 * npm run circuits -- --sealed [--check]   the same for the sealed circuits (circuits/build/sealed/)
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { MANIFEST_FILE, PROJECT_ROOT, artifactPath, describeSetup, sha256File, verifyArtifactHashes } from "../lib/proving/artifacts";
import { ZkBallotError } from "../lib/core/errors";
import { releaseSnarkjs } from "../lib/proving/prover";
import { buildCircuitArtifacts } from "../lib/proving/setup";
import { SEALED_MANIFEST_FILE, buildSealedArtifacts, verifySealedArtifactHashes } from "../lib/proving/sealedCircuits";

function parseArgs(argv: string[]): { check: boolean; sealed: boolean; rollDepth?: number } {
  let check = false;
  let sealed = false;
  let rollDepth: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--check") check = true;
    else if (argv[i] === "--sealed") sealed = true;
    else if (argv[i] === "--depth") {
      rollDepth = Number(argv[++i]);
      if (!Number.isInteger(rollDepth) || rollDepth < 1 || rollDepth > 32) {
        throw new ZkBallotError("INVALID_ARGUMENT", `--depth must be an integer from 1 to 32, got ${argv[i]}`);
      }
    } else throw new ZkBallotError("INVALID_ARGUMENT", `unknown flag ${argv[i]}`, "flags: --check, --depth N, --sealed");
  }
  return { check, sealed, rollDepth };
}

/** The sealed circuits: build, or rebuild in scratch and compare byte for byte. */
async function sealedMain(check: boolean, scratch: string, log: (line: string) => void): Promise<void> {
  if (!check) {
    const manifest = await buildSealedArtifacts({ workDir: scratch, log });
    console.log(`done: sealedVote ${manifest.circuits.sealedVote.constraints}, sealedDecryption ${manifest.circuits.sealedDecryption.constraints} constraints`);
    console.log(describeSetup(manifest.setup));
    return;
  }
  const problems = verifySealedArtifactHashes();
  const outputRoot = path.join(scratch, "rebuild");
  const manifest = await buildSealedArtifacts({ workDir: path.join(scratch, "work"), outputRoot, log });
  for (const relative of [...Object.keys(manifest.files), SEALED_MANIFEST_FILE]) {
    if (sha256File(artifactPath(relative, outputRoot)) !== sha256File(artifactPath(relative, PROJECT_ROOT))) problems.push(`${relative}: rebuild is not byte-identical to the committed file`);
  }
  if (problems.length > 0) {
    console.error(`sealed artifact check FAILED:\n  ${problems.join("\n  ")}`);
    process.exitCode = 1;
  } else console.log("sealed artifact check passed: a fresh rebuild is byte-identical to every committed artifact");
}

async function main(): Promise<void> {
  const { check, sealed, rollDepth } = parseArgs(process.argv.slice(2));
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-setup-"));
  const started = Date.now();
  // Every line carries the time since the start, so a CI log shows where the minutes go
  // (compile, phase 1, phase 2).
  const log = (line: string) => console.log(`${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${line}`);
  try {
    if (sealed) {
      fs.mkdirSync(path.join(scratch, "rebuild"), { recursive: true });
      await sealedMain(check, scratch, log);
      return;
    }
    if (!check) {
      const manifest = await buildCircuitArtifacts({ rollDepth, workDir: scratch, log });
      console.log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s: ${manifest.constraints} constraints, depth ${manifest.rollDepth}`);
      console.log(describeSetup(manifest.setup));
      return;
    }
    const problems = verifyArtifactHashes();
    const committed = JSON.parse(fs.readFileSync(artifactPath(MANIFEST_FILE), "utf8")) as { rollDepth: number; files: Record<string, string> };
    const outputRoot = path.join(scratch, "rebuild");
    await buildCircuitArtifacts({ rollDepth: rollDepth ?? committed.rollDepth, workDir: path.join(scratch, "work"), outputRoot, log });
    for (const relative of [...Object.keys(committed.files), MANIFEST_FILE]) {
      if (sha256File(artifactPath(relative, outputRoot)) !== sha256File(artifactPath(relative, PROJECT_ROOT))) {
        problems.push(`${relative}: rebuild is not byte-identical to the committed file`);
      }
    }
    if (problems.length > 0) {
      console.error(`artifact check FAILED:\n  ${problems.join("\n  ")}`);
      process.exitCode = 1;
    } else {
      console.log(`artifact check passed: a fresh rebuild is byte-identical to every committed artifact (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
    await releaseSnarkjs();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof ZkBallotError ? `error: ${error.message}` : error);
  process.exit(1);
});
