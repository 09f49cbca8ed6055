/**
 * SealedZkBallot's events as typed records for the sealed auditor (ISealedZkBallot declares
 * them): points as {x, y}, trustee numbers as numbers, arrays as plain arrays.
 */
import { getAddress, type Result } from "ethers";

import { SealedZkBallot__factory } from "../../typechain-types/factories/contracts/sealed/SealedZkBallot__factory";
import { ZkBallotError } from "../core/errors";
import type { Point } from "../sealed/babyjub";

export interface SealedElectionConfig {
  title: string;
  numOptions: number;
  minSelections: number;
  maxSelections: number;
  metadataURI: string;
  metadataHash: string;
  registrar: string;
  votingStartsAt: bigint;
  votingEndsAt: bigint;
  trustees: string[];
  threshold: number;
}

export interface SealedEventArgs {
  ElectionCreated: { admin: string; registrar: string; config: SealedElectionConfig };
  VoterCommitmentsPublished: { registrar: string; firstIndex: bigint; voterCommitments: bigint[]; voterRollDigest: string };
  CommunicationKeyPosted: { trustee: number; account: string; communicationKey: Point };
  DealingPosted: { trustee: number; account: string; commitments: Point[]; encryptedShares: bigint[] };
  ComplaintUpheld: { dealer: number; complainer: number; account: string; ecdhPoint: Point; share: bigint };
  ElectionKeyFixed: { fixedBy: string; electionKey: Point; dealers: bigint };
  VotingOpened: { registrar: string; voterRollRoot: bigint; voterCount: bigint; voterRollDigest: string };
  VoteCast: { nullifier: bigint; ciphertexts: bigint[]; proof: bigint[] };
  VoteSkipped: { nullifier: bigint; reason: string };
  ElectionClosed: { closedBy: string; totals: bigint[]; ballotsCast: bigint };
  PartialDecryptionPosted: { trustee: number; account: string; shareKey: Point; partials: bigint[]; proof: bigint[] };
  TallyFinalized: { submittedBy: string; tally: bigint[]; trustees: number[] };
}

export type SealedEventName = keyof SealedEventArgs;

/** One decoded log of a sealed election, with its place in the chain. */
export type SealedLog<N extends SealedEventName = SealedEventName> = {
  [K in N]: { name: K; electionId: bigint; args: SealedEventArgs[K]; blockNumber: number; transactionHash: string; index: number };
}[N];

export const sealedInterface = SealedZkBallot__factory.createInterface();

const point = (pair: Result | readonly bigint[]): Point => ({ x: BigInt(pair[0] as bigint), y: BigInt(pair[1] as bigint) });
const words = (list: Result | readonly bigint[]): bigint[] => Array.from(list as readonly bigint[], (w) => BigInt(w));
const address = (value: unknown): string => getAddress(value as string);

function configOf(c: Result): SealedElectionConfig {
  return {
    title: c.title as string, numOptions: Number(c.numOptions), minSelections: Number(c.minSelections), maxSelections: Number(c.maxSelections),
    metadataURI: c.metadataURI as string, metadataHash: c.metadataHash as string, registrar: address(c.registrar),
    votingStartsAt: BigInt(c.votingStartsAt as bigint), votingEndsAt: BigInt(c.votingEndsAt as bigint),
    trustees: Array.from(c.trustees as string[], address), threshold: Number(c.threshold),
  };
}

/** The typed fields of one event from ethers' decoded arguments. */
function argsOf(name: SealedEventName, a: Result): SealedEventArgs[SealedEventName] {
  switch (name) {
    case "ElectionCreated": return { admin: address(a.admin), registrar: address(a.registrar), config: configOf(a.config as Result) };
    case "VoterCommitmentsPublished": return { registrar: address(a.registrar), firstIndex: a.firstIndex as bigint, voterCommitments: words(a.voterCommitments as Result), voterRollDigest: a.voterRollDigest as string };
    case "CommunicationKeyPosted": return { trustee: Number(a.trustee), account: address(a.account), communicationKey: point(a.communicationKey as Result) };
    case "DealingPosted": return { trustee: Number(a.trustee), account: address(a.account), commitments: Array.from(a.commitments as Result[], point), encryptedShares: words(a.encryptedShares as Result) };
    case "ComplaintUpheld": return { dealer: Number(a.dealer), complainer: Number(a.complainer), account: address(a.account), ecdhPoint: point(a.ecdhPoint as Result), share: a.share as bigint };
    case "ElectionKeyFixed": return { fixedBy: address(a.fixedBy), electionKey: point(a.electionKey as Result), dealers: a.dealers as bigint };
    case "VotingOpened": return { registrar: address(a.registrar), voterRollRoot: a.voterRollRoot as bigint, voterCount: a.voterCount as bigint, voterRollDigest: a.voterRollDigest as string };
    case "VoteCast": return { nullifier: a.nullifier as bigint, ciphertexts: words(a.ciphertexts as Result), proof: words(a.proof as Result) };
    case "VoteSkipped": return { nullifier: a.nullifier as bigint, reason: a.reason as string };
    case "ElectionClosed": return { closedBy: address(a.closedBy), totals: words(a.totals as Result), ballotsCast: a.ballotsCast as bigint };
    case "PartialDecryptionPosted": return { trustee: Number(a.trustee), account: address(a.account), shareKey: point(a.shareKey as Result), partials: words(a.partials as Result), proof: words(a.proof as Result) };
    case "TallyFinalized": return { submittedBy: address(a.submittedBy), tally: words(a.tally as Result), trustees: words(a.trustees as Result).map(Number) };
  }
}

const NAMES: readonly SealedEventName[] = [
  "ElectionCreated", "VoterCommitmentsPublished", "CommunicationKeyPosted", "DealingPosted", "ComplaintUpheld", "ElectionKeyFixed",
  "VotingOpened", "VoteCast", "VoteSkipped", "ElectionClosed", "PartialDecryptionPosted", "TallyFinalized",
];

/** Decodes a SealedZkBallot log; null when its topic is no SealedZkBallot event. */
export function decodeSealedLog(log: { topics: readonly string[]; data: string; blockNumber: number; transactionHash: string; index: number }): SealedLog | null {
  let parsed;
  try {
    parsed = sealedInterface.parseLog({ topics: [...log.topics], data: log.data });
  } catch (error) {
    throw new ZkBallotError("EVENT_DECODE", `a SealedZkBallot log does not decode: ${(error as Error).message.split("\n")[0]}`, "the RPC returned a corrupt log; try another endpoint");
  }
  if (parsed === null || !NAMES.includes(parsed.name as SealedEventName)) return null;
  const name = parsed.name as SealedEventName;
  return { name, electionId: parsed.args.electionId as bigint, args: argsOf(name, parsed.args), blockNumber: log.blockNumber, transactionHash: log.transactionHash, index: log.index } as SealedLog;
}

/** Narrows a decoded sealed log to one event. */
export function isSealedEvent<N extends SealedEventName>(log: SealedLog, name: N): log is Extract<SealedLog, { name: N }> {
  return log.name === name;
}

/** The logs of one event, in chain order. */
export function sealedLogsOf<N extends SealedEventName>(logs: readonly SealedLog[], name: N): Extract<SealedLog, { name: N }>[] {
  return logs.filter((log): log is Extract<SealedLog, { name: N }> => isSealedEvent(log, name));
}
