/**
 * The independent auditor: re-verifies a whole election from chain data alone, trusting
 * nobody, as a list of named checks (modelled on ElectionGuard's verifier and Helios's
 * universal verifiability), one module each in lib/audit/checks/. Each check returns its
 * verdict with evidence; every failure names the offending block and transaction. Renderers
 * for text, JSON and HTML are in lib/audit/render/.
 *
 * A further check is one more module returning a CheckResult, called from runChecks. A sealed
 * election (SealedZkBallot) is audited by its own checks, lib/audit/sealed.ts.
 */
import { Phase } from "../chain/election";
import { loadAuditContext, type AuditContext } from "./context";
import { checkBallots } from "./checks/ballots";
import { checkElectionRecord, electionCreatedArgs } from "./checks/electionRecord";
import { checkTally } from "./checks/tally";
import { checkUnexplained } from "./checks/unexplained";
import { checkVerifierIntegrity } from "./checks/verifierIntegrity";
import { checkVoterRoll } from "./checks/voterRoll";
import { auditSealedElection } from "./sealed";
import { isSealedDeployment } from "./sealedContext";
import { CheckBuilder, auditReport, type AuditOptions, type AuditReport, type BallotEntry, type CheckResult, type OperatorAction } from "./types";

export * from "./types";
export { formatAuditSummary } from "./render/text";
export { renderAuditHtml } from "./render/html";
export { renderAuditJson } from "./render/json";

/** Every check, in report order; the roll and the verifier checks run side by side. */
async function runChecks(ctx: AuditContext, unexplained: CheckBuilder): Promise<{ checks: CheckResult[]; operations: OperatorAction[]; ballots: BallotEntry[] }> {
  const record = await checkElectionRecord(ctx, unexplained);
  const [roll, verifier] = await Promise.all([checkVoterRoll(ctx, record.history), checkVerifierIntegrity(ctx)]);
  const ballots = await checkBallots(ctx, record.history, roll.voterRollRoot, verifier.verificationKey);
  const tally = checkTally(ctx, record.history, ballots.counted);
  const checks = [record.result, roll.result, verifier.result, ballots.result, tally, checkUnexplained(ctx, unexplained)];
  return { checks, operations: record.history.operations, ballots: ballots.ballotList };
}

function electionSummary(ctx: AuditContext): Record<string, unknown> {
  const { state } = ctx;
  return {
    kind: "open",
    title: electionCreatedArgs(ctx)?.title ?? "(no ElectionCreated event)",
    numOptions: ctx.numOptions,
    minSelections: Number(state.minSelections),
    maxSelections: Number(state.maxSelections),
    metadataURI: electionCreatedArgs(ctx)?.metadataURI ?? "",
    metadataHash: state.metadataHash,
    phase: Phase[Number(state.phase)],
    admin: state.admin,
    registrar: state.registrar,
    voterCount: Number(state.voterCount),
    voterRollRoot: state.voterRollRoot.toString(),
    votingStartsAt: Number(state.votingStartsAt),
    votingEndsAt: Number(state.votingEndsAt),
    verifier: ctx.verifierAddress,
    batchVerifier: ctx.batchVerifierAddress,
    tally: ctx.onChainTally.map(String),
  };
}

/** Audits one election, open (ZkBallot) or sealed (SealedZkBallot, told apart by its code); the report is JSON report version 2. */
export async function auditElection(options: AuditOptions): Promise<AuditReport> {
  if (await isSealedDeployment(options.provider, options.contractAddress)) return auditSealedElection(options);
  const unexplained = new CheckBuilder("unexplained");
  const ctx = await loadAuditContext(options, unexplained);
  const { checks, operations, ballots } = await runChecks(ctx, unexplained);
  return auditReport(ctx, { election: electionSummary(ctx), operations, ballots, checks });
}
