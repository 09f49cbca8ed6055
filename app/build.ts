/**
 * Builds the web app into app/dist: esbuild bundles (platform browser, the options the core's
 * bundle check uses: scripts/lib/browserBundle.ts) of the page and the proving Web Worker, the
 * HTML shell, the stylesheet, the message catalogs and the circuits' public artifacts (wasm,
 * proving key, verification key, manifest) from circuits/build, and for sealed elections the
 * sealed vote circuit's wasm and proving key and both sealed verification keys from
 * circuits/build/sealed (the trustees' decryption proving key is not served: trustees use the CLI).
 *
 * The app imports only browser-safe modules (lib/core, lib/chain/reader, lib/chain/status,
 * lib/proving/proofFormat, lib/relayer/client): no Node built-in is stubbed, and a build that
 * reaches one fails (`platform: "browser"`).
 */
import * as fs from "node:fs";
import * as path from "node:path";

import * as esbuild from "esbuild";

import { browserBuildOptions } from "../scripts/lib/browserBundle";

export const APP_DIR = path.resolve(__dirname);
export const DIST_DIR = path.join(APP_DIR, "dist");
const PROJECT_ROOT = path.resolve(APP_DIR, "..");

const FONT_DIR = path.join(PROJECT_ROOT, "node_modules", "@fontsource", "noto-sans-jp");

/**
 * Self-hosts Noto Sans JP (regular and bold, woff2, split by unicode-range so a page loads only
 * the slices it shows): Japanese renders on devices without a Japanese font, with no third-party request.
 */
function copyJapaneseFont(distDir: string): void {
  const out = path.join(distDir, "fonts");
  fs.mkdirSync(out, { recursive: true });
  let css = "";
  for (const weight of ["400", "700"]) {
    const text = fs.readFileSync(path.join(FONT_DIR, `${weight}.css`), "utf8").replace(/, url\(\.\/files\/[^)]+\.woff\) format\('woff'\)/g, "");
    css += text.replace(/url\(\.\/files\//g, "url(./");
    for (const file of fs.readdirSync(path.join(FONT_DIR, "files"))) {
      if (file.endsWith(`-${weight}-normal.woff2`)) fs.copyFileSync(path.join(FONT_DIR, "files", file), path.join(out, file));
    }
  }
  fs.writeFileSync(path.join(out, "noto-sans-jp.css"), css);
}

export interface BuildReport {
  files: { file: string; bytes: number }[];
  bundleBytes: number;
}

const STATIC_FILES: [string, string][] = [
  ["app/index.html", "index.html"],
  ["app/style.css", "style.css"],
  ["app/config.json", "config.json"],
  ["app/i18n/en.json", "i18n/en.json"],
  ["app/i18n/ja.json", "i18n/ja.json"],
  ["circuits/build/vote.wasm", "circuits/vote.wasm"],
  ["circuits/build/vote.zkey", "circuits/vote.zkey"],
  ["circuits/build/verification_key.json", "circuits/verification_key.json"],
  ["circuits/build/manifest.json", "circuits/manifest.json"],
  ["circuits/build/sealed/sealedVote.wasm", "circuits/sealed/sealedVote.wasm"],
  ["circuits/build/sealed/sealedVote.zkey", "circuits/sealed/sealedVote.zkey"],
  ["circuits/build/sealed/sealedVote.vkey.json", "circuits/sealed/sealedVote.vkey.json"],
  ["circuits/build/sealed/sealedDecryption.vkey.json", "circuits/sealed/sealedDecryption.vkey.json"],
  ["circuits/build/sealed/manifest.json", "circuits/sealed/manifest.json"],
];

/**
 * `outDir` (default app/dist) is emptied first: two builds running at once (parallel test
 * workers) must each have their own, and serve it with startAppServer's `distDir`.
 */
export async function buildApp(options: { minify?: boolean; outDir?: string } = {}): Promise<BuildReport> {
  const distDir = path.resolve(options.outDir ?? DIST_DIR);
  fs.rmSync(distDir, { recursive: true, force: true });
  fs.mkdirSync(path.join(distDir, "i18n"), { recursive: true });
  fs.mkdirSync(path.join(distDir, "circuits", "sealed"), { recursive: true });
  const result = await esbuild.build({
    ...browserBuildOptions({ app: path.join(APP_DIR, "src", "main.ts"), worker: path.join(APP_DIR, "src", "worker.ts") }),
    outdir: distDir,
    write: true,
    format: "iife",
    minify: options.minify ?? true,
    sourcemap: false,
    legalComments: "none",
    logLevel: "warning",
  });
  if (result.errors.length > 0) throw new Error(`app build failed: ${result.errors.map((e) => e.text).join("; ")}`);
  for (const [from, to] of STATIC_FILES) fs.copyFileSync(path.join(PROJECT_ROOT, from), path.join(distDir, to));
  copyJapaneseFont(distDir);
  const files = ["app.js", "worker.js", ...STATIC_FILES.map(([, to]) => to)].map((file) => ({ file, bytes: fs.statSync(path.join(distDir, file)).size }));
  const bundleBytes = files.filter((f) => f.file.endsWith(".js")).reduce((sum, f) => sum + f.bytes, 0);
  return { files, bundleBytes };
}
