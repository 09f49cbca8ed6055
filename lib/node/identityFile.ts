/**
 * Identity files on disk (Node only): the store directory, safe locations, and the
 * never-overwrite, mode-0600 writer. The identity itself is lib/core/identity.ts.
 */
// The module object itself, not an import-interop copy of it: test/adversarial.test.ts (F4) makes
// one call of it fail, whichever transpiler (tsc or SWC) loaded this file.
import fs = require("node:fs");
import * as os from "node:os";
import * as path from "node:path";

import { ZkBallotError } from "../core/errors";
import { parseIdentity, serializeIdentity, type VoterIdentity } from "../core/identity";
import { gitIgnores, gitWorkTreeOf, removeQuietly } from "./files";

/**
 * Writes an identity file readable by its owner only (mode 0600). Never overwrites: the file
 * is written to a temporary name and hard-linked into place, which fails if the target
 * exists, so a crash leaves either no file or a complete one.
 */
export function saveIdentity(identity: VoterIdentity, filePath: string): void {
  if (fs.existsSync(filePath)) {
    throw new ZkBallotError("IDENTITY_FILE_EXISTS", `${filePath} already exists; refusing to overwrite an identity`, "choose another path");
  }
  const temporary = path.join(path.dirname(filePath), `.${path.basename(filePath)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(temporary, "wx", 0o600);
  try {
    try {
      fs.writeSync(fd, serializeIdentity(identity));
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    // Half a secret, or a whole one the caller is told was not saved: neither may stay on disk.
    removeQuietly(temporary);
    throw error;
  }
  try {
    fs.linkSync(temporary, filePath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") {
      throw new ZkBallotError("IDENTITY_FILE_EXISTS", `${filePath} already exists; refusing to overwrite an identity`, "choose another path");
    }
    throw error;
  } finally {
    fs.unlinkSync(temporary);
  }
}

export async function loadIdentity(filePath: string): Promise<VoterIdentity> {
  let text: string;
  try {
    text = fs.readFileSync(filePath, "utf8");
  } catch (error) {
    throw new ZkBallotError("IDENTITY_FILE_UNREADABLE", `cannot read ${filePath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, "check the path");
  }
  return parseIdentity(text, filePath);
}

/**
 * Where identity files live by default: $ZKBALLOT_HOME/identities, else ~/.zkballot/identities.
 * Outside any project directory, so `git add .` in a clone of zkballot cannot commit a secret.
 */
export function identityStoreDir(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(env.ZKBALLOT_HOME || path.join(os.homedir(), ".zkballot"), "identities");
}

const IDENTITY_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * What `--out` and `--identity` mean: a bare name (letters, digits, `-` and `_`, no dot or
 * slash) is `NAME.identity.json` in identityStoreDir(); anything else is a path.
 */
export function resolveIdentityPath(nameOrPath: string, env: NodeJS.ProcessEnv = process.env): string {
  return IDENTITY_NAME.test(nameOrPath) ? path.join(identityStoreDir(env), `${nameOrPath}.identity.json`) : nameOrPath;
}

export interface IdentityLocation {
  /** The git work tree the file would be in, if any. */
  workTree?: string;
  /** Whether git ignores the file there (undefined: outside a work tree, or git cannot tell). */
  ignoredByGit?: boolean;
}

/**
 * Where an identity file is about to be written, as far as git is concerned. Refuses a path
 * inside a git work tree that git does not ignore, where `git add .` would commit the secret,
 * unless `allowInWorkTree`; creates the default store directory (mode 0700) when it is the target.
 */
export function prepareIdentityLocation(file: string, options: { allowInWorkTree?: boolean; env?: NodeJS.ProcessEnv } = {}): IdentityLocation {
  const store = identityStoreDir(options.env);
  if (path.dirname(path.resolve(file)) === path.resolve(store)) fs.mkdirSync(store, { recursive: true, mode: 0o700 });
  const workTree = gitWorkTreeOf(file);
  if (workTree === undefined) return {};
  const ignoredByGit = gitIgnores(file, workTree);
  if (ignoredByGit !== true && !options.allowInWorkTree) {
    throw new ZkBallotError(
      "IDENTITY_UNSAFE_LOCATION",
      `refusing to write a voter secret to ${file}: it is inside the git work tree ${workTree} and ${ignoredByGit === false ? "git does not ignore it" : "git cannot tell whether it is ignored"}, so \`git add .\` would commit it`,
      `give a bare name (--out alice writes ${path.join(store, "alice.identity.json")}), or a path outside any repository, or pass --allow-git-work-tree to write it there anyway`,
    );
  }
  return { workTree, ignoredByGit };
}
