/**
 * What every check reads from the chain, taken once at one block (the snapshot): the election's
 * state, the contract's constants, the election's decoded logs, and memoised lookups of
 * transaction senders and block timestamps.
 */
import { getAddress, type Provider } from "ethers";

import { ZkBallot__factory, type ZkBallot } from "../../typechain-types";
import { findDeploymentBlock, withRetries } from "../chain/chainLogs";
import { ZkBallotError } from "../core/errors";
import { electionTopic } from "../core/events";
import { zkBallotEvents } from "../chain/zkBallotEvents";
import { fetchFilteredLogs, type LogQuery, type RawLog } from "./logs";
import { CheckBuilder, at, type AuditOptions, type DecodedLog } from "./types";

type ElectionState = Awaited<ReturnType<ZkBallot["getElection"]>>;

export interface AuditContext {
  options: AuditOptions;
  provider: Provider;
  contract: string;
  electionId: bigint;
  chainId: bigint;
  head: number;
  fromBlock: number;
  state: ElectionState;
  numOptions: number;
  onChainTally: bigint[];
  verifierAddress: string;
  batchVerifierAddress: string;
  rollDepth: number;
  electionCount: bigint;
  /** The audited election's logs, decoded, in chain order. */
  logs: DecodedLog[];
  /** ElectionCreated events of every election of the contract. */
  electionsCreated: number;
  /** Logs fetched in all (this election's and the ElectionCreated query). */
  logsFetched: number;
  rpc: <T>(what: string, call: () => Promise<T>) => Promise<T>;
  progress: (stage: string, done: number, total: number) => void;
  senderOf(hash: string): Promise<string>;
  timestampOf(blockNumber: number): Promise<number>;
}

/** A lookup that loads each key once (concurrent callers share the pending load). */
export function memo<K, V>(load: (key: K) => Promise<V>): (key: K) => Promise<V> {
  const values = new Map<K, Promise<V>>();
  return (key) => {
    if (!values.has(key)) values.set(key, load(key));
    return values.get(key)!;
  };
}

/** The election's state and the contract's constants at `head`. */
async function readState(zkBallot: ZkBallot, electionId: bigint, contract: string, head: number, rpc: AuditContext["rpc"]) {
  const atHead = { blockTag: head };
  const state = await rpc("getElection", () => zkBallot.getElection(electionId, atHead)).catch((error: unknown) => {
    throw new ZkBallotError("INVALID_ARGUMENT", `election ${electionId} cannot be read from ${contract}: ${(error as Error).message.split("\n")[0]}`, "check the election id");
  });
  const [tally, verifierAddress, batchVerifierAddress, rollDepth, electionCount] = await Promise.all([
    rpc("tallies", () => zkBallot.tallies(electionId, atHead)),
    rpc("VERIFIER", () => zkBallot.VERIFIER(atHead)),
    rpc("BATCH_VERIFIER", () => zkBallot.BATCH_VERIFIER(atHead)),
    rpc("ROLL_DEPTH", () => zkBallot.ROLL_DEPTH(atHead)),
    rpc("electionCount", () => zkBallot.electionCount(atHead)),
  ]);
  return { state, onChainTally: [...tally], verifierAddress, batchVerifierAddress, rollDepth: Number(rollDepth), electionCount };
}

/** Decodes the election's logs; a log no ZkBallot event explains is a finding of `unexplained`. */
function decodeLogs(raw: RawLog[], electionId: bigint, unexplained: CheckBuilder): DecodedLog[] {
  const mine: DecodedLog[] = [];
  for (const log of raw) {
    const event = zkBallotEvents().decode(log);
    if (event === null) unexplained.fail(`log with unknown topic ${log.topics[0] ?? "(none)"} emitted by the contract`, at(log));
    else if (event.args.electionId === electionId) mine.push({ blockNumber: log.blockNumber, transactionHash: log.transactionHash, index: log.index, event } as DecodedLog);
  }
  return mine;
}

/** Reads everything the checks need, at one block. */
export async function loadAuditContext(options: AuditOptions, unexplained: CheckBuilder): Promise<AuditContext> {
  const { provider, electionId } = options;
  const contract = getAddress(options.contractAddress);
  const progress = options.onProgress ?? (() => undefined);
  const maxRetries = options.maxRetries ?? 5;
  const rpc = <T>(what: string, call: () => Promise<T>) => withRetries(what, maxRetries, call);
  const { chainId } = await rpc("eth_chainId", () => provider.getNetwork());
  if ((await rpc("eth_getCode", () => provider.getCode(contract))) === "0x") {
    throw new ZkBallotError("INVALID_ARGUMENT", `no contract at ${contract} on chain ${chainId}`, "check the address and --network");
  }
  const zkBallot = ZkBallot__factory.connect(contract, provider);
  // One snapshot: every state read and every log is taken at the same block, so a ballot or a
  // close landing during the audit cannot make state and events disagree.
  const head = options.toBlock ?? (await rpc("eth_getBlockByNumber", () => provider.getBlock("latest")))?.number;
  if (head === undefined || head === null) throw new ZkBallotError("EVENT_DECODE", "the RPC returned no latest block");
  const read = await readState(zkBallot, electionId, contract, head, rpc);
  const fromBlock = options.fromBlock ?? (await findDeploymentBlock(provider, contract, head));
  const query: LogQuery = {
    provider, contract, chainId, fromBlock, toBlock: head, blockRange: options.blockRange ?? 5_000, maxRetries,
    cacheDir: options.cacheDir, cacheConfirmations: options.cacheConfirmations ?? 12,
    onProgress: (done, total) => progress("fetching logs", done, total),
  };
  const raw = await fetchFilteredLogs(query, [null, electionTopic(electionId)], `election-${electionId}`);
  const created = await fetchFilteredLogs(query, [zkBallotEvents().topic("ElectionCreated")], "elections-created");
  const senderOf = memo(async (hash: string) => {
    const tx = await rpc("eth_getTransactionByHash", () => provider.getTransaction(hash));
    return tx ? getAddress(tx.from) : "(unknown)";
  });
  const timestampOf = memo(async (blockNumber: number) => {
    const block = await rpc("eth_getBlockByNumber", () => provider.getBlock(blockNumber));
    if (!block) throw new ZkBallotError("EVENT_DECODE", `the RPC has no block ${blockNumber}`);
    return block.timestamp;
  });
  return {
    options, provider, contract, electionId, chainId, head, fromBlock, ...read, numOptions: Number(read.state.numOptions),
    logs: decodeLogs(raw, electionId, unexplained), electionsCreated: created.length, logsFetched: raw.length + created.length,
    rpc, progress, senderOf, timestampOf,
  };
}
