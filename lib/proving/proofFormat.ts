/**
 * A vote proof's formats, browser-safe: they live once in lib/core/proof.ts (public signals by
 * name, castVote's uint256[8] and snarkjs's object with the G2 coordinate swap, the
 * canonical-encoding check) and are re-exported here with the one off-chain verifier,
 * lib/proving/voteProver.ts's verifyVoteProof(signals, proof, verificationKey). The web app,
 * the relayer, the auditor and lib/proving/prover.ts (which adds the artifacts on disk) share it.
 */
export { BN254_BASE_FIELD } from "../core/constants";
export * from "../core/proof";
export { verifyGroth16Proof, verifyVoteProof } from "./voteProver";
