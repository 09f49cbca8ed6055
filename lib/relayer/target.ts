/**
 * The contract a relayer submits to, as the submitter and retention need it: an open ZkBallot
 * or a SealedZkBallot. Both keep the same nullifier record and emit VoteCast / VoteSkipped with
 * (electionId, nullifier) indexed; they differ in what castVotes takes (open: entries of any
 * election; sealed: one election per call, 32 ciphertext words per entry) and in what a VoteCast
 * carries (the ballot, or the ciphertexts).
 */
import type { Log } from "ethers";

import type { SealedZkBallot, ZkBallot } from "../../typechain-types";
import { zkBallotEvents } from "../chain/zkBallotEvents";
import type { QueuedBallot } from "./queue";

/** A VoteCast or VoteSkipped of a mined batch; `reason` names the custom error of a skip. */
export interface VoteOutcomeEvent {
  name: "VoteCast" | "VoteSkipped";
  electionId: bigint;
  nullifier: bigint;
  reason?: string;
}

/** The VoteCast that spent a nullifier, and whether it carries this very ballot. */
export interface CastOnChain {
  sameBallot: boolean;
  transactionHash: string;
  blockNumber: number;
  blockHash: string;
}

export interface RelayTarget {
  readonly kind: "open" | "sealed";
  readonly address: string;
  /** Gas per ballot when estimation fails (an open castVotes entry costs about 260k, a sealed one up to 1.1M: 40 public signals, 16 point additions, the totals' 32 words). */
  readonly fallbackGasPerBallot: bigint;
  /** Most ballots one castVotes carries, whatever RELAYER_BATCH_SIZE says (a batch must fit in a block). */
  readonly maxBatchSize: number;
  nullifierSpentInBlock(electionId: bigint, nullifier: bigint): Promise<bigint>;
  /** An election's phase number (Closed = 3; a sealed election goes on to Tallied = 4); throws ElectionNotFound's revert. */
  phaseOf(electionId: bigint): Promise<number>;
  /** The ballots that can share one castVotes with the first of `candidates` (in order). */
  batchable(candidates: readonly QueuedBallot[]): QueuedBallot[];
  /** castVotes calldata for a batch `batchable` gave. */
  encodeBatch(batch: readonly QueuedBallot[]): string;
  /** A receipt log as a VoteCast / VoteSkipped outcome; undefined for any other log. */
  decodeOutcome(log: Log): VoteOutcomeEvent | undefined;
  /** The VoteCast of (election, nullifier) in `block`, if any. */
  castIn(ballot: QueuedBallot, block: number): Promise<CastOnChain | undefined>;
}

const sameWords = (a: readonly bigint[], b: readonly bigint[] | null) => b !== null && a.length === b.length && a.every((word, i) => word === b[i]);

function reasonOf(parse: (data: string) => { name: string; args: readonly unknown[] } | null, data: string): string {
  const reason = parse(data);
  return reason ? `${reason.name}(${[...reason.args].join(", ")})` : "skipped";
}

export function openTarget(zkBallot: ZkBallot, address: string): RelayTarget {
  return {
    kind: "open",
    address,
    fallbackGasPerBallot: 400_000n,
    maxBatchSize: 100, // ZkBallot.MAX_BATCH_SIZE
    nullifierSpentInBlock: (electionId, nullifier) => zkBallot.nullifierSpentInBlock(electionId, nullifier),
    phaseOf: async (electionId) => Number((await zkBallot.getElection(electionId)).phase),
    batchable: (candidates) => [...candidates],
    encodeBatch: (batch) => zkBallot.interface.encodeFunctionData("castVotes", [batch.map((ballot) => ({ electionId: ballot.electionId, ballot: ballot.ballot!, nullifier: ballot.nullifier, proof: ballot.proof }))]),
    decodeOutcome(log) {
      if (log.address.toLowerCase() !== address.toLowerCase()) return undefined;
      const event = zkBallotEvents().decode(log);
      if (event?.name === "VoteCast") return { name: "VoteCast", electionId: event.args.electionId, nullifier: event.args.nullifier };
      if (event?.name === "VoteSkipped") return { name: "VoteSkipped", electionId: event.args.electionId, nullifier: event.args.nullifier, reason: reasonOf((data) => zkBallot.interface.parseError(data), event.args.reason) };
      return undefined;
    },
    async castIn(ballot, block) {
      const [cast] = await zkBallot.queryFilter(zkBallot.filters.VoteCast(ballot.electionId, ballot.nullifier), block, block);
      return cast && { sameBallot: cast.args.ballot === ballot.ballot, transactionHash: cast.transactionHash, blockNumber: cast.blockNumber, blockHash: cast.blockHash };
    },
  };
}

export function sealedTarget(sealed: SealedZkBallot, address: string): RelayTarget {
  const voteEvents = new Set(["VoteCast", "VoteSkipped"]);
  return {
    kind: "sealed",
    address,
    fallbackGasPerBallot: 1_200_000n,
    // castVotes checks a batch's proofs together (about 140k gas a ballot, bench sealed-election), but
    // falls back to one proof at a time (about 600k a ballot) when that check fails: 20 keep even
    // that case well under a 30M-gas block. An election's first ballot also writes its 32 total words.
    maxBatchSize: 20,
    nullifierSpentInBlock: (electionId, nullifier) => sealed.nullifierSpentInBlock(electionId, nullifier),
    phaseOf: async (electionId) => Number((await sealed.getElection(electionId)).phase),
    // castVotes(electionId, submissions) takes one election: the oldest ballot's, and the others of it.
    batchable: (candidates) => candidates.filter((ballot) => ballot.electionId === candidates[0]?.electionId),
    encodeBatch: (batch) =>
      sealed.interface.encodeFunctionData("castVotes", [batch[0].electionId, batch.map((ballot) => ({ nullifier: ballot.nullifier, ciphertexts: ballot.ciphertexts!, proof: ballot.proof }))]),
    decodeOutcome(log) {
      if (log.address.toLowerCase() !== address.toLowerCase()) return undefined;
      let parsed;
      try {
        parsed = sealed.interface.parseLog(log);
      } catch {
        return undefined;
      }
      if (!parsed || !voteEvents.has(parsed.name)) return undefined;
      const [electionId, nullifier] = [parsed.args.electionId as bigint, parsed.args.nullifier as bigint];
      if (parsed.name === "VoteCast") return { name: "VoteCast", electionId, nullifier };
      return { name: "VoteSkipped", electionId, nullifier, reason: reasonOf((data) => sealed.interface.parseError(data), parsed.args.reason as string) };
    },
    async castIn(ballot, block) {
      const [cast] = await sealed.queryFilter(sealed.filters.VoteCast(ballot.electionId, ballot.nullifier), block, block);
      return cast && { sameBallot: sameWords(cast.args.ciphertexts, ballot.ciphertexts), transactionHash: cast.transactionHash, blockNumber: cast.blockNumber, blockHash: cast.blockHash };
    },
  };
}
