/**
 * Trusted setup ceremony commands (docs/CEREMONY.md): ptau-local, init, contribute, finalize,
 * verify, install. Thin shells over lib/proving/ceremony.ts and lib/proving/ceremonyVerify.ts.
 */
import { scope } from "hardhat/config";

import { CliError, command, printJson } from "./cli";

const ceremony = scope("ceremony", "Trusted setup: a multi-party phase-2 ceremony anyone can verify (docs/CEREMONY.md)");

/** One progress bar per stage on stderr (quiet for stages under a second). */
async function progressReporter(): Promise<(stage: string, done: number, total: number) => void> {
  const { progressBar } = await import("../lib/node/progress");
  const bars = new Map<string, ReturnType<typeof progressBar>>();
  return (stage, done, total) => {
    if (!bars.has(stage)) bars.set(stage, progressBar(stage, total, process.stderr, { quietForMs: 1_000 }));
    bars.get(stage)!.update(done);
    if (done === total) bars.get(stage)!.done();
  };
}

function integerFlag(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(parsed)) throw new CliError(`--${name} must be a non-negative integer, got ${JSON.stringify(value)}`);
  return parsed;
}

async function resolveDir(args: { dir?: string; circuit?: string }): Promise<string> {
  const { ceremonyDir } = await import("../lib/proving/ceremony");
  if (args.dir !== undefined) return args.dir;
  return ceremonyDir(args.circuit ?? "vote");
}

/** Reads one line from the terminal (not echoed to any file); empty when stdin is not a terminal. */
async function readTypedEntropy(): Promise<string> {
  if (!process.stdin.isTTY) throw new CliError("--entropy needs a terminal to type into", "run the command in a terminal, or leave out --entropy (64 bytes from the OS are always used)");
  const readline = await import("node:readline");
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    return await new Promise<string>((resolve) => rl.question("type random text, then Enter (it is mixed in and never stored): ", resolve));
  } finally {
    rl.close();
  }
}

ceremony
  .task("ptau-local", "LOCAL phase 1, NOT FOR PRODUCTION: several contributions and a beacon on this machine, prepared for phase 2 (tests, trials).  Example: npx hardhat ceremony ptau-local --power 13 --beacon 0x... --out pot13_local.ptau")
  .addParam("power", "2^power constraints at most (the vote circuit at depth 20 needs 13)")
  .addParam("out", "the prepared .ptau to write (never overwritten)")
  .addParam("beacon", "hex beacon applied after the contributions")
  .addOptionalParam("contributors", "comma-separated names of the local contributions", "local contributor 1,local contributor 2")
  .addOptionalParam("iterations", "beacon hash iterations exponent, 10-63", "10")
  .setAction(
    command(async (args: { power: string; out: string; beacon: string; contributors: string; iterations: string }) => {
      const os = await import("node:os");
      const fs = await import("node:fs");
      const path = await import("node:path");
      const { createLocalPtau } = await import("../lib/proving/ceremony");
      const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-ptau-"));
      try {
        const result = await createLocalPtau({
          power: integerFlag(args.power, "power", 0), out: args.out, beaconHex: args.beacon, beaconIterationsExp: integerFlag(args.iterations, "iterations", 10),
          contributors: args.contributors.split(","), workDir, log: (line) => console.error(line), onProgress: await progressReporter(),
        });
        console.log(`${result.file}\nSHA-256 ${result.sha256}\nLOCAL phase 1: NOT FOR PRODUCTION`);
      } finally {
        fs.rmSync(workDir, { recursive: true, force: true });
      }
    }, { contracts: false }),
  );

ceremony
  .task("init", "Check a phase-1 file (snarkjs verify, power, hash recorded) and make the circuit's initial key and transcript.  Example: npx hardhat ceremony init --circuit vote --ptau powersOfTau28_hez_final_13.ptau")
  .addParam("ptau", "the phase-1 powers-of-tau file (prepared for phase 2)")
  .addOptionalParam("circuit", "vote, sealedVote or sealedDecryption (or any name with --r1cs)", "vote")
  .addOptionalParam("r1cs", "the circuit's r1cs (default: compile the named circuit)")
  .addOptionalParam("wasm", "its witness generator (default: from the compilation)")
  .addOptionalParam("dir", "ceremony directory (default: circuits/ceremony/<circuit>)")
  .setAction(
    command(async (args: { ptau: string; circuit: string; r1cs?: string; wasm?: string; dir?: string }) => {
      const os = await import("node:os");
      const fs = await import("node:fs");
      const path = await import("node:path");
      const { compileCeremonyCircuit, initCeremony } = await import("../lib/proving/ceremony");
      const { loadManifest } = await import("../lib/proving/artifacts");
      const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-ceremony-init-"));
      try {
        let r1cs = args.r1cs;
        let wasm = args.wasm;
        if (r1cs === undefined) {
          console.error(`compiling circuit ${args.circuit}`);
          const compiled = await compileCeremonyCircuit(args.circuit, workDir, loadManifest().rollDepth);
          r1cs = compiled.r1cs;
          wasm ??= compiled.wasm;
        }
        const { transcript, path: file } = await initCeremony({ circuit: args.circuit, r1cs, wasm, ptau: args.ptau, dir: args.dir, log: (line) => console.error(line), onProgress: await progressReporter() });
        console.log(`ceremony for ${transcript.circuit} initialised: ${file}`);
        console.log(`phase 1 SHA-256 ${transcript.phase1.sha256} (power ${transcript.phase1.power}${transcript.phase1.origin === "local" ? ", LOCAL: NOT FOR PRODUCTION" : ""}): publish it`);
        console.log(`initial key ${transcript.initialKey.file}, SHA-256 ${transcript.initialKey.sha256}`);
        console.log(`next: npx hardhat ceremony contribute --in ${path.join(path.dirname(file), transcript.initialKey.file)} --out ${path.join(path.dirname(file), `${transcript.circuit}_0001.zkey`)} --name "..."`);
      } finally {
        fs.rmSync(workDir, { recursive: true, force: true });
      }
    }, { contracts: false }),
  );

ceremony
  .task("contribute", "One contribution (offline is fine): OS entropy plus what you type, never stored; prints the hash to publish.  Example: npx hardhat ceremony contribute --in circuits/ceremony/vote/vote_0001.zkey --out circuits/ceremony/vote/vote_0002.zkey --name \"City clerk\" --entropy")
  .addParam("in", "the latest key of the ceremony")
  .addParam("out", "the key to write (never overwritten), beside the transcript")
  .addParam("name", "your name or organisation, as it will be published")
  .addOptionalParam("attestation", "a statement to publish with your contribution")
  .addOptionalParam("transcript", "the transcript (default: transcript.json beside --in)")
  .addFlag("entropy", "also type random text into the terminal")
  .setAction(
    command(async (args: { in: string; out: string; name: string; attestation?: string; transcript?: string; entropy: boolean }) => {
      const { contribute, displayContributionHash } = await import("../lib/proving/ceremony");
      const typedEntropy = args.entropy ? await readTypedEntropy() : undefined;
      const { contributionHash, transcript } = await contribute({
        input: args.in, output: args.out, name: args.name, attestation: args.attestation, typedEntropy, transcript: args.transcript, onProgress: await progressReporter(),
      });
      const entry = transcript.transcript.contributions.at(-1)!;
      console.log(`contribution ${entry.index} by ${entry.name} written to ${args.out}`);
      console.log(`contribution hash (publish it, e.g. signed, where the ceremony's participants can see it):\n${displayContributionHash(contributionHash)}`);
      console.log(`new key SHA-256 ${entry.newKeySha256}`);
    }, { contracts: false }),
  );

ceremony
  .task("finalize", "Apply the public beacon chosen in advance and export the verification key and Solidity verifier.  Example: npx hardhat ceremony finalize --circuit vote --beacon 0x<block hash>")
  .addParam("beacon", "hex beacon, e.g. the hash of a future block of the target chain announced in advance")
  .addOptionalParam("circuit", "circuit name (with the default directory)", "vote")
  .addOptionalParam("dir", "ceremony directory (default: circuits/ceremony/<circuit>)")
  .addOptionalParam("iterations", "beacon hash iterations exponent, 10-63", "10")
  .addOptionalParam("description", "what the beacon is (e.g. 'block 7000000 of Sepolia')", "final beacon")
  .setAction(
    command(async (args: { beacon: string; circuit: string; dir?: string; iterations: string; description: string }) => {
      const { finalizeCeremony } = await import("../lib/proving/ceremony");
      const { transcript, sha256, path: file } = await finalizeCeremony({
        dir: await resolveDir(args), beaconHex: args.beacon, iterationsExp: integerFlag(args.iterations, "iterations", 10), description: args.description, onProgress: await progressReporter(),
      });
      console.log(`finalised ${file} (SHA-256 ${sha256}): ${transcript.contributions.length} contribution(s) and beacon ${transcript.beacon!.hash}`);
      console.log(`verification key ${transcript.final!.verificationKey.file} ${transcript.final!.verificationKey.sha256}\nverifier ${transcript.final!.verifier.file} ${transcript.final!.verifier.sha256}`);
      console.log("next: npx hardhat ceremony verify, then ceremony install");
    }, { contracts: false }),
  );

ceremony
  .task("verify", "Check the whole chain: r1cs + ptau -> every contribution -> beacon -> verification key and verifier; list contributors.  Example: npx hardhat ceremony verify --circuit vote --ptau pot13.ptau")
  .addOptionalParam("circuit", "circuit name (with the default directory)", "vote")
  .addOptionalParam("dir", "ceremony directory (default: circuits/ceremony/<circuit>)")
  .addOptionalParam("ptau", "the phase-1 file (default: the one named in the transcript, in the directory)")
  .addOptionalParam("r1cs", "the circuit's r1cs (default: the one in the directory)")
  .addFlag("skipPtauCheck", "check the ptau by hash only (init ran snarkjs powersoftau verify on it)")
  .addFlag("json", "print JSON")
  .setAction(
    command(async (args: { circuit: string; dir?: string; ptau?: string; r1cs?: string; skipPtauCheck: boolean; json: boolean }) => {
      const { verifyCeremony, formatCeremonyVerification, ceremonyFailureError } = await import("../lib/proving/ceremonyVerify");
      const verification = await verifyCeremony({ dir: await resolveDir(args), ptau: args.ptau, r1cs: args.r1cs, checkPtau: !args.skipPtauCheck, onProgress: await progressReporter() });
      const { verificationKey: _key, ...summary } = verification;
      void _key;
      if (args.json) printJson(summary);
      else console.log(formatCeremonyVerification(verification));
      if (!verification.ok) throw ceremonyFailureError(verification);
    }, { contracts: false }),
  );

ceremony
  .task("install", "Verify the ceremony, then install its key, verification key, verifier and wasm into circuits/build and record it in the manifest.  Example: npx hardhat ceremony install --circuit vote --ptau pot13.ptau")
  .addOptionalParam("circuit", "circuit name (with the default directory)", "vote")
  .addOptionalParam("dir", "ceremony directory (default: circuits/ceremony/<circuit>)")
  .addOptionalParam("ptau", "the phase-1 file (default: the one named in the transcript, in the directory)")
  .addFlag("skipPtauCheck", "check the ptau by hash only")
  .setAction(
    command(async (args: { circuit: string; dir?: string; ptau?: string; skipPtauCheck: boolean }) => {
      const { installCeremony } = await import("../lib/proving/ceremonyVerify");
      const { describeSetup } = await import("../lib/proving/artifacts");
      const manifest = await installCeremony({ dir: await resolveDir(args), ptau: args.ptau, checkPtau: !args.skipPtauCheck, onProgress: await progressReporter() });
      console.log(`installed: ${describeSetup(manifest.setup)}`);
      console.log("next: npx hardhat compile (the verifier changed), commit circuits/build, contracts/verifiers and the transcript, then deploy");
    }, { contracts: false }),
  );
