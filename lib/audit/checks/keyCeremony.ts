/**
 * Check "key-ceremony" (the sealed election's key ceremony transcript, docs/PROTOCOL.md 13.2):
 * one communication key per trustee, in the subgroup and distinct; one well-formed dealing per
 * trustee, posted after every key; every upheld complaint resolved again from public data (the
 * complaint's Chaum-Pedersen proof is read from its transaction, the share decrypted and found
 * to fail the dealer's commitments: lib/sealed/dkg.ts resolveComplaint); the qualified dealers
 * recomputed and compared with ElectionKeyFixed and the contract; and the election key and
 * every trustee's share key recomputed from the qualified trustees' commitments and compared
 * with the event and the contract's own.
 */
import { computeElectionScope } from "../../chain/reader";
import { assertKeyPoint, pointsEqual, type Point } from "../../sealed/babyjub";
import { assertDealingWellFormed, deriveElectionKey, qualifiedDealers, resolveComplaint, verifyShare, type Dealing, type DkgParameters } from "../../sealed/dkg";
import type { SealedAuditContext } from "../sealedContext";
import { sealedInterface, sealedLogsOf, type SealedLog } from "../sealedEvents";
import { CheckBuilder, at, type CheckResult } from "../types";
import type { SealedHistory } from "./sealedRecord";

const show = (p: Point) => `(${p.x}, ${p.y})`;
const maskOf = (trustees: readonly number[]) => trustees.reduce((mask, t) => mask | (1n << BigInt(t - 1)), 0n);
const membersOf = (mask: bigint, n: number) => Array.from({ length: n }, (_, i) => i + 1).filter((t) => (mask >> BigInt(t - 1)) & 1n);

/** The ceremony's public results, for the decryption checks. */
export interface CeremonyResult {
  result: CheckResult;
  params: DkgParameters;
  /** Recomputed from the qualified dealings; undefined when the transcript does not give one. */
  electionKey?: Point;
  shareKeys?: readonly Point[];
}

function readCommunicationKeys(ctx: SealedAuditContext, params: DkgParameters, check: CheckBuilder): (Point | undefined)[] {
  const keys: (Point | undefined)[] = Array.from({ length: params.trustees }, () => undefined);
  for (const log of sealedLogsOf(ctx.logs, "CommunicationKeyPosted")) {
    const { trustee, communicationKey } = log.args;
    if (trustee < 1 || trustee > params.trustees) check.fail(`communication key from trustee ${trustee}, who is not one of 1..${params.trustees}`, at(log));
    else if (keys[trustee - 1] !== undefined) check.fail(`trustee ${trustee} posted a second communication key`, at(log));
    else keys[trustee - 1] = communicationKey;
    try {
      assertKeyPoint(communicationKey, `communication key of trustee ${trustee}`);
    } catch (error) {
      check.fail((error as Error).message, at(log));
    }
  }
  const distinct = new Set(keys.filter((k) => k !== undefined).map(show));
  if (distinct.size !== keys.filter((k) => k !== undefined).length) check.fail("two trustees posted the same communication key");
  return keys;
}

function readDealings(ctx: SealedAuditContext, params: DkgParameters, keysComplete: SealedLog | undefined, check: CheckBuilder): Dealing[] {
  const dealings: Dealing[] = [];
  for (const log of sealedLogsOf(ctx.logs, "DealingPosted")) {
    const dealer = log.args.trustee;
    const recipients = Array.from({ length: params.trustees }, (_, i) => i + 1).filter((j) => j !== dealer);
    const dealing: Dealing = { dealer, commitments: log.args.commitments, encryptedShares: log.args.encryptedShares.map((ciphertext, i) => ({ recipient: recipients[i], ciphertext })) };
    if (keysComplete === undefined || log.blockNumber < keysComplete.blockNumber || (log.blockNumber === keysComplete.blockNumber && log.index < keysComplete.index)) check.fail(`trustee ${dealer} dealt before every communication key was posted`, at(log));
    if (dealings.some((d) => d.dealer === dealer)) check.fail(`trustee ${dealer} posted a second dealing`, at(log));
    try {
      assertDealingWellFormed(params, dealing);
    } catch (error) {
      check.fail(`trustee ${dealer}'s dealing is malformed: ${(error as Error).message}`, at(log));
    }
    dealings.push(dealing);
  }
  return dealings;
}

/** One upheld complaint, resolved again; returns the dealer when the record supports disqualifying it. */
async function recheckComplaint(ctx: SealedAuditContext, params: DkgParameters, log: SealedLog<"ComplaintUpheld">, dealings: readonly Dealing[], keys: readonly (Point | undefined)[], check: CheckBuilder): Promise<void> {
  const { dealer, complainer, ecdhPoint, share } = log.args;
  const dealing = dealings.find((d) => d.dealer === dealer);
  if (dealing === undefined) return check.fail(`complaint upheld against trustee ${dealer}, who posted no dealing`, at(log));
  if (verifyShare(dealing.commitments, complainer, share)) check.fail(`the complaint against trustee ${dealer} was upheld, yet the revealed share matches the dealer's commitments`, at(log), "COMPLAINT_NOT_JUSTIFIED");
  const input = await ctx.inputOf(log.transactionHash);
  const call = input === undefined ? null : sealedInterface.parseTransaction({ data: input });
  if (call?.name !== "fileComplaint" || keys.some((k) => k === undefined)) {
    check.warnings.push(`the complaint proof of trustee ${complainer} against ${dealer} is not in a direct fileComplaint call (tx ${log.transactionHash}): only the share was re-checked`);
    return;
  }
  const proof = { challenge: BigInt(call.args.proof[0] as bigint), response: BigInt(call.args.proof[1] as bigint) };
  const verdict = await resolveComplaint(params, { dealer, complainer, ecdhPoint, proof }, dealing, keys as Point[]).catch((error: unknown) => ({ upheld: false, why: (error as Error).message }));
  if (!verdict.upheld) check.fail(`the complaint of trustee ${complainer} against trustee ${dealer} does not hold on re-checking (${"why" in verdict ? verdict.why : ""})`, at(log), "COMPLAINT_NOT_JUSTIFIED");
  else if ("share" in verdict && verdict.share !== share) check.fail(`the share in ComplaintUpheld is not the one the complaint's ECDH point decrypts`, at(log));
}

/** Qualified set, election key and share keys, recomputed and compared. */
function checkElectionKey(ctx: SealedAuditContext, h: SealedHistory, params: DkgParameters, dealings: readonly Dealing[], upheld: readonly number[], check: CheckBuilder): Pick<CeremonyResult, "electionKey" | "shareKeys"> {
  const qualified = qualifiedDealers(params, dealings, upheld);
  Object.assign(check.evidence, { qualifiedDealers: qualified, disqualifiedDealers: [...upheld], onChainQualified: membersOf(ctx.state.qualifiedMask, params.trustees), onChainDisqualified: membersOf(ctx.state.disqualifiedMask, params.trustees) });
  if (ctx.state.qualifiedMask !== maskOf(qualified)) check.fail(`the contract's qualified dealers [${membersOf(ctx.state.qualifiedMask, params.trustees).join(", ")}] differ from the transcript's [${qualified.join(", ")}]`);
  if (ctx.state.disqualifiedMask !== maskOf(upheld)) check.fail(`the contract's disqualified dealers differ from the upheld complaints [${upheld.join(", ")}]`);
  const fixed = h.keyFixed;
  if (fixed === undefined) {
    check.warnings.push("the election key is not fixed yet");
    return {};
  }
  if (fixed.args.dealers !== maskOf(qualified)) check.fail(`ElectionKeyFixed names dealers [${membersOf(fixed.args.dealers, params.trustees).join(", ")}], the transcript qualifies [${qualified.join(", ")}]`, at(fixed));
  let derived;
  try {
    derived = deriveElectionKey(params, dealings, qualified);
  } catch (error) {
    check.fail(`no election key follows from the qualified dealings: ${(error as Error).message}`, at(fixed));
    return {};
  }
  Object.assign(check.evidence, { recomputedElectionKey: show(derived.electionKey), electionKeyFixed: show(fixed.args.electionKey), onChainElectionKey: show(ctx.state.electionKey) });
  if (!pointsEqual(derived.electionKey, fixed.args.electionKey)) check.fail(`the election key in ElectionKeyFixed ${show(fixed.args.electionKey)} is not the sum of the qualified trustees' commitments ${show(derived.electionKey)}`, at(fixed), "ELECTION_KEY_MISMATCH");
  if (!pointsEqual(derived.electionKey, ctx.state.electionKey)) check.fail(`the contract's election key ${show(ctx.state.electionKey)} is not the recomputed ${show(derived.electionKey)}`, undefined, "ELECTION_KEY_MISMATCH");
  derived.shareKeys.forEach((key, i) => {
    const stored = ctx.state.shareKeys[i];
    if (stored === undefined || !pointsEqual(key, stored)) check.fail(`the contract's share key of trustee ${i + 1} differs from the one recomputed from the qualified commitments`);
  });
  return { electionKey: derived.electionKey, shareKeys: derived.shareKeys };
}

/** Runs the check. */
export async function checkKeyCeremony(ctx: SealedAuditContext, h: SealedHistory): Promise<CeremonyResult> {
  const check = new CheckBuilder("key-ceremony");
  const params: DkgParameters = { trustees: ctx.state.trustees.length, threshold: ctx.state.threshold, context: computeElectionScope(ctx.chainId, ctx.contract, ctx.electionId) };
  const keys = readCommunicationKeys(ctx, params, check);
  const keyLogs = sealedLogsOf(ctx.logs, "CommunicationKeyPosted");
  const keysComplete = keyLogs.length >= params.trustees ? keyLogs[params.trustees - 1] : undefined;
  const dealings = readDealings(ctx, params, keysComplete, check);
  const complaints = sealedLogsOf(ctx.logs, "ComplaintUpheld");
  for (const log of complaints) await recheckComplaint(ctx, params, log, dealings, keys, check);
  const upheld = [...new Set(complaints.map((log) => log.args.dealer))].sort((a, b) => a - b);
  const derived = checkElectionKey(ctx, h, params, dealings, upheld, check);
  Object.assign(check.evidence, { trustees: params.trustees, threshold: params.threshold, communicationKeys: keys.filter((k) => k !== undefined).length, dealings: dealings.length, complaintsUpheld: complaints.length });
  return { result: check.result(), params, ...derived };
}
