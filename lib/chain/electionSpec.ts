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
import { compileValidator, describeValue } from "../core/schema";

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

const MAX_TITLE_LENGTH = 200;
const MAX_OPTION_LENGTH = 100;

/** A time: unix seconds, or a date string that parseTime reads (ISO 8601). */
const TIME_SCHEMA = {
  type: ["integer", "string", "null"],
  minimum: 1,
  maximum: Number.MAX_SAFE_INTEGER,
  minLength: 1,
  description: "must be unix seconds or an ISO 8601 date",
};

/** The spec file's shape (docs/CLI.md, "Election spec"); the rules across fields are checked after it. */
const SPEC_SCHEMA = {
  type: "object",
  description: "must be an object",
  additionalProperties: false,
  required: ["title", "options"],
  properties: {
    title: {
      type: "string",
      pattern: "\\S",
      maxLength: MAX_TITLE_LENGTH,
      description: "must be a non-empty string",
      problems: { maxLength: `must be at most ${MAX_TITLE_LENGTH} characters` },
    },
    description: { type: "string", description: "must be a string" },
    options: {
      type: "array",
      minItems: 2,
      maxItems: MAX_OPTIONS,
      items: {
        type: "string",
        pattern: "\\S",
        maxLength: MAX_OPTION_LENGTH,
        description: "must be a non-empty string",
        problems: { maxLength: `must be at most ${MAX_OPTION_LENGTH} characters` },
      },
      description: "must be a list of option names",
      problems: { minItems: `must have 2 to ${MAX_OPTIONS} entries`, maxItems: `must have 2 to ${MAX_OPTIONS} entries` },
    },
    registrar: { type: "string", pattern: "^0x[0-9a-fA-F]{40}$", description: "must be an Ethereum address" },
    votingStartsAt: TIME_SCHEMA,
    votingEndsAt: TIME_SCHEMA,
  },
};

interface RawSpec {
  title: string;
  description?: string;
  options: string[];
  registrar?: string;
  votingStartsAt?: number | string | null;
  votingEndsAt?: number | string | null;
}

const validateSpec = compileValidator<RawSpec>(SPEC_SCHEMA);

function specError(source: string, field: string, problem: string): ZkBallotError {
  return new ZkBallotError("INVALID_ARGUMENT", `${source}: ${field} ${problem}`, "see docs/CLI.md for the election spec format");
}

function parseTime(value: unknown, source: string, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "number") return value; // the schema checked it: a positive safe integer
  const millis = value instanceof Date ? value.getTime() : Date.parse(String(value));
  if (!Number.isNaN(millis)) return Math.floor(millis / 1000);
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
  const violation = validateSpec(data);
  if (violation !== undefined) {
    const got = violation.keyword === "required" || violation.keyword === "additionalProperties" ? "" : `, got ${describeValue(violation)}`;
    throw specError(source, violation.field === "" ? "the spec" : violation.field, violation.problem + got);
  }
  const spec = data as RawSpec;
  const seen = new Set<string>();
  spec.options.forEach((option, i) => {
    if (seen.has(option.trim().toLowerCase())) throw specError(source, `options[${i}]`, `duplicates an earlier option (${JSON.stringify(option)})`);
    seen.add(option.trim().toLowerCase());
  });
  let registrar: string | undefined;
  if (spec.registrar !== undefined) {
    if (!isAddress(spec.registrar)) throw specError(source, "registrar", "must be an Ethereum address (its mixed-case checksum is wrong)");
    registrar = getAddress(spec.registrar);
  }
  const votingStartsAt = parseTime(spec.votingStartsAt, source, "votingStartsAt");
  const votingEndsAt = parseTime(spec.votingEndsAt, source, "votingEndsAt");
  if (votingStartsAt !== undefined && votingEndsAt !== undefined && votingStartsAt >= votingEndsAt) {
    throw specError(source, "votingEndsAt", "must be after votingStartsAt");
  }
  return {
    title: spec.title.trim(),
    description: spec.description,
    options: spec.options.map((option) => option.trim()),
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
