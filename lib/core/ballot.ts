import { MAX_OPTIONS } from "./constants";
import { ZkBallotError } from "./errors";

/**
 * A ballot is a bit set of options: bit i set means option i is chosen. An election's selection
 * rule says how many bits a valid ballot sets: single choice is exactly one, approval is from
 * minSelections to maxSelections (a blank ballot, no bit, when minSelections is 0). The circuit
 * only binds the ballot, so approval needs no change to it (PROTOCOL.md, "Ballot").
 */

/** How many options a ballot may choose, out of how many. Open and sealed elections share it. */
export interface SelectionRule {
  readonly options: number;
  readonly minSelections: number;
  readonly maxSelections: number;
}

/** The rule of a single-choice election: exactly one of `options`. */
export const singleChoice = (options: number): SelectionRule => ({ options, minSelections: 1, maxSelections: 1 });

/**
 * What is wrong with a selection range, or undefined: integers with 0 <= min <= max <= options.
 * `allowNoMaximum` lets max be 0 (sealed elections accept it); an open election refuses it, as
 * ZkBallot.createElection does, since only the blank ballot would then be valid.
 */
export function selectionRangeProblem(rule: SelectionRule, allowNoMaximum = false): string | undefined {
  const { options, minSelections, maxSelections } = rule ?? ({} as SelectionRule);
  const integers = Number.isSafeInteger(options) && Number.isSafeInteger(minSelections) && Number.isSafeInteger(maxSelections);
  if (!integers || minSelections < 0 || minSelections > maxSelections || maxSelections > options || (!allowNoMaximum && maxSelections === 0)) {
    const lower = allowNoMaximum ? "0 <= min <= max" : "0 <= min <= max, 1 <= max";
    return `selection range [${String(minSelections)}, ${String(maxSelections)}] is not within ${lower} <= ${String(options)} options`;
  }
  return undefined;
}

/** Refuses a rule an open election cannot have (ZkBallot's InvalidOptionCount / InvalidSelectionRange). */
export function assertOpenSelectionRule(rule: SelectionRule): void {
  assertNumOptions(rule?.options);
  const problem = selectionRangeProblem(rule);
  if (problem !== undefined) throw new ZkBallotError("INVALID_ARGUMENT", problem, "minSelections and maxSelections must satisfy 0 <= min <= max <= options, max >= 1");
}

/** "choose 1 of 5", "choose 1 to 3 of 5", "choose up to 3 of 5" (min 0: a blank ballot is valid). */
export function describeSelectionRule(rule: SelectionRule): string {
  const { options, minSelections: min, maxSelections: max } = rule;
  if (min === max) return `choose ${min} of ${options}`;
  if (min === 0) return `choose up to ${max} of ${options}`;
  return `choose ${min} to ${max} of ${options}`;
}

export function encodeSingleChoiceBallot(option: number, numOptions: number): bigint {
  return encodeBallot([option], singleChoice(numOptions));
}

/** The ballot (bit set) that chooses `selections` (0-based option indices) under `rule`, or INVALID_BALLOT. */
export function encodeBallot(selections: readonly number[], rule: SelectionRule): bigint {
  assertOpenSelectionRule(rule);
  const chosen = new Set(selections);
  if (chosen.size !== selections.length) {
    throw new ZkBallotError("INVALID_BALLOT", `option chosen twice in ${selections.join(", ")}`, "list each option once");
  }
  let ballot = 0n;
  for (const option of selections) {
    if (!Number.isInteger(option) || option < 0 || option >= rule.options) {
      throw new ZkBallotError("INVALID_BALLOT", `option ${option} is out of range: this election has options 0 to ${rule.options - 1}`, "pick one of the listed options");
    }
    ballot |= 1n << BigInt(option);
  }
  assertSelectionCount(chosen.size, rule);
  return ballot;
}

/** The chosen options of a valid ballot, lowest first, or undefined when the contract would refuse it. */
export function ballotSelections(ballot: bigint, rule: SelectionRule): number[] | undefined {
  if (typeof ballot !== "bigint" || ballot < 0n || ballot >> BigInt(rule.options) !== 0n) return undefined;
  const selections: number[] = [];
  for (let option = 0; option < rule.options; option++) if ((ballot >> BigInt(option)) & 1n) selections.push(option);
  return selections.length < rule.minSelections || selections.length > rule.maxSelections ? undefined : selections;
}

/** The chosen options of a valid ballot (lowest first), or throws INVALID_BALLOT. */
export function decodeBallot(ballot: bigint, rule: SelectionRule): number[] {
  assertOpenSelectionRule(rule);
  const selections = ballotSelections(ballot, rule);
  if (selections === undefined) {
    throw new ZkBallotError("INVALID_BALLOT", `ballot ${ballot} is not valid for an election where you ${describeSelectionRule(rule)} options`, "a ballot sets bit i for each chosen option i");
  }
  return selections;
}

/** Returns the chosen option of a valid single-choice ballot, or throws INVALID_BALLOT. */
export function decodeSingleChoiceBallot(ballot: bigint, numOptions: number): number {
  assertNumOptions(numOptions);
  const selections = ballotSelections(ballot, singleChoice(numOptions));
  if (selections === undefined) {
    throw new ZkBallotError("INVALID_BALLOT", `ballot ${ballot} is not a single choice among ${numOptions} options`, "a single-choice ballot is 2^option");
  }
  return selections[0];
}

function assertSelectionCount(count: number, rule: SelectionRule): void {
  if (count < rule.minSelections || count > rule.maxSelections) {
    const range = rule.minSelections === rule.maxSelections ? `${rule.minSelections}` : `${rule.minSelections} to ${rule.maxSelections}`;
    throw new ZkBallotError("INVALID_BALLOT", `${count} options chosen, this election allows ${range}`, `${describeSelectionRule(rule)} options`);
  }
}

function assertNumOptions(numOptions: number): void {
  if (!Number.isInteger(numOptions) || numOptions < 2 || numOptions > MAX_OPTIONS) {
    throw new ZkBallotError("INVALID_ARGUMENT", `number of options must be an integer from 2 to ${MAX_OPTIONS}, got ${numOptions}`);
  }
}
