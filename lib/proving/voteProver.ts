/**
 * The vote prover and off-chain verifier, browser-safe: the circuit's artifacts are arguments
 * (bytes a page fetched, paths or URLs snarkjs reads itself, or a loader returning either), so
 * a web page, a Web Worker, the CLI and the relayer call the same code. The Node adapter that
 * reads the committed artifacts from circuits/build is lib/proving/prover.ts.
 */
import * as snarkjs from "snarkjs";

import { ZkBallotError } from "../core/errors";
import { computeNullifier, type VoterIdentity } from "../core/identity";
import { fromSolidityProof, parsePublicSignals, publicSignalsArray, toSolidityProof, type VoteProof, type VotePublicSignals } from "../core/proof";
import { rootFromPath, type MerklePath } from "../core/voterRoll";
import { proveGroth16 } from "./groth16Prove";

/** The prover's inputs: the witness generator (vote.wasm) and the proving key (vote.zkey), as bytes, or a path or URL. */
export interface VoteProverArtifacts {
  wasm: Uint8Array | string;
  zkey: Uint8Array | string;
}

/** A Groth16 verification key as snarkjs exports it (verification_key.json, parsed). */
export type VerificationKey = Record<string, unknown>;

/** A value, or a function that loads it (called once per use, so it may cache or fetch lazily). */
export type ArtifactSource<T> = T | (() => T | Promise<T>);

export interface ProveVoteRequest {
  identity: VoterIdentity;
  path: MerklePath;
  voterRollRoot: bigint;
  electionScope: bigint;
  ballot: bigint;
}

/** Resolves an ArtifactSource: calls the loader if it is one. */
export async function resolveArtifact<T>(source: ArtifactSource<T>): Promise<T> {
  return typeof source === "function" ? await (source as () => T | Promise<T>)() : source;
}

function assertProverArtifacts(artifacts: unknown): asserts artifacts is VoteProverArtifacts {
  const given = artifacts as Partial<VoteProverArtifacts> | undefined;
  const ok = (value: unknown) => value instanceof Uint8Array ? value.length > 0 : typeof value === "string" && value !== "";
  if (given === undefined || given === null || !ok(given.wasm) || !ok(given.zkey)) {
    throw new ZkBallotError("ARTIFACTS_MISSING", "the prover needs the circuit's wasm and zkey (non-empty bytes, or a path or URL)", "pass { wasm, zkey }: in Node lib/proving/prover.ts reads circuits/build; a page fetches vote.wasm and vote.zkey");
  }
}

/**
 * Proves "my commitment is on the roll with this root, this is my nullifier for this scope,
 * and this proof is bound to this ballot". Checks the path against the root first, so a
 * stale roll fails here with a clear error instead of on-chain.
 */
export async function proveVote(request: ProveVoteRequest, artifacts: ArtifactSource<VoteProverArtifacts>): Promise<VoteProof> {
  const { identity, path, voterRollRoot, electionScope, ballot } = request;
  const computedRoot = await rootFromPath(identity.voterCommitment, path);
  if (computedRoot !== voterRollRoot) {
    throw new ZkBallotError("INVALID_ROLL", "the Merkle path does not lead to the election's frozen voter roll root", "rebuild the roll from the chain's published commitments");
  }
  const { wasm, zkey } = await resolveArtifact(artifacts).then((resolved) => (assertProverArtifacts(resolved), resolved));
  const input = {
    identitySecret: identity.identitySecret.toString(),
    pathIndices: path.pathIndices.map(String),
    siblings: path.siblings.map(String),
    electionScope: electionScope.toString(),
    ballot: ballot.toString(),
  };
  const { proof, publicSignals } = await proveGroth16(input, wasm, zkey);
  const signals = parsePublicSignals(publicSignals);
  const expectedNullifier = await computeNullifier(identity.identitySecret, electionScope);
  if (signals.voterRollRoot !== voterRollRoot || signals.nullifier !== expectedNullifier || signals.electionScope !== electionScope || signals.ballot !== ballot) {
    throw new ZkBallotError("INVALID_PROOF", "the prover returned public signals that differ from the request", "check that circuits/build matches the manifest (npm run circuits:check)");
  }
  return { publicSignals: signals, proof: toSolidityProof(proof) };
}

/** Off-chain Groth16 verification, as an auditor, a relayer or a voter's page runs it. */
export async function verifyVoteProof(signals: VotePublicSignals, proof: readonly bigint[], verificationKey: ArtifactSource<VerificationKey>): Promise<boolean> {
  const key = await resolveArtifact(verificationKey);
  if (typeof key !== "object" || key === null || (key as { protocol?: unknown }).protocol !== "groth16") {
    throw new ZkBallotError("ARTIFACTS_MISSING", "the verifier needs a Groth16 verification key (verification_key.json, parsed)", "pass the parsed verification key; in Node lib/proving/prover.ts loads circuits/build/verification_key.json");
  }
  return snarkjs.groth16.verify(key, publicSignalsArray(signals).map(String), fromSolidityProof(proof));
}

/**
 * snarkjs's verdict on a Groth16 proof of any circuit (the sealed ones) in castVote's 8-word
 * layout, with the verification key passed in; a malformed proof is false, not an exception.
 */
export async function verifyGroth16Proof(verificationKey: unknown, signals: readonly bigint[], proof: readonly bigint[]): Promise<boolean> {
  try {
    return await snarkjs.groth16.verify(verificationKey as VerificationKey, signals.map(String), fromSolidityProof(proof));
  } catch {
    return false;
  }
}
