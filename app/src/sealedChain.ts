/**
 * What the app reads about a sealed election (SealedZkBallot): the contract's views and the
 * election's events, decoded by the auditor's one sealed decoder (lib/audit/sealedEvents.ts).
 * Nothing here sends anything derived from the identity: "already voted?" is answered from
 * every VoteCast of the election, compared locally.
 */
import type { SealedZkBallot } from "../../typechain-types";
import { decodeElectionMetadata } from "../../lib/chain/metadata";
import { electionTopic } from "../../lib/core/events";
import { SealedPhase } from "../../lib/audit/sealedState";
import { decodeSealedLog, sealedLogsOf, type SealedLog } from "../../lib/audit/sealedEvents";
import type { SelectionRule } from "../../lib/sealed/ballot";
import type { Chain, OperationRecordEntry } from "./chain";

/** The sealed contract of a chain connected to a sealed deployment. */
export function sealedContract(chain: Chain): SealedZkBallot {
  if (chain.sealed === undefined) throw new Error("this deployment is not a SealedZkBallot");
  return chain.sealed;
}

/** Every decoded event of the election, in chain order. */
export async function fetchSealedLogs(chain: Chain, electionId: bigint): Promise<SealedLog[]> {
  const logs = await chain.provider.getLogs({
    address: await sealedContract(chain).getAddress(),
    fromBlock: chain.logOptions.fromBlock ?? 0,
    toBlock: "latest",
    topics: [null, electionTopic(electionId)],
  });
  return logs.flatMap((log) => {
    const decoded = decodeSealedLog(log);
    return decoded === null || decoded.electionId !== electionId ? [] : [decoded];
  });
}

export interface SealedElectionView {
  electionId: bigint;
  title: string;
  phase: keyof typeof SealedPhase;
  /** Unix seconds; 0: opens when the registrar opens voting / until the admin closes it. */
  votingStartsAt: bigint;
  votingEndsAt: bigint;
  voterCount: number;
  ballotsCast: bigint;
  rule: SelectionRule;
  options: { option: number; name: string }[];
  metadataVerified: boolean;
  trustees: string[];
  threshold: number;
  communicationKeys: number;
  dealings: number;
  keyFixed: boolean;
  /** Trustees that posted a (contract-verified) partial decryption, ascending. */
  decrypted: number[];
  /** After TallyFinalized: the counts the contract accepted and the trustees whose partials gave them. */
  tally?: { counts: bigint[]; trustees: number[] };
  record: OperationRecordEntry[];
  logs: SealedLog[];
}

export async function readSealedView(chain: Chain, electionId: bigint): Promise<SealedElectionView> {
  const [phase, numOptions, ballotsCast, , trustees, threshold] = await sealedContract(chain).getElection(electionId);
  const logs = await fetchSealedLogs(chain, electionId);
  const config = sealedLogsOf(logs, "ElectionCreated")[0]?.args.config;
  const finalized = sealedLogsOf(logs, "TallyFinalized")[0];
  const metadata = config && decodeElectionMetadata(config.metadataURI, config.metadataHash, Number(numOptions));
  return {
    electionId,
    title: config?.title ?? "",
    phase: SealedPhase[Number(phase)] as keyof typeof SealedPhase,
    votingStartsAt: config?.votingStartsAt ?? 0n,
    votingEndsAt: config?.votingEndsAt ?? 0n,
    voterCount: sealedLogsOf(logs, "VoterCommitmentsPublished").reduce((sum, log) => sum + log.args.voterCommitments.length, 0),
    ballotsCast,
    rule: { options: Number(numOptions), minSelections: config?.minSelections ?? 1, maxSelections: config?.maxSelections ?? 1 },
    options: Array.from({ length: Number(numOptions) }, (_, option) => ({ option, name: metadata?.options[option] ?? `option ${option}` })),
    metadataVerified: metadata !== undefined,
    trustees: [...trustees],
    threshold: Number(threshold),
    communicationKeys: sealedLogsOf(logs, "CommunicationKeyPosted").length,
    dealings: sealedLogsOf(logs, "DealingPosted").length,
    keyFixed: sealedLogsOf(logs, "ElectionKeyFixed").length > 0,
    decrypted: sealedLogsOf(logs, "PartialDecryptionPosted").map((log) => log.args.trustee).sort((a, b) => a - b),
    tally: finalized && { counts: finalized.args.tally, trustees: finalized.args.trustees },
    record: logs.filter((log) => log.name !== "VoteCast" && log.name !== "VoteSkipped").map((log) => ({ name: log.name, blockNumber: log.blockNumber, transactionHash: log.transactionHash })),
    logs,
  };
}
