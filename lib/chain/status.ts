/**
 * What anyone can read about an election (status, tally) and what a voter can check about their
 * own ballot (individual verifiability), from the chain alone. Browser-safe: the web app uses it
 * as it is; lib/chain/results.ts adds the verification key from circuits/build for Node.
 */
import type { ZkBallot } from "../../typechain-types";
import { describeSelectionRule, type SelectionRule } from "../core/ballot";
import { toHex32 } from "../core/field";
import { computeNullifier, type VoterIdentity } from "../core/identity";
import { recountTally, talliesEqual } from "../core/tally";
import { findNonCanonicalCoordinate, verifyVoteProof } from "../proving/proofFormat";
import type { VerificationKey } from "../proving/voteProver";
import { decodeElectionMetadata } from "./metadata";
import { computeElectionScope, electionSelectionRule, fetchElectionCreation, fetchElectionEvents, fetchVoteRecords, Phase, type LogReadOptions, type VoteRecord } from "./reader";

export interface ElectionStatus {
  electionId: string;
  title: string;
  phase: string;
  admin: string;
  registrar: string;
  voterCount: number;
  voterRollRoot: string;
  voterRollDigest: string;
  votingStartsAt: string | null;
  votingEndsAt: string | null;
  /** How many options a ballot may choose (single choice: 1 to 1; approval: a wider range). */
  selectionRule: SelectionRule;
  /** The rule in words: "choose 1 of 3", "choose 1 to 3 of 5", "choose up to 2 of 4". */
  selectionRuleText: string;
  /** votes: the ballots that chose the option (an approval ballot counts for each option it chooses). */
  options: { option: number; name: string; votes: string }[];
  /** Ballots counted (for approval, fewer than the sum of the votes). */
  ballotsCounted: string;
  metadataVerified: boolean;
}

function isoOrNull(seconds: bigint): string | null {
  return seconds === 0n ? null : new Date(Number(seconds) * 1000).toISOString();
}

/** `options.fromBlock` (the deployment block) spares a search for where the ElectionCreated event can be. */
export async function readElectionStatus(zkBallot: ZkBallot, electionId: bigint, options: LogReadOptions = {}): Promise<ElectionStatus> {
  const election = await zkBallot.getElection(electionId);
  const tally = await zkBallot.tallies(electionId);
  const numOptions = Number(election.numOptions);
  const selectionRule = electionSelectionRule(election);
  const creation = await fetchElectionCreation(zkBallot, electionId, options); // title and URI are not stored
  const metadata = decodeElectionMetadata(creation.metadataURI, election.metadataHash, numOptions);
  return {
    electionId: electionId.toString(),
    title: creation.title,
    phase: Phase[Number(election.phase)],
    admin: election.admin,
    registrar: election.registrar,
    voterCount: Number(election.voterCount),
    voterRollRoot: election.phase >= BigInt(Phase.Voting) ? election.voterRollRoot.toString() : "(not frozen yet)",
    voterRollDigest: election.voterRollDigest,
    votingStartsAt: isoOrNull(election.votingStartsAt),
    votingEndsAt: isoOrNull(election.votingEndsAt),
    selectionRule,
    selectionRuleText: describeSelectionRule(selectionRule),
    options: tally.map((votes, option) => ({ option, name: metadata?.options[option] ?? `option ${option}`, votes: votes.toString() })),
    ballotsCounted: (await countBallots(zkBallot, electionId, selectionRule, tally, options)).toString(),
    metadataVerified: metadata !== undefined,
  };
}

/**
 * Ballots counted: a single-choice ballot adds exactly one vote, so the tally's sum is the count
 * (no log read). An approval ballot adds one per chosen option (a blank one none), so there the
 * VoteCast events are counted.
 */
async function countBallots(zkBallot: ZkBallot, electionId: bigint, rule: SelectionRule, tally: readonly bigint[], options: LogReadOptions): Promise<bigint> {
  if (rule.minSelections === 1 && rule.maxSelections === 1) return tally.reduce((sum, votes) => sum + votes, 0n);
  return BigInt((await fetchElectionEvents(zkBallot, electionId, "VoteCast", options)).events.length);
}

export interface MyBallotReport {
  nullifier: string;
  voted: boolean;
  /** optionName: the chosen options' names, comma-separated ("(blank)" for a blank ballot). */
  record?: VoteRecord & { optionName: string };
  proofVerifiedOffChain?: boolean;
  /**
   * Why the proof did not verify, when it is not simply false: "NON_CANONICAL_PROOF" when a
   * coordinate is at or above q (someone re-encoded the ballot; the contract of this deployment
   * accepted an encoding no off-chain verifier does).
   */
  proofProblem?: { code: "NON_CANONICAL_PROOF"; message: string };
  /** The recount of every VoteCast event equals the on-chain tally, and includes this ballot. */
  countedInTally?: boolean;
}

/**
 * Individual verifiability: is my ballot on-chain, with a valid proof (verified here with
 * the key `loadVerificationKey` gives), and counted? The nullifier is computed here and compared with every
 * VoteCast event: no request carries it. `loadVerificationKey` is called only when there is a
 * ballot to verify.
 */
export async function checkMyBallotWithKey(
  zkBallot: ZkBallot,
  electionId: bigint,
  identity: VoterIdentity,
  loadVerificationKey: () => unknown,
  options: LogReadOptions = {},
): Promise<MyBallotReport> {
  const { chainId } = await zkBallot.runner!.provider!.getNetwork();
  const electionScope = computeElectionScope(chainId, await zkBallot.getAddress(), electionId);
  const nullifier = await computeNullifier(identity.identitySecret, electionScope);
  const status = await readElectionStatus(zkBallot, electionId, options);
  const records = await fetchVoteRecords(zkBallot, electionId, options);
  const mine = records.find((record) => record.nullifier === nullifier);
  if (mine === undefined) return { nullifier: toHex32(nullifier), voted: false };

  const election = await zkBallot.getElection(electionId);
  const nonCanonical = findNonCanonicalCoordinate(mine.proof);
  const proofProblem = nonCanonical && {
    code: "NON_CANONICAL_PROOF" as const,
    message: `proof coordinate ${nonCanonical.index} (${nonCanonical.name}) of your recorded ballot is ${nonCanonical.value}, not below the base field order q: a non-canonical re-encoding, which no off-chain verifier accepts (this deployment's contract does not refuse it; see docs/THREATS.md)`,
  };
  const proofVerifiedOffChain = proofProblem === undefined && (await verifyVoteProof(
    { voterRollRoot: election.voterRollRoot, nullifier, electionScope, ballot: mine.ballot },
    mine.proof,
    (await loadVerificationKey()) as VerificationKey,
  ));
  const recount = recountTally(records, status.options.length);
  // A recorded ballot always decodes (the contract checked it); [] would be a blank ballot.
  const selections = mine.selections ?? [];
  const countedInTally = mine.selections !== undefined && talliesEqual(recount, status.options.map((entry) => entry.votes)) && selections.every((option) => recount[option] > 0n);
  const optionName = selections.length === 0 ? "(blank)" : selections.map((option) => status.options[option].name).join(", ");
  return {
    nullifier: toHex32(nullifier),
    voted: true,
    record: { ...mine, optionName },
    proofVerifiedOffChain,
    ...(proofProblem ? { proofProblem } : {}),
    countedInTally,
  };
}
