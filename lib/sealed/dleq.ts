/**
 * Chaum-Pedersen proofs of discrete-log equality (DLEQ): "I know x with A = x·G1 and B = x·G2",
 * made non-interactive with Fiat-Shamir over Poseidon. Used for a trustee's partial
 * decryption (G1 = G, A = its public share, G2 = c1, B = its partial decryption) and for a DKG
 * complaint (G1 = G, A = the complainer's key, G2 = the dealer's key, B = their ECDH point).
 *
 * The challenge hashes a domain tag, the caller's context (election scope, trustee, option),
 * both bases, both images and both commitments, so a proof made for one statement, election or
 * use can never be replayed for another. A proof is (challenge, response): the commitments are
 * recomputed by the verifier.
 *
 * Two challenge hashes, chosen by where the proof is checked: Poseidon where a circuit may have
 * to check it (partial decryptions), keccak256 where the contract does (DKG complaints: a
 * keccak costs the EVM tens of gas, a Poseidon tens of thousands).
 */
import { solidityPackedKeccak256 } from "ethers";

import { poseidonHasher } from "../core/poseidon";
import {
  BABYJUB_FIELD,
  SUBGROUP_ORDER,
  assertKeyPoint,
  assertScalar,
  assertSubgroupPoint,
  modOrder,
  multiplyPoint,
  pointsEqual,
  randomScalar,
  subtractPoints,
  type Point,
} from "./babyjub";
import { SealedError } from "./errors";

/**
 * Domain tags for Poseidon uses in sealed elections. They continue PROTOCOL.md's list (1 is the
 * voter commitment, 2 the nullifier) in a range of their own, so no two uses share a tag.
 */
export const SEALED_DOMAIN = Object.freeze({
  /** Chaum-Pedersen challenge of a partial decryption. */
  decryptionProof: 0x5ea1_0001n,
  /** Chaum-Pedersen challenge of a DKG complaint (the revealed ECDH point is correct). */
  complaintProof: 0x5ea1_0002n,
  /** Key-derivation pad that encrypts a DKG share to its recipient. */
  shareEncryption: 0x5ea1_0003n,
});

/** Hash of a list of field elements to a field element. */
export type ChallengeHash = (words: readonly bigint[]) => Promise<bigint>;

/** Poseidon over the words: at most 16 at a time, so longer lists are chained in blocks of 15. */
export const poseidonChallengeHash: ChallengeHash = async (words) => {
  const hash = await poseidonHasher(1 + Math.ceil(Math.max(0, words.length - 16) / 15));
  let digest = hash(words.slice(0, 16));
  for (let at = 16; at < words.length; at += 15) digest = hash([digest, ...words.slice(at, at + 15)]);
  return digest;
};

/** keccak256(abi.encode(uint256 w0, uint256 w1, ...)) mod BABYJUB_FIELD: what Solidity computes. */
export const keccakChallengeHash: ChallengeHash = async (words) =>
  BigInt(solidityPackedKeccak256(words.map(() => "uint256"), words)) % BABYJUB_FIELD;

export interface DleqStatement {
  /** First base (G for every use in zkballot). */
  readonly base1: Point;
  /** x·base1. */
  readonly image1: Point;
  readonly base2: Point;
  /** x·base2. */
  readonly image2: Point;
}

export interface DleqProof {
  readonly challenge: bigint;
  readonly response: bigint;
}

function assertStatement(statement: DleqStatement): void {
  assertKeyPoint(statement.base1, "DLEQ base1");
  assertSubgroupPoint(statement.image1, "DLEQ image1");
  // base2 may be the identity (c1 of an option's total when no ballot was cast): then image2
  // must be the identity too, and the proof is about base1 alone.
  assertSubgroupPoint(statement.base2, "DLEQ base2");
  assertSubgroupPoint(statement.image2, "DLEQ image2");
}

function assertContext(domain: bigint, context: readonly bigint[]): void {
  if (context.length > 3) throw new SealedError("BAD_PARAMETERS", `DLEQ context has ${context.length} elements, at most 3 fit the hash`);
  for (const value of [domain, ...context]) {
    if (typeof value !== "bigint" || value < 0n || value >= BABYJUB_FIELD) throw new SealedError("BAD_PARAMETERS", `DLEQ context element ${String(value)} is not a field element`);
  }
}

async function challengeOf(hash: ChallengeHash, domain: bigint, context: readonly bigint[], s: DleqStatement, commitment1: Point, commitment2: Point): Promise<bigint> {
  // Fixed layout: the context is padded to 3 words and its length hashed, so [a, 0] and [a]
  // cannot collide.
  const words = [domain, ...context, ...Array<bigint>(3 - context.length).fill(0n), BigInt(context.length)];
  for (const point of [s.base1, s.image1, s.base2, s.image2, commitment1, commitment2]) words.push(point.x, point.y);
  return (await hash(words)) % SUBGROUP_ORDER;
}

/** Proves knowledge of x with image1 = x·base1 and image2 = x·base2. */
export async function proveDleq(
  hash: ChallengeHash,
  domain: bigint,
  context: readonly bigint[],
  statement: DleqStatement,
  secret: bigint,
  nonce: bigint = randomScalar(),
): Promise<DleqProof> {
  assertContext(domain, context);
  assertStatement(statement);
  assertScalar(secret, "DLEQ secret", true);
  assertScalar(nonce, "DLEQ nonce", true);
  if (!pointsEqual(multiplyPoint(statement.base1, secret), statement.image1) || !pointsEqual(multiplyPoint(statement.base2, secret), statement.image2)) {
    throw new SealedError("BAD_PROOF", "the DLEQ secret does not match the statement", "a proof can only be made for a true statement");
  }
  const challenge = await challengeOf(hash, domain, context, statement, multiplyPoint(statement.base1, nonce), multiplyPoint(statement.base2, nonce));
  return { challenge, response: modOrder(nonce + challenge * secret) };
}

/**
 * True if the proof is valid for the statement, domain and context. Malformed input (a point
 * off the curve or outside the subgroup, a scalar out of range) throws a SealedError: it is
 * not a proof at all, and callers should report it as such.
 */
export async function verifyDleq(hash: ChallengeHash, domain: bigint, context: readonly bigint[], statement: DleqStatement, proof: DleqProof): Promise<boolean> {
  assertContext(domain, context);
  assertStatement(statement);
  assertScalar(proof?.challenge, "DLEQ challenge");
  assertScalar(proof?.response, "DLEQ response");
  const commitment1 = subtractPoints(multiplyPoint(statement.base1, proof.response), multiplyPoint(statement.image1, proof.challenge));
  const commitment2 = subtractPoints(multiplyPoint(statement.base2, proof.response), multiplyPoint(statement.image2, proof.challenge));
  return (await challengeOf(hash, domain, context, statement, commitment1, commitment2)) === proof.challenge;
}
