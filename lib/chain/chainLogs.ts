/**
 * Reading a contract's logs from any RPC: block ranges with retries and exponential backoff, a
 * range the RPC refuses as too large is halved, and an optional resumable cache. Used by the
 * auditor and by everything that rebuilds state from events (the roll, the ballots).
 */
import * as fs from "node:fs";
import * as path from "node:path";

import type { Log, Provider } from "ethers";

import { ZkBallotError } from "../core/errors";
import { writeFileAtomically } from "../node/files";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Retries an RPC call with exponential backoff. */
export async function withRetries<T>(what: string, maxRetries: number, call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= maxRetries) {
        throw new ZkBallotError("RPC_FAILURE", `${what} failed after ${attempt + 1} attempts: ${(error as Error).message.split("\n")[0]}`, "check the RPC endpoint, or lower --block-range");
      }
      await sleep(Math.min(250 * 2 ** attempt, 8_000));
    }
  }
}

function isRangeError(error: unknown): boolean {
  return /range|limit|too many|exceed|block.*(size|count)|query returned more/i.test((error as Error).message ?? "");
}

/** A log as the readers keep it (and the cache stores it). */
export interface ContractLog {
  blockNumber: number;
  transactionHash: string;
  index: number;
  topics: string[];
  data: string;
}

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

/** eth_getLogs from `next` to the query's end in ranges; a range the RPC refuses as too large is halved. */
async function fetchRanges(query: ContractLogQuery, next: number, into: ContractLog[]): Promise<void> {
  const { provider, contract, fromBlock, toBlock, topics } = query;
  const total = toBlock - fromBlock + 1;
  let range = query.blockRange;
  while (next <= toBlock) {
    const end = Math.min(toBlock, next + range - 1);
    const getLogs = (retries: number) => withRetries(`eth_getLogs ${next}-${end}`, retries, () => provider.getLogs({ address: contract, topics, fromBlock: next, toBlock: end }));
    let fetched: Log[];
    try {
      fetched = await getLogs(range > 1 && query.maxRetries > 0 ? 0 : query.maxRetries);
    } catch (error) {
      if (range > 1 && isRangeError(error)) {
        range = Math.max(1, Math.floor(range / 2));
        continue;
      }
      fetched = await getLogs(query.maxRetries);
    }
    for (const log of fetched) into.push({ blockNumber: log.blockNumber, transactionHash: log.transactionHash, index: log.index, topics: [...log.topics], data: log.data });
    next = end + 1;
    query.onProgress?.(Math.min(next - fromBlock, total), total);
  }
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
  await fetchRanges(query, cached ? Math.max(query.fromBlock, cached.toBlock + 1) : query.fromBlock, logs);
  logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  if (cacheFile) writeLogCache(cacheFile, query, logs);
  return logs;
}

/** The block that created the contract, by binary search over eth_getCode (0 if the node cannot tell). */
export async function findDeploymentBlock(provider: Provider, contract: string, head: number): Promise<number> {
  try {
    let low = 0;
    let high = head;
    while (low < high) {
      const mid = Math.floor((low + high) / 2);
      if ((await provider.getCode(contract, mid)) === "0x") low = mid + 1;
      else high = mid;
    }
    return low;
  } catch {
    return 0;
  }
}

