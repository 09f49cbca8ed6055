/**
 * Writing files so that a crash, a full disk or a failed rename never leaves half a file or a
 * stray temporary one (finding F4 in docs/THREATS.md).
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
// The module object itself, not an import-interop copy of it: test/adversarial.test.ts (F4) makes
// one call of it fail, whichever transpiler (tsc or SWC) loaded this file.
import fs = require("node:fs");
import * as path from "node:path";

import { ZkBallotError } from "../core/errors";

/**
 * Writes `data` to a temporary file beside `file`, then renames it over `file`: readers see the
 * old content or the new, never a mix. On any failure the temporary file is removed, `file` is
 * left as it was, and the error is rethrown.
 */
export function writeFileAtomically(file: string, data: string): void {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    fs.writeFileSync(temporary, data, { flag: "wx" });
    fs.renameSync(temporary, file);
  } catch (error) {
    removeQuietly(temporary);
    throw error;
  }
}

/** Deletes a file if it is there; a failure to delete must not hide the error being reported. */
export function removeQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // already gone, or the disk refuses: the original error is the one to report
  }
}

export interface FileLockOptions {
  /** How often a waiting process looks again (default 100 ms). */
  pollMs?: number;
  /** Give up waiting after this long (default 10 minutes). */
  timeoutMs?: number;
}

/**
 * Runs `action` while holding `lockFile`, an exclusive lock between processes: the file is
 * created with O_EXCL and holds the owner's pid; a lock whose owner is no longer running (a
 * killed process) is taken over. Used so that concurrent commands do not compile the
 * contracts into the same directories at once.
 */
export async function withFileLock<T>(lockFile: string, action: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const pollMs = options.pollMs ?? 100;
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  fs.mkdirSync(path.dirname(lockFile), { recursive: true });
  for (;;) {
    try {
      fs.writeFileSync(lockFile, String(process.pid), { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    if (!lockOwnerIsRunning(lockFile)) {
      removeQuietly(lockFile);
      continue;
    }
    if (Date.now() > deadline) {
      throw new ZkBallotError("INVALID_ARGUMENT", `${lockFile} is still held by process ${readLockOwner(lockFile)}`, "wait for that command to finish, or delete the file if no such process runs");
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  try {
    return await action();
  } finally {
    removeQuietly(lockFile);
  }
}

function readLockOwner(lockFile: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(lockFile, "utf8"));
    return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function lockOwnerIsRunning(lockFile: string): boolean {
  const pid = readLockOwner(lockFile);
  if (pid === undefined) {
    // No pid yet: being written this instant (wait), or left empty by a process killed in
    // between (stale after a few seconds).
    try {
      return Date.now() - fs.statSync(lockFile).mtimeMs < 5_000;
    } catch {
      return false;
    }
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The root of the git work tree that contains `file` (a `.git` directory or file above it), if any. */
export function gitWorkTreeOf(file: string): string | undefined {
  let dir = path.dirname(path.resolve(file));
  for (;;) {
    if (fs.existsSync(path.join(dir, ".git"))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Whether git ignores `file` in work tree `root` (`git check-ignore`: .gitignore, info/exclude,
 * core.excludesFile); undefined when git cannot answer (not installed, or not a repository).
 */
export function gitIgnores(file: string, root: string): boolean | undefined {
  const result = spawnSync("git", ["-C", root, "check-ignore", "--quiet", "--", path.relative(root, path.resolve(file))], { stdio: "ignore" });
  if (result.status === 0) return true;
  if (result.status === 1) return false;
  return undefined;
}

const fileBytes = new Map<string, { readonly size: number; readonly mtimeMs: number; readonly bytes: Uint8Array }>();

/**
 * A file's bytes, read once and kept while its size and modification time stay the same: the
 * circuits' wasm and zkey, which a process that proves many times would otherwise read again for
 * each proof. The same Uint8Array comes back each time, so a cache keyed by it (the compiled
 * witness calculator, lib/proving/groth16Prove.ts) holds too; a rebuilt file is read anew.
 */
export function cachedFileBytes(file: string): Uint8Array {
  const { size, mtimeMs } = fs.statSync(file);
  const cached = fileBytes.get(file);
  if (cached !== undefined && cached.size === size && cached.mtimeMs === mtimeMs) return cached.bytes;
  const bytes = new Uint8Array(fs.readFileSync(file));
  fileBytes.set(file, { size, mtimeMs, bytes });
  return bytes;
}
