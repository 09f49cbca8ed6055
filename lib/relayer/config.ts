/** The relayer's configuration, from the environment (.env), validated with clear errors. */
import * as os from "node:os";
import * as path from "node:path";

import { ZkBallotError } from "../core/errors";
import { PROJECT_ROOT } from "../proving/artifacts";

export interface RelayerConfig {
  rpcUrl: string;
  privateKey: string;
  host: string;
  port: number;
  databaseFile: string;
  /** The contract the relayer serves: an open ZkBallot, or a SealedZkBallot (RELAYER_CONTRACT_KIND; default open). */
  contractKind: "open" | "sealed";
  /** The contract's address (ZKBALLOT_ADDRESS); open default: deployments/<chainId>.json; sealed: required. */
  zkBallotAddress?: string;
  batchSize: number;
  intervalMs: number;
  stuckAfterMs: number;
  /** Requests per nullifier (submissions) and per receipt (status polls) per minute. */
  rateLimitPerMinute: number;
  /** Blocks (its own included) after which a ballot is final, or the node's "finalized" / "safe" tag. */
  finality: number | "finalized" | "safe";
  /** Proof verifier threads, and proofs waiting or in verification at most (then 503). */
  verifyWorkers: number;
  verifyQueue: number;
  /** Delete the ballots of an election once it is closed and all its ballots are final (see docs/RELAYER.md, retention). */
  purgeFinishedElections: boolean;
  /** Web origins allowed to call the API from a browser (CORS); empty: none, "*": any. */
  corsOrigins: string[];
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ZkBallotError("INVALID_ARGUMENT", `${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Default confirmations before "final": 12 blocks, for chains without a finalized tag. */
export const DEFAULT_CONFIRMATIONS = 12;

function finality(raw: string | undefined): RelayerConfig["finality"] {
  if (raw === undefined || raw === "") return DEFAULT_CONFIRMATIONS;
  if (raw === "finalized" || raw === "safe") return raw;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 10_000) {
    throw new ZkBallotError("INVALID_ARGUMENT", `RELAYER_FINALITY must be a number of blocks from 1 to 10000, "finalized" or "safe", got ${JSON.stringify(raw)}`);
  }
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw === "1" || raw === "true") return true;
  if (raw === "0" || raw === "false") return false;
  throw new ZkBallotError("INVALID_ARGUMENT", `${name} must be true or false, got ${JSON.stringify(raw)}`);
}

/**
 * RELAYER_CORS_ORIGINS: comma-separated origins (scheme://host[:port], no path) whose pages may
 * call the API, or "*" for any page. The API takes no cookies and no credentials, so "*" leaks
 * nothing a direct request could not get; a list is for operators who want only their own app.
 */
export function corsOrigins(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === "") return [];
  const origins = raw.split(",").map((entry) => entry.trim());
  if (origins.includes("*")) {
    if (origins.length > 1) throw new ZkBallotError("INVALID_ARGUMENT", `RELAYER_CORS_ORIGINS mixes "*" with origins: ${JSON.stringify(raw)}`, 'use "*" alone (any page) or a list of origins');
    return ["*"];
  }
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    if (parsed === undefined || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) {
      throw new ZkBallotError("INVALID_ARGUMENT", `RELAYER_CORS_ORIGINS entry ${JSON.stringify(origin)} is not an origin`, "write scheme://host[:port] with no path or trailing slash, e.g. https://vote.example.org");
    }
  }
  return origins;
}

export function relayerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): RelayerConfig {
  const privateKey = env.RELAYER_PRIVATE_KEY ?? "";
  if (!/^0x[0-9a-fA-F]{64}$/.test(privateKey)) {
    // Never echo the value: it may be a real key with a typo.
    throw new ZkBallotError("INVALID_ARGUMENT", "RELAYER_PRIVATE_KEY is missing or not 0x followed by 64 hex digits", "set it in .env (see .env.example)");
  }
  const address = env.ZKBALLOT_ADDRESS;
  if (address !== undefined && address !== "" && !/^0x[0-9a-fA-F]{40}$/.test(address)) {
    throw new ZkBallotError("INVALID_ARGUMENT", `ZKBALLOT_ADDRESS is not an address: ${address}`);
  }
  const contractKind = env.RELAYER_CONTRACT_KIND || "open";
  if (contractKind !== "open" && contractKind !== "sealed") {
    throw new ZkBallotError("INVALID_ARGUMENT", `RELAYER_CONTRACT_KIND must be open or sealed, got ${JSON.stringify(env.RELAYER_CONTRACT_KIND)}`, "open: a ZkBallot (POST /v1/ballots); sealed: a SealedZkBallot (POST /v1/sealed-ballots)");
  }
  if (contractKind === "sealed" && !address) {
    throw new ZkBallotError("INVALID_ARGUMENT", "RELAYER_CONTRACT_KIND=sealed needs ZKBALLOT_ADDRESS, the SealedZkBallot's address", "the address `npx hardhat sealed deploy` printed");
  }
  return {
    rpcUrl: env.RELAYER_RPC_URL || "http://127.0.0.1:8545",
    contractKind,
    privateKey,
    host: env.RELAYER_HOST || "127.0.0.1",
    port: integer(env, "RELAYER_PORT", 8645, 0, 65535),
    databaseFile: env.RELAYER_DB || path.join(PROJECT_ROOT, "relayer.sqlite"),
    zkBallotAddress: address || undefined,
    batchSize: integer(env, "RELAYER_BATCH_SIZE", 50, 1, 100),
    intervalMs: integer(env, "RELAYER_INTERVAL_MS", 1_000, 10, 600_000),
    stuckAfterMs: integer(env, "RELAYER_STUCK_AFTER_MS", 60_000, 1_000, 3_600_000),
    rateLimitPerMinute: integer(env, "RELAYER_RATE_LIMIT_PER_MINUTE", 60, 1, 1_000_000),
    finality: finality(env.RELAYER_FINALITY),
    verifyWorkers: integer(env, "RELAYER_VERIFY_WORKERS", Math.max(1, os.availableParallelism()), 1, 64),
    verifyQueue: integer(env, "RELAYER_VERIFY_QUEUE", 16, 1, 100_000),
    purgeFinishedElections: flag(env, "RELAYER_PURGE_FINISHED", true),
    corsOrigins: corsOrigins(env.RELAYER_CORS_ORIGINS),
  };
}
