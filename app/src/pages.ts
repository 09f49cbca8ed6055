/** The four pages. Each renders into `main` from the chain and the message catalog only. */
import { ZkBallotError } from "../../lib/core/errors";
import type { CheckResult } from "../../lib/audit/types";
import type { PreparedBallot } from "../../lib/chain/reader";
import type { RelayReceipt } from "../../lib/relayer/client";
import type { AppConfig } from "./config";
import { readElectionView, type Chain, type ElectionView } from "./chain";
import { h, statusLine } from "./dom";
import { formatTime, t } from "./i18n";
import { chosenNames, chosenOptions, isSingleChoice, optionInputs, selectionRuleText } from "./optionInputs";
import { createIdentity, identityDownload, parseIdentity, type VoterIdentity } from "./identity";
import { CLI_ONLY_OPEN_CHECKS, auditInBrowser, checkMyBallotBrowser } from "./verify";
import { checkVote, proveInWorker, Refusal, relayBallot, type VoteStage } from "./voting";
import { castFromWallet, injectedWallet, type WalletReceipt } from "./wallet";

export interface AppState {
  config: AppConfig;
  chain: Chain;
  identity?: VoterIdentity;
  worker?: Worker;
  timer?: number;
}

export function txCell(config: AppConfig, hash: string): Node {
  if (config.txUrl === "") return h("span", { class: "mono" }, hash);
  return h("a", { href: config.txUrl.replace("{tx}", hash), class: "mono", rel: "noreferrer" }, hash);
}

/** Any failure, in the user's language: a Refusal by its catalog key, anything else as a generic error. */
export function describeError(error: unknown): string {
  if (error instanceof Refusal) return t(error.key, error.params);
  if (error instanceof ZkBallotError || error instanceof Error) return t("common.error", { message: error.message });
  return t("common.error", { message: String(error) });
}

function tallyList(view: ElectionView): HTMLElement {
  const max = Math.max(1, ...view.options.map((o) => Number(o.votes)));
  const list = h("ul", { class: "tally" });
  for (const option of view.options) {
    const bar = h("div", { class: "bar", "aria-hidden": "true" });
    bar.style.width = `${(Number(option.votes) / max) * 100}%`;
    list.append(h("li", {}, h("span", {}, `${option.name}: ${t("election.votes", { count: option.votes })}`), bar));
  }
  return list;
}

export function recordTable(state: AppState, view: { record: ElectionView["record"] }): HTMLElement {
  const head = h("tr", {}, h("th", { scope: "col" }, t("election.recordEvent")), h("th", { scope: "col" }, t("election.recordBlock")), h("th", { scope: "col" }, t("election.recordTx")));
  const rows = view.record.map((entry) => h("tr", {}, h("td", {}, entry.name), h("td", {}, String(entry.blockNumber)), h("td", {}, txCell(state.config, entry.transactionHash))));
  return h("table", {}, h("caption", {}, t("election.record")), h("thead", {}, head), h("tbody", {}, ...rows));
}

export async function renderElection(state: AppState, main: HTMLElement): Promise<void> {
  const view = await readElectionView(state.chain, state.config.electionId);
  const window = view.votingStartsAt !== null || view.votingEndsAt !== null
    ? t("election.windowOpen", { start: view.votingStartsAt ? formatTime(view.votingStartsAt) : "—", end: view.votingEndsAt ? formatTime(view.votingEndsAt) : "—" })
    : t("election.windowUnset");
  const facts = h("dl", {},
    h("dt", {}, t("election.phase")), h("dd", { "data-testid": "phase" }, t(`phase.${view.phase}`)),
    h("dt", {}, t("election.window")), h("dd", {}, window),
    h("dt", {}, t("election.rollSize")), h("dd", { "data-testid": "roll-size" }, String(view.voterCount)),
    h("dt", {}, t("election.ballots")), h("dd", { "data-testid": "ballots" }, view.ballotsCounted),
    ...(isSingleChoice(view.selectionRule) ? [] : [h("dt", {}, t("election.rule")), h("dd", { "data-testid": "rule" }, selectionRuleText(view.selectionRule))]),
    h("dt", {}, t("election.root")), h("dd", { class: "mono" }, view.phase === "Registration" ? t("common.none") : view.voterRollRoot),
  );
  const tallyHeading = view.phase === "Closed" ? t("election.finalTally") : view.phase === "Voting" ? t("election.liveTally") : t("election.options");
  main.replaceChildren(
    h("h1", {}, t("election.heading", { id: view.electionId, title: view.title })),
    facts,
    h("h2", {}, tallyHeading),
    ...(view.metadataVerified ? [] : [h("p", { class: "warning" }, t("election.metadataUnverified"))]),
    tallyList(view),
    recordTable(state, view),
  );
  if (view.phase === "Voting") state.timer = window_setTimeout(() => void renderElection(state, main).catch(() => undefined), 4_000);
}

export const window_setTimeout = (fn: () => void, ms: number): number => globalThis.setTimeout(fn, ms) as unknown as number;

/** Import, paste or create an identity; shared by the vote and check pages. */
export function identityPanel(state: AppState, onChange: () => void): HTMLElement {
  const status = statusLine("identity-status");
  const showLoaded = () => {
    if (state.identity) status.textContent = t("identity.loaded", { commitment: state.identity.voterCommitment.toString() });
  };
  const use = async (text: string) => {
    try {
      state.identity = await parseIdentity(text);
      showLoaded();
      onChange();
    } catch (error) {
      status.textContent = t("identity.invalid", { message: (error as Error).message });
    }
  };
  const file = h("input", { type: "file", id: "identity-file", accept: ".json,application/json" });
  file.addEventListener("change", () => void file.files?.[0]?.text().then(use));
  const paste = h("textarea", { id: "identity-paste", autocomplete: "off", spellcheck: "false" });
  const usePasted = h("button", { type: "button", id: "identity-use" }, t("identity.usePasted"));
  usePasted.addEventListener("click", () => void use(paste.value));
  const created = h("div", { id: "identity-created" });
  const create = h("button", { type: "button", id: "identity-create" }, t("identity.create"));
  create.addEventListener("click", () => void createIdentity().then((identity) => {
    state.identity = identity;
    const { href, filename } = identityDownload(identity);
    created.replaceChildren(
      h("p", { class: "warning", role: "alert" }, t("identity.warning")),
      h("a", { href, download: filename, id: "identity-download" }, t("identity.download")),
      h("p", {}, t("identity.commitment")),
      h("p", { class: "mono", id: "identity-commitment" }, identity.voterCommitment.toString()),
    );
    showLoaded();
    onChange();
  }));
  showLoaded();
  return h("section", { "aria-labelledby": "identity-heading" },
    h("h2", { id: "identity-heading" }, t("identity.heading")),
    h("p", {}, t("identity.explain")),
    h("p", {}, h("label", { for: "identity-file" }, t("identity.import")), h("br"), file),
    h("p", {}, h("label", { for: "identity-paste" }, t("identity.paste")), paste, usePasted),
    h("p", {}, create), created, status);
}

export function stageText(stage: VoteStage): string {
  switch (stage.stage) {
    case "checking": return t("vote.checking");
    case "download": return t("vote.downloading", { percent: Math.round(stage.fraction * 100) });
    case "prove": return t("vote.proving");
    case "submitting": return t("vote.submitting");
    case "wallet": return t("vote.walletConfirm", { account: stage.account });
    case "retrying": return t("vote.retrying", { seconds: stage.seconds });
    case "waiting": return t("vote.waiting", { status: stage.status });
  }
}

export async function renderVote(state: AppState, main: HTMLElement): Promise<void> {
  const view = await readElectionView(state.chain, state.config.electionId);
  const status = statusLine("vote-status");
  const progress = h("progress", { id: "vote-progress", max: "1", "aria-label": t("vote.progress") });
  progress.hidden = true;
  const result = h("div", { id: "vote-result" });
  const submit = h("button", { type: "submit", id: "vote-submit" }, t("vote.submit"));
  const form = h("form", { id: "vote-form" }, optionInputs(view.selectionRule, view.options), senderChoice(), submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const selected = chosenOptions(form);
    // A single choice with no radio checked is a prompt; any other count is judged by checkVote, which names the range.
    if (!state.identity || (selected.length === 0 && isSingleChoice(view.selectionRule))) {
      status.textContent = t(state.identity ? "vote.choose" : "vote.needIdentity");
      return;
    }
    submit.disabled = true;
    const viaWallet = form.querySelector<HTMLInputElement>("#via-wallet")?.checked === true;
    void castVote(state, selected, view, viaWallet, { status, progress, result }).finally(() => (submit.disabled = false));
  });
  main.replaceChildren(h("h1", {}, t("vote.heading")), h("p", {}, t("election.heading", { id: view.electionId, title: view.title })), identityPanel(state, () => undefined), form, progress, status, result);
}

/**
 * Who sends the ballot: the relayer (the default: no account of the voter's on-chain) or the
 * voter's injected wallet, with the CLI's linkability warning shown as soon as it is chosen.
 */
export function senderChoice(): HTMLElement {
  const wallet = injectedWallet();
  const relayer = h("input", { type: "radio", name: "sender", id: "via-relayer", value: "relayer", checked: true });
  const own = h("input", { type: "radio", name: "sender", id: "via-wallet", value: "wallet", disabled: wallet === undefined, "aria-describedby": "wallet-note" });
  const warning = h("p", { class: "warning", id: "wallet-warning", role: "alert" }, t("vote.walletWarning"));
  warning.hidden = true;
  for (const input of [relayer, own]) input.addEventListener("change", () => (warning.hidden = !own.checked));
  return h("fieldset", {}, h("legend", {}, t("vote.sendVia")),
    h("p", {}, relayer, h("label", { for: "via-relayer" }, t("vote.viaRelayer"))),
    h("p", {}, own, h("label", { for: "via-wallet" }, t("vote.viaWallet")), h("br"), h("span", { id: "wallet-note" }, t(wallet === undefined ? "vote.noWallet" : "vote.walletFound"))),
    warning);
}

/** The receipt's status line and rows for a ballot cast from the wallet (open and sealed pages). */
export function walletReceiptRows(state: AppState, sent: WalletReceipt): { status: string; rows: HTMLElement[] } {
  return {
    status: t("vote.included", { block: sent.blockNumber }),
    rows: [h("dt", {}, t("vote.sentFrom")), h("dd", { class: "mono", "data-testid": "wallet-from" }, sent.from),
      h("dt", {}, t("vote.tx")), h("dd", { "data-testid": "wallet-tx" }, txCell(state.config, sent.transactionHash))],
  };
}

/** The receipt's status line and rows for a relayed ballot (open and sealed pages). */
export function relayReceiptRows(state: AppState, receipt: RelayReceipt): { status: string; rows: HTMLElement[] } {
  return {
    status: receipt.status === "rejected" ? t("vote.rejected", { reason: receipt.reason ?? "" }) : t("vote.included", { block: receipt.blockNumber ?? "?" }),
    rows: [h("dt", {}, t("vote.receiptId")), h("dd", { class: "mono", "data-testid": "receipt-id" }, receipt.receiptId),
      h("dt", {}, t("vote.tx")), h("dd", { "data-testid": "relayed-tx" }, receipt.transactionHash ? txCell(state.config, receipt.transactionHash) : "—")],
  };
}

/** Shows a vote's stages in the status line and the progress bar (open and sealed pages). */
export function progressReporter(ui: { status: HTMLElement; progress: HTMLProgressElement }): (stage: VoteStage) => void {
  return (stage) => {
    ui.status.textContent = stageText(stage);
    ui.progress.hidden = false;
    if ("fraction" in stage) ui.progress.value = stage.stage === "download" ? stage.fraction * 0.5 : 0.5;
  };
}

async function submitBallot(state: AppState, prepared: PreparedBallot, viaWallet: boolean, onStage: (stage: VoteStage) => void): Promise<{ status: string; rows: Node[] }> {
  if (viaWallet) {
    const wallet = injectedWallet();
    if (wallet === undefined) throw new Refusal("refusal.noWallet");
    return walletReceiptRows(state, await castFromWallet(wallet, state.config.zkBallot, state.chain.chainId, prepared, onStage));
  }
  return relayReceiptRows(state, await relayBallot(state.config.relayerUrl, prepared, onStage));
}

async function castVote(state: AppState, selected: readonly number[], view: ElectionView, viaWallet: boolean, ui: { status: HTMLElement; progress: HTMLProgressElement; result: HTMLElement }): Promise<void> {
  const onStage = progressReporter(ui);
  ui.result.replaceChildren();
  try {
    onStage({ stage: "checking" });
    const checked = await checkVote(state.chain, state.config.electionId, state.identity!, selected);
    state.worker ??= new Worker("worker.js");
    const { prepared, ms } = await proveInWorker(state.worker, checked, onStage);
    const sent = await submitBallot(state, prepared, viaWallet, onStage);
    ui.progress.value = 1;
    ui.status.textContent = sent.status;
    ui.result.replaceChildren(h("h2", {}, t("vote.receipt")), h("dl", {},
      ...sent.rows,
      h("dt", {}, t("vote.ballotOption")), h("dd", { "data-testid": "ballot-choice" }, chosenNames(view.options, checked.selections)),
      h("dt", {}, t("vote.nullifier")), h("dd", { class: "mono" }, prepared.nullifier.toString()),
      h("dt", {}, t("vote.proofTime", { ms })), h("dd", { "data-testid": "proof-ms" }, String(ms))));
  } catch (error) {
    ui.progress.hidden = true;
    ui.status.textContent = "";
    ui.result.replaceChildren(h("p", { class: "refusal", role: "alert", "data-testid": "refusal" }, describeError(error)));
  }
}

export async function renderCheck(state: AppState, main: HTMLElement): Promise<void> {
  const result = h("div", { id: "check-result", "aria-live": "polite" });
  const run = h("button", { type: "button", id: "check-run" }, t("check.run"));
  run.addEventListener("click", () => {
    if (!state.identity) {
      result.replaceChildren(h("p", { role: "alert" }, t("vote.needIdentity")));
      return;
    }
    void checkMyBallotBrowser(state.chain, state.config.electionId, state.identity).then((report) => {
      if (!report.voted || report.record === undefined) return result.replaceChildren(h("p", { "data-testid": "check-none" }, t("check.notFound")));
      const proofValid = report.proofVerifiedOffChain === true;
      const counted = report.countedInTally === true;
      result.replaceChildren(h("ul", {},
        h("li", { "data-testid": "check-onchain" }, t("check.onChain", { block: report.record.blockNumber }), " ", txCell(state.config, report.record.transactionHash)),
        h("li", { class: proofValid ? "pass" : "fail", "data-testid": "check-proof" }, t(proofValid ? "check.proofValid" : "check.proofInvalid")),
        h("li", { class: counted ? "pass" : "fail", "data-testid": "check-counted" }, t(counted ? "check.counted" : "check.notCounted"))));
    }, (error: unknown) => result.replaceChildren(h("p", { class: "refusal", role: "alert" }, describeError(error))));
  });
  main.replaceChildren(h("h1", {}, t("check.heading")), identityPanel(state, () => undefined), h("p", {}, run), result);
}

/** One check's verdict, its findings and warnings, and its evidence (open and sealed audit pages); `titles`: the i18n prefix of the check titles. */
export function auditCheckItem(check: CheckResult, titles: "audit.check" | "sealedAudit.check"): HTMLElement {
  const label = check.status === "fail" ? "audit.fail" : check.status === "warn" ? "sealedAudit.warn" : "audit.pass";
  const details = [...check.findings.map((f) => f.message), ...check.warnings];
  return h("li", { "data-check": check.id },
    h("span", { class: check.status === "fail" ? "fail" : check.status === "pass" ? "pass" : "" }, t(label)), " ", t(`${titles}.${check.id}`),
    ...details.map((detail) => h("p", { class: check.status === "fail" ? "fail" : "" }, detail)),
    h("br"), h("span", { class: "mono" }, t("audit.evidence", { evidence: JSON.stringify(check.evidence, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)).slice(0, 600) })));
}

export async function renderAudit(state: AppState, main: HTMLElement): Promise<void> {
  const result = h("div", { id: "audit-result", "aria-live": "polite" });
  const run = h("button", { type: "button", id: "audit-run" }, t("audit.run"));
  const cliItems = (hashes?: string) => CLI_ONLY_OPEN_CHECKS.map((id) => h("li", { "data-check": id }, t(`audit.cli.${id}`),
    ...(id === "verifier-integrity" && hashes !== undefined ? [h("br"), h("span", { class: "mono", "data-testid": "verifier-code-hash" }, t("audit.verifierCodeHash", { hash: hashes }))] : [])));
  const cliOnly = h("ul", { "data-testid": "audit-cli-only" }, ...cliItems());
  const manifest = (await (await fetch("circuits/manifest.json")).json()) as { files: Record<string, string>; setup: { secure: boolean } };
  run.addEventListener("click", () => void auditInBrowser(state.chain, state.config.electionId, manifest).then(({ checks, pass, verifierCodeHashes }) => {
    result.replaceChildren(
      h("p", { class: pass ? "pass" : "fail", "data-testid": "audit-verdict" }, t(pass ? "audit.verdictPass" : "audit.verdictFail")),
      ...(manifest.setup.secure ? [] : [h("p", { class: "warning" }, t("audit.setupInsecure"))]),
      h("ul", {}, ...checks.map((check) => auditCheckItem(check, "audit.check"))));
    cliOnly.replaceChildren(...cliItems(`VERIFIER ${verifierCodeHashes.verifier}, BATCH_VERIFIER ${verifierCodeHashes.batchVerifier}`));
  }, (error: unknown) => result.replaceChildren(h("p", { class: "refusal", role: "alert" }, describeError(error)))));
  main.replaceChildren(h("h1", {}, t("audit.heading")), h("p", {}, t("audit.explain")), h("p", {}, run), result, h("h2", {}, t("audit.cliHeading")), cliOnly);
}
