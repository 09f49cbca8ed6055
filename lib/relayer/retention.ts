/**
 * Retention: what the relayer keeps once an election is over. A closed election whose every
 * ballot is final (or rejected) needs nothing more from the relayer: its receipts, nullifiers,
 * ballots, proofs and minutes of acceptance are deleted, with the transactions that carried
 * only them (docs/RELAYER.md, "Retention"). The chain keeps the public record.
 */
import type { ZkBallot } from "../../typechain-types";
import { decodeContractRevert, Phase } from "../chain/election";
import type { RelayQueue } from "./queue";
import { openTarget, type RelayTarget } from "./target";

export interface PurgeResult {
  electionId: bigint;
  deleted: number;
}

/**
 * Purges every election in the database that is closed on-chain (a sealed one also once
 * tallied) and fully settled here; returns what was deleted. `contract`: the relayer's target,
 * or an open ZkBallot.
 */
export async function purgeFinishedElections(queue: RelayQueue, contract: RelayTarget | ZkBallot, log: (line: string) => void = () => undefined): Promise<PurgeResult[]> {
  const target = "phaseOf" in contract ? contract : openTarget(contract, await contract.getAddress());
  const purged: PurgeResult[] = [];
  for (const electionId of queue.elections()) {
    let phase: number;
    try {
      phase = await target.phaseOf(electionId);
    } catch (error) {
      if (decodeContractRevert(error)?.name === "ElectionNotFound") continue;
      throw error;
    }
    if (phase < Phase.Closed) continue;
    const unsettled = queue.unsettledCount(electionId);
    if (unsettled > 0) {
      log(`election ${electionId} is closed; its ballots are kept until ${unsettled} more are final`);
      continue;
    }
    const deleted = queue.purgeElection(electionId);
    purged.push({ electionId, deleted });
    log(`election ${electionId} is closed and final: deleted its ${deleted} ballots from the relayer database`);
  }
  return purged;
}
