/**
 * Check "encrypted-totals": the homomorphic sum of every VoteCast's ciphertexts (option by
 * option, from the encryption of 0) recomputed off-chain and compared with the totals the
 * contract holds and with those ElectionClosed published; the number of ballots in them
 * compared with the contract's ballotsCast and ElectionClosed's.
 */
import { sumCiphertextWords } from "../../sealed/flow/ballotProof";
import type { SealedAuditContext } from "../sealedContext";
import { CheckBuilder, at, type CheckResult } from "../types";
import type { SealedHistory } from "./sealedRecord";

const differingOptions = (a: readonly bigint[], b: readonly bigint[]): number[] => [...new Set(a.flatMap((w, i) => (w === b[i] ? [] : [(i >> 1) % 8])))].sort((x, y) => x - y);

/** Runs the check; returns the recomputed totals (the decryption checks use them). */
export function checkEncryptedTotals(ctx: SealedAuditContext, h: SealedHistory): { result: CheckResult; totals: bigint[] } {
  const check = new CheckBuilder("encrypted-totals");
  const totals = sumCiphertextWords(h.votes.map((log) => log.args.ciphertexts));
  const onChain = ctx.state.totals;
  if (totals.length !== onChain.length || differingOptions(totals, onChain).length > 0) {
    check.fail(`the contract's encrypted totals differ from the sum of the VoteCast ciphertexts for option(s) ${differingOptions(totals, onChain).join(", ")}`, undefined, "TOTALS_MISMATCH");
  }
  if (BigInt(h.votes.length) !== ctx.state.ballotsCast) check.fail(`the contract counts ${ctx.state.ballotsCast} ballots, the events cast ${h.votes.length}`);
  const { closed } = h;
  if (closed) {
    const published = closed.args.totals;
    if (differingOptions(totals, published).length > 0) check.fail(`the totals in ElectionClosed differ from the sum of the VoteCast ciphertexts for option(s) ${differingOptions(totals, published).join(", ")}`, at(closed), "TOTALS_MISMATCH");
    if (closed.args.ballotsCast !== BigInt(h.votes.length)) check.fail(`ElectionClosed states ${closed.args.ballotsCast} ballots, the events cast ${h.votes.length}`, at(closed));
  } else {
    check.warnings.push("the election is not closed: these totals are not final");
  }
  Object.assign(check.evidence, {
    ballotsSummed: h.votes.length, onChainBallotsCast: ctx.state.ballotsCast.toString(),
    recomputedTotals: totals.map(String), onChainTotals: onChain.map(String), ...(closed ? { closedTotals: closed.args.totals.map(String) } : {}),
  });
  return { result: check.result(), totals };
}
