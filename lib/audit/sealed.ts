/**
 * The auditor for sealed elections (SealedZkBallot, docs/PROTOCOL.md section 13): the same
 * report (version 2) and renderers as an open election's, with the sealed checks in order:
 * sealed-record, voter-roll, sealed-verifiers, key-ceremony, sealed-ballots, encrypted-totals,
 * partial-decryptions, sealed-tally, unexplained. Each check is one module in lib/audit/checks/.
 */
import { checkEncryptedTotals } from "./checks/encryptedTotals";
import { checkKeyCeremony } from "./checks/keyCeremony";
import { checkPartialDecryptions } from "./checks/partialDecryptions";
import { checkSealedBallots } from "./checks/sealedBallots";
import { checkSealedRecord, type SealedHistory } from "./checks/sealedRecord";
import { checkSealedTally } from "./checks/sealedTally";
import { checkSealedVerifiers } from "./checks/sealedVerifiers";
import { checkSealedVoterRoll } from "./checks/sealedVoterRoll";
import { SealedPhase, loadSealedAuditContext, type SealedAuditContext } from "./sealedContext";
import { CheckBuilder, auditReport, type AuditOptions, type AuditReport, type BallotEntry, type CheckResult } from "./types";

function sealedSummary(ctx: SealedAuditContext, h: SealedHistory, counts: number[] | undefined): Record<string, unknown> {
  const { state } = ctx;
  return {
    kind: "sealed",
    title: h.config?.title ?? "(no ElectionCreated event)",
    numOptions: state.numOptions,
    minSelections: h.config?.minSelections,
    maxSelections: h.config?.maxSelections,
    metadataURI: h.config?.metadataURI ?? "",
    metadataHash: h.config?.metadataHash,
    phase: SealedPhase[state.phase],
    admin: h.admin,
    registrar: h.config?.registrar,
    trustees: state.trustees,
    threshold: state.threshold,
    electionKey: `(${state.electionKey.x}, ${state.electionKey.y})`,
    ballotsCast: state.ballotsCast.toString(),
    voteVerifier: ctx.voteVerifierAddress,
    decryptionVerifier: ctx.decryptionVerifierAddress,
    batchVerifier: ctx.batchVerifierAddress,
    // The counts the partial decryptions give (zeros until k trustees have decrypted), for the chart.
    tally: (counts ?? new Array<number>(state.numOptions).fill(0)).map(String),
  };
}

async function runSealedChecks(ctx: SealedAuditContext, unexplained: CheckBuilder): Promise<{ checks: CheckResult[]; history: SealedHistory; ballots: BallotEntry[]; counts?: number[] }> {
  const record = await checkSealedRecord(ctx);
  const history = record.history;
  const roll = await checkSealedVoterRoll(ctx, history);
  const verifiers = await checkSealedVerifiers(ctx);
  const ceremony = await checkKeyCeremony(ctx, history);
  const ballots = await checkSealedBallots(ctx, history, history.keyFixed?.args.electionKey ?? ctx.state.electionKey);
  const totals = checkEncryptedTotals(ctx, history);
  const decryptions = await checkPartialDecryptions(ctx, totals.totals, ceremony.shareKeys);
  const tally = checkSealedTally(ctx, history, totals.totals, decryptions.verified);
  unexplained.evidence.logsFetched = ctx.logsFetched;
  unexplained.evidence.logsOfThisElection = ctx.logs.length;
  unexplained.evidence.logFilter = `topic 1 = electionId ${ctx.electionId}`;
  const checks = [record.result, roll, verifiers, ceremony.result, ballots.result, totals.result, decryptions.result, tally.result, unexplained.result()];
  return { checks, history, ballots: ballots.ballotList, counts: tally.counts };
}

/** Audits one sealed election; the report is JSON report version 2 with the sealed checks. */
export async function auditSealedElection(options: AuditOptions): Promise<AuditReport> {
  const unexplained = new CheckBuilder("unexplained");
  const ctx = await loadSealedAuditContext(options, unexplained);
  const { checks, history, ballots, counts } = await runSealedChecks(ctx, unexplained);
  return auditReport(ctx, { election: sealedSummary(ctx, history, counts), operations: history.operations, ballots, checks });
}
