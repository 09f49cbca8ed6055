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

interface LogCache {
  chainId: string;
  contract: string;
  fromBlock: number;
  toBlock: number;
  logs: { blockNumber: number; transactionHash: string; index: number; topics: string[]; data: string }[];
}

/**
 * Every log of the contract between two blocks, fetched in ranges; a range the RPC refuses as
 * too large is split, a transient failure is retried with backoff. Logs of blocks at least
 * `cacheConfirmations` deep are cached so a rerun resumes.
 */
export async function fetchContractLogs(options: {
  provider: Provider;
  contract: string;
  /** Topic filter; when set, nothing is cached. */
  topics?: (string | null)[];
  chainId: bigint;
  fromBlock: number;
  toBlock: number;
  blockRange: number;
  maxRetries: number;
  cacheDir?: string;
  cacheConfirmations: number;
  onProgress?: (done: number, total: number) => void;
}): Promise<LogCache["logs"]> {
  const { provider, contract, fromBlock, toBlock } = options;
  const cacheFile = options.cacheDir && !options.topics ? path.join(options.cacheDir, `${options.chainId}-${contract.toLowerCase()}.json`) : undefined;
  let cached: LogCache | undefined;
  if (cacheFile && fs.existsSync(cacheFile)) {
    try {
      const data = JSON.parse(fs.readFileSync(cacheFile, "utf8")) as LogCache;
      if (data.chainId === options.chainId.toString() && data.contract === contract && data.fromBlock <= fromBlock) cached = data;
    } catch {
      cached = undefined; // a corrupt cache is refetched, never trusted
    }
  }
  const logs = cached ? cached.logs.filter((log) => log.blockNumber >= fromBlock && log.blockNumber <= toBlock) : [];
  let next = cached ? Math.max(fromBlock, cached.toBlock + 1) : fromBlock;
  const total = toBlock - fromBlock + 1;
  let range = options.blockRange;
  while (next <= toBlock) {
    const end = Math.min(toBlock, next + range - 1);
    let fetched: Log[];
    try {
      fetched = await withRetries(`eth_getLogs ${next}-${end}`, range > 1 && options.maxRetries > 0 ? 0 : options.maxRetries, () => provider.getLogs({ address: contract, topics: options.topics, fromBlock: next, toBlock: end }));
    } catch (error) {
      if (range > 1 && isRangeError(error)) {
        range = Math.max(1, Math.floor(range / 2));
        continue;
      }
      fetched = await withRetries(`eth_getLogs ${next}-${end}`, options.maxRetries, () => provider.getLogs({ address: contract, topics: options.topics, fromBlock: next, toBlock: end }));
    }
    for (const log of fetched) logs.push({ blockNumber: log.blockNumber, transactionHash: log.transactionHash, index: log.index, topics: [...log.topics], data: log.data });
    next = end + 1;
    options.onProgress?.(Math.min(next - fromBlock, total), total);
  }
  logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  if (cacheFile) {
    const safeTo = toBlock - options.cacheConfirmations;
    if (safeTo >= fromBlock) {
      fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
      const entry: LogCache = { chainId: options.chainId.toString(), contract, fromBlock, toBlock: safeTo, logs: logs.filter((log) => log.blockNumber <= safeTo) };
      writeFileAtomically(cacheFile, JSON.stringify(entry));
    }
  }
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

