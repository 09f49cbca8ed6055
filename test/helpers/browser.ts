/**
 * A real headless Chromium from npm alone (@sparticuz/chromium ships the binary in its package;
 * nothing is downloaded at run time), driven by playwright-core. The flags that weaken the web
 * platform's security (--disable-web-security, insecure content) are removed, so the tests see
 * the Content-Security-Policy and same-origin rules a voter's browser applies. --single-process
 * (meant for AWS Lambda) is removed too: in it, closing a browser context ends the browser.
 */
import { chromium, type Browser } from "playwright-core";

const DROPPED_FLAGS = ["--single-process", "--disable-web-security", "--allow-running-insecure-content", "--disable-site-isolation-trials", "--headless='shell'"];

export async function launchChromium(): Promise<Browser> {
  const sparticuz = (await import("@sparticuz/chromium")).default;
  return chromium.launch({
    executablePath: await sparticuz.executablePath(),
    args: sparticuz.args.filter((flag) => !DROPPED_FLAGS.includes(flag)),
    headless: true,
    timeout: 60_000,
  });
}
