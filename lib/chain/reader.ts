/**
 * Reading an election's public record from the ZkBallot contract, browser-safe (no Node built-in,
 * no file, no generated value at run time: the contract comes in typed): the election scope, the
 * roll digest, the creation record (title and metadata URI live only in ElectionCreated), the
 * roll and the ballots from their events, in block ranges with retries (lib/chain/logRanges.ts).
 * lib/chain/election.ts re-exports all of it next to the operator's and voter's actions (Node).
 */
import { AbiCoder, keccak256, type Interface } from "ethers";

import type { ZkBallot } from "../../typechain-types";
import { ballotSelections, type SelectionRule } from "../core/ballot";
import { SNARK_SCALAR_FIELD } from "../core/constants";
import { ZkBallotError } from "../core/errors";
import { ZkBallotEventDecoder, electionTopic, type ZkBallotEventName } from "../core/events";
import { Phase } from "../core/rules";
import type { SolidityProof } from "../proving/proofFormat";
import { fetchLogsInRanges, findDeploymentBlock } from "./logRanges";

/** Mirrors IZkBallot.Phase. */
export { Phase };

/** keccak256(abi.encode(chainId, contract, electionId)) mod r, computed locally as the contract does. */
export function computeElectionScope(chainId: bigint, contractAddress: string, electionId: bigint): bigint {
  const encoded = AbiCoder.defaultAbiCoder().encode(["uint256", "address", "uint256"], [chainId, contractAddress, electionId]);
  return BigInt(keccak256(encoded)) % SNARK_SCALAR_FIELD;
}

/** The running roll digest: digest_i = keccak256(digest_{i-1} || commitment_i), digest_0 = 0. */
export function computeVoterRollDigest(voterCommitments: readonly bigint[], initial = "0x" + "00".repeat(32)): string {
  const coder = AbiCoder.defaultAbiCoder();
  let digest = initial;
  for (const commitment of voterCommitments) digest = keccak256(coder.encode(["bytes32", "uint256"], [digest, commitment]));
  return digest;
}

export interface LogReadOptions {
  /** First block to read (default: the contract's deployment block, found by binary search). */
  fromBlock?: number;
  /** Largest eth_getLogs range; halved automatically when the RPC refuses (default 5,000). */
  blockRange?: number;
}

const decoders = new WeakMap<object, ZkBallotEventDecoder>();

/** The event decoder (lib/core/events.ts) for this contract's ABI, made once per ABI: no generated code is imported. */
export function eventDecoder(zkBallot: ZkBallot): ZkBallotEventDecoder {
  const iface = zkBallot.interface as unknown as Interface;
  let decoder = decoders.get(iface);
  if (decoder === undefined) decoders.set(iface, (decoder = new ZkBallotEventDecoder(iface)));
  return decoder;
}

/** One event of one election, decoded, read in block ranges with retries (lib/chain/chainLogs.ts). */
export async function fetchElectionEvents<N extends Extract<ZkBallotEventName, "ElectionCreated" | "VoterCommitmentsPublished" | "VoteCast">>(zkBallot: ZkBallot, electionId: bigint, eventName: N, options: LogReadOptions = {}) {
  const decoder = eventDecoder(zkBallot);
  const provider = zkBallot.runner!.provider!;
  const contract = await zkBallot.getAddress();
  // A fresh head (getBlockNumber may answer from a cache), so logs and state are read at one block.
  const head = (await provider.getBlock("latest"))!.number;
  const logs = await fetchLogsInRanges({
    provider,
    contract,
    topics: [decoder.topic(eventName), electionTopic(electionId)],
    fromBlock: options.fromBlock ?? (await findDeploymentBlock(provider, contract, head)),
    toBlock: head,
    blockRange: options.blockRange ?? 5_000,
    maxRetries: 5,
  });
  logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  return { head, events: logs.map((log) => ({ ...log, event: decoder.decodeAs(eventName, log) })) };
}

export interface ElectionCreation {
  title: string;
  metadataURI: string;
  metadataHash: string;
  blockNumber: number;
}

/**
 * An election's title and metadata URI, which the contract does not store: they are read from
 * its ElectionCreated event (the stored metadataHash commits to the metadata).
 */
export async function fetchElectionCreation(zkBallot: ZkBallot, electionId: bigint, options: LogReadOptions = {}): Promise<ElectionCreation> {
  const { events } = await fetchElectionEvents(zkBallot, electionId, "ElectionCreated", options);
  if (events.length !== 1) {
    throw new ZkBallotError("EVENT_DECODE", `expected one ElectionCreated event for election ${electionId}, the RPC returned ${events.length}`, "the RPC returned incomplete logs (or fromBlock is after the creation); try another endpoint");
  }
  const [{ event, blockNumber }] = events;
  return { title: event.args.title, metadataURI: event.args.metadataURI, metadataHash: event.args.metadataHash, blockNumber };
}

/** Reads the roll from VoterCommitmentsPublished events and checks it against the on-chain count and digest. */
export async function fetchVoterRoll(zkBallot: ZkBallot, electionId: bigint, options: LogReadOptions = {}): Promise<bigint[]> {
  const { head, events } = await fetchElectionEvents(zkBallot, electionId, "VoterCommitmentsPublished", options);
  const commitments: bigint[] = [];
  for (const { event, blockNumber } of events) {
    if (Number(event.args.firstIndex) !== commitments.length) {
      throw new ZkBallotError("EVENT_DECODE", `roll batch at block ${blockNumber} starts at index ${event.args.firstIndex}, expected ${commitments.length}`, "the RPC returned incomplete logs; try another endpoint");
    }
    commitments.push(...event.args.voterCommitments);
  }
  const election = await zkBallot.getElection(electionId, { blockTag: head });
  if (BigInt(commitments.length) !== election.voterCount || computeVoterRollDigest(commitments) !== election.voterRollDigest) {
    throw new ZkBallotError("EVENT_DECODE", "the published roll events do not match the on-chain count and digest", "the RPC returned incomplete logs; try another endpoint");
  }
  return commitments;
}

/**
 * An election's selection rule (how many options a ballot may choose), from its getElection
 * record or anything with the same three fields (the app's election view).
 */
export function electionSelectionRule(election: { numOptions: bigint | number; minSelections: bigint | number; maxSelections: bigint | number }): SelectionRule {
  return { options: Number(election.numOptions), minSelections: Number(election.minSelections), maxSelections: Number(election.maxSelections) };
}

export interface PreparedBallot {
  electionId: bigint;
  ballot: bigint;
  nullifier: bigint;
  proof: SolidityProof;
}

export interface VoteRecord {
  blockNumber: number;
  transactionHash: string;
  nullifier: bigint;
  ballot: bigint;
  /** The options the ballot chooses under the election's rule, lowest first; undefined when it does not decode. */
  selections: number[] | undefined;
  /** The chosen option when the ballot chooses exactly one (every single-choice ballot), else undefined. */
  option: number | undefined;
  proof: bigint[];
}

/** Every VoteCast event of an election, decoded with the election's selection rule. */
export async function fetchVoteRecords(zkBallot: ZkBallot, electionId: bigint, options: LogReadOptions = {}): Promise<VoteRecord[]> {
  const rule = electionSelectionRule(await zkBallot.getElection(electionId));
  const { events } = await fetchElectionEvents(zkBallot, electionId, "VoteCast", options);
  return events.map(({ event, blockNumber, transactionHash }) => {
    const ballot = event.args.ballot as bigint;
    const selections = ballotSelections(ballot, rule);
    const option = selections?.length === 1 ? selections[0] : undefined;
    return { blockNumber, transactionHash, nullifier: event.args.nullifier as bigint, ballot, selections, option, proof: [...(event.args.proof as bigint[])] };
  });
}
