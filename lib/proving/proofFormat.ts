/**
 * A vote proof's formats and key-in-hand verification, browser-safe: the formats live once in
 * lib/core/proof.ts (public signals by name, castVote's uint256[8] and snarkjs's object with the
 * G2 coordinate swap, the canonical-encoding check) and are re-exported here with Groth16
 * verification against a verification key given (the prover and verifier with artifacts as
 * arguments: lib/proving/voteProver.ts). The web app, the relayer, the auditor and
 * lib/proving/prover.ts (which adds the artifacts on disk) share it.
 */
import * as snarkjs from "snarkjs";

import { fromSolidityProof, publicSignalsArray, type VotePublicSignals } from "../core/proof";

export { BN254_BASE_FIELD } from "../core/constants";
export * from "../core/proof";

/** Off-chain Groth16 verification of a vote proof against the verification key given. */
export async function verifyVoteProofWithKey(verificationKey: unknown, signals: VotePublicSignals, proof: readonly bigint[]): Promise<boolean> {
  return snarkjs.groth16.verify(verificationKey, publicSignalsArray(signals).map(String), fromSolidityProof(proof));
}
