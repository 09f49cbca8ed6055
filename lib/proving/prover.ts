/**
 * The prover's Node part: the browser-safe prover and verifier (lib/proving/voteProver.ts) with
 * the committed artifacts read from circuits/build as defaults, and the proof formats
 * (lib/proving/proofFormat.ts) re-exported, so Node callers keep one import.
 */
import * as fs from "node:fs";

import { cachedFileBytes } from "../node/files";
import { proverArtifacts } from "./artifacts";
import * as voteProver from "./voteProver";
import type { ArtifactSource, ProveVoteRequest, VerificationKey, VoteProverArtifacts } from "./voteProver";
import type { VoteProof, VotePublicSignals } from "../core/proof";

// The proof's formats and key-in-hand verification are browser-safe (lib/core/proof.ts through
// lib/proving/proofFormat.ts), and so is the prover with its artifacts as arguments
// (lib/proving/voteProver.ts); this module adds the artifacts on disk as defaults.
export * from "./proofFormat";
export type { ArtifactSource, ProveVoteRequest, VerificationKey, VoteProverArtifacts } from "./voteProver";

/**
 * The committed wasm and zkey of circuits/build (checked to exist), as bytes read once per
 * process (lib/node/files.ts cachedFileBytes), so that proof after proof reuses one compiled
 * witness calculator (lib/proving/groth16Prove.ts).
 */
export function nodeVoteProverArtifacts(root?: string): VoteProverArtifacts {
  const { wasm, zkey } = proverArtifacts(root);
  return { wasm: cachedFileBytes(wasm), zkey: cachedFileBytes(zkey) };
}

let cachedVerificationKey: VerificationKey | undefined;

/** circuits/build/verification_key.json, parsed once. */
export function loadVerificationKey(): VerificationKey {
  cachedVerificationKey ??= JSON.parse(fs.readFileSync(proverArtifacts().verificationKey, "utf8")) as VerificationKey;
  return cachedVerificationKey;
}

/** proveVote (lib/proving/voteProver.ts) with circuits/build's artifacts unless others are given. */
export async function proveVote(request: ProveVoteRequest, artifacts: ArtifactSource<VoteProverArtifacts> = nodeVoteProverArtifacts): Promise<VoteProof> {
  return voteProver.proveVote(request, artifacts);
}

/** Off-chain Groth16 verification, as an auditor or relayer runs it; circuits/build's key unless another is given. */
export async function verifyVoteProof(signals: VotePublicSignals, proof: readonly bigint[], verificationKey: unknown = loadVerificationKey()): Promise<boolean> {
  return voteProver.verifyVoteProof(signals, proof, verificationKey as ArtifactSource<VerificationKey>);
}

/** Releases snarkjs's worker threads so the process can exit. */
export async function releaseSnarkjs(): Promise<void> {
  const cached = (globalThis as { curve_bn128?: { terminate(): Promise<void> } }).curve_bn128;
  if (cached) {
    await cached.terminate();
    delete (globalThis as { curve_bn128?: unknown }).curve_bn128;
  }
}
