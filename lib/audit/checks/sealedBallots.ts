/**
 * Check "sealed-ballots" (every sealed ballot proof): for each VoteCast of a sealed election,
 * the rules castVote applies (nullifier unique and in field, inside the voting window, canonical
 * proof coordinates), then its Groth16 proof of circuits/sealedVote.circom against the public
 * signals the contract supplies: the frozen root, the nullifier, the 32 ciphertext words as the
 * event states them, the election scope, the election key and the selection range (verified in
 * randomised batches, lib/proving/batchVerify.ts; every false is snarkjs's). A ciphertext altered
 * after proving fails here.
 */
import { computeElectionScope } from "../../chain/reader";
import { toHex32 } from "../../core/field";
import { findNonCanonicalCoordinate } from "../../core/proof";
import type { Point } from "../../sealed/babyjub";
import { sealedVoteSignals } from "../../sealed/circuitInput";
import type { SealedAuditContext } from "../sealedContext";
import type { SealedLog } from "../sealedEvents";
import { CheckBuilder, at, type BallotEntry, type CheckResult } from "../types";
import { checkNullifierUniqueness } from "./nullifierUniqueness";
import type { SealedHistory } from "./sealedRecord";

/** Every rule but the proof, for one ballot. */
async function checkRules(ctx: SealedAuditContext, h: SealedHistory, log: SealedLog<"VoteCast">, check: CheckBuilder): Promise<boolean> {
  let valid = true;
  const startsAt = h.config?.votingStartsAt ?? 0n;
  const endsAt = h.config?.votingEndsAt ?? 0n;
  const timestamp = BigInt(await ctx.timestampOf(log.blockNumber));
  if ((startsAt !== 0n && timestamp < startsAt) || (endsAt !== 0n && timestamp >= endsAt)) {
    check.fail(`ballot cast at ${timestamp}, outside the voting window [${startsAt}, ${endsAt === 0n ? "none" : endsAt})`, at(log));
    valid = false;
  }
  const nonCanonical = findNonCanonicalCoordinate(log.args.proof);
  if (nonCanonical) {
    check.fail(`non-canonical proof encoding: coordinate ${nonCanonical.index} (${nonCanonical.name}) is ${nonCanonical.value}, not below the base field order q`, at(log), "NON_CANONICAL_PROOF");
    valid = false;
  }
  if (log.args.ciphertexts.length !== 32 || log.args.proof.length !== 8) {
    check.fail(`VoteCast has ${log.args.ciphertexts.length} ciphertext words and ${log.args.proof.length} proof words, not 32 and 8`, at(log));
    valid = false;
  }
  return valid;
}

/** Runs the check; `verified[i]` says whether votes[i] passed every rule and its proof. */
export async function checkSealedBallots(ctx: SealedAuditContext, h: SealedHistory, electionKey: Point): Promise<{ result: CheckResult; verified: boolean[]; ballotList: BallotEntry[] }> {
  const check = new CheckBuilder("sealed-ballots");
  const electionScope = computeElectionScope(ctx.chainId, ctx.contract, ctx.electionId);
  const { votes } = h;
  await Promise.all([...new Set(votes.map((log) => log.blockNumber))].map((block) => ctx.timestampOf(block)));
  const nullifiersOk = checkNullifierUniqueness(votes.map((log) => ({ ...log, nullifier: log.args.nullifier })), check);
  const voterRollRoot = h.opened?.args.voterRollRoot;
  // Every rule first, then the proofs of the ballots that kept them in one batch check.
  const verified: boolean[] = [];
  const toProve: { index: number; signals: bigint[]; proof: readonly bigint[] }[] = [];
  const config = h.config;
  for (const [i, log] of votes.entries()) {
    const valid = (await checkRules(ctx, h, log, check)) && nullifiersOk[i] && voterRollRoot !== undefined && config !== undefined;
    verified.push(valid);
    if (!valid) continue;
    const { minSelections, maxSelections, numOptions } = config;
    const signals = sealedVoteSignals({ voterRollRoot, nullifier: log.args.nullifier, ciphertextWords: log.args.ciphertexts, electionScope, electionKey, minSelections, maxSelections, numOptions });
    toProve.push({ index: i, signals, proof: log.args.proof });
  }
  const proofsOk = await ctx.verifySealedProofs("sealedVote", toProve, (done, total) => ctx.progress("re-verifying sealed ballots", done, total));
  toProve.forEach(({ index }, j) => {
    if (proofsOk[j]) return;
    check.fail("the sealed ballot's Groth16 proof does not verify against its ciphertexts, the frozen root, the election scope, the election key and the selection range", at(votes[index]), "INVALID_BALLOT_PROOF");
    verified[index] = false;
  });
  const ballotList: BallotEntry[] = votes.map((log, i) => ({
    nullifier: toHex32(log.args.nullifier), ballot: "sealed", option: null, blockNumber: log.blockNumber, transactionHash: log.transactionHash, verified: verified[i], sealed: true,
  }));
  Object.assign(check.evidence, { voteCastEvents: votes.length, verified: verified.filter(Boolean).length, skippedInBatches: h.skippedBallots, electionScope: electionScope.toString() });
  return { result: check.result(), verified, ballotList };
}
