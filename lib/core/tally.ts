/**
 * The recount, once: the tally an election's counted ballots add up to, and whether it equals
 * the tally the contract reports. The auditor, checkMyBallot and the demo all recount with it.
 */
import { ZkBallotError } from "./errors";
import { singleChoiceOption } from "./rules";

/** A counted ballot: its option (undefined when the ballot does not decode, so it counts for nothing). */
export interface CountedBallot {
  readonly option: number | undefined;
}

/**
 * Votes per option over `ballots` (each ballot's `option`, as decoded from its VoteCast event).
 * A ballot without an option, or with one outside 0..numOptions-1, is not counted.
 */
export function recountTally(ballots: Iterable<CountedBallot>, numOptions: number): bigint[] {
  if (!Number.isInteger(numOptions) || numOptions < 0) {
    throw new ZkBallotError("INVALID_ARGUMENT", `number of options must be a non-negative integer, got ${numOptions}`);
  }
  const recount = new Array<bigint>(numOptions).fill(0n);
  for (const { option } of ballots) {
    if (option !== undefined && Number.isInteger(option) && option >= 0 && option < numOptions) recount[option]++;
  }
  return recount;
}

/** Votes per option over raw ballot values (bit sets), decoded with the vote rules' single-choice rule. */
export function recountBallots(ballots: Iterable<bigint>, numOptions: number): bigint[] {
  const options: CountedBallot[] = [];
  for (const ballot of ballots) options.push({ option: singleChoiceOption(ballot, numOptions) });
  return recountTally(options, numOptions);
}

/** True when two tallies have the same length and the same count for every option. */
export function talliesEqual(a: readonly (bigint | number | string)[], b: readonly (bigint | number | string)[]): boolean {
  return a.length === b.length && a.every((count, i) => BigInt(count) === BigInt(b[i]));
}
