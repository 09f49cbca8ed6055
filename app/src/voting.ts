/**
 * The vote, as the CLI's `vote --relayer` does it, in the browser: the same checks in the same
 * order (phase and window, the election's selection rule, on the roll, not voted yet), the proof
 * in a Web Worker, the relayer's protocol (lib/relayer/client.ts: Retry-After honoured, receipt
 * checked against the ballot).
 * Each refusal is a Refusal with a catalog key, so it is shown in the voter's language.
 */
import { electionSelectionRule, type PreparedBallot } from "../../lib/chain/reader";
import { encodeBallot, type SelectionRule } from "../../lib/core/ballot";
import { ZkBallotError } from "../../lib/core/errors";
import { computeNullifier, type VoterIdentity } from "../../lib/core/identity";
import { checkVotingOpen, describeVoteRejection, electionBallotSelections, Phase } from "../../lib/core/rules";
import { VoterRoll } from "../../lib/core/voterRoll";
import { toSolidityProof } from "../../lib/proving/proofFormat";
import { submitToRelayer, waitForRelayedBallot, type ReceiptExpectation, type RelayReceipt, type RetryOptions } from "../../lib/relayer/client";
import { electionScopeOf, readVoteRecords, readVoterRoll, type Chain } from "./chain";
import type { WorkerMessage } from "./protocol";

export class Refusal extends Error {
  constructor(readonly key: string, readonly params: Record<string, string | number> = {}) {
    super(key);
  }
}

export type VoteStage =
  | { stage: "checking" }
  | { stage: "download" | "prove"; fraction: number }
  | { stage: "submitting" }
  | { stage: "wallet"; account: string }
  | { stage: "retrying"; seconds: number }
  | { stage: "waiting"; status: string };

const isoTime = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString();

/** The vote rules' phase and window check (lib/core/rules.ts) at the latest block's timestamp, the contract's clock. */
export async function assertVotingOpen(chain: Chain, electionId: bigint, election: { phase: bigint; numOptions: bigint; votingStartsAt: bigint; votingEndsAt: bigint }): Promise<void> {
  const now = BigInt((await chain.provider.getBlock("latest"))!.timestamp);
  const facts = { phase: Number(election.phase) as Phase, numOptions: Number(election.numOptions), votingStartsAt: election.votingStartsAt, votingEndsAt: election.votingEndsAt };
  const rejection = checkVotingOpen(electionId, facts, now);
  if (rejection === undefined) return;
  switch (rejection.error) {
    case "VotingNotStarted": throw new Refusal("refusal.notStarted", { time: isoTime(rejection.votingStartsAt) });
    case "VotingEnded": throw new Refusal("refusal.ended", { time: isoTime(rejection.votingEndsAt) });
    default: throw new Refusal("refusal.notVoting", { phase: Phase[facts.phase] ?? String(facts.phase) });
  }
}

/**
 * The voter chose as many options as the rule allows (open and sealed pages): refused before any
 * proof is made, naming the range.
 */
export function assertSelectionCount(rule: SelectionRule, selected: readonly number[]): void {
  const { minSelections: min, maxSelections: max } = rule;
  if (selected.length < min || selected.length > max) throw new Refusal("refusal.selectionCount", { min, max, count: selected.length });
}

export interface CheckedVote {
  electionId: bigint;
  ballot: bigint;
  /** The options the ballot counts for, lowest first, as the contract's rule reads the ballot. */
  selections: readonly number[];
  nullifier: bigint;
  input: Record<string, string | string[]>;
}

/** Every check before proving. Reads only public data; the nullifier is compared locally. `selected`: the chosen options. */
export async function checkVote(chain: Chain, electionId: bigint, identity: VoterIdentity, selected: readonly number[]): Promise<CheckedVote> {
  const election = await chain.zkBallot.getElection(electionId);
  await assertVotingOpen(chain, electionId, election);
  const rule = electionSelectionRule(election);
  assertSelectionCount(rule, selected);
  const ballot = encodeBallot(selected, rule);
  // The vote rules' own reading of the ballot (ZkBallot._validBallot): what the contract will count.
  const facts = { numOptions: rule.options, minSelections: rule.minSelections, maxSelections: rule.maxSelections };
  const selections = electionBallotSelections(ballot, facts);
  if (selections === undefined) throw new ZkBallotError("INVALID_BALLOT", describeVoteRejection({ error: "InvalidBallot", electionId, ballot, ...facts }), "choose the options again");
  const roll = await VoterRoll.build(await readVoterRoll(chain, electionId), { depth: Number(await chain.zkBallot.ROLL_DEPTH()) });
  if (roll.root !== election.voterRollRoot) throw new ZkBallotError("INVALID_ROLL", "the roll rebuilt from the chain does not give the frozen root");
  if (roll.indexOf(identity.voterCommitment) === undefined) throw new Refusal("refusal.notOnRoll");
  const path = roll.pathOf(identity.voterCommitment);
  const electionScope = await electionScopeOf(chain, electionId);
  const nullifier = await computeNullifier(identity.identitySecret, electionScope);
  const earlier = (await readVoteRecords(chain, electionId)).find((record) => record.nullifier === nullifier);
  if (earlier !== undefined) throw new Refusal("refusal.alreadyVoted", { block: earlier.blockNumber });
  return {
    electionId,
    ballot,
    selections,
    nullifier,
    input: {
      identitySecret: identity.identitySecret.toString(),
      pathIndices: path.pathIndices.map(String),
      siblings: path.siblings.map(String),
      electionScope: electionScope.toString(),
      ballot: ballot.toString(),
    },
  };
}

/** Proves in a Web Worker; checks that the proof's public signals are the ones asked for. */
export function proveInWorker(worker: Worker, checked: CheckedVote, onStage: (stage: VoteStage) => void): Promise<{ prepared: PreparedBallot; ms: number }> {
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      const message = event.data;
      if (message.kind === "progress") onStage({ stage: message.stage, fraction: message.fraction });
      else if (message.kind === "error") reject(new ZkBallotError("INVALID_PROOF", `proving failed: ${message.message}`));
      else if (message.kind === "proof") {
        const [, nullifier, , ballot] = message.publicSignals.map(BigInt);
        if (nullifier !== checked.nullifier || ballot !== checked.ballot) {
          reject(new ZkBallotError("INVALID_PROOF", "the prover returned public signals that differ from the request"));
          return;
        }
        resolve({ prepared: { electionId: checked.electionId, ballot: checked.ballot, nullifier: checked.nullifier, proof: toSolidityProof(message.proof) }, ms: message.ms });
      }
    };
    worker.postMessage({ input: checked.input });
  });
}

/** Hands the ballot to the relayer and follows the receipt until inclusion. */
export async function relayBallot(relayerUrl: string, prepared: PreparedBallot, onStage: (stage: VoteStage) => void): Promise<RelayReceipt> {
  return followRelayedBallot(relayerUrl, (retry) => submitToRelayer(relayerUrl, prepared, retry), prepared, onStage);
}

/**
 * Submits through `submit` (an open or a sealed ballot, lib/relayer/client.ts) and follows the
 * receipt until inclusion; the relayer's refusals become the voter's Refusals.
 */
export async function followRelayedBallot(relayerUrl: string, submit: (retry: RetryOptions) => Promise<RelayReceipt>, expected: ReceiptExpectation, onStage: (stage: VoteStage) => void): Promise<RelayReceipt> {
  onStage({ stage: "submitting" });
  let receipt: RelayReceipt;
  try {
    receipt = await submit({ onRetry: (_status, waitMs) => onStage({ stage: "retrying", seconds: Math.ceil(waitMs / 1000) }) });
  } catch (error) {
    if (error instanceof ZkBallotError && error.code === "RELAYER_UNREACHABLE") throw new Refusal("refusal.relayerUnreachable");
    if (error instanceof ZkBallotError && error.code === "RELAYER_REFUSED") throw new Refusal("refusal.relayerRefused", { message: error.message.replace(/^the relayer refused the ballot: /, "") });
    throw error;
  }
  onStage({ stage: "waiting", status: receipt.status });
  return waitForRelayedBallot(relayerUrl, receipt.receiptId, expected, { timeoutMs: 120_000, intervalMs: 500, onStatus: (r) => onStage({ stage: "waiting", status: r.status }) });
}
