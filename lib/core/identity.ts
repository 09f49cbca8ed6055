
import { hexlify, keccak256, randomBytes } from "ethers";

import { COMMITMENT_DOMAIN, NULLIFIER_DOMAIN, SNARK_SCALAR_FIELD } from "./constants";
import { ZkBallotError } from "./errors";
import { parseFieldElement, toHex32 } from "./field";
import { poseidonHasher } from "./poseidon";

/** A voter identity: a secret field element. Whoever holds it can cast that voter's ballot. */
export interface VoterIdentity {
  readonly identitySecret: bigint;
  /** Poseidon(COMMITMENT_DOMAIN, identitySecret): what the registrar puts on the roll. */
  readonly voterCommitment: bigint;
}

export const IDENTITY_FILE_FORMAT = "zkballot-identity";
export const IDENTITY_FILE_VERSION = 1;

export async function computeVoterCommitment(identitySecret: bigint): Promise<bigint> {
  const hash = await poseidonHasher(1);
  return hash([COMMITMENT_DOMAIN, identitySecret]);
}

export async function computeNullifier(identitySecret: bigint, electionScope: bigint): Promise<bigint> {
  const hash = await poseidonHasher(1);
  return hash([NULLIFIER_DOMAIN, electionScope, identitySecret]);
}

/** Samples a uniform non-zero secret below the field order (rejection sampling, no modulo bias). */
function randomFieldElement(): bigint {
  for (;;) {
    const candidate = BigInt(hexlify(randomBytes(32))) >> 2n; // 254 bits
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
