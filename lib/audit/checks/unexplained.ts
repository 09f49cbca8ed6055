/**
 * Check "unexplained": nothing on-chain that no event explains. Its findings come from the log
 * decoding (context.ts), the phase replay (electionRecord.ts) and the count of elections here.
 */
import type { AuditContext } from "../context";
import type { CheckBuilder, CheckResult } from "../types";

export function checkUnexplained(ctx: AuditContext, unexplained: CheckBuilder): CheckResult {
  unexplained.evidence.logsFetched = ctx.logsFetched;
  unexplained.evidence.logsOfThisElection = ctx.logs.length;
  unexplained.evidence.logFilter = `topic 1 = electionId ${ctx.electionId} (plus every ElectionCreated, to count elections)`;
  if (ctx.options.fromBlock === undefined && BigInt(ctx.electionsCreated) !== ctx.electionCount) {
    unexplained.fail(`the contract counts ${ctx.electionCount} elections but ${ctx.electionsCreated} ElectionCreated events exist`);
  }
  return unexplained.result();
}
