/**
 * Compiled verifier output, cached on disk. The auditor recompiles the vote verifier (from the
 * verification key) and the batch verifier (from its source) with solc-js on every run: about
 * 2 x 3-10 s. The cache key is the SHA-256 of everything the output depends on: the sources,
 * the contract asked for, the compiler's full version and the settings. An entry is used only
 * when the key stored inside it equals the key computed now, so a stale, moved or edited entry
 * is recompiled, never trusted.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { writeFileAtomically } from "../node/files";
import { SOLIDITY_SETTINGS, compileSources, type CompiledContract } from "../proving/solidity";

/** The cache directory: the option, else $ZKBALLOT_COMPILE_CACHE, else ~/.cache/zkballot/compiled; "" turns caching off. */
export function compileCacheDirectory(option?: string): string | undefined {
  const dir = option ?? process.env.ZKBALLOT_COMPILE_CACHE ?? path.join(os.homedir(), ".cache", "zkballot", "compiled");
  return dir === "" ? undefined : dir;
}

function solcVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require("solc") as { version(): string }).version();
}

/** The cache key of one compilation. */
export function compileCacheKey(sources: Record<string, string>, fileName: string, contractName: string): string {
  const input = JSON.stringify({ sources: Object.entries(sources).sort(([a], [b]) => a.localeCompare(b)), fileName, contractName, compiler: solcVersion(), settings: SOLIDITY_SETTINGS });
  return createHash("sha256").update(input).digest("hex");
}

interface CacheEntry {
  key: string;
  compiled: CompiledContract;
}

function isEntry(data: unknown, key: string): data is CacheEntry {
  const entry = data as Partial<CacheEntry>;
  const compiled = entry?.compiled as Partial<CompiledContract> | undefined;
  return entry?.key === key && typeof compiled?.bytecode === "string" && typeof compiled.deployedBytecode === "string" && typeof compiled.immutableReferences === "object";
}

/** compileSources, from the cache when an entry with the same key exists; reports whether it was a hit. */
export function compileCached(sources: Record<string, string>, fileName: string, contractName: string, cacheDir?: string): { compiled: CompiledContract; cacheHit: boolean } {
  const key = compileCacheKey(sources, fileName, contractName);
  const file = cacheDir === undefined ? undefined : path.join(cacheDir, `${key}.json`);
  if (file && fs.existsSync(file)) {
    try {
      const data = JSON.parse(fs.readFileSync(file, "utf8")) as unknown;
      if (isEntry(data, key)) return { compiled: data.compiled, cacheHit: true };
    } catch {
      // unreadable: recompiled below
    }
  }
  const compiled = compileSources(sources, fileName, contractName);
  if (file) {
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      writeFileAtomically(file, JSON.stringify({ key, compiled } satisfies CacheEntry));
    } catch {
      // a cache that cannot be written only costs the next run a compilation
    }
  }
  return { compiled, cacheHit: false };
}

/** compileCached as a compiler function (for lib/proving/batchVerifierContract.ts), noting whether every compile was a cache hit. */
export function cachingCompiler(cacheDir: string | undefined): { compile: (sources: Record<string, string>, fileName: string, contractName: string) => CompiledContract; allHits: () => boolean } {
  let hits = true;
  return {
    compile: (sources, fileName, contractName) => {
      const cached = compileCached(sources, fileName, contractName, cacheDir);
      hits &&= cached.cacheHit;
      return cached.compiled;
    },
    allHits: () => hits,
  };
}
