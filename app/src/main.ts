/**
 * The app's shell: configuration, language, navigation and the page router (#election, #vote,
 * #check, #audit), with a sealed election's pages (app/src/sealedPages.ts) for a SealedZkBallot.
 */
import { loadAppConfig } from "./config";
import { connectChain } from "./chain";
import { h } from "./dom";
import { isLanguage, language, LANGUAGES, loadLanguage, t } from "./i18n";
import { describeError, renderAudit, renderCheck, renderElection, renderVote, type AppState } from "./pages";
import { renderSealedAudit, renderSealedCheck, renderSealedElection, renderSealedVote } from "./sealedPages";

const PAGES = { election: renderElection, vote: renderVote, check: renderCheck, audit: renderAudit } as const;
const SEALED_PAGES: typeof PAGES = { election: renderSealedElection, vote: renderSealedVote, check: renderSealedCheck, audit: renderSealedAudit };
type PageName = keyof typeof PAGES;

function currentPage(): PageName {
  const name = location.hash.replace(/^#/, "");
  return name in PAGES ? (name as PageName) : "election";
}

function header(onLanguage: (lang: string) => void): HTMLElement {
  const page = currentPage();
  const links = (Object.keys(PAGES) as PageName[]).map((name) => h("li", {}, h("a", { href: `#${name}`, "aria-current": name === page ? "page" : false }, t(`nav.${name}`))));
  const select = h("select", { id: "language" }, ...LANGUAGES.map((lang) => h("option", { value: lang, selected: lang === language() }, lang === "en" ? "English" : "日本語")));
  select.addEventListener("change", () => onLanguage(select.value));
  return h("header", {}, h("strong", {}, t("app.title")), h("nav", { "aria-label": t("nav.label") }, h("ul", {}, ...links)), h("p", {}, h("label", { for: "language" }, t("app.language")), " ", select));
}

async function render(state: AppState | undefined, root: HTMLElement, error?: unknown): Promise<void> {
  if (state?.timer !== undefined) clearTimeout(state.timer);
  const main = h("main", { id: "main", tabindex: "-1" }, h("p", { role: "status" }, t("common.loading")));
  const onLanguage = (lang: string) => {
    if (!isLanguage(lang)) return;
    const url = new URL(location.href);
    url.searchParams.set("lang", lang);
    history.replaceState(null, "", url);
    void loadLanguage(lang).then(() => render(state, root, error));
  };
  root.replaceChildren(h("a", { href: "#main", class: "skip" }, t("app.skip")), header(onLanguage), main);
  document.title = `${t(`nav.${currentPage()}`)} · ${t("app.title")}`;
  if (state === undefined) {
    main.replaceChildren(h("p", { class: "refusal", role: "alert" }, describeError(error)));
    return;
  }
  try {
    await (state.chain.kind === "sealed" ? SEALED_PAGES : PAGES)[currentPage()](state, main);
  } catch (failure) {
    main.replaceChildren(h("p", { class: "refusal", role: "alert" }, describeError(failure)));
  }
}

async function start(): Promise<void> {
  const root = document.getElementById("root")!;
  const requested = new URLSearchParams(location.search).get("lang") ?? (navigator.language.startsWith("ja") ? "ja" : "en");
  await loadLanguage(isLanguage(requested) ? requested : "en");
  let state: AppState | undefined;
  try {
    const config = await loadAppConfig();
    state = { config, chain: await connectChain(config) };
  } catch (error) {
    await render(undefined, root, error);
    document.body.dataset.ready = "true";
    return;
  }
  window.addEventListener("hashchange", () => void render(state, root));
  await render(state, root);
  document.body.dataset.ready = "true";
}

void start();
