/**
 * What the app reads from the chain, through the library's browser-safe readers
 * (lib/chain/reader.ts, lib/chain/status.ts) over a browser JSON-RPC provider. Nothing here
 * sends anything derived from the identity: the "already voted?" and "my ballot" questions are
 * answered from every VoteCast event of the election, compared locally.
 */
import { JsonRpcProvider } from "ethers";

import { ZkBallot__factory } from "../../typechain-types/factories/contracts/ZkBallot__factory";
import { SealedZkBallot__factory } from "../../typechain-types/factories/contracts/sealed/SealedZkBallot__factory";
import type { SealedZkBallot, ZkBallot } from "../../typechain-types";
import { ZkBallotError } from "../../lib/core/errors";
import { isSealedDeployment } from "../../lib/audit/sealedState";
import { electionTopic } from "../../lib/core/events";
import { computeElectionScope, eventDecoder, fetchVoteRecords, fetchVoterRoll, type LogReadOptions, type VoteRecord } from "../../lib/chain/reader";
import { readElectionStatus, type ElectionStatus } from "../../lib/chain/status";
import type { AppConfig } from "./config";

export interface Chain {
  /** "sealed": a SealedZkBallot (named in the config, or detected from the contract); the pages follow. */
  kind: "open" | "sealed";
  zkBallot: ZkBallot;
  /** Set for a sealed deployment. */
  sealed?: SealedZkBallot;
  provider: JsonRpcProvider;
  chainId: bigint;
  logOptions: LogReadOptions;
}

export async function connectChain(config: AppConfig): Promise<Chain> {
  const provider = new JsonRpcProvider(config.rpcUrl, undefined, { staticNetwork: true, batchMaxCount: 1 });
  const { chainId } = await provider.getNetwork();
  const zkBallot = ZkBallot__factory.connect(config.zkBallot, provider);
  const detected = (await isSealedDeployment(provider, config.zkBallot)) ? "sealed" : "open";
  if (config.kind !== "auto" && config.kind !== detected) {
    throw new ZkBallotError("INVALID_ARGUMENT", `config kind is "${config.kind}", but the contract at ${config.zkBallot} is ${detected === "sealed" ? "a SealedZkBallot" : "not a SealedZkBallot"}`, "fix kind in config.json (or ?kind=), or leave it out to detect it");
  }
  const sealed = detected === "sealed" ? SealedZkBallot__factory.connect(config.zkBallot, provider) : undefined;
  return { kind: detected, zkBallot, sealed, provider, chainId, logOptions: config.fromBlock > 0 ? { fromBlock: config.fromBlock } : {} };
}

export interface OperationRecordEntry {
  name: string;
  blockNumber: number;
  transactionHash: string;
}

/** The election's operator actions, in order (ballots are not operator actions and are left out), decoded by the core's one event decoder. */
export async function fetchOperationRecord(chain: Chain, electionId: bigint): Promise<OperationRecordEntry[]> {
  const logs = await chain.provider.getLogs({
    address: await chain.zkBallot.getAddress(),
    fromBlock: chain.logOptions.fromBlock ?? 0,
    toBlock: "latest",
    topics: [null, electionTopic(electionId)],
  });
  const decoder = eventDecoder(chain.zkBallot);
  const entries: OperationRecordEntry[] = [];
  for (const log of logs) {
    const event = decoder.decode(log);
    if (event === null || event.name === "VoteCast" || event.name === "VoteSkipped") continue;
    entries.push({ name: event.name, blockNumber: log.blockNumber, transactionHash: log.transactionHash });
  }
  return entries;
}

export interface ElectionView extends ElectionStatus {
  record: OperationRecordEntry[];
}

export async function readElectionView(chain: Chain, electionId: bigint): Promise<ElectionView> {
  const [status, record] = await Promise.all([readElectionStatus(chain.zkBallot, electionId, chain.logOptions), fetchOperationRecord(chain, electionId)]);
  return { ...status, record };
}

export async function electionScopeOf(chain: Chain, electionId: bigint): Promise<bigint> {
  return computeElectionScope(chain.chainId, await chain.zkBallot.getAddress(), electionId);
}

export function readVoteRecords(chain: Chain, electionId: bigint): Promise<VoteRecord[]> {
  return fetchVoteRecords(chain.zkBallot, electionId, chain.logOptions);
}

export function readVoterRoll(chain: Chain, electionId: bigint): Promise<bigint[]> {
  return fetchVoterRoll(chain.zkBallot, electionId, chain.logOptions);
}
