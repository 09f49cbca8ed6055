/**
 * Reading a contract's logs from any RPC, browser-safe: block ranges, retries with exponential
 * backoff, a range the RPC refuses as too large is halved. lib/chain/chainLogs.ts adds a
 * resumable file cache on top for Node; everything that rebuilds state from events (the roll,
 * the ballots, the web app's pages) reads through this.
 */
import type { Log, Provider } from "ethers";

import { ZkBallotError } from "../core/errors";

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

/** A log as the readers keep it. */
export interface RawLog {
  blockNumber: number;
  transactionHash: string;
  index: number;
  topics: string[];
  data: string;
}

export interface LogRangeQuery {
  provider: Provider;
  contract: string;
  topics?: (string | null)[];
  fromBlock: number;
  toBlock: number;
  blockRange: number;
  maxRetries: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Every log of the contract between two blocks (inclusive), in ranges of at most `blockRange`;
 * a range the RPC refuses as too large is split, a transient failure is retried with backoff.
 * `onProgress` counts blocks from `progressFrom` (default `fromBlock`).
 */
export async function fetchLogsInRanges(query: LogRangeQuery, progressFrom = query.fromBlock): Promise<RawLog[]> {
  const { provider, contract, toBlock } = query;
  const logs: RawLog[] = [];
  const total = toBlock - progressFrom + 1;
  let next = query.fromBlock;
  let range = query.blockRange;
  while (next <= toBlock) {
    const end = Math.min(toBlock, next + range - 1);
    let fetched: Log[];
    try {
      fetched = await withRetries(`eth_getLogs ${next}-${end}`, range > 1 && query.maxRetries > 0 ? 0 : query.maxRetries, () => provider.getLogs({ address: contract, topics: query.topics, fromBlock: next, toBlock: end }));
    } catch (error) {
      if (range > 1 && isRangeError(error)) {
        range = Math.max(1, Math.floor(range / 2));
        continue;
      }
      fetched = await withRetries(`eth_getLogs ${next}-${end}`, query.maxRetries, () => provider.getLogs({ address: contract, topics: query.topics, fromBlock: next, toBlock: end }));
    }
    for (const log of fetched) logs.push({ blockNumber: log.blockNumber, transactionHash: log.transactionHash, index: log.index, topics: [...log.topics], data: log.data });
    next = end + 1;
    query.onProgress?.(Math.min(next - progressFrom, total), total);
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
