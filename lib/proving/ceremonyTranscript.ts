/**
 * The public record of a phase-2 trusted setup ceremony: circuits/ceremony/<circuit>/transcript.json.
 *
 * It lists, in order, every contribution (who, the contribution hash they published, the SHA-256
 * of the key they started from and of the key they produced, when, and what they attest), the
 * public beacon that closes the ceremony, and the hashes that bind it to one r1cs, one phase-1
 * powers-of-tau file, one verification key and one Solidity verifier. Every reader validates it
 * against this schema first; `ceremony verify` (lib/proving/ceremony.ts) then checks it against
 * the files, and the files against each other with snarkjs.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import { ZkBallotError } from "../core/errors";

export const TRANSCRIPT_FORMAT = "zkballot-ceremony-transcript";
export const TRANSCRIPT_FILE = "transcript.json";

/** Where a ptau came from: an operator-supplied file (e.g. a public perpetual powers of tau) or `ceremony ptau-local`. */
export type Phase1Origin = "supplied" | "local";

export interface TranscriptContribution {
  /** 1-based position in the chain. */
  index: number;
  name: string;
  /** snarkjs's contribution hash (BLAKE2b-512, 128 hex digits): what the contributor publishes. */
  contributionHash: string;
  /** SHA-256 of the key the contribution started from (the initial key, or the previous contribution's output). */
  previousKeySha256: string;
  /** SHA-256 of the key file it produced. */
  newKeySha256: string;
  /** That key's file name, in the ceremony directory. */
  file: string;
  /** ISO 8601, UTC. */
  time: string;
  attestation?: string;
}

export interface TranscriptBeacon {
  /** The beacon value, hex without 0x (e.g. a block hash of the target chain chosen in advance). */
  hash: string;
  iterationsExp: number;
  description: string;
  time: string;
}

export interface CeremonyTranscript {
  format: typeof TRANSCRIPT_FORMAT;
  version: 1;
  circuit: string;
  phase1: { file: string; sha256: string; power: number; origin: Phase1Origin; warning?: string };
  r1cs: { file: string; sha256: string; constraints: number; publicSignals: number };
  wasm?: { file: string; sha256: string };
  initialKey: { file: string; sha256: string; time: string };
  contributions: TranscriptContribution[];
  beacon?: TranscriptBeacon;
  final?: {
    key: { file: string; sha256: string };
    verificationKey: { file: string; sha256: string };
    verifier: { file: string; sha256: string };
    time: string;
  };
}

/** A transcript as read from disk, with the SHA-256 of its exact bytes (what a manifest records). */
export interface LoadedTranscript {
  transcript: CeremonyTranscript;
  sha256: string;
  path: string;
  /** The ceremony directory (the transcript's own). */
  dir: string;
}

export const LOCAL_PTAU_WARNING =
  "LOCAL phase 1, NOT FOR PRODUCTION: every phase-1 contribution was made on one machine by `ceremony ptau-local`; use a public powers-of-tau file for a real election";

const HEX64 = /^[0-9a-f]{64}$/;
const HEX128 = /^[0-9a-f]{128}$/;
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const CIRCUIT_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

export function isValidCircuitName(name: string): boolean {
  return CIRCUIT_NAME.test(name);
}

/** A contributor's name: 1-100 printable characters, no line breaks. */
export function checkContributorName(name: string): string {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > 100 || /[\p{Cc}]/u.test(trimmed)) {
    throw new ZkBallotError("INVALID_ARGUMENT", `contributor name must be 1-100 printable characters on one line, got ${JSON.stringify(name)}`);
  }
  return trimmed;
}

/** Attestation text: up to 2,000 characters, line breaks allowed, no other control characters. */
export function checkAttestation(text: string): string {
  if (text.length > 2000 || /[\p{Cc}]/u.test(text.replace(/\r?\n/g, ""))) {
    throw new ZkBallotError("INVALID_ARGUMENT", "attestation must be at most 2,000 characters of text (line breaks allowed)");
  }
  return text;
}

/** A beacon: 1-64 bytes of hex (0x optional), as snarkjs takes it. */
export function normalizeBeaconHex(value: string): string {
  const hex = value.startsWith("0x") || value.startsWith("0X") ? value.slice(2) : value;
  if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length % 2 !== 0 || hex.length > 128) {
    throw new ZkBallotError("INVALID_ARGUMENT", `beacon must be hex (an even number of digits, at most 64 bytes), got ${JSON.stringify(value)}`, "use a block hash of the target chain chosen in advance");
  }
  return hex.toLowerCase();
}

class Schema {
  constructor(readonly file: string) {}
  fail(where: string, what: string): never {
    throw new ZkBallotError("INVALID_TRANSCRIPT", `${this.file}: ${where} ${what}`, "a transcript is written by `ceremony init/contribute/finalize`; never edit it by hand");
  }
  object(value: unknown, where: string): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) this.fail(where, "must be an object");
    return value as Record<string, unknown>;
  }
  string(record: Record<string, unknown>, key: string, where: string, pattern?: RegExp): string {
    const value = record[key];
    if (typeof value !== "string" || (pattern !== undefined && !pattern.test(value))) this.fail(`${where}.${key}`, pattern ? `must match ${String(pattern)}` : "must be a string");
    return value;
  }
  integer(record: Record<string, unknown>, key: string, where: string, min: number, max: number): number {
    const value = record[key];
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) this.fail(`${where}.${key}`, `must be an integer in [${min}, ${max}]`);
    return value;
  }
  time(record: Record<string, unknown>, key: string, where: string): string {
    const value = this.string(record, key, where);
    if (Number.isNaN(Date.parse(value))) this.fail(`${where}.${key}`, "must be an ISO 8601 time");
    return value;
  }
  fileRef(value: unknown, where: string): { file: string; sha256: string } {
    const record = this.object(value, where);
    return { file: this.string(record, "file", where, FILE_NAME), sha256: this.string(record, "sha256", where, HEX64) };
  }
  only(record: Record<string, unknown>, where: string, keys: string[]): void {
    const extra = Object.keys(record).filter((key) => !keys.includes(key));
    if (extra.length > 0) this.fail(where, `has unknown field(s) ${extra.join(", ")}`);
  }
}

function parseContribution(schema: Schema, value: unknown, position: number): TranscriptContribution {
  const where = `contributions[${position}]`;
  const record = schema.object(value, where);
  schema.only(record, where, ["index", "name", "contributionHash", "previousKeySha256", "newKeySha256", "file", "time", "attestation"]);
  const index = schema.integer(record, "index", where, 1, 1_000_000);
  if (index !== position + 1) schema.fail(`${where}.index`, `is ${index}, expected ${position + 1} (contributions are numbered in order)`);
  const contribution: TranscriptContribution = {
    index,
    name: schema.string(record, "name", where),
    contributionHash: schema.string(record, "contributionHash", where, HEX128),
    previousKeySha256: schema.string(record, "previousKeySha256", where, HEX64),
    newKeySha256: schema.string(record, "newKeySha256", where, HEX64),
    file: schema.string(record, "file", where, FILE_NAME),
    time: schema.time(record, "time", where),
  };
  try {
    checkContributorName(contribution.name);
    if (record.attestation !== undefined) contribution.attestation = checkAttestation(schema.string(record, "attestation", where));
  } catch (error) {
    schema.fail(where, (error as Error).message);
  }
  return contribution;
}

/** Validates a parsed transcript against the schema; throws INVALID_TRANSCRIPT naming the field. */
export function parseTranscript(value: unknown, file = TRANSCRIPT_FILE): CeremonyTranscript {
  const schema = new Schema(file);
  const root = schema.object(value, "transcript");
  schema.only(root, "transcript", ["format", "version", "circuit", "phase1", "r1cs", "wasm", "initialKey", "contributions", "beacon", "final"]);
  if (root.format !== TRANSCRIPT_FORMAT) schema.fail("format", `must be "${TRANSCRIPT_FORMAT}"`);
  if (root.version !== 1) schema.fail("version", "must be 1");
  const phase1 = schema.object(root.phase1, "phase1");
  const origin = schema.string(phase1, "origin", "phase1", /^(supplied|local)$/) as Phase1Origin;
  const r1cs = schema.object(root.r1cs, "r1cs");
  const initialKey = schema.object(root.initialKey, "initialKey");
  if (!Array.isArray(root.contributions)) schema.fail("contributions", "must be an array");
  const transcript: CeremonyTranscript = {
    format: TRANSCRIPT_FORMAT,
    version: 1,
    circuit: schema.string(root, "circuit", "transcript", CIRCUIT_NAME),
    phase1: { ...schema.fileRef(phase1, "phase1"), power: schema.integer(phase1, "power", "phase1", 1, 28), origin, ...(origin === "local" ? { warning: LOCAL_PTAU_WARNING } : {}) },
    r1cs: { ...schema.fileRef(r1cs, "r1cs"), constraints: schema.integer(r1cs, "constraints", "r1cs", 0, 2 ** 28), publicSignals: schema.integer(r1cs, "publicSignals", "r1cs", 0, 1_000_000) },
    ...(root.wasm === undefined ? {} : { wasm: schema.fileRef(root.wasm, "wasm") }),
    initialKey: { ...schema.fileRef(initialKey, "initialKey"), time: schema.time(initialKey, "time", "initialKey") },
    contributions: (root.contributions as unknown[]).map((entry, i) => parseContribution(schema, entry, i)),
  };
  if (root.beacon !== undefined) {
    const beacon = schema.object(root.beacon, "beacon");
    transcript.beacon = {
      hash: schema.string(beacon, "hash", "beacon", /^([0-9a-f]{2}){1,64}$/),
      iterationsExp: schema.integer(beacon, "iterationsExp", "beacon", 10, 63),
      description: schema.string(beacon, "description", "beacon"),
      time: schema.time(beacon, "time", "beacon"),
    };
  }
  if (root.final !== undefined) {
    if (transcript.beacon === undefined) schema.fail("final", "is present without a beacon");
    const final = schema.object(root.final, "final");
    transcript.final = {
      key: schema.fileRef(final.key, "final.key"),
      verificationKey: schema.fileRef(final.verificationKey, "final.verificationKey"),
      verifier: schema.fileRef(final.verifier, "final.verifier"),
      time: schema.time(final, "time", "final"),
    };
  }
  return transcript;
}

export function sha256Hex(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Reads and validates a transcript file. */
export function readTranscript(file: string): LoadedTranscript {
  if (!fs.existsSync(file)) throw new ZkBallotError("INVALID_TRANSCRIPT", `${file} not found`, "run `npx hardhat ceremony init` first, or pass the transcript's path");
  const bytes = fs.readFileSync(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch (error) {
    throw new ZkBallotError("INVALID_TRANSCRIPT", `${file} is not valid JSON: ${(error as Error).message}`);
  }
  return { transcript: parseTranscript(parsed, file), sha256: sha256Hex(bytes), path: file, dir: path.dirname(file) };
}

/** Writes a transcript (validated first, so nothing invalid reaches the disk) atomically. */
export function writeTranscript(file: string, transcript: CeremonyTranscript): string {
  parseTranscript(JSON.parse(JSON.stringify(transcript)), file);
  const text = JSON.stringify(transcript, null, 2) + "\n";
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, text);
  fs.renameSync(temporary, file);
  return sha256Hex(text);
}

/** The SHA-256 of the key the next contribution must start from (the last output, or the initial key). */
export function latestKeySha256(transcript: CeremonyTranscript): string {
  return transcript.contributions.at(-1)?.newKeySha256 ?? transcript.initialKey.sha256;
}
