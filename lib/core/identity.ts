import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { keccak256 } from "ethers";

import { COMMITMENT_DOMAIN, NULLIFIER_DOMAIN, SNARK_SCALAR_FIELD } from "./constants";
import { ZkBallotError } from "./errors";
import { parseFieldElement, toHex32 } from "./field";
import { gitIgnores, gitWorkTreeOf, removeQuietly } from "../node/files";
import { loadPoseidon } from "./poseidon";

/** A voter identity: a secret field element. Whoever holds it can cast that voter's ballot. */
export interface VoterIdentity {
  readonly identitySecret: bigint;
  /** Poseidon(COMMITMENT_DOMAIN, identitySecret): what the registrar puts on the roll. */
  readonly voterCommitment: bigint;
}

export const IDENTITY_FILE_FORMAT = "zkballot-identity";
export const IDENTITY_FILE_VERSION = 1;

export async function computeVoterCommitment(identitySecret: bigint): Promise<bigint> {
  const poseidon = await loadPoseidon();
  return poseidon.F.toObject(poseidon([COMMITMENT_DOMAIN, identitySecret]));
}

export async function computeNullifier(identitySecret: bigint, electionScope: bigint): Promise<bigint> {
  const poseidon = await loadPoseidon();
  return poseidon.F.toObject(poseidon([NULLIFIER_DOMAIN, electionScope, identitySecret]));
}

/** Samples a uniform non-zero secret below the field order (rejection sampling, no modulo bias). */
function randomFieldElement(): bigint {
  for (;;) {
    const candidate = BigInt("0x" + randomBytes(32).toString("hex")) >> 2n; // 254 bits
    if (candidate !== 0n && candidate < SNARK_SCALAR_FIELD) return candidate;
  }
}

export async function identityFromSecret(identitySecret: bigint): Promise<VoterIdentity> {
  const secret = parseFieldElement(identitySecret, "identity secret");
  if (secret === 0n) {
    throw new ZkBallotError("INVALID_IDENTITY", "identity secret is zero", "create a new identity with createIdentity()");
  }
  return { identitySecret: secret, voterCommitment: await computeVoterCommitment(secret) };
}

export async function createIdentity(): Promise<VoterIdentity> {
  return identityFromSecret(randomFieldElement());
}

export function serializeIdentity(identity: VoterIdentity): string {
  return (
    JSON.stringify(
      {
        format: IDENTITY_FILE_FORMAT,
        version: IDENTITY_FILE_VERSION,
        identitySecret: toHex32(identity.identitySecret),
        voterCommitment: toHex32(identity.voterCommitment),
      },
      null,
      2,
    ) + "\n"
  );
}

/** Parses and checks an identity file's text: format, version, secret, and the stored commitment. */
export async function parseIdentity(text: string, source = "identity file"): Promise<VoterIdentity> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new ZkBallotError("INVALID_IDENTITY", `${source} is not valid JSON: ${(error as Error).message}`, "restore it from your backup");
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new ZkBallotError("INVALID_IDENTITY", `${source} is not a JSON object`, "restore it from your backup");
  }
  const record = data as Record<string, unknown>;
  if (record.format !== IDENTITY_FILE_FORMAT) {
    throw new ZkBallotError("INVALID_IDENTITY", `${source} has format ${JSON.stringify(record.format)}, expected "${IDENTITY_FILE_FORMAT}"`, "is this a zkballot identity file?");
  }
  if (record.version !== IDENTITY_FILE_VERSION) {
    throw new ZkBallotError("INVALID_IDENTITY", `${source} has version ${JSON.stringify(record.version)}, this tool reads version ${IDENTITY_FILE_VERSION}`, "upgrade zkballot");
  }
  let secret: bigint;
  let storedCommitment: bigint;
  try {
    secret = parseFieldElement(record.identitySecret, "identitySecret");
    storedCommitment = parseFieldElement(record.voterCommitment, "voterCommitment");
  } catch (error) {
    throw new ZkBallotError("INVALID_IDENTITY", `${source}: ${(error as Error).message}`, "restore it from your backup");
  }
  const identity = await identityFromSecret(secret);
  if (identity.voterCommitment !== storedCommitment) {
    throw new ZkBallotError(
      "INVALID_IDENTITY",
      `${source} is corrupted: its voterCommitment does not match its identitySecret`,
      "restore it from your backup",
    );
  }
  return identity;
}

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
 * The message a wallet signs to derive a recoverable identity (`identity new --from-signer`).
 * Standard ECDSA signing (RFC 6979) is deterministic, so the same account re-derives the same
 * identity; whoever obtains the signature can vote as this voter.
 */
export const IDENTITY_DERIVATION_MESSAGE =
  "zkballot identity v1\n\nSigning this message creates your anonymous voter identity. " +
  "Sign it only in a zkballot tool you trust: anyone who sees this signature can vote as you.";

export async function identityFromSignature(signature: string): Promise<VoterIdentity> {
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) {
    throw new ZkBallotError("INVALID_IDENTITY", "a wallet signature is 65 bytes of hex", "sign IDENTITY_DERIVATION_MESSAGE with personal_sign");
  }
  let digest = keccak256(signature);
  for (;;) {
    const candidate = BigInt(digest) >> 2n;
    if (candidate !== 0n && candidate < SNARK_SCALAR_FIELD) return identityFromSecret(candidate);
    digest = keccak256(digest);
  }
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
