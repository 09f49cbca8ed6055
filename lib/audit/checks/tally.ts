/**
 * Check "tally" (tally recount): the verified ballots, counted per option, against the
 * contract's running tally and the final tally in ElectionClosed.
 */
import { Phase } from "../../core/rules";
import { recountTally } from "../../core/tally";
import type { AuditContext } from "../context";
import { CheckBuilder, at, type CheckResult } from "../types";
import type { ElectionHistory } from "./electionRecord";

/** The recount: one vote for every option chosen by each ballot that passed every check (undefined: not counted). */
export function recountVerifiedBallots(counted: readonly (readonly number[] | undefined)[], numOptions: number): bigint[] {
  return recountTally(counted.map((selections) => ({ selections: selections ?? [] })), numOptions);
}

export function checkTally(ctx: AuditContext, history: ElectionHistory, counted: readonly (readonly number[] | undefined)[]): CheckResult {
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
