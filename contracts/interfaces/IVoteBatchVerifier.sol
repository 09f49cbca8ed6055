// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IVoteBatchVerifier
/// @notice Checks many Groth16 proofs of circuits/vote.circom in one call.
/// @dev Public signals, in the circuit's order: voterRollRoot, nullifier, electionScope, ballot.
interface IVoteBatchVerifier {
    /// @notice Checks every proof of a batch at once.
    /// @param publicSignals publicSignals[i] = [voterRollRoot, nullifier, electionScope, ballot] of proof i.
    /// @param proofs proofs[i] = [A.x, A.y, B.x1, B.x0, B.y1, B.y0, C.x, C.y] (B in precompile order
    /// [x1, x0, y1, y0]), as castVote takes it.
    /// @return valid True when every proof is valid; false when at least one is not (or the batch
    /// is empty), without saying which.
    function verifyBatch(uint256[4][] calldata publicSignals, uint256[8][] calldata proofs) external view returns (bool valid);
}
