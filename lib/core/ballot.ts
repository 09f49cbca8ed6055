import { MAX_OPTIONS } from "./constants";
import { ZkBallotError } from "./errors";

/**
 * A ballot is a bit set of options: bit i set means option i is chosen. A single-choice
 * ballot has exactly one bit set; an approval ballot (a later ballot kind) may set several,
 * so approval voting needs no change to the circuit or the public inputs (PROTOCOL.md, "Ballot").
 */
export function encodeSingleChoiceBallot(option: number, numOptions: number): bigint {
  assertNumOptions(numOptions);
  if (!Number.isInteger(option) || option < 0 || option >= numOptions) {
    throw new ZkBallotError("INVALID_BALLOT", `option ${option} is out of range: this election has options 0 to ${numOptions - 1}`, "pick one of the listed options");
  }
  return 1n << BigInt(option);
}

/** Returns the chosen option of a valid single-choice ballot, or throws INVALID_BALLOT. */
export function decodeSingleChoiceBallot(ballot: bigint, numOptions: number): number {
  assertNumOptions(numOptions);
  if (ballot <= 0n || (ballot & (ballot - 1n)) !== 0n || ballot >= 1n << BigInt(numOptions)) {
    throw new ZkBallotError("INVALID_BALLOT", `ballot ${ballot} is not a single choice among ${numOptions} options`, "a single-choice ballot is 2^option");
  }
  return ballot.toString(2).length - 1;
}

function assertNumOptions(numOptions: number): void {
  if (!Number.isInteger(numOptions) || numOptions < 2 || numOptions > MAX_OPTIONS) {
    throw new ZkBallotError("INVALID_ARGUMENT", `number of options must be an integer from 2 to ${MAX_OPTIONS}, got ${numOptions}`);
  }
}
