/**
 * esbuild options for bundling zkballot's browser-safe core (lib/index.ts) and code built on
 * it (the web app). `platform: "browser"` makes esbuild refuse any Node built-in, so a build
 * that succeeds with these options is the proof that the core runs in a browser.
 */
import * as path from "node:path";
import type { BuildOptions } from "esbuild";

const ROOT = path.resolve(__dirname, "..", "..");

/** `entryPoints`: paths, or output name -> path (the web app names its bundles app.js and worker.js). */
export function browserBuildOptions(entryPoints: string[] | Record<string, string>): BuildOptions {
  return {
    absWorkingDir: ROOT,
    entryPoints,
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "silent",
    alias: { circomlibjs: path.join(ROOT, "scripts", "lib", "circomlibjsPoseidon.mjs") },
  };
}
