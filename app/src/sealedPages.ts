/**
 * The four pages for a sealed election (SealedZkBallot): the same layout as an open election's
 * (app/src/pages.ts), with "sealed until close" instead of a live tally, the trustees and key
 * ceremony, the Benaloh challenge before casting, and the sealed checks.
 */
import type { SealedChallenge } from "../../lib/sealed/flow/voter";
import { h, statusLine } from "./dom";
import { formatTime, t } from "./i18n";
import { chosenNames, chosenOptions, optionInputs } from "./optionInputs";
import { auditCheckItem, describeError, identityPanel, progressReporter, recordTable, relayReceiptRows, senderChoice, txCell, walletReceiptRows, window_setTimeout, type AppState } from "./pages";
import { readSealedView, type SealedElectionView } from "./sealedChain";
import { CLI_ONLY_SEALED_CHECKS, auditSealedInBrowser, checkMySealedBallotBrowser } from "./sealedVerify";
import { assertSealedSender, checkSealedVote, prepareChallenge, proveSealedInWorker, submitSealedBallot, verifyChallenge, type SealedSender, type SealedSent } from "./sealedVoting";

const time = (seconds: bigint) => formatTime(new Date(Number(seconds) * 1000).toISOString());

function facts(view: SealedElectionView): HTMLElement {
  const window = view.votingStartsAt !== 0n || view.votingEndsAt !== 0n
    ? t("election.windowOpen", { start: view.votingStartsAt !== 0n ? time(view.votingStartsAt) : "—", end: view.votingEndsAt !== 0n ? time(view.votingEndsAt) : "—" })
    : t("election.windowUnset");
  const n = view.trustees.length;
  const key = view.keyFixed ? t("sealed.keyFixed") : t("sealed.keyPending", { keys: view.communicationKeys, dealings: view.dealings, n });
  return h("dl", {},
    h("dt", {}, t("election.phase")), h("dd", { "data-testid": "phase" }, t(`sealedPhase.${view.phase}`)),
    h("dt", {}, t("election.window")), h("dd", {}, window),
    h("dt", {}, t("election.rollSize")), h("dd", { "data-testid": "roll-size" }, String(view.voterCount)),
    h("dt", {}, t("election.ballots")), h("dd", { "data-testid": "ballots" }, view.ballotsCast.toString()),
    h("dt", {}, t("election.rule")), h("dd", { "data-testid": "rule" }, t("sealed.ruleRange", { min: view.rule.minSelections, max: view.rule.maxSelections })),
    h("dt", {}, t("sealed.threshold")), h("dd", { "data-testid": "threshold" }, t("sealed.thresholdOf", { k: view.threshold, n })),
    h("dt", {}, t("sealed.trustees")), h("dd", {}, h("ol", { "data-testid": "trustees" }, ...view.trustees.map((address) => h("li", { class: "mono" }, address)))),
    h("dt", {}, t("sealed.keyCeremony")), h("dd", { "data-testid": "key-status" }, key),
  );
}

function results(view: SealedElectionView): HTMLElement[] {
  if (view.tally !== undefined) {
    const counts = view.tally.counts;
    const max = Math.max(1, ...counts.map(Number));
    const list = h("ul", { class: "tally" }, ...view.options.map((option) => {
      const bar = h("div", { class: "bar", "aria-hidden": "true" });
      bar.style.width = `${(Number(counts[option.option] ?? 0n) / max) * 100}%`;
      return h("li", {}, h("span", {}, `${option.name}: ${t("election.votes", { count: counts[option.option] ?? 0n })}`), bar);
    }));
    return [h("h2", {}, t("sealed.provenResult")), list, h("p", { "data-testid": "proven-note" }, t("sealed.provenNote", { trustees: view.tally.trustees.join(", ") }))];
  }
  const note = view.phase === "Closed" ? t("sealed.awaitingDecryption", { posted: view.decrypted.length, k: view.threshold }) : t("sealed.sealedUntilClose");
  return [h("h2", {}, t("election.options")), h("ul", { class: "options" }, ...view.options.map((option) => h("li", {}, option.name))), h("p", { "data-testid": "sealed-note" }, note)];
}

export async function renderSealedElection(state: AppState, main: HTMLElement): Promise<void> {
  const view = await readSealedView(state.chain, state.config.electionId);
  main.replaceChildren(
    h("h1", {}, t("election.heading", { id: view.electionId, title: view.title })),
    h("p", {}, t("sealed.explain")),
    facts(view),
    ...(view.metadataVerified ? [] : [h("p", { class: "warning" }, t("election.metadataUnverified"))]),
    ...results(view),
    recordTable(state, view),
  );
  if (view.phase === "Voting" || view.phase === "Closed") state.timer = window_setTimeout(() => void renderSealedElection(state, main).catch(() => undefined), 4_000);
}

/** The receipt rows for either way of sending, as the open vote page shows them. */
const sentRows = (state: AppState, sent: SealedSent) => (sent.via === "wallet" ? walletReceiptRows(state, sent.sent) : relayReceiptRows(state, sent.receipt));

/** "Check my device": prepare, reveal, check against the key on chain, discard. Each run prepares a fresh ballot. */
function challengePanel(state: AppState, view: SealedElectionView, form: HTMLFormElement): HTMLElement {
  const out = h("div", { id: "challenge-result", "aria-live": "polite" });
  const button = h("button", { type: "button", id: "challenge-run" }, t("sealed.challengeRun"));
  button.addEventListener("click", () => {
    const selected = chosenOptions(form);
    button.disabled = true;
    out.replaceChildren(h("p", {}, t("sealed.challengePreparing")));
    let challenge: SealedChallenge | undefined;
    void prepareChallenge(state.chain, state.config.electionId, selected)
      .then((prepared) => ((challenge = prepared), verifyChallenge(state.chain, prepared)))
      .then((check) => {
        const choice = chosenNames(view.options, challenge!.selected);
        out.replaceChildren(
          h("p", {}, t("sealed.challengeRevealed", { count: challenge!.randomness.length })),
          h("p", { class: "mono", "data-testid": "challenge-randomness" }, challenge!.randomness[0].toString()),
          h("p", { class: check.matches ? "pass" : "fail", "data-testid": "challenge-verdict" }, t(check.matches ? "sealed.challengePass" : "sealed.challengeFail", { choice, options: check.mismatchedOptions.join(", ") })),
          h("p", { "data-testid": "challenge-discarded" }, t("sealed.challengeDiscarded")));
        challenge = undefined; // discarded: its randomness is public, so it is never cast
      }, (error: unknown) => out.replaceChildren(h("p", { class: "refusal", role: "alert", "data-testid": "refusal" }, describeError(error))))
      .finally(() => (button.disabled = false));
  });
  return h("section", { "aria-labelledby": "challenge-heading" }, h("h2", { id: "challenge-heading" }, t("sealed.challengeHeading")), h("p", {}, t("sealed.challengeExplain")), h("p", {}, button), out);
}

async function castSealed(state: AppState, view: SealedElectionView, selected: number[], sender: SealedSender, ui: { status: HTMLElement; progress: HTMLProgressElement; result: HTMLElement }): Promise<void> {
  const onStage = progressReporter(ui);
  ui.result.replaceChildren();
  try {
    onStage({ stage: "checking" });
    const request = await checkSealedVote(state.chain, state.config.electionId, state.identity!, selected);
    assertSealedSender(sender);
    state.worker ??= new Worker("worker.js");
    const ballot = await proveSealedInWorker(state.worker, request, onStage);
    const { status, rows } = sentRows(state, await submitSealedBallot(state.chain, state.config, ballot, sender, onStage));
    ui.progress.value = 1;
    ui.status.textContent = status;
    ui.result.replaceChildren(h("h2", {}, t("vote.receipt")), h("dl", {},
      ...rows,
      h("dt", {}, t("vote.ballotOption")), h("dd", { "data-testid": "ballot-choice" }, chosenNames(view.options, selected)),
      h("dt", {}, t("vote.nullifier")), h("dd", { class: "mono" }, ballot.nullifier.toString()),
      h("dt", {}, t("vote.proofTime", { ms: ballot.provingMs })), h("dd", { "data-testid": "proof-ms" }, String(ballot.provingMs))));
  } catch (error) {
    ui.progress.hidden = true;
    ui.status.textContent = "";
    ui.result.replaceChildren(h("p", { class: "refusal", role: "alert", "data-testid": "refusal" }, describeError(error)));
  }
}

export async function renderSealedVote(state: AppState, main: HTMLElement): Promise<void> {
  const view = await readSealedView(state.chain, state.config.electionId);
  const status = statusLine("vote-status");
  const progress = h("progress", { id: "vote-progress", max: "1", "aria-label": t("vote.progress") });
  progress.hidden = true;
  const result = h("div", { id: "vote-result" });
  const submit = h("button", { type: "submit", id: "vote-submit" }, t("sealed.submit"));
  const sender = senderChoice();
  const form = h("form", { id: "vote-form" }, optionInputs(view.rule, view.options), sender, submit);
  form.insertBefore(challengePanel(state, view, form), sender); // choose, check the device if you like, then cast
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const selected = chosenOptions(form);
    if (!state.identity) {
      status.textContent = t("vote.needIdentity");
      return;
    }
    const sender = form.querySelector<HTMLInputElement>("#via-relayer")?.checked === true ? "relayer" : "wallet";
    submit.disabled = true;
    void castSealed(state, view, selected, sender, { status, progress, result }).finally(() => (submit.disabled = false));
  });
  main.replaceChildren(h("h1", {}, t("vote.heading")), h("p", {}, t("election.heading", { id: view.electionId, title: view.title })),
    identityPanel(state, () => undefined), form, progress, status, result);
}

export async function renderSealedCheck(state: AppState, main: HTMLElement): Promise<void> {
  const result = h("div", { id: "check-result", "aria-live": "polite" });
  const run = h("button", { type: "button", id: "check-run" }, t("check.run"));
  const line = (ok: boolean, testid: string, yes: string, no: string, params: Record<string, string | number> = {}) => h("li", { class: ok ? "pass" : "fail", "data-testid": testid }, t(ok ? yes : no, params));
  run.addEventListener("click", () => {
    if (!state.identity) return result.replaceChildren(h("p", { role: "alert" }, t("vote.needIdentity")));
    void checkMySealedBallotBrowser(state.chain, state.config.electionId, state.identity).then((report) => {
      if (!report.voted || report.record === undefined) return result.replaceChildren(h("p", { "data-testid": "check-none" }, t("check.notFound")));
      const final = report.tally === undefined
        ? h("li", { "data-testid": "check-final" }, t("sealed.checkNotFinal"))
        : line(report.tally.totalsDecryptToCounts, "check-final", "sealed.checkFinal", "sealed.checkNotFinalMismatch", { counts: report.tally.counts.join(", ") });
      result.replaceChildren(h("p", {}, t("sealed.checkChoiceHidden")), h("ul", {},
        h("li", { "data-testid": "check-onchain" }, t("check.onChain", { block: report.record.blockNumber }), " ", txCell(state.config, report.record.transactionHash)),
        line(report.proofVerifiedOffChain, "check-proof", "check.proofValid", "check.proofInvalid"),
        line(report.includedInTotals, "check-included", "sealed.checkIncluded", "sealed.checkNotIncluded", { count: report.ballotsInTotals }),
        final));
    }, (error: unknown) => result.replaceChildren(h("p", { class: "refusal", role: "alert" }, describeError(error))));
  });
  main.replaceChildren(h("h1", {}, t("check.heading")), identityPanel(state, () => undefined), h("p", {}, run), result);
}


export async function renderSealedAudit(state: AppState, main: HTMLElement): Promise<void> {
  const result = h("div", { id: "audit-result", "aria-live": "polite" });
  const run = h("button", { type: "button", id: "audit-run" }, t("audit.run"));
  const manifest = (await (await fetch("circuits/sealed/manifest.json")).json()) as { files: Record<string, string>; setup: { secure: boolean } };
  run.addEventListener("click", () => void auditSealedInBrowser(state.chain, state.config.electionId, manifest).then(({ checks, pass }) => {
    result.replaceChildren(
      h("p", { class: pass ? "pass" : "fail", "data-testid": "audit-verdict" }, t(pass ? "audit.verdictPass" : "audit.verdictFail")),
      ...(manifest.setup.secure ? [] : [h("p", { class: "warning" }, t("audit.setupInsecure"))]),
      h("ul", {}, ...checks.map((check) => auditCheckItem(check, "sealedAudit.check"))));
  }, (error: unknown) => result.replaceChildren(h("p", { class: "refusal", role: "alert" }, describeError(error)))));
  const cliOnly = h("ul", { "data-testid": "audit-cli-only" }, ...CLI_ONLY_SEALED_CHECKS.map((id) => h("li", { "data-check": id }, t(`sealedAudit.cli.${id}`))));
  main.replaceChildren(h("h1", {}, t("audit.heading")), h("p", {}, t("sealedAudit.explain")), h("p", {}, run), result, h("h2", {}, t("sealedAudit.cliHeading")), cliOnly);
}
