/**
 * Check "sealed-tally": the counts recovered off-chain (Lagrange combination of verified partial
 * decryptions, then baby-step giant-step up to the number of ballots) for the trustees
 * TallyFinalized names (or, before it, the first k verified ones), compared with TallyFinalized
 * and the contract's recorded tally. The circuit's options beyond the election's must decrypt to
 * 0: every valid ballot proof constrains them to encrypt 0 (the numOptions public input), so
 * anything else means a proof or the totals are not what the contract accepted, and fails.
 */
import { SEALED_MAX_OPTIONS } from "../../sealed/ballot";
import { CountRecoveryTable } from "../../sealed/bsgs";
import { lagrangeCombine } from "../../sealed/elgamal";
import type { SealedAuditContext } from "../sealedContext";
import { CheckBuilder, at, type CheckResult } from "../types";
import type { VerifiedPartials } from "./partialDecryptions";
import type { SealedHistory } from "./sealedRecord";

/** Counts for all circuit options from the given trustees' verified partials; undefined for an option that is no count. */
export function recoverSealedCounts(totals: readonly bigint[], partials: VerifiedPartials, trustees: readonly number[], maxCount: number): (number | undefined)[] {
  const table = CountRecoveryTable.build(maxCount);
  return Array.from({ length: SEALED_MAX_OPTIONS }, (_, j) => {
    const c2 = { x: totals[16 + 2 * j], y: totals[16 + 2 * j + 1] };
    try {
      return table.recover(lagrangeCombine(c2, trustees.map((trustee) => ({ trustee, partial: partials.get(trustee)![j] }))));
    } catch {
      return undefined;
    }
  });
}

/** Runs the check; returns the recovered counts of the election's options (for the report). */
export function checkSealedTally(ctx: SealedAuditContext, h: SealedHistory, totals: readonly bigint[], partials: VerifiedPartials): { result: CheckResult; counts?: number[] } {
  const check = new CheckBuilder("sealed-tally");
  const { numOptions, threshold } = ctx.state;
  const { finalized } = h;
  const trustees = finalized ? finalized.args.trustees : [...partials.keys()].sort((a, b) => a - b).slice(0, threshold);
  const unverified = trustees.filter((t) => !partials.has(t));
  if (unverified.length > 0) check.fail(`the tally combines trustee(s) ${unverified.join(", ")}, whose partial decryption did not verify`, finalized && at(finalized));
  if (trustees.length < threshold || unverified.length > 0) {
    if (finalized) check.fail(`TallyFinalized combines ${trustees.length} trustees with verified partials, the threshold is ${threshold}`, at(finalized));
    else check.warnings.push(`${partials.size} verified partial decryptions of ${threshold} needed: the counts cannot be recovered yet`);
    return { result: check.result() };
  }
  const recovered = recoverSealedCounts(totals, partials, trustees, h.votes.length);
  const counts = recovered.slice(0, numOptions);
  Object.assign(check.evidence, { combinedTrustees: trustees, recoveredCounts: recovered.map((c) => (c === undefined ? "none" : String(c))), onChainTally: ctx.state.tally.map(String) });
  if (counts.some((c) => c === undefined)) check.fail(`option(s) ${counts.flatMap((c, j) => (c === undefined ? [j] : [])).join(", ")} decrypt to no count in [0, ${h.votes.length}]`, undefined, "COUNT_NOT_RECOVERABLE");
  const unusedNotZero = recovered.flatMap((c, j) => (j >= numOptions && c !== 0 ? [`${j} (${c === undefined ? "no count" : c})`] : []));
  if (unusedNotZero.length > 0) {
    check.fail(`the circuit's option(s) ${unusedNotZero.join(", ")} beyond the election's ${numOptions} do not decrypt to 0, which every ballot proof enforces`, undefined, "UNUSED_OPTION_NOT_ZERO");
  }
  if (!finalized) {
    check.warnings.push("the tally is not finalized: these counts are what any k trustees' posted shares give");
    return { result: check.result(), counts: counts as number[] };
  }
  check.evidence.finalizedTally = finalized.args.tally.map(String);
  if (finalized.args.tally.length !== numOptions || finalized.args.tally.some((count, j) => count !== BigInt(counts[j] ?? -1))) {
    check.fail(`the counts in TallyFinalized [${finalized.args.tally.join(", ")}] are not the counts the partial decryptions give [${counts.map((c) => c ?? "none").join(", ")}]`, at(finalized), "COUNT_MISMATCH");
  }
  if (ctx.state.tally.length !== numOptions || ctx.state.tally.some((count, j) => count !== BigInt(counts[j] ?? -1))) {
    check.fail(`the contract's recorded tally [${ctx.state.tally.join(", ")}] is not the recovered counts [${counts.map((c) => c ?? "none").join(", ")}]`, undefined, "COUNT_MISMATCH");
  }
  return { result: check.result(), counts: counts as number[] };
}
