/**
 * Check "partial-decryptions": every PartialDecryptionPosted of a sealed election, once per
 * trustee, after the close, against the share key recomputed from the key ceremony (the event's
 * and the contract's must be that one), its Groth16 proof of circuits/sealedDecryption.circom
 * re-verified against the recomputed totals' c1 points, and the partials the contract stores
 * compared with the event's.
 */
import { pointsEqual, type Point } from "../../sealed/babyjub";
import { sealedDecryptionSignals } from "../../sealed/circuitInput";
import type { SealedAuditContext } from "../sealedContext";
import { sealedLogsOf } from "../sealedEvents";
import { CheckBuilder, at, type CheckResult } from "../types";

/** The partial decryptions that passed, by trustee: D_i0..D_i7. */
export type VerifiedPartials = Map<number, Point[]>;

/** Runs the check. `totals`: the recomputed encrypted totals (32 words); `shareKeys`: recomputed, trustee 1 first. */
export async function checkPartialDecryptions(ctx: SealedAuditContext, totals: readonly bigint[], shareKeys: readonly Point[] | undefined): Promise<{ result: CheckResult; verified: VerifiedPartials }> {
  const check = new CheckBuilder("partial-decryptions");
  const verified: VerifiedPartials = new Map();
  const posted = sealedLogsOf(ctx.logs, "PartialDecryptionPosted");
  const c1Words = totals.slice(0, 16);
  const seen = new Set<number>();
  for (const [i, log] of posted.entries()) {
    const { trustee, shareKey, partials, proof } = log.args;
    ctx.progress("re-verifying partial decryptions", i + 1, posted.length);
    if (seen.has(trustee)) {
      check.fail(`trustee ${trustee} posted a second partial decryption`, at(log));
      continue;
    }
    seen.add(trustee);
    const expectedKey = shareKeys?.[trustee - 1];
    if (expectedKey === undefined) {
      check.fail(`no share key follows from the key ceremony for trustee ${trustee}`, at(log));
      continue;
    }
    if (!pointsEqual(shareKey, expectedKey)) check.fail(`trustee ${trustee}'s decryption was checked against share key (${shareKey.x}, ${shareKey.y}), not the one the ceremony gives`, at(log));
    const stored = ctx.state.partials[trustee - 1] ?? [];
    if (stored.length !== partials.length || stored.some((w, j) => w !== partials[j])) check.fail(`the partials the contract stores for trustee ${trustee} differ from its PartialDecryptionPosted event`, at(log), "PARTIALS_MISMATCH");
    const [valid] = await ctx.verifySealedProofs("sealedDecryption", [{ signals: sealedDecryptionSignals(expectedKey, c1Words, partials), proof }], () => undefined);
    if (!valid) {
      check.fail(`trustee ${trustee}'s partial decryption proof does not verify against its share key and the recomputed totals`, at(log), "INVALID_DECRYPTION_PROOF");
      continue;
    }
    verified.set(trustee, Array.from({ length: 8 }, (_, j) => ({ x: partials[2 * j], y: partials[2 * j + 1] })));
  }
  if (posted.length === 0 && ctx.state.phase >= 3) check.warnings.push("no trustee has posted a partial decryption yet");
  Object.assign(check.evidence, { posted: posted.length, verified: [...verified.keys()].sort((a, b) => a - b), threshold: ctx.state.threshold });
  return { result: check.result(), verified };
}
