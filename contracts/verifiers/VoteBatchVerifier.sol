// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IVoteBatchVerifier} from "../interfaces/IVoteBatchVerifier.sol";
import {Bn254} from "./Bn254.sol";

/// @title VoteBatchVerifier
/// @notice Verifies many Groth16 proofs of the vote circuit in one call, with n + 3 pairings
/// instead of the 4n that n calls of VoteVerifier.verifyProof cost.
/// @dev One proof (A, B, C) with public signals x_1..x_4 is valid when
///     e(-A, B) · e(α, β) · e(L, γ) · e(C, δ) == 1,   L = IC0 + Σ_j x_j·IC_j.
/// Raising proof i's equation to a coefficient r_i and multiplying them all gives one check:
///     Π_i e(-r_i·A_i, B_i) · e((Σ_i r_i)·α, β) · e(Σ_i r_i·L_i, γ) · e(Σ_i r_i·C_i, δ) == 1,
/// where Σ_i r_i·L_i = (Σ_i r_i)·IC0 + Σ_j (Σ_i r_i·x_ij mod r)·IC_j needs only five ecMul.
/// The target group has prime order r, so if some proof is invalid the batch passes only when
/// Σ_i r_i·k_i ≡ 0 (mod r) for the non-zero exponents k_i of the failing equations. The r_i are
/// Fiat–Shamir coefficients, r_i = keccak256(seed, i) mod r with seed = keccak256 of every
/// public signal and every proof coordinate of the batch: a prover fixes the k_i before it can
/// learn the r_i, so each attempt succeeds with probability at most about 2^-252 (keccak as a
/// random oracle; the bound allows for the bias of reducing 256 bits mod r). Each r_i is
/// non-zero, so no proof drops out of the check.
///
/// Every failure returns false, never reverts (except LengthMismatch, a malformed call):
/// a public signal ≥ r, a coordinate ≥ q, a point off its curve, a failing precompile, an
/// empty batch. Points are checked on their curves here first, so garbage cannot make a
/// precompile fail and consume all the gas it was given. A B that is on the twist but outside
/// the order-r subgroup still reaches the pairing precompile, which rejects it (EIP-197) and,
/// like any failing precompile, consumes the gas forwarded to it: call this with a gas cap.
///
/// The verification key is given to the constructor and kept in immutables, so one audited
/// contract serves any key; verificationKey() returns it for comparison with the published
/// verification_key.json. Every G2 point is in precompile order [x1, x0, y1, y0], as in the
/// snarkjs template: x1 = vk[0][1], x0 = vk[0][0], y1 = vk[1][1], y0 = vk[1][0] (imaginary part first).
contract VoteBatchVerifier is IVoteBatchVerifier {
    /// @notice A Groth16 verification key in the precompiles' coordinate order.
    /// @param alpha1 α ∈ G1: [x, y].
    /// @param beta2 β ∈ G2 in precompile order [x1, x0, y1, y0] = [x.imaginary, x.real, y.imaginary, y.real].
    /// @param gamma2 γ ∈ G2, same order as beta2.
    /// @param delta2 δ ∈ G2, same order as beta2.
    /// @param ic IC0..IC4 ∈ G1: IC0 is the constant term, IC_j belongs to public signal j.
    struct VerificationKey {
        uint256[2] alpha1;
        uint256[4] beta2;
        uint256[4] gamma2;
        uint256[4] delta2;
        uint256[2][5] ic;
    }

    /// @notice publicSignals and proofs do not have one entry per ballot each.
    /// @param publicSignalsLength Entries in publicSignals.
    /// @param proofsLength Entries in proofs.
    error LengthMismatch(uint256 publicSignalsLength, uint256 proofsLength);

    /// @notice A verification-key coordinate is not below q, or a point is not on its curve.
    error InvalidVerificationKey();

    /// @notice Order of the BN254 scalar field: public signals and coefficients live below it.
    uint256 public constant SCALAR_FIELD = Bn254.SCALAR_FIELD;

    /// @notice Order of the BN254 base field: every point coordinate lives below it.
    uint256 public constant BASE_FIELD = Bn254.BASE_FIELD;

    /// @notice Public signals per proof: voterRollRoot, nullifier, electionScope, ballot.
    uint256 public constant PUBLIC_SIGNALS = 4;

    // Immutables cannot be arrays or structs, hence one per coordinate.
    uint256 private immutable ALPHA_X;
    uint256 private immutable ALPHA_Y;
    uint256 private immutable BETA_X1;
    uint256 private immutable BETA_X2;
    uint256 private immutable BETA_Y1;
    uint256 private immutable BETA_Y2;
    uint256 private immutable GAMMA_X1;
    uint256 private immutable GAMMA_X2;
    uint256 private immutable GAMMA_Y1;
    uint256 private immutable GAMMA_Y2;
    uint256 private immutable DELTA_X1;
    uint256 private immutable DELTA_X2;
    uint256 private immutable DELTA_Y1;
    uint256 private immutable DELTA_Y2;
    uint256 private immutable IC0_X;
    uint256 private immutable IC0_Y;
    uint256 private immutable IC1_X;
    uint256 private immutable IC1_Y;
    uint256 private immutable IC2_X;
    uint256 private immutable IC2_Y;
    uint256 private immutable IC3_X;
    uint256 private immutable IC3_Y;
    uint256 private immutable IC4_X;
    uint256 private immutable IC4_Y;

    /// @dev The sums the whole batch shares, accumulated proof by proof.
    struct Accumulator {
        uint256 sumR; // Σ r_i mod r: weight of α·β and of IC0
        uint256[4] sumRX; // Σ_i r_i·x_ij mod r: weight of IC_(j+1)
        uint256 sumRCx; // Σ r_i·C_i, x
        uint256 sumRCy; // Σ r_i·C_i, y
    }

    /// @notice Stores the verification key after checking that every point is on its curve
    /// (a typo in a coordinate would otherwise only show as every batch failing).
    /// @param vk The key, as batchVerifierConstructorArgs (lib/batchVerifierContract.ts) reads
    /// it from circuits/build/verification_key.json.
    constructor(VerificationKey memory vk) {
        if (!_isKeyWellFormed(vk)) revert InvalidVerificationKey();
        ALPHA_X = vk.alpha1[0];
        ALPHA_Y = vk.alpha1[1];
        BETA_X1 = vk.beta2[0];
        BETA_X2 = vk.beta2[1];
        BETA_Y1 = vk.beta2[2];
        BETA_Y2 = vk.beta2[3];
        GAMMA_X1 = vk.gamma2[0];
        GAMMA_X2 = vk.gamma2[1];
        GAMMA_Y1 = vk.gamma2[2];
        GAMMA_Y2 = vk.gamma2[3];
        DELTA_X1 = vk.delta2[0];
        DELTA_X2 = vk.delta2[1];
        DELTA_Y1 = vk.delta2[2];
        DELTA_Y2 = vk.delta2[3];
        IC0_X = vk.ic[0][0];
        IC0_Y = vk.ic[0][1];
        IC1_X = vk.ic[1][0];
        IC1_Y = vk.ic[1][1];
        IC2_X = vk.ic[2][0];
        IC2_Y = vk.ic[2][1];
        IC3_X = vk.ic[3][0];
        IC3_Y = vk.ic[3][1];
        IC4_X = vk.ic[4][0];
        IC4_Y = vk.ic[4][1];
    }

    /// @notice The verification key this contract checks against, in the constructor's layout.
    /// @return vk alpha1, beta2, gamma2, delta2 and IC0..IC4, G2 points in precompile order.
    function verificationKey() external view returns (VerificationKey memory vk) {
        vk.alpha1 = [ALPHA_X, ALPHA_Y];
        vk.beta2 = [BETA_X1, BETA_X2, BETA_Y1, BETA_Y2];
        vk.gamma2 = [GAMMA_X1, GAMMA_X2, GAMMA_Y1, GAMMA_Y2];
        vk.delta2 = [DELTA_X1, DELTA_X2, DELTA_Y1, DELTA_Y2];
        vk.ic = [[IC0_X, IC0_Y], [IC1_X, IC1_Y], [IC2_X, IC2_Y], [IC3_X, IC3_Y], [IC4_X, IC4_Y]];
    }

    /// @notice Checks every proof of a batch at once.
    /// @dev True means every proof is valid (up to the ~2^-252 Fiat–Shamir error); false means
    /// at least one is not, without saying which: check them one by one to find out.
    /// @param publicSignals publicSignals[i] = [voterRollRoot, nullifier, electionScope, ballot] of proof i.
    /// @param proofs proofs[i] in VoteVerifier.verifyProof's layout:
    /// [A.x, A.y, B.x1, B.x0, B.y1, B.y0, C.x, C.y] (B in precompile order [x1, x0, y1, y0], as
    /// lib/proving/prover.ts writes it).
    /// @return valid True when every proof is valid; false for an empty batch or any invalid entry.
    function verifyBatch(
        uint256[4][] calldata publicSignals,
        uint256[8][] calldata proofs
    ) external view returns (bool valid) {
        uint256 n = proofs.length;
        if (publicSignals.length != n) revert LengthMismatch(publicSignals.length, n);
        if (n == 0) return false;

        // The seed commits to the whole batch before any coefficient exists.
        uint256 seed = _transcriptSeed(publicSignals, proofs);

        Accumulator memory acc;
        // Entries 0..n-1: (-r_i·A_i, B_i); then (Σr·α, β), (Σr·L, γ), (Σr·C, δ).
        bytes memory pairingInput = new bytes((n + 3) * Bn254.PAIR_BYTES);
        for (uint256 i = 0; i < n; ++i) {
            if (!_isWellFormed(publicSignals[i], proofs[i])) return false;
            if (!_accumulateProof(acc, pairingInput, i, Bn254.batchCoefficient(seed, i), publicSignals[i], proofs[i])) {
                return false;
            }
        }
        if (!_storeKeyTerms(acc, pairingInput, n)) return false;
        return Bn254.pairingProductIsOne(pairingInput);
    }

    // ---------------------------------------------------------------- batch steps

    /// @dev seed = keccak256(publicSignals[0..n) ‖ proofs[0..n)), each entry as its 32-byte words.
    /// Both arrays have n entries, so the length of the hashed data fixes n too.
    function _transcriptSeed(
        uint256[4][] calldata publicSignals,
        uint256[8][] calldata proofs
    ) private pure returns (uint256 seed) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Scratch memory past the free pointer; nothing allocated here outlives the hash.
            let start := mload(0x40)
            let signalBytes := mul(publicSignals.length, 0x80)
            calldatacopy(start, publicSignals.offset, signalBytes)
            let proofBytes := mul(proofs.length, 0x100)
            calldatacopy(add(start, signalBytes), proofs.offset, proofBytes)
            seed := keccak256(start, add(signalBytes, proofBytes))
        }
    }

    /// @dev Public signals < r (a signal + r would alias it, since the sums are taken mod r),
    /// coordinates < q, A and C on the curve, B on the twist (identity encodings allowed, as
    /// the precompiles allow them: they only make the equation fail).
    function _isWellFormed(uint256[4] calldata signals, uint256[8] calldata proof) private pure returns (bool) {
        for (uint256 j = 0; j < PUBLIC_SIGNALS; ++j) {
            if (signals[j] >= SCALAR_FIELD) return false;
        }
        return Bn254.isProofWellFormed(proof);
    }

    /// @dev Proof i's share of the check: the pair (-r_i·A_i, B_i), r_i·C_i into Σ r_i·C_i, and
    /// r_i, r_i·x_ij into the scalar sums. Negating A before multiplying gives -r_i·A_i directly.
    function _accumulateProof(
        Accumulator memory acc,
        bytes memory pairingInput,
        uint256 i,
        uint256 ri,
        uint256[4] calldata signals,
        uint256[8] calldata proof
    ) private view returns (bool) {
        (bool ok, uint256 x, uint256 y) = Bn254.ecMul(proof[0], Bn254.negateY(proof[1]), ri);
        if (!ok) return false;
        Bn254.storeG1(pairingInput, i, x, y);
        Bn254.storeProofB(pairingInput, i, proof);

        (ok, x, y) = Bn254.ecMul(proof[6], proof[7], ri);
        if (!ok) return false;
        (ok, acc.sumRCx, acc.sumRCy) = Bn254.ecAdd(acc.sumRCx, acc.sumRCy, x, y);
        if (!ok) return false;

        acc.sumR = addmod(acc.sumR, ri, SCALAR_FIELD);
        for (uint256 j = 0; j < PUBLIC_SIGNALS; ++j) {
            acc.sumRX[j] = addmod(acc.sumRX[j], mulmod(ri, signals[j], SCALAR_FIELD), SCALAR_FIELD);
        }
        return true;
    }

    /// @dev The three key pairs after the n proof pairs: (Σr·α, β), (Σr·L, γ), (Σr·C, δ).
    function _storeKeyTerms(Accumulator memory acc, bytes memory pairingInput, uint256 n) private view returns (bool) {
        (bool ok, uint256 x, uint256 y) = Bn254.ecMul(ALPHA_X, ALPHA_Y, acc.sumR);
        if (!ok) return false;
        Bn254.storeG1(pairingInput, n, x, y);
        Bn254.storeG2(pairingInput, n, BETA_X1, BETA_X2, BETA_Y1, BETA_Y2);

        (ok, x, y) = _sumOfWeightedInputs(acc);
        if (!ok) return false;
        Bn254.storeG1(pairingInput, n + 1, x, y);
        Bn254.storeG2(pairingInput, n + 1, GAMMA_X1, GAMMA_X2, GAMMA_Y1, GAMMA_Y2);

        Bn254.storeG1(pairingInput, n + 2, acc.sumRCx, acc.sumRCy);
        Bn254.storeG2(pairingInput, n + 2, DELTA_X1, DELTA_X2, DELTA_Y1, DELTA_Y2);
        return true;
    }

    /// @dev Σ_i r_i·L_i = (Σr)·IC0 + Σ_j (Σ_i r_i·x_ij)·IC_j: five ecMul for the whole batch.
    function _sumOfWeightedInputs(Accumulator memory acc) private view returns (bool ok, uint256 x, uint256 y) {
        (ok, x, y) = Bn254.ecMul(IC0_X, IC0_Y, acc.sumR);
        if (ok) (ok, x, y) = Bn254.mulAdd(x, y, IC1_X, IC1_Y, acc.sumRX[0]);
        if (ok) (ok, x, y) = Bn254.mulAdd(x, y, IC2_X, IC2_Y, acc.sumRX[1]);
        if (ok) (ok, x, y) = Bn254.mulAdd(x, y, IC3_X, IC3_Y, acc.sumRX[2]);
        if (ok) (ok, x, y) = Bn254.mulAdd(x, y, IC4_X, IC4_Y, acc.sumRX[3]);
    }

    // ---------------------------------------------------------------- key check

    function _isKeyWellFormed(VerificationKey memory vk) private pure returns (bool) {
        if (!Bn254.isG1Canonical(vk.alpha1)) return false;
        if (!Bn254.isG2Canonical(vk.beta2) || !Bn254.isG2Canonical(vk.gamma2) || !Bn254.isG2Canonical(vk.delta2)) return false;
        for (uint256 j = 0; j <= PUBLIC_SIGNALS; ++j) {
            if (!Bn254.isG1Canonical(vk.ic[j])) return false;
        }
        return true;
    }
}
