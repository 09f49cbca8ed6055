/**
 * The part of an audit's chain read that does not depend on the contract kind: the snapshot
 * block, the retried RPC, the election's logs (filtered by its topic and decoded), and memoised
 * lookups of transactions and block timestamps. The open auditor (context.ts) and the sealed one
 * (sealedContext.ts) each add their contract's own state on top.
 */
import { getAddress, type Provider, type TransactionResponse } from "ethers";

import { findDeploymentBlock, withRetries } from "../chain/chainLogs";
import { ZkBallotError } from "../core/errors";
import { electionTopic } from "../core/events";
import { fetchFilteredLogs, type LogQuery, type RawLog } from "./logs";
import { at, type AuditOptions, type CheckBuilder } from "./types";

export type Rpc = <T>(what: string, call: () => Promise<T>) => Promise<T>;

/** The block every read of one audit is taken at, and the means to read it. */
export interface AuditSnapshot {
  provider: Provider;
  contract: string;
  electionId: bigint;
  chainId: bigint;
  /** The snapshot block: every state read and every log is taken at it. */
  head: number;
  rpc: Rpc;
  progress: (stage: string, done: number, total: number) => void;
}

/** A lookup that loads each key once (concurrent callers share the pending load). */
export function memo<K, V>(load: (key: K) => Promise<V>): (key: K) => Promise<V> {
  const values = new Map<K, Promise<V>>();
  return (key) => {
    if (!values.has(key)) values.set(key, load(key));
    return values.get(key)!;
  };
}

/**
 * Checks that a contract is deployed at the audited address and fixes the snapshot block. One
 * snapshot: a ballot or a close landing during the audit cannot make state and events disagree.
 */
export async function openAuditSnapshot(options: AuditOptions): Promise<AuditSnapshot> {
  const { provider, electionId } = options;
  const contract = getAddress(options.contractAddress);
  const progress = options.onProgress ?? (() => undefined);
  const maxRetries = options.maxRetries ?? 5;
  const rpc: Rpc = (what, call) => withRetries(what, maxRetries, call);
  const { chainId } = await rpc("eth_chainId", () => provider.getNetwork());
  if ((await rpc("eth_getCode", () => provider.getCode(contract))) === "0x") {
    throw new ZkBallotError("INVALID_ARGUMENT", `no contract at ${contract} on chain ${chainId}`, "check the address and --network");
  }
  const head = options.toBlock ?? (await rpc("eth_getBlockByNumber", () => provider.getBlock("latest")))?.number;
  if (head === undefined || head === null) throw new ZkBallotError("RPC_FAILURE", "the RPC returned no latest block", "check the RPC endpoint");
  return { provider, contract, electionId, chainId, head, rpc, progress };
}

/** The log query for the snapshot, from the deployment block (or options.fromBlock) to the head. */
export async function snapshotLogQuery(options: AuditOptions, snapshot: AuditSnapshot): Promise<LogQuery> {
  const { provider, contract, chainId, head, progress } = snapshot;
  const fromBlock = options.fromBlock ?? (await findDeploymentBlock(provider, contract, head));
  return {
    provider, contract, chainId, fromBlock, toBlock: head, blockRange: options.blockRange ?? 5_000, maxRetries: options.maxRetries ?? 5,
    cacheDir: options.cacheDir, cacheConfirmations: options.cacheConfirmations ?? 12,
    onProgress: (done, total) => progress("fetching logs", done, total),
  };
}

/** The audited election's raw logs: only those whose second topic is its id (cache key `cacheName`). */
export function fetchElectionLogs(query: LogQuery, electionId: bigint, cacheName: string): Promise<RawLog[]> {
  return fetchFilteredLogs(query, [null, electionTopic(electionId)], cacheName);
}

/** What a contract's decoder makes of one log: its election and the decoded form the checks read. */
export interface ElectionLogDecoding<T> {
  electionId: bigint;
  decoded: T;
}

/**
 * Decodes the election's logs with the contract's decoder, keeping those of `electionId`; a log
 * the decoder does not explain is a finding of `unexplained`.
 */
export function decodeElectionLogs<T>(raw: readonly RawLog[], electionId: bigint, decode: (log: RawLog) => ElectionLogDecoding<T> | null, unexplained: CheckBuilder): T[] {
  const mine: T[] = [];
  for (const log of raw) {
    const decoding = decode(log);
    if (decoding === null) unexplained.fail(`log with unknown topic ${log.topics[0] ?? "(none)"} emitted by the contract`, at(log));
    else if (decoding.electionId === electionId) mine.push(decoding.decoded);
  }
  return mine;
}

/** Memoised transaction and block lookups over the snapshot's RPC. */
export function chainLookups(snapshot: AuditSnapshot) {
  const { provider, rpc } = snapshot;
  const transaction = memo((hash: string): Promise<TransactionResponse | null> => rpc("eth_getTransactionByHash", () => provider.getTransaction(hash)));
  const timestampOf = memo(async (blockNumber: number) => {
    const block = await rpc("eth_getBlockByNumber", () => provider.getBlock(blockNumber));
    if (!block) throw new ZkBallotError("RPC_FAILURE", `the RPC has no block ${blockNumber}`, "check that the RPC node is synced (or archive) up to the snapshot block");
    return block.timestamp;
  });
  return {
    timestampOf,
    senderOf: async (hash: string) => {
      const tx = await transaction(hash);
      return tx ? getAddress(tx.from) : "(unknown)";
    },
    /** The input data of a transaction (to re-check what no event carries, e.g. a complaint's proof). */
    inputOf: async (hash: string) => (await transaction(hash))?.data,
  };
}
