// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ISealedVoteVerifier
/// @notice The Groth16 verifier generated for circuits/sealedVote.circom (8 options, depth 20).
/// @dev Public signals, in order: voterRollRoot, nullifier, c1[0..7][x,y], c2[0..7][x,y],
/// electionScope, electionKey[x,y], minSelections, maxSelections, numOptions (docs/PROTOCOL.md 13.3).
interface ISealedVoteVerifier {
    /// @notice Whether the proof is valid for these public signals.
    /// @param pA Proof point A.
    /// @param pB Proof point B (each coordinate pair as snarkjs's Solidity calldata orders it).
    /// @param pC Proof point C.
    /// @param pubSignals The 40 public signals.
    /// @return valid True for a valid proof.
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[40] calldata pubSignals
    ) external view returns (bool valid);
}

/// @title ISealedDecryptionVerifier
/// @notice The Groth16 verifier generated for circuits/sealedDecryption.circom (8 options).
/// @dev Public signals, in order: shareKey[x,y], c1Totals[0..7][x,y], partials[0..7][x,y].
interface ISealedDecryptionVerifier {
    /// @notice Whether the proof is valid for these public signals.
    /// @param pA Proof point A.
    /// @param pB Proof point B.
    /// @param pC Proof point C.
    /// @param pubSignals The 34 public signals.
    /// @return valid True for a valid proof.
    function verifyProof(
        uint256[2] calldata pA,
        uint256[2][2] calldata pB,
        uint256[2] calldata pC,
        uint256[34] calldata pubSignals
    ) external view returns (bool valid);
}
