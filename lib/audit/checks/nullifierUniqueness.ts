/**
 * Named check "nullifier uniqueness", reported within "ballots": each nullifier is spent once
 * per election and is a field element. Returns, per VoteCast, whether its nullifier passes.
 */
import { SNARK_SCALAR_FIELD } from "../../core/constants";
import { at, type CheckBuilder } from "../types";

/** A counted ballot's nullifier and place (an open or a sealed VoteCast). */
export interface SpentNullifier {
  nullifier: bigint;
  blockNumber: number;
  transactionHash: string;
}

export function checkNullifierUniqueness(votes: readonly SpentNullifier[], ballots: CheckBuilder): boolean[] {
  const firstSeen = new Map<bigint, SpentNullifier>();
  return votes.map((log) => {
    const { nullifier } = log;
    let valid = true;
    const first = firstSeen.get(nullifier);
    if (first) {
      ballots.fail(`nullifier ${nullifier} was already used in block ${first.blockNumber} (tx ${first.transactionHash}): a double vote`, at(log));
      valid = false;
    } else firstSeen.set(nullifier, log);
    if (nullifier >= SNARK_SCALAR_FIELD) {
      ballots.fail(`nullifier ${nullifier} is outside the field`, at(log));
      valid = false;
    }
    return valid;
  });
}
