/**
 * `ceremony verify` and `ceremony install`: the whole chain of a phase-2 ceremony checked step by
 * step, from the r1cs and the phase-1 file through every contribution in order and the beacon
 * to the exported verification key and Solidity verifier. The first step that fails is named.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import * as snarkjs from "snarkjs";

import { ZkBallotError } from "../core/errors";
import { ARTIFACT_FILES, MANIFEST_FILE, PROJECT_ROOT, artifactPath, loadManifest, sha256File, type SetupManifest } from "./artifacts";
import { ceremonyVerifierHeader, type CeremonyLogging } from "./ceremony";
import { TRANSCRIPT_FILE, readTranscript, type CeremonyTranscript, type LoadedTranscript, type TranscriptContribution } from "./ceremonyTranscript";
import { renderVerifierSource } from "./setup";

export interface CeremonyStep {
  /** "transcript", "r1cs", "ptau", "initial key", "contribution 2 (Bob)", "chain", "beacon", "verification key", "verifier". */
  step: string;
  ok: boolean;
  detail: string;
}

export interface CeremonyVerification {
  ok: boolean;
  circuit?: string;
  transcriptSha256?: string;
  steps: CeremonyStep[];
  /** The first failing step. */
  failure?: { step: string; message: string };
  contributors: Pick<TranscriptContribution, "index" | "name" | "contributionHash" | "time" | "attestation">[];
  beacon?: { hash: string; iterationsExp: number };
  phase1?: CeremonyTranscript["phase1"];
  verificationKey?: Record<string, unknown>;
}

export interface VerifyOptions extends CeremonyLogging {
  /** The ceremony directory (holding transcript.json and the key files). */
  dir: string;
  /** Default: the r1cs in the ceremony directory. */
  r1cs?: string;
  /** Default: the phase-1 file named in the transcript, in the ceremony directory. */
  ptau?: string;
  /** Run snarkjs powersoftau verify on the ptau too (default true; init did it once). */
  checkPtau?: boolean;
}

class StepFailure extends Error {
  constructor(readonly step: string, message: string) {
    super(message);
  }
}

const contributionStep = (c: Pick<TranscriptContribution, "index" | "name">) => `contribution ${c.index} (${c.name})`;

/** What snarkjs's zkey verification says, with the contributions it found (name, hash, beacon). */
interface SnarkjsChain {
  ok: boolean;
  errors: string[];
  contributions: { index: number; name: string; hash: string; beaconHash?: string; iterationsExp?: number }[];
}

/** snarkjs zkey verify (r1cs + ptau -> initial key -> every contribution), its log parsed. */
async function snarkjsVerifyChain(r1cs: string, ptau: string, zkey: string): Promise<SnarkjsChain> {
  const chain: SnarkjsChain = { ok: false, errors: [], contributions: [] };
  const sink = (message: string) => {
    const contribution = /^contribution #(\d+) ?(.*):\n([\s\S]*)$/.exec(message);
    if (contribution) chain.contributions.push({ index: Number(contribution[1]), name: contribution[2], hash: contribution[3].replace(/\s+/g, "") });
    const beacon = /^Beacon generator: ([0-9a-f]+)$/.exec(message);
    if (beacon && chain.contributions.length > 0) chain.contributions.at(-1)!.beaconHash = beacon[1];
    const iterations = /^Beacon iterations Exp: (\d+)$/.exec(message);
    if (iterations && chain.contributions.length > 0) chain.contributions.at(-1)!.iterationsExp = Number(iterations[1]);
  };
  const logger: snarkjs.Logger = { debug: () => undefined, info: sink, warn: () => undefined, error: (message) => chain.errors.push(message) };
  // snarkjs reports a bad contribution ("INVALID(i): ...") with console.log, not the logger.
  const consoleLog = console.log;
  console.log = (...args: unknown[]) => {
    const text = args.map(String).join(" ");
    if (/INVALID/.test(text)) chain.errors.push(text.trim());
    else consoleLog(...args);
  };
  try {
    chain.ok = await snarkjs.zKey.verifyFromR1cs(r1cs, ptau, zkey, logger);
  } catch (error) {
    chain.errors.push((error as Error).message);
  } finally {
    console.log = consoleLog;
  }
  chain.contributions.sort((a, b) => a.index - b.index); // snarkjs lists them last first
  return chain;
}

function expectFile(step: string, file: string, sha256: string, what: string): void {
  if (!fs.existsSync(file)) throw new StepFailure(step, `${what} ${file} not found`);
  const actual = sha256File(file);
  if (actual !== sha256) throw new StepFailure(step, `${what} ${path.basename(file)} has SHA-256 ${actual}, the transcript records ${sha256}`);
}

/** Steps 4-5: the initial key and every contribution's key, each starting from the one before. */
function checkKeyChain(transcript: CeremonyTranscript, dir: string, pass: (step: string, detail: string) => void): void {
  const initial = path.join(dir, transcript.initialKey.file);
  if (fs.existsSync(initial)) expectFile("initial key", initial, transcript.initialKey.sha256, "initial key");
  pass("initial key", fs.existsSync(initial) ? `${transcript.initialKey.file} ${transcript.initialKey.sha256}` : "not published (checked through the chain)");
  let previous = transcript.initialKey.sha256;
  for (const contribution of transcript.contributions) {
    const step = contributionStep(contribution);
    if (contribution.previousKeySha256 !== previous) {
      throw new StepFailure(step, `was made on the key with SHA-256 ${contribution.previousKeySha256}, not on the output of ${contribution.index === 1 ? "init" : `contribution ${contribution.index - 1}`} (${previous}): a contribution was skipped or replaced`);
    }
    const file = path.join(dir, contribution.file);
    if (fs.existsSync(file)) expectFile(step, file, contribution.newKeySha256, "key");
    pass(step, `hash ${contribution.contributionHash.slice(0, 32)}...`);
    previous = contribution.newKeySha256;
  }
}

/** Step 6-7: snarkjs verifies the final key from the r1cs and ptau; its contributions must be the transcript's, in order, then the beacon. */
async function checkSnarkjsChain(transcript: CeremonyTranscript, r1cs: string, ptau: string, finalKey: string, pass: (step: string, detail: string) => void): Promise<void> {
  const chain = await snarkjsVerifyChain(r1cs, ptau, finalKey);
  if (!chain.ok) {
    const bad = chain.errors.map((error) => /INVALID\((\d+)\)/.exec(error)).find((match) => match !== null);
    if (bad) {
      const i = Number(bad[1]);
      const entry = transcript.contributions[i];
      throw new StepFailure(entry ? contributionStep(entry) : "beacon", `snarkjs: ${chain.errors.join("; ")}`);
    }
    throw new StepFailure("chain", `snarkjs zkey verify failed from the r1cs and the ptau: ${chain.errors.join("; ") || "no reason given"}`);
  }
  const expected = transcript.contributions.length + 1;
  for (const [i, contribution] of transcript.contributions.entries()) {
    const found = chain.contributions[i];
    if (found === undefined || found.beaconHash !== undefined) throw new StepFailure(contributionStep(contribution), `is not in the final key: it holds ${chain.contributions.length - 1} contribution(s) before the beacon, the transcript lists ${transcript.contributions.length} (skipped?)`);
    if (found.hash !== contribution.contributionHash) throw new StepFailure(contributionStep(contribution), `the final key's contribution ${i + 1} has hash ${found.hash}, the transcript records ${contribution.contributionHash}`);
    if (found.name !== contribution.name) throw new StepFailure(contributionStep(contribution), `the final key's contribution ${i + 1} is named ${JSON.stringify(found.name)}`);
  }
  const beacon = chain.contributions[transcript.contributions.length];
  if (chain.contributions.length !== expected || beacon?.beaconHash === undefined) {
    throw new StepFailure("beacon", `the final key holds ${chain.contributions.length} contribution(s); expected the transcript's ${transcript.contributions.length} then the beacon`);
  }
  if (beacon.beaconHash !== transcript.beacon!.hash || beacon.iterationsExp !== transcript.beacon!.iterationsExp) {
    throw new StepFailure("beacon", `the final key's beacon is ${beacon.beaconHash} (2^${beacon.iterationsExp} iterations), the transcript records ${transcript.beacon!.hash} (2^${transcript.beacon!.iterationsExp})`);
  }
  pass("chain", `snarkjs: the final key follows from the r1cs and the ptau through ${transcript.contributions.length} contribution(s) and the beacon`);
  pass("beacon", `${transcript.beacon!.hash} (2^${transcript.beacon!.iterationsExp} iterations): ${transcript.beacon!.description}`);
}

/** Steps 8-9: the exported verification key and Solidity verifier are exactly the final key's. */
async function checkExports(loaded: LoadedTranscript, finalKey: string, pass: (step: string, detail: string) => void): Promise<Record<string, unknown>> {
  const { transcript, dir } = loaded;
  const final = transcript.final!;
  const vkeyFile = path.join(dir, final.verificationKey.file);
  expectFile("verification key", vkeyFile, final.verificationKey.sha256, "verification key");
  const exported = await snarkjs.zKey.exportVerificationKey(finalKey);
  const published = JSON.parse(fs.readFileSync(vkeyFile, "utf8")) as Record<string, unknown>;
  if (JSON.stringify(published) !== JSON.stringify(exported)) throw new StepFailure("verification key", `${final.verificationKey.file} is not the verification key of ${final.key.file}`);
  pass("verification key", `${final.verificationKey.file} ${final.verificationKey.sha256}`);
  const verifierFile = path.join(dir, final.verifier.file);
  expectFile("verifier", verifierFile, final.verifier.sha256, "verifier");
  if (fs.readFileSync(verifierFile, "utf8") !== renderVerifierSource(exported, ceremonyVerifierHeader(transcript))) {
    throw new StepFailure("verifier", `${final.verifier.file} is not the Solidity verifier of the final verification key`);
  }
  pass("verifier", `${final.verifier.file} ${final.verifier.sha256}`);
  return exported;
}

/** Verifies a ceremony directory end to end; never throws for a bad ceremony, reports the failing step. */
export async function verifyCeremony(options: VerifyOptions): Promise<CeremonyVerification> {
  const result: CeremonyVerification = { ok: false, steps: [], contributors: [] };
  const total = 9;
  const pass = (step: string, detail: string) => {
    result.steps.push({ step, ok: true, detail });
    options.onProgress?.("verifying the ceremony", Math.min(result.steps.length, total), total);
  };
  try {
    let loaded: LoadedTranscript;
    try {
      loaded = readTranscript(path.join(options.dir, TRANSCRIPT_FILE));
    } catch (error) {
      throw new StepFailure("transcript", (error as Error).message);
    }
    const { transcript } = loaded;
    Object.assign(result, { circuit: transcript.circuit, transcriptSha256: loaded.sha256, phase1: transcript.phase1 });
    result.contributors = transcript.contributions.map(({ index, name, contributionHash, time, attestation }) => ({ index, name, contributionHash, time, ...(attestation ? { attestation } : {}) }));
    if (transcript.final === undefined) throw new StepFailure("transcript", "the ceremony is not finalised (no beacon yet)");
    result.beacon = { hash: transcript.beacon!.hash, iterationsExp: transcript.beacon!.iterationsExp };
    pass("transcript", `${transcript.contributions.length} contribution(s), SHA-256 ${loaded.sha256}`);
    const r1cs = options.r1cs ?? path.join(options.dir, transcript.r1cs.file);
    expectFile("r1cs", r1cs, transcript.r1cs.sha256, "r1cs");
    pass("r1cs", `${transcript.r1cs.constraints} constraints, SHA-256 ${transcript.r1cs.sha256}`);
    const ptau = options.ptau ?? path.join(options.dir, transcript.phase1.file);
    expectFile("ptau", ptau, transcript.phase1.sha256, "phase-1 file");
    if (options.checkPtau ?? true) {
      options.onProgress?.("verifying the phase-1 file", 0, 1);
      if (!(await snarkjs.powersOfTau.verify(ptau))) throw new StepFailure("ptau", `${ptau} fails snarkjs powersoftau verify`);
    }
    pass("ptau", `power ${transcript.phase1.power}, SHA-256 ${transcript.phase1.sha256}${transcript.phase1.origin === "local" ? ` (${transcript.phase1.warning})` : ""}`);
    checkKeyChain(transcript, options.dir, pass);
    const finalKey = path.join(options.dir, transcript.final.key.file);
    expectFile("chain", finalKey, transcript.final.key.sha256, "final key");
    await checkSnarkjsChain(transcript, r1cs, ptau, finalKey, pass);
    result.verificationKey = await checkExports(loaded, finalKey, pass);
    result.ok = true;
  } catch (error) {
    if (!(error instanceof StepFailure)) throw error;
    result.steps.push({ step: error.step, ok: false, detail: error.message });
    result.failure = { step: error.step, message: error.message };
  }
  return result;
}

/** A failed verification as the one-line error the commands print. */
export function ceremonyFailureError(verification: CeremonyVerification): ZkBallotError {
  const failure = verification.failure ?? { step: "?", message: "unknown failure" };
  return new ZkBallotError("CEREMONY_INVALID", `ceremony verification failed at step "${failure.step}": ${failure.message}`, "do not use this setup; find out who produced the failing step");
}

/** The human report of `ceremony verify`: each step, then the contributors and their hashes. */
export function formatCeremonyVerification(verification: CeremonyVerification): string {
  const lines = verification.steps.map((step) => `${step.ok ? "ok  " : "FAIL"} ${step.step}: ${step.detail}`);
  lines.push("", `contributors (${verification.contributors.length}):`);
  for (const c of verification.contributors) lines.push(`  #${c.index} ${c.name} (${c.time})`, ...displayHashLines(c.contributionHash), ...(c.attestation ? [`      attests: ${c.attestation.replace(/\n/g, " / ")}`] : []));
  if (verification.beacon) lines.push(`beacon: ${verification.beacon.hash} (2^${verification.beacon.iterationsExp} iterations)`);
  lines.push("", verification.ok ? `CEREMONY VERIFIED (transcript SHA-256 ${verification.transcriptSha256})` : `CEREMONY INVALID at step "${verification.failure?.step}"`);
  return lines.join("\n");
}

function displayHashLines(hex: string): string[] {
  return (hex.match(/.{32}/g) ?? []).map((line) => `      ${(line.match(/.{8}/g) ?? []).join(" ")}`);
}

// ------------------------------------------------------------------ install

export interface InstallOptions extends VerifyOptions {
  /** Repository root to install into (default: this repository). */
  root?: string;
}

/** Where an installed ceremony's transcript is kept, relative to the root. */
export function installedTranscriptPath(circuit: string): string {
  return `circuits/ceremony/${circuit}/${TRANSCRIPT_FILE}`;
}

/**
 * `ceremony install`: verifies the ceremony, then copies its key, verification key, verifier and
 * witness generator into circuits/build and contracts/verifiers, and records
 * `setup: { kind: "ceremony", transcriptSha256, ... }` in the manifest.
 */
export async function installCeremony(options: InstallOptions): Promise<SetupManifest> {
  const root = options.root ?? PROJECT_ROOT;
  const verification = await verifyCeremony(options);
  if (!verification.ok) throw ceremonyFailureError(verification);
  const loaded = readTranscript(path.join(options.dir, TRANSCRIPT_FILE));
  const { transcript } = loaded;
  const previous = loadManifest(root);
  if (transcript.circuit !== previous.circuit) throw new ZkBallotError("INVALID_ARGUMENT", `the manifest describes the ${previous.circuit} circuit; this ceremony is for ${transcript.circuit}`);
  if (transcript.r1cs.publicSignals !== previous.publicSignals.length) throw new ZkBallotError("CEREMONY_INVALID", `the ceremony's circuit has ${transcript.r1cs.publicSignals} public signals, the ${previous.circuit} circuit has ${previous.publicSignals.length}`);
  if (transcript.wasm === undefined) throw new ZkBallotError("CEREMONY_INVALID", "the ceremony has no witness generator (wasm): it cannot be installed", "pass --wasm to `ceremony init`");
  expectInstallable(path.join(options.dir, transcript.wasm.file), transcript.wasm.sha256);
  const copies: [string, string][] = [
    [transcript.final!.key.file, ARTIFACT_FILES.zkey],
    [transcript.final!.verificationKey.file, ARTIFACT_FILES.verificationKey],
    [transcript.final!.verifier.file, ARTIFACT_FILES.verifierContract],
    [transcript.wasm.file, ARTIFACT_FILES.wasm],
  ];
  for (const [from, to] of copies) fs.copyFileSync(path.join(options.dir, from), artifactPath(to, root));
  const transcriptTarget = artifactPath(installedTranscriptPath(transcript.circuit), root);
  if (path.resolve(transcriptTarget) !== path.resolve(loaded.path)) {
    fs.mkdirSync(path.dirname(transcriptTarget), { recursive: true });
    fs.copyFileSync(loaded.path, transcriptTarget);
  }
  const manifest: SetupManifest = {
    ...previous,
    constraints: transcript.r1cs.constraints,
    setup: {
      kind: "ceremony",
      secure: true,
      transcript: installedTranscriptPath(transcript.circuit),
      transcriptSha256: loaded.sha256,
      contributors: transcript.contributions.map((c) => c.name),
      beacon: transcript.beacon!.hash,
      phase1: { sha256: transcript.phase1.sha256, power: transcript.phase1.power, origin: transcript.phase1.origin },
      verifiedAt: new Date().toISOString(),
    },
    files: Object.fromEntries(Object.values(ARTIFACT_FILES).map((file) => [file, sha256File(artifactPath(file, root))])),
  };
  fs.writeFileSync(artifactPath(MANIFEST_FILE, root), JSON.stringify(manifest, null, 2) + "\n");
  return manifest;
}

function expectInstallable(file: string, sha256: string): void {
  if (!fs.existsSync(file) || sha256File(file) !== sha256) throw new ZkBallotError("CEREMONY_INVALID", `${file} is missing or differs from the transcript's wasm hash`);
}
