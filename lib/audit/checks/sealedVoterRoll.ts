/**
 * Check "voter-roll" for a sealed election: the tree rebuilt from the published commitments
 * (the same batch rules and digest as the open check, lib/audit/checks/voterRoll.ts) must have
 * the root frozen in VotingOpened, whose count and digest must be the published roll's.
 * (SealedZkBallot keeps no count or digest readable by a view: the events are the record.)
 */
import { rebuildRollRoot, readBatches } from "./voterRoll";
import type { SealedAuditContext } from "../sealedContext";
import { sealedLogsOf } from "../sealedEvents";
import { CheckBuilder, at, type CheckResult } from "../types";
import type { SealedHistory } from "./sealedRecord";

export async function checkSealedVoterRoll(ctx: SealedAuditContext, h: SealedHistory): Promise<CheckResult> {
  const roll = new CheckBuilder("voter-roll");
  const batches = sealedLogsOf(ctx.logs, "VoterCommitmentsPublished");
  const published = readBatches(batches.map((log) => ({ ...log, ...log.args })), roll);
  const root = published.commitments.length > 2 ** ctx.rollDepth ? undefined : await rebuildRollRoot(published, ctx.rollDepth, ctx.progress, ctx.rollRoot);
  Object.assign(roll.evidence, { voterCount: published.commitments.length, voterRollDigest: published.digest, batches: batches.length, rollDepth: ctx.rollDepth, recomputedRoot: root?.toString() });
  const { opened } = h;
  if (!opened) {
    roll.warnings.push("the roll is not frozen yet (voting has not opened)");
    return roll.result();
  }
  roll.evidence.frozenRoot = opened.args.voterRollRoot.toString();
  if (root === undefined || root !== opened.args.voterRollRoot) roll.fail(`the frozen root ${opened.args.voterRollRoot} is not the Poseidon root of the published commitments (${root ?? "tree not buildable"})`, at(opened));
  if (opened.args.voterCount !== BigInt(published.commitments.length) || opened.args.voterRollDigest !== published.digest) roll.fail("VotingOpened states a count or digest that differs from the published roll", at(opened));
  return roll.result();
}
