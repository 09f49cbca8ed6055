/**
 * Check "ballots" (every ballot proof): for each VoteCast, the rules castVote applies (nullifier
 * uniqueness, a ballot valid under the election's selection rule, inside the voting window, canonical proof coordinates),
 * then every Groth16 proof against the verification key, the frozen root and the election scope,
 * all at once by the context's verifier (the CLI's batched check, lib/proving/batchVerify.ts, or
 * a browser's one-by-one snarkjs check: both give exactly snarkjs's verdict for each proof).
 */
import { ballotSelections, describeSelectionRule } from "../../core/ballot";
import { electionSelectionRule } from "../../chain/reader";
import { toHex32 } from "../../core/field";
import { computeElectionScope } from "../../chain/reader";
import { findNonCanonicalCoordinate, type VotePublicSignals } from "../../core/proof";
import type { AuditContext } from "../context";
import { CheckBuilder, at, type BallotEntry, type CheckResult, type DecodedLog } from "../types";
import type { ElectionHistory } from "./electionRecord";
import { checkNullifierUniqueness } from "./nullifierUniqueness";

interface Checked {
  log: DecodedLog<"VoteCast">;
  /** The options the ballot chooses; undefined when it does not decode under the election's rule. */
  selections: number[] | undefined;
  valid: boolean;
  signals?: VotePublicSignals;
  proof: bigint[];
}

/** Every rule but the proof, for one ballot. */
async function checkRules(ctx: AuditContext, history: ElectionHistory, log: DecodedLog<"VoteCast">, ballots: CheckBuilder): Promise<{ selections?: number[]; valid: boolean; nonCanonical: boolean }> {
  const { ballot } = log.event.args;
  let valid = true;
  const rule = electionSelectionRule(ctx.state);
  const selections = ballotSelections(ballot, rule);
  if (selections === undefined) {
    const kind = rule.minSelections === 1 && rule.maxSelections === 1 ? `a valid single choice among ${rule.options} options` : `valid where voters ${describeSelectionRule(rule)} options`;
    ballots.fail(`ballot ${ballot} is not ${kind}`, at(log));
    valid = false;
  }
  const { window } = history;
  const timestamp = BigInt(await ctx.timestampOf(log.blockNumber));
  if (timestamp < window.startsAt || (window.endsAt !== 0n && timestamp >= window.endsAt)) {
    ballots.fail(`ballot cast at ${timestamp}, outside the voting window [${window.startsAt}, ${window.endsAt === 0n ? "none" : window.endsAt})`, at(log));
    valid = false;
  }
  const nonCanonical = findNonCanonicalCoordinate(log.event.args.proof);
  if (nonCanonical) {
    // The verifier this contract calls reduces A.y, so a re-encoded copy of a genuine ballot
    // can be counted on-chain; no off-chain verifier accepts it (docs/THREATS.md).
    ballots.fail(
      `non-canonical proof encoding: coordinate ${nonCanonical.index} (${nonCanonical.name}) is ${nonCanonical.value}, not below the base field order q; the contract counted a proof that no off-chain verifier accepts (a re-encoded copy, which a ZkBallot that refuses coordinates >= q rejects)`,
      at(log),
      "NON_CANONICAL_PROOF",
    );
    valid = false;
  }
  return { selections, valid, nonCanonical: nonCanonical !== undefined };
}

/** Runs the check; returns the recount of the ballots that passed and the ballot list. */
export async function checkBallots(
  ctx: AuditContext,
  history: ElectionHistory,
  voterRollRoot: bigint | undefined,
  verificationKey: Record<string, unknown>,
): Promise<{ result: CheckResult; counted: (readonly number[] | undefined)[]; ballotList: BallotEntry[] }> {
  const ballots = new CheckBuilder("ballots");
  const electionScope = computeElectionScope(ctx.chainId, ctx.contract, ctx.electionId);
  const { votes } = history;
  await Promise.all([...new Set(votes.map((log) => log.blockNumber))].map((block) => ctx.timestampOf(block))); // fetched in parallel, once a block
  const nullifiersOk = checkNullifierUniqueness(votes.map((log) => ({ ...log, nullifier: log.event.args.nullifier })), ballots);
  let nonCanonicalProofs = 0;
  const checked: Checked[] = [];
  for (const [i, log] of votes.entries()) {
    const rules = await checkRules(ctx, history, log, ballots);
    if (rules.nonCanonical) nonCanonicalProofs++;
    const { nullifier, ballot, proof } = log.event.args;
    const signals = voterRollRoot === undefined || rules.nonCanonical ? undefined : { voterRollRoot, nullifier, electionScope, ballot };
    checked.push({ log, selections: rules.selections, valid: nullifiersOk[i] && rules.valid && signals !== undefined, signals, proof });
  }
  const toVerify = checked.filter((entry) => entry.signals !== undefined);
  const verdicts = await ctx.verifyProofs(
    toVerify.map((entry) => ({ signals: entry.signals!, proof: entry.proof })),
    verificationKey,
    (done, total) => ctx.progress("re-verifying ballots", done, total),
  );
  toVerify.forEach((entry, i) => {
    if (!verdicts[i]) {
      ballots.fail("the ballot's Groth16 proof does not verify against the verification key, the frozen root and the election scope", at(entry.log));
      entry.valid = false;
    }
  });
  // The options of each ballot that passed every check (undefined: not counted); a blank ballot counts as [].
  const counted = checked.map((entry) => (entry.valid ? entry.selections : undefined));
  const ballotList: BallotEntry[] = checked.map((entry, i) => ({
    nullifier: toHex32(entry.log.event.args.nullifier),
    ballot: String(entry.log.event.args.ballot),
    option: entry.selections?.length === 1 ? entry.selections[0] : null,
    selections: entry.selections ?? null,
    blockNumber: entry.log.blockNumber,
    transactionHash: entry.log.transactionHash,
    verified: counted[i] !== undefined,
  }));
  const verified = counted.filter((selections) => selections !== undefined).length;
  Object.assign(ballots.evidence, { voteCastEvents: votes.length, verified, nonCanonicalProofs, skippedInBatches: history.skippedBallots, electionScope: electionScope.toString() });
  return { result: ballots.result(), counted, ballotList };
}
