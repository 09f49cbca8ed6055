/**
 * The app's configuration: config.json next to index.html, then query parameters on top
 * (`?rpc=…&relayer=…&zkBallot=…&election=…&kind=sealed&lang=ja`). Every value is validated.
 */
import { ZkBallotError } from "../../lib/core/errors";

export interface AppConfig {
  /** JSON-RPC endpoint (absolute, or relative to the page: "/rpc" is the local server's proxy). */
  rpcUrl: string;
  /** Relayer base URL; empty means this page's origin (the local server forwards /v1/*). */
  relayerUrl: string;
  zkBallot: string;
  /** "open" (ZkBallot), "sealed" (SealedZkBallot) or "auto" (empty: detected from the contract). */
  kind: "open" | "sealed" | "auto";
  electionId: bigint;
  /** Link template for transactions, with {tx}; empty: show hashes without links. */
  txUrl: string;
  /** First block to read logs from (the deployment block); 0 when unknown. */
  fromBlock: number;
}

function text(value: unknown, name: string): string {
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") throw new ZkBallotError("INVALID_ARGUMENT", `config ${name} must be a string`);
  return value;
}

function absoluteUrl(value: string, name: string, base: string): string {
  try {
    const url = new URL(value, base);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error("not http(s)");
    return url.toString().replace(/\/$/, "");
  } catch (error) {
    throw new ZkBallotError("INVALID_ARGUMENT", `config ${name} is not a URL: ${(error as Error).message}`);
  }
}

/** Merges config.json's object and the query string into a checked AppConfig. */
export function parseAppConfig(file: Record<string, unknown>, query: URLSearchParams, pageUrl: string): AppConfig {
  const pick = (key: string, param: string) => query.get(param) ?? text(file[key], key);
  const zkBallot = pick("zkBallot", "zkBallot");
  if (!/^0x[0-9a-fA-F]{40}$/.test(zkBallot)) throw new ZkBallotError("INVALID_ARGUMENT", `config zkBallot is not an address: ${JSON.stringify(zkBallot)}`);
  const election = pick("electionId", "election");
  if (!/^[1-9][0-9]{0,30}$/.test(election)) throw new ZkBallotError("INVALID_ARGUMENT", `config electionId is not a positive integer: ${JSON.stringify(election)}`);
  const fromBlock = Number(pick("fromBlock", "fromBlock") || "0");
  if (!Number.isSafeInteger(fromBlock) || fromBlock < 0) throw new ZkBallotError("INVALID_ARGUMENT", "config fromBlock must be a block number");
  const txUrl = pick("txUrl", "txUrl");
  if (txUrl !== "" && !/^https?:\/\/[^\s]*\{tx\}/.test(txUrl)) throw new ZkBallotError("INVALID_ARGUMENT", "config txUrl must be an http(s) URL containing {tx}");
  const relayer = pick("relayerUrl", "relayer");
  const kind = pick("kind", "kind") || "auto";
  if (kind !== "open" && kind !== "sealed" && kind !== "auto") throw new ZkBallotError("INVALID_ARGUMENT", `config kind must be "open", "sealed" or empty (detect), got ${JSON.stringify(kind)}`);
  return {
    rpcUrl: absoluteUrl(pick("rpcUrl", "rpc") || "/rpc", "rpcUrl", pageUrl),
    relayerUrl: absoluteUrl(relayer === "" ? "/" : relayer, "relayerUrl", pageUrl),
    zkBallot,
    kind,
    electionId: BigInt(election),
    txUrl,
    fromBlock,
  };
}

export async function loadAppConfig(): Promise<AppConfig> {
  const response = await fetch("config.json", { cache: "no-store" });
  const file = response.ok ? ((await response.json()) as Record<string, unknown>) : {};
  return parseAppConfig(file, new URLSearchParams(location.search), location.href);
}
