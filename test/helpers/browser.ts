/**
 * A real headless Chromium from npm alone (@sparticuz/chromium ships the binary in its package;
 * nothing is downloaded at run time), driven by playwright-core. The flags that weaken the web
 * platform's security (--disable-web-security, insecure content) are removed, so the tests see
 * the Content-Security-Policy and same-origin rules a voter's browser applies. --single-process
 * (meant for AWS Lambda) is removed too: in it, closing a browser context ends the browser. So
 * are its WebGL flags (SwiftShader through ANGLE, an in-process GPU), and the GPU is disabled: the
 * pages draw no canvas and need no GPU, and software WebGL only cost CPU (app.e2e measured at
 * 51.3 s of CPU with it, 45.8 s without; app.sealed.e2e 62.6 s and 59.3 s).
 *
 * `recordPageDiagnostics` keeps what a maintainer needs when a page does not come up: its console
 * (errors and warnings, CSP violations included), uncaught exceptions in the page and its workers,
 * failed requests and HTTP error responses. `waitForPageReady` prints them when the wait fails.
 */
import * as path from "node:path";

import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

import { serializeIdentity, type VoterIdentity } from "../../lib/core/identity";

const DROPPED_FLAGS = ["--single-process", "--disable-web-security", "--allow-running-insecure-content", "--disable-site-isolation-trials", "--headless='shell'", "--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--in-process-gpu", "--ignore-gpu-blocklist"];

export async function launchChromium(): Promise<Browser> {
  const sparticuz = (await import("@sparticuz/chromium")).default;
  return chromium.launch({
    executablePath: await sparticuz.executablePath(),
    args: [...sparticuz.args.filter((flag) => !DROPPED_FLAGS.includes(flag)), "--disable-gpu"],
    headless: true,
    timeout: 60_000,
  });
}

export interface PageDiagnostics {
  /** One line per event, in the order they happened. */
  lines: string[];
}

/** Starts recording a page's console, page errors (page and workers), failed requests and HTTP errors. */
export function recordPageDiagnostics(page: Page): PageDiagnostics {
  const diagnostics: PageDiagnostics = { lines: [] };
  const add = (line: string) => diagnostics.lines.push(line);
  page.on("console", (message) => {
    const where = message.location();
    const at = where.url ? ` (${where.url}:${where.lineNumber})` : "";
    add(`console.${message.type()}: ${message.text()}${at}`);
  });
  page.on("pageerror", (error) => add(`pageerror: ${error.stack ?? error.message}`));
  page.on("worker", (worker) => {
    add(`worker started: ${worker.url()}`);
    worker.on("console", (message) => add(`worker console.${message.type()}: ${message.text()}`));
  });
  page.on("requestfailed", (request) => add(`requestfailed: ${request.method()} ${request.url()}: ${request.failure()?.errorText ?? "?"}`));
  page.on("response", (response) => {
    if (response.status() >= 400) add(`http ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
  page.on("crash", () => add("page crashed"));
  return diagnostics;
}

export function formatPageDiagnostics(diagnostics: PageDiagnostics): string {
  return diagnostics.lines.length === 0 ? "(the page logged nothing, threw nothing and no request failed)" : diagnostics.lines.map((line) => `  ${line}`).join("\n");
}

/**
 * Waits for `selector` (the app sets body[data-ready=true] once a page has rendered); when it
 * does not come, fails with everything the page reported, and the page's visible text.
 */
export async function waitForPageReady(page: Page, diagnostics: PageDiagnostics, selector: string, timeoutMs: number): Promise<void> {
  try {
    await page.waitForSelector(selector, { timeout: timeoutMs });
  } catch (error) {
    const text = await page.evaluate(() => document.body?.innerText ?? "").catch(() => "(page gone)");
    throw new Error(
      `${selector} did not appear within ${timeoutMs} ms at ${page.url()}: ${(error as Error).message.split("\n")[0]}\n` +
        `page diagnostics:\n${formatPageDiagnostics(diagnostics)}\nvisible text: ${JSON.stringify(text.slice(0, 500))}`,
    );
  }
}

/**
 * A stand-in for a wallet extension (EIP-1193, `window.ethereum`) in every page of `context`: its
 * account is one the local node signs for, and it forwards every other request to the node
 * through the page's own /rpc, as the Content-Security-Policy allows.
 */
export async function injectTestWallet(context: BrowserContext, account: string): Promise<void> {
  await context.addInitScript(({ account }) => {
    let id = 0;
    (window as unknown as { ethereum: unknown }).ethereum = {
      request: async ({ method, params }: { method: string; params?: unknown[] }) => {
        if (method === "eth_requestAccounts" || method === "eth_accounts") return [account];
        const response = await fetch("/rpc", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params ?? [] }) });
        const body = (await response.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
        if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code, data: body.error.data });
        return body.result;
      },
      on: () => undefined,
      removeListener: () => undefined,
    };
  }, { account });
}

/** Where the browser tests write their screenshots for a reviewer (gitignored). */
export const SCREENSHOTS = path.join(__dirname, "..", "..", "app", "screenshots");

/** Waits for the self-hosted font slices the page uses, so Japanese is not captured as empty boxes. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.evaluate(async () => {
    await document.fonts.ready;
  });
  await page.screenshot({ path: path.join(SCREENSHOTS, name), fullPage: true });
}

/** Pastes an identity into the page's identity panel and waits until the page shows it. */
export async function loadIdentity(page: Page, identity: VoterIdentity): Promise<void> {
  await page.fill("#identity-paste", serializeIdentity(identity));
  await page.click("#identity-use");
  await page.waitForSelector(`#identity-status:has-text("${identity.voterCommitment.toString()}")`, { timeout: 10_000 });
}
