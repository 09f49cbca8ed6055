/**
 * The vote rules, once: the checks ZkBallot's `_checkVote` makes before any proof verifier
 * runs, in the same order, named by the contract's custom errors. The relayer, `prepareBallot`,
 * the auditor and the property-test model ask this module instead of restating the rules, so a
 * rule changes in two places only: here and in contracts/ZkBallot.sol.
 */
import { ballotSelections, describeSelectionRule, singleChoice } from "./ballot";
import { BN254_BASE_FIELD, SNARK_SCALAR_FIELD } from "./constants";

/** Mirrors IZkBallot.Phase. */
export enum Phase {
  None = 0,
  Registration = 1,
  Voting = 2,
  Closed = 3,
}

/** The part of an election's on-chain state the vote rules read. */
export interface VoteRuleElection {
  readonly phase: Phase;
  readonly numOptions: number;
  /** Fewest options a ballot may choose (single choice: 1; 0 allows a blank ballot). */
  readonly minSelections: number;
  /** Most options a ballot may choose (single choice: 1). */
  readonly maxSelections: number;
  /** First second of voting (0: as soon as voting opens). */
  readonly votingStartsAt: bigint;
  /** End of voting, exclusive (0: until the admin closes). */
  readonly votingEndsAt: bigint;
}

/** A vote as castVote takes it, and the chain facts the rules compare it with. */
export interface VoteRuleInput {
  readonly electionId: bigint;
  /** undefined: no election with this id. */
  readonly election: VoteRuleElection | undefined;
  /** The block timestamp the ballot is judged at (the contract's clock). */
  readonly now: bigint;
  readonly ballot: bigint;
  readonly nullifier: bigint;
  /** The proof as castVote takes it (uint256[8]); omitted when only the ballot is judged. */
  readonly proof?: readonly bigint[];
  /** Block in which this nullifier was spent (0 or undefined: unspent). */
  readonly spentInBlock?: bigint;
}

/** Why the contract would refuse a vote: the custom error's name and arguments. */
export type VoteRejection =
  | { readonly error: "ElectionNotFound"; readonly electionId: bigint }
  | { readonly error: "WrongPhase"; readonly electionId: bigint; readonly current: Phase; readonly required: Phase }
  | { readonly error: "VotingNotStarted"; readonly electionId: bigint; readonly votingStartsAt: bigint }
  | { readonly error: "VotingEnded"; readonly electionId: bigint; readonly votingEndsAt: bigint }
  | { readonly error: "InvalidBallot"; readonly electionId: bigint; readonly ballot: bigint; readonly numOptions: number; readonly minSelections: number; readonly maxSelections: number }
  | { readonly error: "NullifierOutOfField"; readonly nullifier: bigint }
  | { readonly error: "ProofCoordinateOutOfField"; readonly index: number; readonly value: bigint }
  | { readonly error: "NullifierAlreadySpent"; readonly electionId: bigint; readonly nullifier: bigint; readonly spentInBlock: bigint };

export type VoteRejectionName = VoteRejection["error"];

/** The verdict: the options the ballot counts for (lowest first; none for a blank ballot), or the contract's refusal. */
export type VoteRuleVerdict = { readonly accepted: true; readonly selections: readonly number[] } | { readonly accepted: false; readonly rejection: VoteRejection };

const PROOF_WORDS = 8;

/** Whether the election accepts ballots at `now`: phase, then window (ZkBallot's first checks). */
export function checkVotingOpen(electionId: bigint, election: Pick<VoteRuleElection, "phase" | "votingStartsAt" | "votingEndsAt"> | undefined, now: bigint): VoteRejection | undefined {
  if (election === undefined || election.phase === Phase.None) return { error: "ElectionNotFound", electionId };
  if (election.phase !== Phase.Voting) return { error: "WrongPhase", electionId, current: election.phase, required: Phase.Voting };
  if (now < election.votingStartsAt) return { error: "VotingNotStarted", electionId, votingStartsAt: election.votingStartsAt };
  if (election.votingEndsAt !== 0n && now >= election.votingEndsAt) return { error: "VotingEnded", electionId, votingEndsAt: election.votingEndsAt };
  return undefined;
}

/** The options a ballot chooses under the election's rule (ZkBallot._validBallot), or undefined when the contract would refuse it. */
export function electionBallotSelections(ballot: bigint, election: Pick<VoteRuleElection, "numOptions" | "minSelections" | "maxSelections">): number[] | undefined {
  return ballotSelections(ballot, { options: election.numOptions, minSelections: election.minSelections, maxSelections: election.maxSelections });
}

/** The option a single-choice ballot chooses, or undefined when the contract would refuse it. */
export function singleChoiceOption(ballot: bigint, numOptions: number): number | undefined {
  return ballotSelections(ballot, singleChoice(numOptions))?.[0];
}

/** The first proof coordinate that is not canonical (>= q), as ProofCoordinateOutOfField names it. */
export function checkProofEncoding(proof: readonly bigint[]): VoteRejection | undefined {
  for (let index = 0; index < PROOF_WORDS; index++) {
    const value = proof[index];
    if (value < 0n || value >= BN254_BASE_FIELD) return { error: "ProofCoordinateOutOfField", index, value };
  }
  return undefined;
}

/**
 * Every check castVote makes before verifying the proof, in the contract's order: election
 * exists, phase, window, ballot, nullifier in the field, proof coordinates canonical, nullifier
 * unspent. Whether the proof itself is valid is the verifier's question, not a rule.
 */
export function checkVote(input: VoteRuleInput): VoteRuleVerdict {
  const refuse = (rejection: VoteRejection): VoteRuleVerdict => ({ accepted: false, rejection });
  const closed = checkVotingOpen(input.electionId, input.election, input.now);
  if (closed) return refuse(closed);
  const election = input.election!;
  const selections = electionBallotSelections(input.ballot, election);
  if (selections === undefined) {
    const { numOptions, minSelections, maxSelections } = election;
    return refuse({ error: "InvalidBallot", electionId: input.electionId, ballot: input.ballot, numOptions, minSelections, maxSelections });
  }
  if (input.nullifier < 0n || input.nullifier >= SNARK_SCALAR_FIELD) return refuse({ error: "NullifierOutOfField", nullifier: input.nullifier });
  const encoding = input.proof === undefined ? undefined : checkProofEncoding(input.proof);
  if (encoding) return refuse(encoding);
  if (input.spentInBlock !== undefined && input.spentInBlock !== 0n) {
    return refuse({ error: "NullifierAlreadySpent", electionId: input.electionId, nullifier: input.nullifier, spentInBlock: input.spentInBlock });
  }
  return { accepted: true, selections };
}

/** A one-line English account of a refusal, naming the state (for errors and audit evidence). */
export function describeVoteRejection(rejection: VoteRejection): string {
  switch (rejection.error) {
    case "ElectionNotFound":
      return `election ${rejection.electionId} does not exist`;
    case "WrongPhase":
      return `election ${rejection.electionId} is in phase ${Phase[rejection.current]}, not ${Phase[rejection.required]}`;
    case "VotingNotStarted":
      return `voting in election ${rejection.electionId} starts at ${rejection.votingStartsAt}`;
    case "VotingEnded":
      return `voting in election ${rejection.electionId} ended at ${rejection.votingEndsAt}`;
    case "InvalidBallot":
      return rejection.minSelections === 1 && rejection.maxSelections === 1
        ? `ballot ${rejection.ballot} is not a single choice among ${rejection.numOptions} options`
        : `ballot ${rejection.ballot} is not valid where voters ${describeSelectionRule({ options: rejection.numOptions, minSelections: rejection.minSelections, maxSelections: rejection.maxSelections })} options`;
    case "NullifierOutOfField":
      return `nullifier ${rejection.nullifier} is not below the scalar field order`;
    case "ProofCoordinateOutOfField":
      return `proof coordinate ${rejection.index} is not below the base field order q`;
    case "NullifierAlreadySpent":
      return `this nullifier already voted in block ${rejection.spentInBlock}`;
  }
}
