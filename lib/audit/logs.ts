/**
 * The logs an audit reads: only the audited election's (a topic filter on the indexed
 * electionId, topic 1 of every ZkBallot event), plus the ElectionCreated events of all
 * elections (to compare their number with electionCount). Each filtered query has its own
 * resumable cache file, so a rerun reads only new blocks.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import type { Provider } from "ethers";

import { fetchContractLogs } from "../chain/chainLogs";
import { writeFileAtomically } from "../node/files";

export type RawLog = Awaited<ReturnType<typeof fetchContractLogs>>[number];

export interface LogQuery {
  provider: Provider;
  contract: string;
  chainId: bigint;
  fromBlock: number;
  toBlock: number;
  blockRange: number;
  maxRetries: number;
  cacheDir?: string;
  cacheConfirmations: number;
  onProgress?: (done: number, total: number) => void;
}

interface FilteredCache {
  chainId: string;
  contract: string;
  topics: (string | null)[];
  fromBlock: number;
  toBlock: number;
  logs: RawLog[];
}

function readCache(file: string, query: LogQuery, topics: (string | null)[]): FilteredCache | undefined {
  if (!fs.existsSync(file)) return undefined;
  try {
    const data = JSON.parse(fs.readFileSync(file, "utf8")) as FilteredCache;
    const sameQuery = data.chainId === query.chainId.toString() && data.contract === query.contract && JSON.stringify(data.topics) === JSON.stringify(topics);
    return sameQuery && data.fromBlock <= query.fromBlock && Array.isArray(data.logs) ? data : undefined;
  } catch {
    return undefined; // a corrupt cache is refetched, never trusted
  }
}

/** The contract's logs matching `topics`, from the cache where it covers the range, else from the RPC. */
export async function fetchFilteredLogs(query: LogQuery, topics: (string | null)[], name: string): Promise<RawLog[]> {
  const file = query.cacheDir ? path.join(query.cacheDir, `${query.chainId}-${query.contract.toLowerCase()}-${name}.json`) : undefined;
  const cached = file ? readCache(file, query, topics) : undefined;
  const logs = cached ? cached.logs.filter((log) => log.blockNumber >= query.fromBlock && log.blockNumber <= query.toBlock) : [];
  const next = cached ? Math.max(query.fromBlock, cached.toBlock + 1) : query.fromBlock;
  if (next <= query.toBlock) {
    const fresh = await fetchContractLogs({ ...query, topics, fromBlock: next, cacheDir: undefined });
    logs.push(...fresh);
  }
  query.onProgress?.(1, 1);
  logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  const safeTo = query.toBlock - query.cacheConfirmations;
  if (file && safeTo >= query.fromBlock) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const entry: FilteredCache = { chainId: query.chainId.toString(), contract: query.contract, topics, fromBlock: query.fromBlock, toBlock: safeTo, logs: logs.filter((log) => log.blockNumber <= safeTo) };
    writeFileAtomically(file, JSON.stringify(entry));
  }
  return logs;
}
