/**
 * Check "election-record" (operator record and phase history): replays the election's events
 * in order, as the contract's state machine (Registration -> Voting -> Closed), checks that each
 * operator action was taken by the role allowed to take it, and that ElectionCreated states what
 * storage holds. Events out of phase are findings of "unexplained".
 */
import { ZeroAddress, getAddress } from "ethers";

import { Phase } from "../../core/rules";
import { isEvent, type ZkBallotEvent } from "../../core/events";
import type { AuditContext } from "../context";
import { CheckBuilder, at, type CheckResult, type DecodedLog, type OperatorAction } from "../types";

/** The field of each operator event that holds the acting address (msg.sender); docs/PROTOCOL.md, "Events". */
const ACTOR_FIELD: Partial<Record<ZkBallotEvent["name"], string>> = {
  ElectionCreated: "admin",
  AdminTransferStarted: "admin",
  AdminTransferCancelled: "admin",
  AdminTransferred: "newAdmin",
  RegistrarChanged: "admin",
  VoterCommitmentsPublished: "registrar",
  VotingOpened: "registrar",
  ElectionClosed: "closedBy",
};

function actorOf(event: ZkBallotEvent): string | undefined {
  const field = ACTOR_FIELD[event.name];
  return field === undefined ? undefined : getAddress((event.args as Record<string, unknown>)[field] as string);
}

/** What the replay of the election's events leads to; the later checks build on it. */
export interface ElectionHistory {
  operations: OperatorAction[];
  rollBatches: DecodedLog<"VoterCommitmentsPublished">[];
  votes: DecodedLog<"VoteCast">[];
  openedAt?: DecodedLog<"VotingOpened">;
  closedAt?: DecodedLog<"ElectionClosed">;
  window: { startsAt: bigint; endsAt: bigint };
  skippedBallots: number;
  phase: Phase;
  admin?: string;
  /** The proposed admin of a two-step handover, until accepted or cancelled. */
  pendingAdmin?: string;
  registrar?: string;
}

interface Replay {
  ctx: AuditContext;
  record: CheckBuilder;
  unexplained: CheckBuilder;
  history: ElectionHistory;
}

function onCreated(r: Replay, log: DecodedLog<"ElectionCreated">, actor: string, details: Record<string, string>): void {
  const { args } = log.event;
  const { state } = r.ctx;
  const h = r.history;
  if (h.phase !== Phase.None) r.unexplained.fail("a second ElectionCreated for this election", at(log));
  h.admin = actor;
  h.registrar = getAddress(args.registrar);
  h.window = { startsAt: args.votingStartsAt, endsAt: args.votingEndsAt };
  h.phase = Phase.Registration;
  Object.assign(details, { title: args.title, numOptions: String(args.numOptions), minSelections: String(args.minSelections), maxSelections: String(args.maxSelections), registrar: h.registrar, votingStartsAt: String(h.window.startsAt), votingEndsAt: String(h.window.endsAt) });
  const fields: [string, unknown, unknown][] = [
    // The title and metadata URI are not stored: they come from ElectionCreated only.
    ["numOptions", args.numOptions, state.numOptions],
    ["minSelections", args.minSelections, state.minSelections], ["maxSelections", args.maxSelections, state.maxSelections],
    ["metadataHash", args.metadataHash, state.metadataHash], ["votingStartsAt", args.votingStartsAt, state.votingStartsAt], ["votingEndsAt", args.votingEndsAt, state.votingEndsAt],
  ];
  for (const [field, logged, stored] of fields) {
    if (String(logged) !== String(stored)) r.record.fail(`${field} in storage (${String(stored)}) differs from ElectionCreated (${String(logged)})`, at(log));
  }
}

/** One operator event: its role rule, its phase rule, its effect. False when no operator event has this name. */
async function onOperatorEvent(r: Replay, log: DecodedLog, actor: string, details: Record<string, string>): Promise<boolean> {
  const { event } = log;
  const { name } = event;
  const h = r.history;
  const role = (allowed: string | undefined, what: string, roleName: string) => {
    if (actor !== allowed) r.record.fail(`${what} by ${actor}, who was not the ${roleName} (${allowed})`, at(log));
  };
  const inPhase = (expected: Phase, what: string) => {
    if (h.phase !== expected) r.unexplained.fail(`${what} while the election was ${Phase[h.phase]}`, at(log));
  };
  switch (event.name) {
    case "ElectionCreated":
      onCreated(r, log as DecodedLog<"ElectionCreated">, actor, details);
      return true;
    // The handover takes two steps: the admin proposes (or cancels), the proposed account accepts.
    case "AdminTransferStarted":
    case "AdminTransferCancelled":
      role(h.admin, name, "admin");
      if (h.phase === Phase.Closed) r.unexplained.fail(`${name} after the election closed`, at(log));
      h.pendingAdmin = name === "AdminTransferStarted" ? getAddress(event.args.pendingAdmin) : undefined;
      details.pendingAdmin = getAddress(event.args.pendingAdmin);
      return true;
    case "AdminTransferred":
      if (actor !== h.pendingAdmin) r.record.fail(`admin role accepted by ${actor}, who was not the proposed admin (${h.pendingAdmin ?? "none"})`, at(log));
      if (h.phase === Phase.Closed) r.unexplained.fail("AdminTransferred after the election closed", at(log));
      h.admin = actor;
      h.pendingAdmin = undefined;
      details.previousAdmin = getAddress(event.args.previousAdmin);
      return true;
    case "RegistrarChanged":
      role(h.admin, "registrar changed", "admin");
      inPhase(Phase.Registration, "RegistrarChanged");
      h.registrar = details.newRegistrar = getAddress(event.args.newRegistrar);
      return true;
    case "VoterCommitmentsPublished":
      role(h.registrar, "commitments published", "registrar");
      if (h.phase !== Phase.Registration) r.unexplained.fail(`roll changed while the election was ${Phase[h.phase]} (after the freeze)`, at(log));
      h.rollBatches.push(log as DecodedLog<"VoterCommitmentsPublished">);
      Object.assign(details, { firstIndex: String(event.args.firstIndex), count: String(event.args.voterCommitments.length) });
      return true;
    case "VotingOpened":
      role(h.registrar, "voting opened", "registrar");
      inPhase(Phase.Registration, "VotingOpened");
      h.phase = Phase.Voting;
      h.openedAt = log as DecodedLog<"VotingOpened">;
      Object.assign(details, { voterRollRoot: String(event.args.voterRollRoot), voterCount: String(event.args.voterCount) });
      return true;
    case "ElectionClosed":
      inPhase(Phase.Voting, "ElectionClosed");
      if (actor !== h.admin && (h.window.endsAt === 0n || BigInt(await r.ctx.timestampOf(log.blockNumber)) < h.window.endsAt)) {
        r.record.fail(`closed by ${actor}, who is not the admin, before the end of the voting window`, at(log));
      }
      h.phase = Phase.Closed;
      h.closedAt = log as DecodedLog<"ElectionClosed">;
      details.tally = event.args.tally.join(",");
      return true;
    default:
      return false;
  }
}

/** Final state against what the events lead to. */
function compareFinalState(r: Replay): void {
  const { state } = r.ctx;
  const h = r.history;
  if (h.phase !== Number(state.phase)) r.unexplained.fail(`the contract says phase ${Phase[Number(state.phase)]} but its events lead to ${Phase[h.phase]}`);
  if (h.admin !== undefined && h.admin !== getAddress(state.admin)) r.unexplained.fail(`the contract's admin ${state.admin} is not the one the events lead to (${h.admin})`);
  if ((h.pendingAdmin ?? ZeroAddress) !== getAddress(state.pendingAdmin)) r.unexplained.fail(`the contract's pending admin ${state.pendingAdmin} is not the one the events lead to (${h.pendingAdmin ?? "none"})`);
  if (h.registrar !== undefined && h.registrar !== getAddress(state.registrar)) r.unexplained.fail(`the contract's registrar ${state.registrar} is not the one the events lead to (${h.registrar})`);
}

/** Runs the check; `unexplained` collects the events no phase explains. */
export async function checkElectionRecord(ctx: AuditContext, unexplained: CheckBuilder): Promise<{ result: CheckResult; history: ElectionHistory }> {
  const record = new CheckBuilder("election-record");
  const history: ElectionHistory = { operations: [], rollBatches: [], votes: [], window: { startsAt: 0n, endsAt: 0n }, skippedBallots: 0, phase: Phase.None };
  const r: Replay = { ctx, record, unexplained, history };
  const created = ctx.logs.filter((log) => log.event.name === "ElectionCreated").length;
  if (created !== 1) record.fail(`expected one ElectionCreated event for election ${ctx.electionId}, found ${created}`);
  const operatorLogs = ctx.logs.filter((log) => log.event.name in ACTOR_FIELD);
  await Promise.all([...new Set(operatorLogs.map((log) => log.transactionHash))].map((hash) => ctx.senderOf(hash))); // in parallel, once a transaction
  for (const log of ctx.logs) {
    const name = log.event.name;
    if (name === "VoteSkipped") {
      history.skippedBallots++; // a batch entry castVotes refused: no state change to explain
      continue;
    }
    if (isEvent(log, "VoteCast")) {
      if (history.phase !== Phase.Voting) unexplained.fail(`VoteCast while the election was ${Phase[history.phase]}`, at(log));
      history.votes.push(log);
      continue;
    }
    // The acting address is the event's own field (the contract's msg.sender), so an operator
    // that is a contract (a Safe) is seen as itself, not as whoever sent the transaction.
    const actor = actorOf(log.event);
    const details: Record<string, string> = {};
    if (actor === undefined || !(await onOperatorEvent(r, log, actor, details))) {
      unexplained.fail(`unexpected event ${name} for this election`, at(log));
      continue;
    }
    history.operations.push({ action: name, blockNumber: log.blockNumber, transactionHash: log.transactionHash, actor, transactionFrom: await ctx.senderOf(log.transactionHash), details });
  }
  compareFinalState(r);
  const { state } = ctx;
  Object.assign(record.evidence, { title: electionCreatedArgs(ctx)?.title ?? "(no ElectionCreated event)", numOptions: ctx.numOptions, phase: Phase[Number(state.phase)], admin: state.admin, registrar: state.registrar, operatorActions: history.operations.length });
  return { result: record.result(), history };
}

/** The arguments of the election's ElectionCreated event: the only record of its title and metadata URI. */
export function electionCreatedArgs(ctx: AuditContext): { title: string; metadataURI: string } | undefined {
  const created = ctx.logs.find((log): log is DecodedLog<"ElectionCreated"> => isEvent(log, "ElectionCreated"));
  return created === undefined ? undefined : { title: created.event.args.title, metadataURI: created.event.args.metadataURI };
}
