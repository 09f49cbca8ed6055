/**
 * The logs an audit reads: only the audited election's (a topic filter on the indexed
 * electionId, topic 1 of every ZkBallot event), plus the ElectionCreated events of all
 * elections (to compare their number with electionCount). Each filtered query has its own
 * resumable cache file (lib/chain/chainLogs.ts), so a rerun reads only new blocks.
 */
import { fetchContractLogs, type ContractLog, type ContractLogQuery } from "../chain/chainLogs";

export type RawLog = ContractLog;

export type LogQuery = Omit<ContractLogQuery, "topics" | "cacheName">;

/** The contract's logs matching `topics`, from the cache `name` where it covers the range, else from the RPC. */
export async function fetchFilteredLogs(query: LogQuery, topics: (string | null)[], name: string): Promise<RawLog[]> {
  const logs = await fetchContractLogs({ ...query, topics, cacheName: name });
  query.onProgress?.(1, 1);
  return logs;
}
