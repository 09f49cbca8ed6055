// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IVoteVerifier
/// @notice The Groth16 verifier that snarkjs generates for circuits/vote.circom.
/// @dev Public signals, in the circuit's order: voterRollRoot, nullifier, electionScope, ballot.
interface IVoteVerifier {
    /// @notice Checks a Groth16 proof against the four public signals.
    /// @param pA The proof's A point.
    /// @param pB The proof's B point (G2) in precompile order [[x1, x0], [y1, y0]].
    /// @param pC The proof's C point.
    /// @param publicSignals voterRollRoot, nullifier, electionScope, ballot.
    /// @return True when the proof is valid; false for an invalid proof, a point off the curve
    /// or a public signal outside the scalar field.
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[4] calldata publicSignals
    ) external view returns (bool);
}
