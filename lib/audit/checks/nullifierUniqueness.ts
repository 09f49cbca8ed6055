/**
 * Named check "nullifier uniqueness", reported within "ballots": each nullifier is spent once
 * per election and is a field element. Returns, per VoteCast, whether its nullifier passes.
 */
import { SNARK_SCALAR_FIELD } from "../../core/constants";
import { at, type CheckBuilder, type DecodedLog } from "../types";

export function checkNullifierUniqueness(votes: readonly DecodedLog<"VoteCast">[], ballots: CheckBuilder): boolean[] {
  const firstSeen = new Map<bigint, DecodedLog<"VoteCast">>();
  return votes.map((log) => {
    const { nullifier } = log.event.args;
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
