/**
 * snarkjs's verdict on a sealed proof, browser-safe: the verification key is passed in (Node
 * reads the committed one: lib/sealed/flow/prover.ts verifySealedProof; the web app fetches the
 * one served next to the page), so both check proofs with the same code.
 */
import { verifyGroth16Proof } from "../../proving/voteProver";

/** True if `proof` (the contract's 8 words) verifies with `signals`; a malformed proof is false, not an exception (lib/proving/voteProver.ts verifyGroth16Proof). */
export function verifySealedProofWithKey(verificationKey: Record<string, unknown>, signals: readonly bigint[], proof: readonly bigint[]): Promise<boolean> {
  return verifyGroth16Proof(verificationKey, signals, proof);
}
