// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IGroth16BatchVerifier
/// @notice Checks many Groth16 proofs of one circuit in one call.
interface IGroth16BatchVerifier {
    /// @notice Public signals per proof (the circuit's).
    /// @return count The verification key's IC points less one.
    function PUBLIC_SIGNALS() external view returns (uint256 count);

    /// @notice Checks every proof of a batch at once.
    /// @param publicSignals Proof i's public signals, in the circuit's order, at
    /// [i·PUBLIC_SIGNALS, (i + 1)·PUBLIC_SIGNALS).
    /// @param proofs proofs[i] = [A.x, A.y, B.x1, B.x0, B.y1, B.y0, C.x, C.y] (B in precompile order
    /// [x1, x0, y1, y0]), as castVote takes it.
    /// @return valid True when every proof is valid; false when at least one is not (or the batch
    /// is empty), without saying which.
    function verifyBatch(uint256[] calldata publicSignals, uint256[8][] calldata proofs) external view returns (bool valid);
}
