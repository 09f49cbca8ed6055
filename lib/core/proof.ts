/**
 * Vote proofs as data: the four public signals, Groth16 proofs in snarkjs's and in the
 * contract's (uint256[8]) encodings, and the validation of a proof that comes from outside.
 * Browser-safe: no prover, no file, no Node built-in (the prover is lib/proving/voteProver.ts).
 */
import type { Groth16Proof } from "snarkjs";

import { BN254_BASE_FIELD } from "./constants";
import { ZkBallotError } from "./errors";
import { parseFieldElement } from "./field";

/** Names of the eight words of a SolidityProof, in order (B's imaginary parts first). */
export const PROOF_COORDINATE_NAMES = ["A.x", "A.y", "B.x1", "B.x0", "B.y1", "B.y0", "C.x", "C.y"] as const;

/** The four public signals, named as in the circuit, in its order. */
export interface VotePublicSignals {
  voterRollRoot: bigint;
  nullifier: bigint;
  electionScope: bigint;
  ballot: bigint;
}

/** A Groth16 proof as castVote takes it: [a.x, a.y, b.x1, b.x0, b.y1, b.y0, c.x, c.y]. */
export type SolidityProof = [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];

export interface VoteProof {
  publicSignals: VotePublicSignals;
  proof: SolidityProof;
}

export function publicSignalsArray(signals: VotePublicSignals): bigint[] {
  return [signals.voterRollRoot, signals.nullifier, signals.electionScope, signals.ballot];
}

export function parsePublicSignals(values: readonly unknown[]): VotePublicSignals {
  if (values.length !== 4) {
    throw new ZkBallotError("INVALID_PROOF", `expected 4 public signals, got ${values.length}`);
  }
  const [voterRollRoot, nullifier, electionScope, ballot] = values.map((value, i) => parseFieldElement(value, `public signal ${i}`));
  return { voterRollRoot, nullifier, electionScope, ballot };
}

/** snarkjs proof -> castVote's uint256[8]. The G2 point's coordinates are swapped for the precompile. */
export function toSolidityProof(proof: Groth16Proof): SolidityProof {
  return parseSolidityProof([
    proof.pi_a[0], proof.pi_a[1],
    proof.pi_b[0][1], proof.pi_b[0][0], proof.pi_b[1][1], proof.pi_b[1][0],
    proof.pi_c[0], proof.pi_c[1],
  ]);
}

/** castVote's uint256[8] (for instance from a VoteCast event) -> snarkjs proof. */
export function fromSolidityProof(proof: readonly bigint[]): Groth16Proof {
  const p = parseSolidityProof(proof).map(String);
  return {
    pi_a: [p[0], p[1], "1"],
    pi_b: [[p[3], p[2]], [p[5], p[4]], ["1", "0"]],
    pi_c: [p[6], p[7], "1"],
    protocol: "groth16",
    curve: "bn128",
  };
}

/**
 * The first coordinate of a proof that is at or above the base field order q, if any. Such an
 * encoding is never reduced: the on-chain verifier reduces A.y and would accept an alias that
 * no off-chain verifier does (docs/THREATS.md, "Non-canonical proof coordinates").
 */
export function findNonCanonicalCoordinate(proof: readonly bigint[]): { index: number; name: string; value: bigint } | undefined {
  const index = proof.findIndex((coordinate) => coordinate >= BN254_BASE_FIELD);
  return index < 0 ? undefined : { index, name: PROOF_COORDINATE_NAMES[index] ?? `word ${index}`, value: proof[index] };
}

/** Validates the shape of a proof from outside: eight coordinates, each below the base field order. */
export function parseSolidityProof(values: readonly unknown[]): SolidityProof {
  if (!Array.isArray(values) || values.length !== 8) {
    throw new ZkBallotError("INVALID_PROOF", `a proof has 8 coordinates, got ${Array.isArray(values) ? values.length : typeof values}`);
  }
  return values.map((value, i) => {
    let coordinate: bigint;
    try {
      coordinate = BigInt(value as string | bigint);
    } catch {
      throw new ZkBallotError("INVALID_PROOF", `proof coordinate ${i} is not a number`);
    }
    if (coordinate < 0n) throw new ZkBallotError("INVALID_PROOF", `proof coordinate ${i} (${PROOF_COORDINATE_NAMES[i]}) is negative`);
    if (coordinate >= BN254_BASE_FIELD) {
      throw new ZkBallotError(
        "NON_CANONICAL_PROOF",
        `proof coordinate ${i} (${PROOF_COORDINATE_NAMES[i]}) is ${coordinate}, not below the BN254 base field order q: a non-canonical encoding`,
        "submit the proof as the prover wrote it, every coordinate reduced below q",
      );
    }
    return coordinate;
  }) as SolidityProof;
}
