/**
 * Production trusted setup: a multi-party Groth16 phase-2 ceremony for any circuit (the vote
 * circuit, circuits/sealedVote.circom, ...), that anyone can verify. docs/CEREMONY.md is the
 * runbook; the transcript format is in ./ceremonyTranscript.ts.
 *
 *   ptau-local  a local multi-contributor phase 1 (LOCAL, not for production: tests, trials)
 *   init        checks the operator's phase-1 file and makes the circuit's initial key
 *   contribute  one contribution: OS entropy plus typed text, never stored; prints its hash
 *   finalize    applies the public beacon; exports the verification key and Solidity verifier
 *   verify      r1cs + ptau -> every contribution in order -> beacon -> exported files
 *   install     installs a verified result into circuits/build and records it in the manifest
 *
 * The security of the result rests on at least one contributor destroying their entropy; the
 * beacon makes the last step unpredictable to everyone. snarkjs does the cryptography.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import * as snarkjs from "snarkjs";

import { ZkBallotError } from "../core/errors";
import { PROJECT_ROOT, sha256File } from "./artifacts";
import { readAt, readPtauInfo, readSections, type PtauInfo } from "./binFile";
import {
  LOCAL_PTAU_WARNING,
  TRANSCRIPT_FILE,
  checkAttestation,
  checkContributorName,
  isValidCircuitName,
  latestKeySha256,
  normalizeBeaconHex,
  readTranscript,
  writeTranscript,
  type CeremonyTranscript,
  type LoadedTranscript,
} from "./ceremonyTranscript";
import { renderVerifierSource, requiredPtauPower } from "./setup";

export * from "./ceremonyTranscript";

/** Where a circuit's ceremony lives by default. */
export function ceremonyDir(circuit: string, root = PROJECT_ROOT): string {
  if (!isValidCircuitName(circuit)) throw new ZkBallotError("INVALID_ARGUMENT", `circuit name must be letters, digits, _ or -, got ${JSON.stringify(circuit)}`);
  return path.join(root, "circuits", "ceremony", circuit);
}

export type ProgressCallback = (stage: string, done: number, total: number) => void;

export interface CeremonyLogging {
  log?: (line: string) => void;
  onProgress?: ProgressCallback;
}

function snarkLogger(log: (line: string) => void, sink?: (message: string) => void): snarkjs.Logger {
  return {
    debug: () => undefined,
    info: (message) => sink?.(message),
    warn: (message) => log(`warning: ${message}`),
    error: (message) => {
      sink?.(`ERROR ${message}`);
      log(`snarkjs: ${message}`);
    },
  };
}

// ------------------------------------------------------------------ binary headers (r1cs)

export interface R1csInfo {
  constraints: number;
  publicSignals: number;
}

/** Header of an r1cs file: constraint and public signal counts. */
export function readR1csInfo(file: string): R1csInfo {
  if (!fs.existsSync(file)) throw new ZkBallotError("ARTIFACTS_MISSING", `${file} not found`, "compile the circuit with circom --r1cs");
  try {
    const header = readSections(file, "r1cs").find((section) => section.type === 1);
    if (header === undefined) throw new Error("no header section");
    const n8 = readAt(file, header.offset, 4).readUInt32LE(0);
    const fields = readAt(file, header.offset + 4 + n8, 28);
    return { publicSignals: fields.readUInt32LE(4) + fields.readUInt32LE(8), constraints: fields.readUInt32LE(24) };
  } catch (error) {
    throw new ZkBallotError("INVALID_ARGUMENT", `${file} is not an r1cs file: ${(error as Error).message}`);
  }
}

// ------------------------------------------------------------------ files

/** Runs `produce(temporary)` and moves the result to `output`, refusing to overwrite an existing file. */
async function writeNew(output: string, produce: (temporary: string) => Promise<unknown>): Promise<void> {
  if (fs.existsSync(output)) throw new ZkBallotError("OUTPUT_EXISTS", `${output} already exists; refusing to overwrite it`, "choose another --out, or move the old file away");
  const temporary = `${output}.partial-${process.pid}`;
  try {
    await produce(temporary);
    fs.linkSync(temporary, output); // fails if the output appeared meanwhile: never overwrites
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") throw new ZkBallotError("OUTPUT_EXISTS", `${output} already exists; refusing to overwrite it`);
    throw error;
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

/** 2^exp hash rounds over a beacon: snarkjs takes 10 to 63. */
export function checkIterationsExp(exp: number): void {
  if (!Number.isInteger(exp) || exp < 10 || exp > 63) throw new ZkBallotError("INVALID_ARGUMENT", `beacon iterations exponent must be an integer in [10, 63], got ${exp}`);
}

/** snarkjs reports some failures by returning false (after logging them) rather than throwing. */
function snarkjsSucceeded(result: unknown, what: string): void {
  if (result === false) throw new ZkBallotError("CEREMONY_INVALID", `snarkjs ${what} refused its input (see the messages above)`);
}

function nowIso(): string {
  return new Date().toISOString();
}

/** Formats snarkjs's 64-byte contribution hash as 128 hex digits. */
export function formatContributionHash(hash: Uint8Array): string {
  return Buffer.from(hash).toString("hex");
}

/** The contribution hash as snarkjs prints it (4 lines of 4 words), for contributors to compare. */
export function displayContributionHash(hex: string): string {
  return (hex.match(/.{32}/g) ?? []).map((line) => (line.match(/.{8}/g) ?? []).join(" ")).join("\n");
}

// ------------------------------------------------------------------ phase 1 (local)

export interface LocalPtauOptions extends CeremonyLogging {
  power: number;
  /** Names of the local phase-1 contributors (at least one). */
  contributors: string[];
  beaconHex: string;
  beaconIterationsExp?: number;
  out: string;
  workDir: string;
}

/**
 * A LOCAL multi-contributor phase 1: new accumulator, one contribution per name (entropy from
 * the OS, discarded), a beacon, prepared for phase 2. All on this machine, so NOT FOR
 * PRODUCTION; a `<out>.local.json` label beside it makes `ceremony init` record it as local.
 */
export async function createLocalPtau(options: LocalPtauOptions): Promise<{ file: string; sha256: string }> {
  const log = options.log ?? (() => undefined);
  if (!Number.isInteger(options.power) || options.power < 1 || options.power > 20) throw new ZkBallotError("INVALID_ARGUMENT", `--power must be an integer in [1, 20], got ${options.power}`);
  if (options.contributors.length === 0) throw new ZkBallotError("INVALID_ARGUMENT", "a local phase 1 needs at least one contributor");
  const names = options.contributors.map(checkContributorName);
  const beacon = normalizeBeaconHex(options.beaconHex);
  checkIterationsExp(options.beaconIterationsExp ?? 10);
  const total = names.length + 3;
  const progress = (done: number) => options.onProgress?.(`LOCAL phase 1 (2^${options.power})`, done, total);
  fs.mkdirSync(options.workDir, { recursive: true });
  const logger = snarkLogger(log);
  await writeNew(options.out, async (temporary) => {
    let current = path.join(options.workDir, `local_${options.power}_0000.ptau`);
    progress(0);
    await snarkjs.powersOfTau.newAccumulator(await snarkjs.curves.getCurveFromName("bn128"), options.power, current, logger);
    for (const [i, name] of names.entries()) {
      progress(i + 1);
      const next = path.join(options.workDir, `local_${options.power}_${String(i + 1).padStart(4, "0")}.ptau`);
      await snarkjs.powersOfTau.contribute(current, next, `LOCAL ${name}`, randomBytes(64).toString("hex"), logger);
      current = next;
    }
    const beaconed = path.join(options.workDir, `local_${options.power}_beacon.ptau`);
    progress(names.length + 1);
    snarkjsSucceeded(await snarkjs.powersOfTau.beacon(current, beaconed, "LOCAL phase 1 beacon", beacon, options.beaconIterationsExp ?? 10, logger), "powersoftau beacon");
    progress(names.length + 2);
    await snarkjs.powersOfTau.preparePhase2(beaconed, temporary, logger);
    progress(total);
  });
  const sha256 = sha256File(options.out);
  fs.writeFileSync(`${options.out}.local.json`, JSON.stringify({ warning: LOCAL_PTAU_WARNING, sha256, power: options.power, contributors: names, beacon }, null, 2) + "\n");
  log(`${LOCAL_PTAU_WARNING}\nwrote ${options.out} (SHA-256 ${sha256})`);
  return { file: options.out, sha256 };
}

/** Whether `ptau` carries the label `createLocalPtau` writes (and still matches it). */
function isLocalPtau(ptau: string, sha256: string): boolean {
  const label = `${ptau}.local.json`;
  if (!fs.existsSync(label)) return false;
  try {
    return (JSON.parse(fs.readFileSync(label, "utf8")) as { sha256?: string }).sha256 === sha256;
  } catch {
    return true; // a damaged label still says "local": err on the side of the warning
  }
}

// ------------------------------------------------------------------ init

export interface InitOptions extends CeremonyLogging {
  circuit: string;
  r1cs: string;
  /** The circuit's witness generator, copied into the ceremony so `install` can ship it. */
  wasm?: string;
  ptau: string;
  /** Default: circuits/ceremony/<circuit>. */
  dir?: string;
}

/** Checks a ptau for a circuit: snarkjs verification, prepared for phase 2, power large enough. */
export async function checkPtauForCircuit(ptau: string, r1cs: R1csInfo, logging: CeremonyLogging = {}): Promise<PtauInfo & { sha256: string }> {
  const info = readPtauInfo(ptau);
  const needed = requiredPtauPower(r1cs.constraints, r1cs.publicSignals);
  if (info.power < needed) {
    throw new ZkBallotError("INVALID_PTAU", `${ptau} has power ${info.power}, the circuit (${r1cs.constraints} constraints, ${r1cs.publicSignals} public signals) needs at least ${needed}`, `use a phase-1 file of power ${needed} or more`);
  }
  if (!info.preparedForPhase2) throw new ZkBallotError("INVALID_PTAU", `${ptau} is not prepared for phase 2 (no Lagrange sections)`, "run `snarkjs powersoftau prepare phase2` on it, or use a *_final.ptau / prepared file");
  logging.onProgress?.("verifying the phase-1 file (snarkjs powersoftau verify)", 0, 1);
  const errors: string[] = [];
  const ok = await snarkjs.powersOfTau.verify(ptau, snarkLogger(logging.log ?? (() => undefined), (message) => message.startsWith("ERROR") && errors.push(message.slice(6))));
  logging.onProgress?.("verifying the phase-1 file (snarkjs powersoftau verify)", 1, 1);
  if (!ok) throw new ZkBallotError("INVALID_PTAU", `${ptau} fails snarkjs powersoftau verify${errors.length ? `: ${errors.join("; ")}` : ""}`, "the file is damaged or was tampered with; obtain it again and compare its hash with the published one");
  return { ...info, sha256: sha256File(ptau) };
}

/** `ceremony init`: verifies the ptau, records its hash, makes <circuit>_0000.zkey and the transcript. */
export async function initCeremony(options: InitOptions): Promise<LoadedTranscript> {
  const log = options.log ?? (() => undefined);
  const dir = options.dir ?? ceremonyDir(options.circuit);
  const transcriptPath = path.join(dir, TRANSCRIPT_FILE);
  if (fs.existsSync(transcriptPath)) throw new ZkBallotError("OUTPUT_EXISTS", `${transcriptPath} already exists: this ceremony was initialised`, "continue it with `ceremony contribute`, or use another --dir");
  if (!isValidCircuitName(options.circuit)) throw new ZkBallotError("INVALID_ARGUMENT", `circuit name must be letters, digits, _ or -, got ${JSON.stringify(options.circuit)}`);
  const r1csInfo = readR1csInfo(options.r1cs);
  const ptau = await checkPtauForCircuit(options.ptau, r1csInfo, options);
  const origin = isLocalPtau(options.ptau, ptau.sha256) ? "local" : "supplied";
  log(`phase 1: ${path.basename(options.ptau)}, power ${ptau.power}, SHA-256 ${ptau.sha256}${origin === "local" ? `\n${LOCAL_PTAU_WARNING}` : ""}`);
  fs.mkdirSync(dir, { recursive: true });
  const r1csFile = `${options.circuit}.r1cs`;
  fs.copyFileSync(options.r1cs, path.join(dir, r1csFile), fs.constants.COPYFILE_EXCL);
  const wasmFile = `${options.circuit}.wasm`;
  if (options.wasm !== undefined) fs.copyFileSync(options.wasm, path.join(dir, wasmFile), fs.constants.COPYFILE_EXCL);
  const keyFile = `${options.circuit}_0000.zkey`;
  options.onProgress?.("initial key (snarkjs groth16 setup)", 0, 1);
  await writeNew(path.join(dir, keyFile), (temporary) => snarkjs.zKey.newZKey(path.join(dir, r1csFile), options.ptau, temporary, snarkLogger(log)));
  options.onProgress?.("initial key (snarkjs groth16 setup)", 1, 1);
  const transcript: CeremonyTranscript = {
    format: "zkballot-ceremony-transcript",
    version: 1,
    circuit: options.circuit,
    phase1: { file: path.basename(options.ptau), sha256: ptau.sha256, power: ptau.power, origin, ...(origin === "local" ? { warning: LOCAL_PTAU_WARNING } : {}) },
    r1cs: { file: r1csFile, sha256: sha256File(path.join(dir, r1csFile)), ...r1csInfo },
    ...(options.wasm === undefined ? {} : { wasm: { file: wasmFile, sha256: sha256File(path.join(dir, wasmFile)) } }),
    initialKey: { file: keyFile, sha256: sha256File(path.join(dir, keyFile)), time: nowIso() },
    contributions: [],
  };
  writeTranscript(transcriptPath, transcript);
  log(`initial key ${keyFile} (SHA-256 ${transcript.initialKey.sha256}); transcript ${transcriptPath}`);
  return readTranscript(transcriptPath);
}

// ------------------------------------------------------------------ contribute

export interface ContributeOptions extends CeremonyLogging {
  input: string;
  output: string;
  name: string;
  /** Whatever the contributor typed: mixed with 64 bytes from the OS, never stored. */
  typedEntropy?: string;
  attestation?: string;
  /** Default: transcript.json beside the input key. */
  transcript?: string;
}

/** `ceremony contribute`: one contribution on top of the transcript's latest key. */
export async function contribute(options: ContributeOptions): Promise<{ contributionHash: string; transcript: LoadedTranscript }> {
  const name = checkContributorName(options.name);
  const attestation = options.attestation === undefined ? undefined : checkAttestation(options.attestation);
  const transcriptPath = options.transcript ?? path.join(path.dirname(options.input), TRANSCRIPT_FILE);
  const { transcript } = readTranscript(transcriptPath);
  if (transcript.beacon !== undefined) throw new ZkBallotError("CEREMONY_INVALID", "this ceremony is finalised (its beacon is applied): no more contributions");
  if (!fs.existsSync(options.input)) throw new ZkBallotError("ARTIFACTS_MISSING", `${options.input} not found`);
  const inputSha = sha256File(options.input);
  if (inputSha !== latestKeySha256(transcript)) {
    throw new ZkBallotError("CEREMONY_INVALID", `${options.input} (SHA-256 ${inputSha}) is not the latest key of the transcript (${latestKeySha256(transcript)})`, "contribute on top of the last contribution's output, so that no contribution is skipped");
  }
  if (path.dirname(path.resolve(options.output)) !== path.resolve(path.dirname(transcriptPath))) {
    throw new ZkBallotError("INVALID_ARGUMENT", `--out must be in the ceremony directory ${path.dirname(transcriptPath)}, beside the transcript`);
  }
  // The entropy lives in this variable only: it goes to snarkjs, which hashes it into the key.
  let entropy: string | undefined = randomBytes(64).toString("hex") + (options.typedEntropy ?? "");
  let hash: Uint8Array | undefined;
  options.onProgress?.(`contribution ${transcript.contributions.length + 1} (${name})`, 0, 1);
  await writeNew(options.output, async (temporary) => {
    hash = await snarkjs.zKey.contribute(options.input, temporary, name, entropy!, snarkLogger(options.log ?? (() => undefined)));
  });
  entropy = undefined;
  options.onProgress?.(`contribution ${transcript.contributions.length + 1} (${name})`, 1, 1);
  const contributionHash = formatContributionHash(hash!);
  transcript.contributions.push({
    index: transcript.contributions.length + 1,
    name,
    contributionHash,
    previousKeySha256: inputSha,
    newKeySha256: sha256File(options.output),
    file: path.basename(options.output),
    time: nowIso(),
    ...(attestation === undefined ? {} : { attestation }),
  });
  writeTranscript(transcriptPath, transcript);
  return { contributionHash, transcript: readTranscript(transcriptPath) };
}

// ------------------------------------------------------------------ finalize

export interface FinalizeOptions extends CeremonyLogging {
  dir: string;
  beaconHex: string;
  /** 2^iterationsExp hash rounds over the beacon (default 10). */
  iterationsExp?: number;
  description?: string;
}

export function ceremonyVerifierHeader(transcript: CeremonyTranscript): string[] {
  return [
    `// Generated by \`npx hardhat ceremony finalize\` from the ${transcript.circuit} ceremony (circuits/ceremony/${transcript.circuit}/transcript.json)`,
    `// with snarkjs's Groth16 template: ${transcript.contributions.length} contribution(s) and a public beacon. Do not edit: \`ceremony verify\` checks it.`,
  ];
}

/** `ceremony finalize`: applies the beacon, exports verification_key.json and verifier.sol. */
export async function finalizeCeremony(options: FinalizeOptions): Promise<LoadedTranscript> {
  const transcriptPath = path.join(options.dir, TRANSCRIPT_FILE);
  const { transcript } = readTranscript(transcriptPath);
  if (transcript.beacon !== undefined) throw new ZkBallotError("CEREMONY_INVALID", "this ceremony is already finalised");
  if (transcript.contributions.length === 0) throw new ZkBallotError("CEREMONY_INVALID", "no contributions yet: a ceremony needs at least one independent contribution before the beacon");
  const beacon = normalizeBeaconHex(options.beaconHex);
  const iterationsExp = options.iterationsExp ?? 10;
  checkIterationsExp(iterationsExp);
  const last = path.join(options.dir, transcript.contributions.at(-1)!.file);
  if (!fs.existsSync(last) || sha256File(last) !== latestKeySha256(transcript)) throw new ZkBallotError("CEREMONY_INVALID", `${last} is missing or is not the last contribution's key`);
  const description = options.description ?? "final beacon";
  const keyFile = `${transcript.circuit}_final.zkey`;
  options.onProgress?.("applying the beacon", 0, 2);
  await writeNew(path.join(options.dir, keyFile), async (temporary) =>
    snarkjsSucceeded(await snarkjs.zKey.beacon(last, temporary, description, beacon, iterationsExp, snarkLogger(options.log ?? (() => undefined))), "zkey beacon"));
  options.onProgress?.("applying the beacon", 1, 2);
  transcript.beacon = { hash: beacon, iterationsExp, description, time: nowIso() };
  const verificationKey = await snarkjs.zKey.exportVerificationKey(path.join(options.dir, keyFile));
  const vkeyFile = "verification_key.json";
  const verifierFile = "verifier.sol";
  fs.writeFileSync(path.join(options.dir, vkeyFile), JSON.stringify(verificationKey, null, 2) + "\n", { flag: "wx" });
  fs.writeFileSync(path.join(options.dir, verifierFile), renderVerifierSource(verificationKey, ceremonyVerifierHeader(transcript)), { flag: "wx" });
  options.onProgress?.("applying the beacon", 2, 2);
  transcript.final = {
    key: { file: keyFile, sha256: sha256File(path.join(options.dir, keyFile)) },
    verificationKey: { file: vkeyFile, sha256: sha256File(path.join(options.dir, vkeyFile)) },
    verifier: { file: verifierFile, sha256: sha256File(path.join(options.dir, verifierFile)) },
    time: nowIso(),
  };
  writeTranscript(transcriptPath, transcript);
  return readTranscript(transcriptPath);
}

// ------------------------------------------------------------------ circuits by name

/** The circuits the project ships, by the name a ceremony uses. */
export const CEREMONY_CIRCUITS = ["vote", "sealedVote", "sealedDecryption"] as const;

/**
 * Compiles one of the project's circuits (the vote circuit at `rollDepth`, or a sealed circuit
 * with its default parameters) into `workDir`, for `ceremony init`.
 */
export async function compileCeremonyCircuit(circuit: string, workDir: string, rollDepth: number): Promise<{ r1cs: string; wasm: string }> {
  if (circuit === "vote") {
    const { compileVoteCircuit } = await import("./setup");
    return compileVoteCircuit(rollDepth, workDir);
  }
  if (circuit === "sealedVote" || circuit === "sealedDecryption") {
    const { compileSealedCircuit } = await import("./sealedCircuits");
    return compileSealedCircuit(circuit, workDir);
  }
  throw new ZkBallotError("INVALID_ARGUMENT", `unknown circuit ${JSON.stringify(circuit)}: the project's circuits are ${CEREMONY_CIRCUITS.join(", ")}`, "or pass --r1cs (and --wasm) for another circuit");
}
