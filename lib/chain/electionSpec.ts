/**
 * Election spec files (JSON or YAML), read and validated (Node: files, ajv). The metadata derived
 * from a spec (a data: URI and its hash on-chain) is encoded and decoded by lib/chain/metadata.ts.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { getAddress, isAddress } from "ethers";
import * as YAML from "yaml";

import { MAX_OPTIONS } from "../core/constants";
import { ZkBallotError } from "../core/errors";
import { compileValidator, describeValue } from "../core/schema";

// The metadata an election spec becomes is browser-safe and lives in lib/chain/metadata.ts.
export { decodeElectionMetadata, encodeElectionMetadata, type ElectionMetadata } from "./metadata";

export interface ElectionSpecFile {
  title: string;
  description?: string;
  options: string[];
  /** Fewest options a ballot may choose (default 1; 0 allows a blank ballot). */
  minSelections: number;
  /** Most options a ballot may choose (default 1: single choice; more: approval). */
  maxSelections: number;
  /** Registrar address; defaults to the creating account. */
  registrar?: string;
  /** Unix seconds or an ISO 8601 date; unset means "when opened" / "until the admin closes". */
  votingStartsAt?: number;
  votingEndsAt?: number;
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
    minSelections: { type: "integer", minimum: 0, maximum: MAX_OPTIONS, description: `must be a whole number from 0 to ${MAX_OPTIONS}` },
    maxSelections: { type: "integer", minimum: 1, maximum: MAX_OPTIONS, description: `must be a whole number from 1 to ${MAX_OPTIONS}` },
    registrar: { type: "string", pattern: "^0x[0-9a-fA-F]{40}$", description: "must be an Ethereum address" },
    votingStartsAt: TIME_SCHEMA,
    votingEndsAt: TIME_SCHEMA,
  },
};

interface RawSpec {
  title: string;
  description?: string;
  options: string[];
  minSelections?: number;
  maxSelections?: number;
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
  // Single choice unless the spec says otherwise (ZkBallot's InvalidSelectionRange, named by field).
  const { minSelections = 1, maxSelections = 1 } = spec;
  if (maxSelections > spec.options.length) throw specError(source, "maxSelections", `must be at most the number of options (${spec.options.length}), got ${maxSelections}`);
  if (minSelections > maxSelections) throw specError(source, "minSelections", `must be at most maxSelections (${maxSelections}${spec.maxSelections === undefined ? ", the default" : ""}), got ${minSelections}`);
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
    minSelections,
    maxSelections,
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
