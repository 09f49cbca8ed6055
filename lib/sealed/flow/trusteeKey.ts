/**
 * A trustee's key file for one sealed election: its communication secret and its secret
 * polynomial, made once by `trustee keygen` and never rewritten. Every later step (posting
 * the key, dealing, checking shares, decrypting) is recomputed from this file and the chain,
 * so each step is idempotent and resumable. Mode 0600, never overwritten, like identity files.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { ZkBallotError } from "../../core/errors";
import { assertScalar, randomScalar } from "../babyjub";
import { generateKeyPair, type KeyPair } from "../dkg";
import { SealedError } from "../errors";

export const TRUSTEE_KEY_FORMAT = "zkballot-trustee-key";
export const TRUSTEE_KEY_VERSION = 1;

export interface TrusteeKeyFile {
  readonly chainId: bigint;
  readonly contract: string;
  readonly electionId: bigint;
  /** The trustee's number, 1..n (its x in every sharing polynomial). */
  readonly trustee: number;
  readonly communicationSecret: bigint;
  /** a_0 .. a_{k-1}: the secret polynomial of this trustee's dealing. */
  readonly coefficients: readonly bigint[];
}

/** A fresh key file's content for trustee `trustee` of an election with threshold k. */
export function newTrusteeKey(where: { chainId: bigint; contract: string; electionId: bigint }, trustee: number, threshold: number): TrusteeKeyFile {
  return { ...where, trustee, communicationSecret: randomScalar(), coefficients: Array.from({ length: threshold }, () => randomScalar()) };
}

export function communicationKeyPair(file: TrusteeKeyFile): KeyPair {
  return generateKeyPair(file.communicationSecret);
}

export function serializeTrusteeKey(file: TrusteeKeyFile): string {
  return JSON.stringify({
    format: TRUSTEE_KEY_FORMAT,
    version: TRUSTEE_KEY_VERSION,
    chainId: file.chainId.toString(),
    contract: file.contract,
    electionId: file.electionId.toString(),
    trustee: file.trustee,
    communicationSecret: file.communicationSecret.toString(),
    coefficients: file.coefficients.map(String),
  }, null, 2) + "\n";
}

export function parseTrusteeKey(text: string, source: string): TrusteeKeyFile {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new SealedError("BAD_PARAMETERS", `${source} is not JSON`, "a trustee key file is made by `trustee keygen`");
  }
  if (json.format !== TRUSTEE_KEY_FORMAT || json.version !== TRUSTEE_KEY_VERSION) throw new SealedError("BAD_PARAMETERS", `${source} is not a ${TRUSTEE_KEY_FORMAT} version ${TRUSTEE_KEY_VERSION} file`);
  const big = (value: unknown, what: string): bigint => {
    if (typeof value !== "string" || !/^\d+$/.test(value)) throw new SealedError("BAD_PARAMETERS", `${source}: ${what} is not a decimal integer`);
    return BigInt(value);
  };
  if (typeof json.contract !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(json.contract)) throw new SealedError("BAD_PARAMETERS", `${source}: contract is not an address`);
  if (!Number.isSafeInteger(json.trustee) || (json.trustee as number) < 1) throw new SealedError("BAD_PARAMETERS", `${source}: trustee is not a positive integer`);
  if (!Array.isArray(json.coefficients) || json.coefficients.length === 0) throw new SealedError("BAD_PARAMETERS", `${source}: no coefficients`);
  const file: TrusteeKeyFile = {
    chainId: big(json.chainId, "chainId"),
    contract: json.contract,
    electionId: big(json.electionId, "electionId"),
    trustee: json.trustee as number,
    communicationSecret: big(json.communicationSecret, "communicationSecret"),
    coefficients: json.coefficients.map((c, t) => big(c, `coefficient ${t}`)),
  };
  assertScalar(file.communicationSecret, "communication secret", true);
  file.coefficients.forEach((a, t) => assertScalar(a, `coefficient ${t}`, t === 0));
  return file;
}

/** Writes the key file with mode 0600; refuses if the file exists (a key is never replaced). */
export function saveTrusteeKey(file: TrusteeKeyFile, filePath: string): void {
  const exists = () => new ZkBallotError("IDENTITY_FILE_EXISTS", `${filePath} already exists; refusing to overwrite a trustee key`, "choose another path");
  if (fs.existsSync(filePath)) throw exists();
  const temporary = path.join(path.dirname(filePath), `.${path.basename(filePath)}.${process.pid}.${Date.now()}.tmp`);
  const fd = fs.openSync(temporary, "wx", 0o600);
  try {
    fs.writeSync(fd, serializeTrusteeKey(file));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  try {
    fs.linkSync(temporary, filePath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") throw exists();
    throw error;
  } finally {
    fs.unlinkSync(temporary);
  }
}

export function loadTrusteeKey(filePath: string): TrusteeKeyFile {
  let text: string;
  try {
    text = fs.readFileSync(filePath, "utf8");
  } catch {
    throw new SealedError("BAD_PARAMETERS", `cannot read trustee key file ${filePath}`, "run `npx hardhat trustee keygen` first");
  }
  return parseTrusteeKey(text, filePath);
}
