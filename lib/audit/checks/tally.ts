/**
 * Check "tally" (tally recount): the verified ballots, counted per option, against the
 * contract's running tally and the final tally in ElectionClosed.
 */
import { Phase } from "../../core/rules";
import type { AuditContext } from "../context";
import { CheckBuilder, at, type CheckResult } from "../types";
import type { ElectionHistory } from "./electionRecord";

/** The recount: one vote for the option of each ballot that passed every check. */
export function recountVerifiedBallots(counted: readonly (number | undefined)[], numOptions: number): bigint[] {
  const recount = new Array<bigint>(numOptions).fill(0n);
  for (const option of counted) if (option !== undefined) recount[option]++;
  return recount;
}

export function checkTally(ctx: AuditContext, history: ElectionHistory, counted: readonly (number | undefined)[]): CheckResult {
  const tally = new CheckBuilder("tally");
  const { onChainTally, numOptions } = ctx;
  const recount = recountVerifiedBallots(counted, numOptions);
  Object.assign(tally.evidence, { recount: recount.map(String), onChain: onChainTally.map(String) });
  if (recount.some((count, i) => count !== onChainTally[i])) {
    tally.fail(`the on-chain tally [${onChainTally.join(", ")}] differs from the recount of verified ballots [${recount.join(", ")}]`);
  }
  const { closedAt } = history;
  if (closedAt) {
    const finalTally = [...closedAt.event.args.tally];
    tally.evidence.final = finalTally.map(String);
    if (finalTally.length !== numOptions || finalTally.some((count, i) => count !== recount[i])) {
      tally.fail(`the final tally in ElectionClosed [${finalTally.join(", ")}] differs from the recount [${recount.join(", ")}]`, at(closedAt));
    }
  } else if (Number(ctx.state.phase) !== Phase.Closed) {
    tally.warnings.push("the election is not closed: this tally is not final");
  }
  return tally.result();
}
