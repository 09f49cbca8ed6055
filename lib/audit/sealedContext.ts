/**
 * What the sealed-election checks read from the chain (SealedZkBallot), taken once at one
 * block: the election's state (phase, key, trustees, encrypted totals, partial decryptions, final
 * tally), its decoded logs, and the same memoised lookups as the open auditor's context.
 */
import { getAddress, type Provider } from "ethers";

import { SealedZkBallot__factory, type SealedZkBallot } from "../../typechain-types";
import { ZkBallotError } from "../core/errors";
import type { Point } from "../sealed/babyjub";
import type { RawLog } from "./logs";
import { decodeSealedLog, type SealedLog } from "./sealedEvents";
import { chainLookups, decodeElectionLogs, fetchElectionLogs, openAuditSnapshot, snapshotLogQuery, type Rpc } from "./snapshot";
import type { AuditOptions, CheckBuilder } from "./types";

/** SealedZkBallot's phases (ISealedZkBallot.Phase). */
export enum SealedPhase {
  None = 0,
  Registration = 1,
  Voting = 2,
  Closed = 3,
  Tallied = 4,
}

export interface SealedState {
  phase: SealedPhase;
  numOptions: number;
  ballotsCast: bigint;
  /** The identity (0, 1) until fixed; the contract returns (0, 0) before. */
  electionKey: Point;
  trustees: string[];
  threshold: number;
  /** C1[0..7][x,y] then C2[0..7][x,y]. */
  totals: bigint[];
  tally: bigint[];
  qualifiedMask: bigint;
  disqualifiedMask: bigint;
  /** X_i as the contract computes it, trustee 1 first. */
  shareKeys: Point[];
  /** The partial decryptions storage holds, trustee 1 first (16 zero words where none). */
  partials: bigint[][];
}

export interface SealedAuditContext {
  options: AuditOptions;
  provider: Provider;
  contract: string;
  electionId: bigint;
  chainId: bigint;
  head: number;
  fromBlock: number;
  state: SealedState;
  voteVerifierAddress: string;
  decryptionVerifierAddress: string;
  /** BATCH_VERIFIER: the sealed vote circuit's Groth16BatchVerifier, for castVotes. */
  batchVerifierAddress: string;
  rollDepth: number;
  /** The audited election's logs, decoded, in chain order. */
  logs: SealedLog[];
  logsFetched: number;
  rpc: Rpc;
  progress: (stage: string, done: number, total: number) => void;
  senderOf(hash: string): Promise<string>;
  timestampOf(blockNumber: number): Promise<number>;
  /** The input data of a transaction (to re-check a complaint's proof, which no event carries). */
  inputOf(hash: string): Promise<string | undefined>;
}

/** True if the contract at `address` is a SealedZkBallot (it answers DECRYPTION_VERIFIER()). */
export async function isSealedDeployment(provider: Provider, address: string): Promise<boolean> {
  try {
    await SealedZkBallot__factory.connect(address, provider).DECRYPTION_VERIFIER();
    return true;
  } catch {
    return false;
  }
}

const point = (pair: readonly bigint[]): Point => ({ x: pair[0], y: pair[1] });

async function readSealedState(sealed: SealedZkBallot, electionId: bigint, head: number, rpc: SealedAuditContext["rpc"]): Promise<SealedState> {
  const atHead = { blockTag: head };
  const election = await rpc("getElection", () => sealed.getElection(electionId, atHead)).catch((error: unknown) => {
    throw new ZkBallotError("INVALID_ARGUMENT", `sealed election ${electionId} cannot be read: ${(error as Error).message.split("\n")[0]}`, "check the election id");
  });
  const [phase, numOptions, ballotsCast, key, trustees, threshold] = election;
  const [totals, tally, sets] = await Promise.all([
    rpc("encryptedTotals", () => sealed.encryptedTotals(electionId, atHead)),
    rpc("tallies", () => sealed.tallies(electionId, atHead)),
    rpc("dealerSets", () => sealed.dealerSets(electionId, atHead)),
  ]);
  const numbers = trustees.map((_, i) => BigInt(i + 1));
  const shareKeys = await Promise.all(numbers.map((t) => rpc("shareKeyOf", () => sealed.shareKeyOf(electionId, t, atHead))));
  const partials = await Promise.all(numbers.map((t) => rpc("partialDecryptions", () => sealed.partialDecryptions(electionId, t, atHead))));
  return {
    phase: Number(phase) as SealedPhase,
    numOptions: Number(numOptions),
    ballotsCast,
    electionKey: key[0] === 0n && key[1] === 0n ? { x: 0n, y: 1n } : point(key),
    trustees: trustees.map((a) => getAddress(a)),
    threshold: Number(threshold),
    totals: [...totals],
    tally: [...tally],
    qualifiedMask: sets[0],
    disqualifiedMask: sets[1],
    shareKeys: shareKeys.map((k) => point(k)),
    partials: partials.map((words) => [...words]),
  };
}

/** Reads everything the sealed checks need, at one block. */
export async function loadSealedAuditContext(options: AuditOptions, unexplained: CheckBuilder): Promise<SealedAuditContext> {
  const snapshot = await openAuditSnapshot(options);
  const { provider, contract, electionId, head, rpc } = snapshot;
  const sealed = SealedZkBallot__factory.connect(contract, provider);
  const state = await readSealedState(sealed, electionId, head, rpc);
  const [voteVerifierAddress, decryptionVerifierAddress, batchVerifierAddress, rollDepth] = await Promise.all([
    rpc("VOTE_VERIFIER", () => sealed.VOTE_VERIFIER({ blockTag: head })),
    rpc("DECRYPTION_VERIFIER", () => sealed.DECRYPTION_VERIFIER({ blockTag: head })),
    rpc("BATCH_VERIFIER", () => sealed.BATCH_VERIFIER({ blockTag: head })),
    rpc("ROLL_DEPTH", () => sealed.ROLL_DEPTH({ blockTag: head })),
  ]);
  const query = await snapshotLogQuery(options, snapshot);
  const raw = await fetchElectionLogs(query, electionId, `sealed-election-${electionId}`);
  const decode = (log: RawLog) => {
    const decoded = decodeSealedLog(log);
    return decoded && { electionId: decoded.electionId, decoded };
  };
  return {
    ...snapshot, options, fromBlock: query.fromBlock, state, voteVerifierAddress, decryptionVerifierAddress, batchVerifierAddress, rollDepth: Number(rollDepth),
    logs: decodeElectionLogs(raw, electionId, decode, unexplained), logsFetched: raw.length, ...chainLookups(snapshot),
  };
}
