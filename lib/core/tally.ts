/**
 * The recount, once: the tally an election's counted ballots add up to, and whether it equals
 * the tally the contract reports. The auditor, checkMyBallot and the demo all recount with it.
 */
import { ZkBallotError } from "./errors";
import { ballotSelections, type SelectionRule } from "./ballot";

/** A counted ballot: the options it chooses (undefined when the ballot does not decode, so it counts for nothing). */
export interface CountedBallot {
  readonly selections: readonly number[] | undefined;
}

/**
 * Ballots choosing each option, over `ballots` (each ballot's `selections`, as decoded from its
 * VoteCast event): an approval ballot adds one to every option it chooses, as the contract does.
 * A ballot that does not decode, or an option outside 0..numOptions-1, is not counted.
 */
export function recountTally(ballots: Iterable<CountedBallot>, numOptions: number): bigint[] {
  if (!Number.isInteger(numOptions) || numOptions < 0) {
    throw new ZkBallotError("INVALID_ARGUMENT", `number of options must be a non-negative integer, got ${numOptions}`);
  }
  const recount = new Array<bigint>(numOptions).fill(0n);
  for (const ballot of ballots) {
    for (const option of ballot.selections ?? []) if (Number.isInteger(option) && option >= 0 && option < numOptions) recount[option]++;
  }
  return recount;
}

/** Ballots choosing each option over raw ballot values (bit sets), each decoded with the election's rule. */
export function recountBallots(ballots: Iterable<bigint>, rule: SelectionRule): bigint[] {
  const counted: CountedBallot[] = [];
  for (const ballot of ballots) counted.push({ selections: ballotSelections(ballot, rule) });
  return recountTally(counted, rule.options);
}

/** True when two tallies have the same length and the same count for every option. */
export function talliesEqual(a: readonly (bigint | number | string)[], b: readonly (bigint | number | string)[]): boolean {
  return a.length === b.length && a.every((count, i) => BigInt(count) === BigInt(b[i]));
}
