/**
 * Reading a contract's logs with a resumable file cache (Node): the range reader of
 * lib/chain/logRanges.ts (browser-safe: ranges, retries, backoff, a refused range halved) plus a
 * cache of the logs of blocks deep enough, so an audit rerun resumes.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import type { Provider } from "ethers";

import { writeFileAtomically } from "../node/files";
import { fetchLogsInRanges, type RawLog } from "./logRanges";

export { findDeploymentBlock, withRetries } from "./logRanges";

/** A log as the readers keep it (and the cache stores it): lib/chain/logRanges.ts's RawLog. */
export type ContractLog = RawLog;

interface LogCache {
  chainId: string;
  contract: string;
  /** The topic filter of the query cached (absent: every log of the contract). */
  topics?: (string | null)[];
  fromBlock: number;
  toBlock: number;
  logs: ContractLog[];
}

export interface ContractLogQuery {
  provider: Provider;
  contract: string;
  /** Topic filter; a filtered query is cached only under a `cacheName` of its own. */
  topics?: (string | null)[];
  /** Names the cache file of a filtered query: `<chainId>-<contract>-<cacheName>.json`. */
  cacheName?: string;
  chainId: bigint;
  fromBlock: number;
  toBlock: number;
  blockRange: number;
  maxRetries: number;
  cacheDir?: string;
  cacheConfirmations: number;
  onProgress?: (done: number, total: number) => void;
}

function cacheFileOf(query: ContractLogQuery): string | undefined {
  if (!query.cacheDir || (query.topics && !query.cacheName)) return undefined;
  return path.join(query.cacheDir, `${query.chainId}-${query.contract.toLowerCase()}${query.cacheName ? `-${query.cacheName}` : ""}.json`);
}

/** The cache entry for this very query (chain, contract, topics), if it starts early enough; a corrupt one is ignored. */
function readLogCache(file: string, query: ContractLogQuery): LogCache | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    const data = JSON.parse(fs.readFileSync(file, "utf8")) as LogCache;
    const sameQuery = data.chainId === query.chainId.toString() && data.contract === query.contract && JSON.stringify(data.topics ?? null) === JSON.stringify(query.topics ?? null);
    return sameQuery && data.fromBlock <= query.fromBlock && Array.isArray(data.logs) ? data : undefined;
  } catch {
    return undefined; // a corrupt cache is refetched, never trusted
  }
}

/** Logs of blocks at least `cacheConfirmations` deep, written atomically so a rerun resumes. */
function writeLogCache(file: string, query: ContractLogQuery, logs: readonly ContractLog[]): void {
  const safeTo = query.toBlock - query.cacheConfirmations;
  if (safeTo < query.fromBlock) return;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const entry: LogCache = { chainId: query.chainId.toString(), contract: query.contract, ...(query.topics ? { topics: query.topics } : {}), fromBlock: query.fromBlock, toBlock: safeTo, logs: logs.filter((log) => log.blockNumber <= safeTo) };
  writeFileAtomically(file, JSON.stringify(entry));
}

/**
 * The contract's logs between two blocks (all of them, or those matching `topics`), fetched in
 * ranges; a range the RPC refuses as too large is split, a transient failure is retried with
 * backoff. With `cacheDir`, logs of blocks at least `cacheConfirmations` deep are cached so a
 * rerun reads only new blocks.
 */
export async function fetchContractLogs(query: ContractLogQuery): Promise<ContractLog[]> {
  const cacheFile = cacheFileOf(query);
  const cached = cacheFile ? readLogCache(cacheFile, query) : undefined;
  const logs = cached ? cached.logs.filter((log) => log.blockNumber >= query.fromBlock && log.blockNumber <= query.toBlock) : [];
  const next = cached ? Math.max(query.fromBlock, cached.toBlock + 1) : query.fromBlock;
  if (next <= query.toBlock) logs.push(...(await fetchLogsInRanges({ ...query, fromBlock: next }, query.fromBlock)));
  logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  if (cacheFile) writeLogCache(cacheFile, query, logs);
  return logs;
}
