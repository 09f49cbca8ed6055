/**
 * Election spec files (JSON or YAML) and the election metadata derived from them.
 *
 * The metadata (title, description, option names) is stored on-chain as a data: URI with its
 * keccak256 hash, so anyone can read the option names from the chain alone and check them.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { getAddress, isAddress, keccak256, toUtf8Bytes } from "ethers";
import * as YAML from "yaml";

import { MAX_OPTIONS } from "../core/constants";
import { ZkBallotError } from "../core/errors";

export interface ElectionSpecFile {
  title: string;
  description?: string;
  options: string[];
  /** Registrar address; defaults to the creating account. */
  registrar?: string;
  /** Unix seconds or an ISO 8601 date; unset means "when opened" / "until the admin closes". */
  votingStartsAt?: number;
  votingEndsAt?: number;
}

export interface ElectionMetadata {
  title: string;
  description: string;
  options: string[];
}

const SPEC_FIELDS = ["title", "description", "options", "registrar", "votingStartsAt", "votingEndsAt"];
const MAX_TITLE_LENGTH = 200;
const MAX_OPTION_LENGTH = 100;

function specError(source: string, field: string, problem: string): ZkBallotError {
  return new ZkBallotError("INVALID_ARGUMENT", `${source}: ${field} ${problem}`, "see docs/CLI.md for the election spec format");
}

function parseTime(value: unknown, source: string, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number" && Number.isSafeInteger(value) && value > 0) return value;
  if (value instanceof Date || (typeof value === "string" && value.trim() !== "")) {
    const millis = value instanceof Date ? value.getTime() : Date.parse(value);
    if (!Number.isNaN(millis)) return Math.floor(millis / 1000);
  }
  throw specError(source, field, `must be unix seconds or an ISO 8601 date, got ${JSON.stringify(value)}`);
}

/** Parses and validates a spec; every error names the offending field. */
export function parseElectionSpec(text: string, source: string): ElectionSpecFile {
  let data: unknown;
  try {
    data = /\.ya?ml$/i.test(source) ? YAML.parse(text) : JSON.parse(text);
  } catch (error) {
    throw new ZkBallotError("INVALID_ARGUMENT", `${source} does not parse: ${(error as Error).message.split("\n")[0]}`, "check the file's syntax");
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) throw specError(source, "the spec", "must be an object");
  const spec = data as Record<string, unknown>;
  for (const key of Object.keys(spec)) {
    if (!SPEC_FIELDS.includes(key)) throw specError(source, key, `is not a known field (known: ${SPEC_FIELDS.join(", ")})`);
  }
  if (typeof spec.title !== "string" || spec.title.trim() === "") throw specError(source, "title", "must be a non-empty string");
  if (spec.title.length > MAX_TITLE_LENGTH) throw specError(source, "title", `must be at most ${MAX_TITLE_LENGTH} characters`);
  if (spec.description !== undefined && typeof spec.description !== "string") throw specError(source, "description", "must be a string");
  if (!Array.isArray(spec.options)) throw specError(source, "options", "must be a list of option names");
  if (spec.options.length < 2 || spec.options.length > MAX_OPTIONS) throw specError(source, "options", `must have 2 to ${MAX_OPTIONS} entries, got ${spec.options.length}`);
  const seen = new Set<string>();
  spec.options.forEach((option, i) => {
    if (typeof option !== "string" || option.trim() === "") throw specError(source, `options[${i}]`, "must be a non-empty string");
    if (option.length > MAX_OPTION_LENGTH) throw specError(source, `options[${i}]`, `must be at most ${MAX_OPTION_LENGTH} characters`);
    if (seen.has(option.trim().toLowerCase())) throw specError(source, `options[${i}]`, `duplicates an earlier option (${JSON.stringify(option)})`);
    seen.add(option.trim().toLowerCase());
  });
  let registrar: string | undefined;
  if (spec.registrar !== undefined) {
    if (typeof spec.registrar !== "string" || !isAddress(spec.registrar)) throw specError(source, "registrar", "must be an Ethereum address");
    registrar = getAddress(spec.registrar);
  }
  const votingStartsAt = parseTime(spec.votingStartsAt, source, "votingStartsAt");
  const votingEndsAt = parseTime(spec.votingEndsAt, source, "votingEndsAt");
  if (votingStartsAt !== undefined && votingEndsAt !== undefined && votingStartsAt >= votingEndsAt) {
    throw specError(source, "votingEndsAt", "must be after votingStartsAt");
  }
  return {
    title: spec.title.trim(),
    description: spec.description as string | undefined,
    options: (spec.options as string[]).map((option) => option.trim()),
    registrar,
    votingStartsAt,
    votingEndsAt,
  };
}

export function readElectionSpec(file: string): ElectionSpecFile {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new ZkBallotError("INVALID_ARGUMENT", `cannot read spec ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, "check the path");
  }
  return parseElectionSpec(text, path.basename(file));
}

const DATA_URI_PREFIX = "data:application/json;base64,";

/** The metadata as canonical JSON, its on-chain data: URI and its keccak256 hash. */
export function encodeElectionMetadata(spec: ElectionSpecFile): { metadataURI: string; metadataHash: string } {
  const metadata: ElectionMetadata = { title: spec.title, description: spec.description ?? "", options: spec.options };
  const json = JSON.stringify(metadata);
  return { metadataURI: DATA_URI_PREFIX + Buffer.from(json, "utf8").toString("base64"), metadataHash: keccak256(toUtf8Bytes(json)) };
}

/** Reads option names back from the chain's metadata URI; undefined unless the hash and option count check out. */
export function decodeElectionMetadata(metadataURI: string, metadataHash: string, numOptions: number): ElectionMetadata | undefined {
  if (!metadataURI.startsWith(DATA_URI_PREFIX)) return undefined;
  const json = Buffer.from(metadataURI.slice(DATA_URI_PREFIX.length), "base64").toString("utf8");
  if (keccak256(toUtf8Bytes(json)) !== metadataHash) return undefined;
  try {
    const metadata = JSON.parse(json) as ElectionMetadata;
    if (!Array.isArray(metadata.options) || metadata.options.length !== numOptions || !metadata.options.every((o) => typeof o === "string")) return undefined;
    return metadata;
  } catch {
    return undefined;
  }
}
