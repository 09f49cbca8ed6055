import * as fs from "node:fs";

import * as snarkjs from "snarkjs";

import { proverArtifacts } from "./artifacts";
import { ZkBallotError } from "../core/errors";
import { computeNullifier, type VoterIdentity } from "../core/identity";
import { rootFromPath, type MerklePath } from "../core/voterRoll";
import { parsePublicSignals, toSolidityProof, verifyVoteProofWithKey, type SolidityProof, type VotePublicSignals } from "./proofFormat";

// The proof's formats and the key-in-hand verification are browser-safe (lib/proving/proofFormat.ts);
// this module adds what needs the artifacts on disk: proving and the default verification key.
export * from "./proofFormat";

export interface VoteProof {
  publicSignals: VotePublicSignals;
  proof: SolidityProof;
}

export interface ProveVoteRequest {
  identity: VoterIdentity;
  path: MerklePath;
  voterRollRoot: bigint;
  electionScope: bigint;
  ballot: bigint;
}

/**
 * Proves "my commitment is on the roll with this root, this is my nullifier for this scope,
 * and this proof is bound to this ballot". Checks the path against the root first, so a
 * stale roll fails here with a clear error instead of on-chain.
 */
export async function proveVote(request: ProveVoteRequest): Promise<VoteProof> {
  const { identity, path, voterRollRoot, electionScope, ballot } = request;
  const computedRoot = await rootFromPath(identity.voterCommitment, path);
  if (computedRoot !== voterRollRoot) {
    throw new ZkBallotError("INVALID_ROLL", "the Merkle path does not lead to the election's frozen voter roll root", "rebuild the roll from the chain's published commitments");
  }
  const { wasm, zkey } = proverArtifacts();
  const input = {
    identitySecret: identity.identitySecret.toString(),
    pathIndices: path.pathIndices.map(String),
    siblings: path.siblings.map(String),
    electionScope: electionScope.toString(),
    ballot: ballot.toString(),
  };
  const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, wasm, zkey);
  const signals = parsePublicSignals(publicSignals);
  const expectedNullifier = await computeNullifier(identity.identitySecret, electionScope);
  if (signals.voterRollRoot !== voterRollRoot || signals.nullifier !== expectedNullifier || signals.electionScope !== electionScope || signals.ballot !== ballot) {
    throw new ZkBallotError("INVALID_PROOF", "the prover returned public signals that differ from the request", "check that circuits/build matches the manifest (npm run circuits:check)");
  }
  return { publicSignals: signals, proof: toSolidityProof(proof) };
}

let cachedVerificationKey: unknown;

export function loadVerificationKey(): unknown {
  cachedVerificationKey ??= JSON.parse(fs.readFileSync(proverArtifacts().verificationKey, "utf8"));
  return cachedVerificationKey;
}

/** Off-chain Groth16 verification, as an auditor or relayer runs it (the key defaults to circuits/build's). */
export async function verifyVoteProof(signals: VotePublicSignals, proof: readonly bigint[], verificationKey = loadVerificationKey()): Promise<boolean> {
  return verifyVoteProofWithKey(verificationKey, signals, proof);
}

/** Releases snarkjs's worker threads so the process can exit. */
export async function releaseSnarkjs(): Promise<void> {
  const cached = (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128;
  if (cached) {
    await cached.terminate();
    delete (globalThis as { curve_bn128?: unknown }).curve_bn128;
  }
}
