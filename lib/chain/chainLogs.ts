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

interface LogCache {
  chainId: string;
  contract: string;
  fromBlock: number;
  toBlock: number;
  logs: RawLog[];
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
  const { contract, fromBlock, toBlock } = options;
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
  const next = cached ? Math.max(fromBlock, cached.toBlock + 1) : fromBlock;
  if (next <= toBlock) logs.push(...(await fetchLogsInRanges({ ...options, fromBlock: next }, fromBlock)));
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
