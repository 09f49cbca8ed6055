/**
 * Check "sealed-record" (a sealed election's record and phase history): replays the election's
 * events as SealedZkBallot's state machine (Registration, with the key ceremony, -> Voting ->
 * Closed -> Tallied) and checks that each step came in its phase from the account allowed to
 * take it: the admin creates, fixes the key and closes (anyone after the end time), the
 * registrar publishes the roll and opens voting, trustee i posts as trustee i's address.
 * The steps' contents are checked by key-ceremony, sealed-ballots, partial-decryptions and
 * sealed-tally; this check only orders them. The final phase must be the contract's.
 */
import type { SealedAuditContext } from "../sealedContext";
import { SealedPhase } from "../sealedState";
import type { SealedElectionConfig, SealedLog } from "../sealedEvents";
import { CheckBuilder, at, type CheckResult, type OperatorAction } from "../types";

/** What the replay leads to; the later sealed checks build on it. */
export interface SealedHistory {
  config?: SealedElectionConfig;
  admin?: string;
  created?: SealedLog<"ElectionCreated">;
  keyFixed?: SealedLog<"ElectionKeyFixed">;
  opened?: SealedLog<"VotingOpened">;
  closed?: SealedLog<"ElectionClosed">;
  finalized?: SealedLog<"TallyFinalized">;
  votes: SealedLog<"VoteCast">[];
  skippedBallots: number;
  operations: OperatorAction[];
  phase: SealedPhase;
}

/** The acting address of each operator event (its msg.sender field). */
function actorOf(log: SealedLog): string | undefined {
  switch (log.name) {
    case "ElectionCreated": return log.args.admin;
    case "VoterCommitmentsPublished":
    case "VotingOpened": return log.args.registrar;
    case "CommunicationKeyPosted":
    case "DealingPosted":
    case "ComplaintUpheld":
    case "PartialDecryptionPosted": return log.args.account;
    case "ElectionKeyFixed": return log.args.fixedBy;
    case "ElectionClosed": return log.args.closedBy;
    case "TallyFinalized": return log.args.submittedBy;
    default: return undefined;
  }
}

/** The trustee number an event names as its actor (trustee steps only). */
function trusteeOf(log: SealedLog): number | undefined {
  if (log.name === "CommunicationKeyPosted" || log.name === "DealingPosted" || log.name === "PartialDecryptionPosted") return log.args.trustee;
  if (log.name === "ComplaintUpheld") return log.args.complainer;
  return undefined;
}

/** The phase an event must come in, and the phase it leads to. */
const PHASE_RULES: Record<SealedLog["name"], [SealedPhase, SealedPhase]> = {
  ElectionCreated: [SealedPhase.None, SealedPhase.Registration],
  VoterCommitmentsPublished: [SealedPhase.Registration, SealedPhase.Registration],
  CommunicationKeyPosted: [SealedPhase.Registration, SealedPhase.Registration],
  DealingPosted: [SealedPhase.Registration, SealedPhase.Registration],
  ComplaintUpheld: [SealedPhase.Registration, SealedPhase.Registration],
  ElectionKeyFixed: [SealedPhase.Registration, SealedPhase.Registration],
  VotingOpened: [SealedPhase.Registration, SealedPhase.Voting],
  VoteCast: [SealedPhase.Voting, SealedPhase.Voting],
  VoteSkipped: [SealedPhase.Voting, SealedPhase.Voting],
  ElectionClosed: [SealedPhase.Voting, SealedPhase.Closed],
  PartialDecryptionPosted: [SealedPhase.Closed, SealedPhase.Closed],
  TallyFinalized: [SealedPhase.Closed, SealedPhase.Tallied],
};

/** The role rule of one operator event; findings go to `record`. */
async function checkRole(ctx: SealedAuditContext, h: SealedHistory, log: SealedLog, actor: string, record: CheckBuilder): Promise<void> {
  const config = h.config;
  const need = (allowed: string | undefined, role: string) => {
    if (actor !== allowed) record.fail(`${log.name} by ${actor}, who was not the ${role} (${allowed ?? "none"})`, at(log));
  };
  const trustee = trusteeOf(log);
  if (trustee !== undefined) return need(config?.trustees[trustee - 1], `trustee ${trustee}`);
  if (log.name === "VoterCommitmentsPublished" || log.name === "VotingOpened") return need(config?.registrar, "registrar");
  if (log.name === "ElectionKeyFixed") return need(h.admin, "admin");
  if (log.name === "ElectionClosed" && actor !== h.admin) {
    const endsAt = config?.votingEndsAt ?? 0n;
    if (endsAt === 0n || BigInt(await ctx.timestampOf(log.blockNumber)) < endsAt) record.fail(`closed by ${actor}, who is not the admin, before the end of the voting window`, at(log));
  }
}

/** One event: its phase rule, its effect on the history. */
function replayOne(h: SealedHistory, log: SealedLog, record: CheckBuilder): void {
  const [required, next] = PHASE_RULES[log.name];
  if (h.phase !== required) record.fail(`${log.name} while the election was ${SealedPhase[h.phase]}`, at(log));
  if (log.name === "VoterCommitmentsPublished" && h.phase !== SealedPhase.Registration) record.fail("roll changed after the freeze", at(log));
  if ((log.name === "CommunicationKeyPosted" || log.name === "DealingPosted" || log.name === "ComplaintUpheld") && h.keyFixed) record.fail(`${log.name} after the election key was fixed`, at(log));
  if (log.name === "VotingOpened" && !h.keyFixed) record.fail("voting opened before the election key was fixed", at(log));
  h.phase = next;
  if (log.name === "ElectionCreated") [h.created, h.config, h.admin] = [log, log.args.config, log.args.admin];
  else if (log.name === "ElectionKeyFixed") h.keyFixed ??= log;
  else if (log.name === "VotingOpened") h.opened = log;
  else if (log.name === "ElectionClosed") h.closed = log;
  else if (log.name === "TallyFinalized") h.finalized = log;
  else if (log.name === "VoteCast") h.votes.push(log);
  else if (log.name === "VoteSkipped") h.skippedBallots++;
}

/** Runs the check. */
export async function checkSealedRecord(ctx: SealedAuditContext): Promise<{ result: CheckResult; history: SealedHistory }> {
  const record = new CheckBuilder("sealed-record");
  const h: SealedHistory = { votes: [], skippedBallots: 0, operations: [], phase: SealedPhase.None };
  const created = ctx.logs.filter((log) => log.name === "ElectionCreated").length;
  if (created !== 1) record.fail(`expected one ElectionCreated event for election ${ctx.electionId}, found ${created}`);
  const fixed = ctx.logs.filter((log) => log.name === "ElectionKeyFixed").length;
  if (fixed > 1) record.fail(`the election key was fixed ${fixed} times`);
  for (const log of ctx.logs) {
    replayOne(h, log, record);
    const actor = actorOf(log);
    if (actor === undefined) continue;
    await checkRole(ctx, h, log, actor, record);
    const details: Record<string, string> = {};
    const trustee = trusteeOf(log);
    if (trustee !== undefined) details.trustee = String(trustee);
    h.operations.push({ action: log.name, blockNumber: log.blockNumber, transactionHash: log.transactionHash, actor, transactionFrom: await ctx.senderOf(log.transactionHash), details });
  }
  if (h.phase !== ctx.state.phase) record.fail(`the contract says phase ${SealedPhase[ctx.state.phase]} but its events lead to ${SealedPhase[h.phase]}`);
  if (h.config && (h.config.numOptions !== ctx.state.numOptions || h.config.threshold !== ctx.state.threshold || h.config.trustees.join() !== ctx.state.trustees.join())) {
    record.fail("the contract's options, trustees or threshold differ from ElectionCreated", h.created && at(h.created));
  }
  Object.assign(record.evidence, {
    title: h.config?.title ?? "(no ElectionCreated event)", phase: SealedPhase[ctx.state.phase], admin: h.admin, registrar: h.config?.registrar,
    trustees: ctx.state.trustees, threshold: ctx.state.threshold, operatorActions: h.operations.length,
  });
  return { result: record.result(), history: h };
}
