/**
 * What every check reads from the chain, taken once at one block (the snapshot): the election's
 * state, the contract's constants, the election's decoded logs, and memoised lookups of
 * transaction senders and block timestamps.
 */
import type { Provider } from "ethers";

import { ZkBallot__factory, type ZkBallot } from "../../typechain-types";
import { ZkBallotError } from "../core/errors";
import { zkBallotEvents } from "../chain/zkBallotEvents";
import { fastRollRoot } from "../node/fastRoll";
import { verifyVoteProofs } from "../proving/batchVerify";
import { fetchFilteredLogs, type RawLog } from "./logs";
import { chainLookups, decodeElectionLogs, fetchElectionLogs, openAuditSnapshot, snapshotLogQuery, type Rpc } from "./snapshot";
import type { AuditOptions, CheckBuilder, DecodedLog, RollRootBuilder, VoteProofsVerifier } from "./types";

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
  rpc: Rpc;
  progress: (stage: string, done: number, total: number) => void;
  senderOf(hash: string): Promise<string>;
  timestampOf(blockNumber: number): Promise<number>;
  /** How voter-roll rebuilds the tree (Node: the fast WebAssembly tree; a browser: VoterRoll.build). */
  rollRoot: RollRootBuilder;
  /** How ballots re-verifies the proofs (Node: the batched check; a browser: one by one). */
  verifyProofs: VoteProofsVerifier;
}

/** The CLI auditor's roll tree: WebAssembly Poseidon with worker threads. */
export const fastRollRootBuilder: RollRootBuilder = (leaves, depth, onProgress) => fastRollRoot(leaves, { depth, onProgress });

/** The CLI auditor's proof check: batched randomised pairings, snarkjs's verdict for each proof. */
export const batchVoteProofsVerifier: VoteProofsVerifier = (items, verificationKey, onProgress) => verifyVoteProofs(items, { verificationKey, onProgress });

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

/** Reads everything the checks need, at one block. */
export async function loadAuditContext(options: AuditOptions, unexplained: CheckBuilder): Promise<AuditContext> {
  const snapshot = await openAuditSnapshot(options);
  const { provider, contract, electionId, head, rpc } = snapshot;
  const zkBallot = ZkBallot__factory.connect(contract, provider);
  const read = await readState(zkBallot, electionId, contract, head, rpc);
  const query = await snapshotLogQuery(options, snapshot);
  const raw = await fetchElectionLogs(query, electionId, `election-${electionId}`);
  const created = await fetchFilteredLogs(query, [zkBallotEvents().topic("ElectionCreated")], "elections-created");
  const decode = (log: RawLog) => {
    const event = zkBallotEvents().decode(log);
    return event && { electionId: event.args.electionId as bigint, decoded: { blockNumber: log.blockNumber, transactionHash: log.transactionHash, index: log.index, event } as DecodedLog };
  };
  const { senderOf, timestampOf } = chainLookups(snapshot);
  return {
    ...snapshot, options, fromBlock: query.fromBlock, ...read, numOptions: Number(read.state.numOptions),
    logs: decodeElectionLogs(raw, electionId, decode, unexplained), electionsCreated: created.length, logsFetched: raw.length + created.length,
    senderOf, timestampOf, rollRoot: fastRollRootBuilder, verifyProofs: batchVoteProofsVerifier,
  };
}
