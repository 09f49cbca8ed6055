// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IGroth16BatchVerifier} from "../interfaces/IGroth16BatchVerifier.sol";
import {Bn254} from "./Bn254.sol";

/// @title Groth16BatchVerifier
/// @notice Verifies many Groth16 proofs of one circuit, with any number of public signals, in one
/// call: n + 3 pairings instead of 4n. SealedZkBallot.castVotes uses it for the sealed vote
/// circuit (40 public signals); VoteBatchVerifier is the same argument specialised to the vote
/// circuit's four signals with the key in immutables.
/// @dev Proof i (A, B, C) with public signals x_i1..x_im is valid when
///     e(-A, B) · e(α, β) · e(L, γ) · e(C, δ) == 1,   L = IC0 + Σ_j x_j·IC_j.
/// Raising each equation to a coefficient r_i and multiplying them gives one check:
///     Π_i e(-r_i·A_i, B_i) · e((Σ_i r_i)·α, β) · e(Σ_i r_i·L_i, γ) · e(Σ_i r_i·C_i, δ) == 1,
/// where Σ_i r_i·L_i = (Σ_i r_i)·IC0 + Σ_j (Σ_i r_i·x_ij mod r)·IC_j costs m + 1 ecMul for the
/// whole batch. The r_i are Fiat–Shamir coefficients, r_i = keccak256(seed, i) mod r (0 replaced
/// by 1) with seed = keccak256 of every public signal and proof word of the batch, so a prover
/// fixes its proofs before it can learn them: a batch holding an invalid proof passes with
/// probability at most about 2^-252 (keccak as a random oracle).
///
/// Every failure returns false, never reverts (except LengthMismatch, a malformed call): a
/// public signal ≥ r (it would alias, as the sums are taken mod r), a coordinate ≥ q, a point
/// off its curve, a failing precompile, an empty batch. A B outside the order-r subgroup of the
/// twist reaches the pairing precompile, which rejects it and consumes the gas forwarded to it:
/// call this with a gas cap.
///
/// The key is given to the constructor, checked point by point, and kept as the code of a data
/// contract it creates (KEY_DATA; the IC array's length is the circuit's): one cold EXTCODECOPY a
/// batch instead of a cold SLOAD per word (measured about 200k gas a batch for the sealed vote key's
/// 96 words). One audited contract serves any circuit's key, and verificationKey() returns it for
/// comparison with the published verification_key.json.
contract Groth16BatchVerifier is IGroth16BatchVerifier {
    /// @notice A Groth16 verification key in the precompiles' coordinate order.
    /// @param alpha1 α ∈ G1: [x, y].
    /// @param beta2 β ∈ G2 in precompile order [x1, x0, y1, y0] = [x.imaginary, x.real, y.imaginary, y.real].
    /// @param gamma2 γ ∈ G2, same order as beta2.
    /// @param delta2 δ ∈ G2, same order as beta2.
    /// @param ic IC0..ICm ∈ G1: IC0 is the constant term, IC_j belongs to public signal j.
    struct VerificationKey {
        uint256[2] alpha1;
        uint256[4] beta2;
        uint256[4] gamma2;
        uint256[4] delta2;
        uint256[2][] ic;
    }

    /// @notice publicSignals does not hold PUBLIC_SIGNALS entries for each proof.
    /// @param publicSignalsLength Entries in publicSignals.
    /// @param proofsLength Entries in proofs.
    error LengthMismatch(uint256 publicSignalsLength, uint256 proofsLength);

    /// @notice A verification-key coordinate is not below q, a point is not on its curve, or
    /// the key has fewer than two IC points.
    error InvalidVerificationKey();

    /// @notice The contract that holds the key as its code could not be created.
    error KeyDataNotCreated();

    /// @notice Public signals per proof: the key's IC points less one.
    uint256 public immutable PUBLIC_SIGNALS;

    /// @notice The data contract whose code, after a leading STOP byte (so it cannot run), is the
    /// key's words: α (2), β (4), γ (4), δ (4), then IC0..ICm (2 each).
    address public immutable KEY_DATA;

    /// @dev Words of the key before the IC points.
    uint256 private constant KEY_HEAD_WORDS = 14;

    /// @dev The sums the whole batch shares, accumulated proof by proof.
    struct Accumulator {
        uint256 sumR; // Σ r_i mod r: weight of α·β and of IC0
        uint256[] sumRX; // Σ_i r_i·x_ij mod r: weight of IC_(j+1)
        uint256 sumRCx; // Σ r_i·C_i, x
        uint256 sumRCy; // Σ r_i·C_i, y
        bytes pairingInput; // entries 0..n-1: (-r_i·A_i, B_i); then (Σr·α, β), (Σr·L, γ), (Σr·C, δ)
    }

    /// @notice Stores the verification key after checking every point on its curve (a typo in a
    /// coordinate would otherwise only show as every batch failing).
    /// @param vk The key, as groth16BatchVerifierConstructorArgs (lib/proving/batchVerifierContract.ts)
    /// reads it from snarkjs's verification_key.json.
    constructor(VerificationKey memory vk) {
        if (vk.ic.length < 2 || !_isKeyWellFormed(vk)) revert InvalidVerificationKey();
        PUBLIC_SIGNALS = vk.ic.length - 1;
        uint256[] memory words = new uint256[](KEY_HEAD_WORDS + 2 * vk.ic.length);
        for (uint256 k = 0; k < 2; ++k) words[k] = vk.alpha1[k];
        for (uint256 k = 0; k < 4; ++k) (words[2 + k], words[6 + k], words[10 + k]) = (vk.beta2[k], vk.gamma2[k], vk.delta2[k]);
        for (uint256 j = 0; j < vk.ic.length; ++j) (words[KEY_HEAD_WORDS + 2 * j], words[KEY_HEAD_WORDS + 2 * j + 1]) = (vk.ic[j][0], vk.ic[j][1]);
        // Init code that returns the rest of itself as the new contract's code: PUSH2 size, DUP1,
        // PUSH1 10 (where the code starts), RETURNDATASIZE (0), CODECOPY, RETURNDATASIZE, RETURN.
        bytes memory code = abi.encodePacked(bytes1(0x00), words);
        bytes memory initCode = abi.encodePacked(hex"61", uint16(code.length), hex"80600a3d393df3", code);
        address data;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            data := create(0, add(initCode, 0x20), mload(initCode))
        }
        if (data == address(0)) revert KeyDataNotCreated();
        KEY_DATA = data;
    }

    /// @notice The verification key this contract checks against, in the constructor's layout.
    /// @return vk alpha1, beta2, gamma2, delta2 and IC0..ICm, G2 points in precompile order.
    function verificationKey() external view returns (VerificationKey memory vk) {
        vk = _loadKey();
    }

    /// @inheritdoc IGroth16BatchVerifier
    function verifyBatch(uint256[] calldata publicSignals, uint256[8][] calldata proofs) external view returns (bool valid) {
        uint256 n = proofs.length;
        uint256 m = PUBLIC_SIGNALS;
        if (publicSignals.length != n * m) revert LengthMismatch(publicSignals.length, n);
        if (n == 0 || !_areSignalsInField(publicSignals)) return false;

        // The seed commits to the whole batch before any coefficient exists.
        uint256 seed = _transcriptSeed(publicSignals, proofs);
        Accumulator memory acc;
        acc.sumRX = new uint256[](m);
        acc.pairingInput = new bytes((n + 3) * Bn254.PAIR_BYTES);
        for (uint256 i = 0; i < n; ++i) {
            if (!Bn254.isProofWellFormed(proofs[i])) return false;
            if (!_accumulateProof(acc, i, Bn254.batchCoefficient(seed, i), publicSignals[i * m:(i + 1) * m], proofs[i])) return false;
        }
        if (!_storeKeyTerms(_loadKey(), acc, n)) return false;
        return Bn254.pairingProductIsOne(acc.pairingInput);
    }

    // ---------------------------------------------------------------- batch steps

    /// @dev Every signal < r: a signal + r would alias it, since the sums are taken mod r.
    function _areSignalsInField(uint256[] calldata publicSignals) private pure returns (bool inField) {
        uint256 r = Bn254.SCALAR_FIELD;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            inField := 1
            let end := add(publicSignals.offset, mul(publicSignals.length, 0x20))
            for { let at := publicSignals.offset } lt(at, end) { at := add(at, 0x20) } {
                if iszero(lt(calldataload(at), r)) {
                    inField := 0
                    break
                }
            }
        }
    }

    /// @dev The key, read from KEY_DATA's code.
    function _loadKey() private view returns (VerificationKey memory key) {
        uint256 icPoints = PUBLIC_SIGNALS + 1;
        uint256[] memory words = new uint256[](KEY_HEAD_WORDS + 2 * icPoints);
        address data = KEY_DATA;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            extcodecopy(data, add(words, 0x20), 1, mul(mload(words), 0x20))
        }
        key.alpha1 = [words[0], words[1]];
        key.beta2 = [words[2], words[3], words[4], words[5]];
        key.gamma2 = [words[6], words[7], words[8], words[9]];
        key.delta2 = [words[10], words[11], words[12], words[13]];
        key.ic = new uint256[2][](icPoints);
        for (uint256 j = 0; j < icPoints; ++j) key.ic[j] = [words[KEY_HEAD_WORDS + 2 * j], words[KEY_HEAD_WORDS + 2 * j + 1]];
    }

    /// @dev seed = keccak256(publicSignals ‖ proofs), each as its 32-byte words. The signals hold
    /// m words a proof, so the hashed length fixes n as well.
    function _transcriptSeed(uint256[] calldata publicSignals, uint256[8][] calldata proofs) private pure returns (uint256 seed) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Scratch memory past the free pointer; nothing allocated here outlives the hash.
            let start := mload(0x40)
            let signalBytes := mul(publicSignals.length, 0x20)
            calldatacopy(start, publicSignals.offset, signalBytes)
            let proofBytes := mul(proofs.length, 0x100)
            calldatacopy(add(start, signalBytes), proofs.offset, proofBytes)
            seed := keccak256(start, add(signalBytes, proofBytes))
        }
    }

    /// @dev Proof i's share: the pair (-r_i·A_i, B_i), r_i·C_i into Σ r_i·C_i, and r_i, r_i·x_ij
    /// into the scalar sums. Negating A before multiplying gives -r_i·A_i directly.
    function _accumulateProof(
        Accumulator memory acc,
        uint256 i,
        uint256 ri,
        uint256[] calldata signals,
        uint256[8] calldata proof
    ) private view returns (bool) {
        (bool ok, uint256 x, uint256 y) = Bn254.ecMul(proof[0], Bn254.negateY(proof[1]), ri);
        if (!ok) return false;
        Bn254.storeG1(acc.pairingInput, i, x, y);
        Bn254.storeProofB(acc.pairingInput, i, proof);

        (ok, x, y) = Bn254.ecMul(proof[6], proof[7], ri);
        if (!ok) return false;
        (ok, acc.sumRCx, acc.sumRCy) = Bn254.ecAdd(acc.sumRCx, acc.sumRCy, x, y);
        if (!ok) return false;

        acc.sumR = addmod(acc.sumR, ri, Bn254.SCALAR_FIELD);
        uint256[] memory sumRX = acc.sumRX;
        uint256 r = Bn254.SCALAR_FIELD;
        // sumRX[j] += r_i·x_ij mod r; sumRX has signals.length entries (verifyBatch allocates it so).
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let sum := add(sumRX, 0x20)
            let end := add(signals.offset, mul(signals.length, 0x20))
            for { let at := signals.offset } lt(at, end) { at := add(at, 0x20) } {
                mstore(sum, addmod(mload(sum), mulmod(ri, calldataload(at), r), r))
                sum := add(sum, 0x20)
            }
        }
        return true;
    }

    /// @dev The three key pairs after the n proof pairs: (Σr·α, β), (Σr·L, γ), (Σr·C, δ).
    function _storeKeyTerms(VerificationKey memory key, Accumulator memory acc, uint256 n) private view returns (bool) {
        bytes memory pairingInput = acc.pairingInput;
        (bool ok, uint256 x, uint256 y) = Bn254.ecMul(key.alpha1[0], key.alpha1[1], acc.sumR);
        if (!ok) return false;
        Bn254.storeG1(pairingInput, n, x, y);
        Bn254.storeG2(pairingInput, n, key.beta2[0], key.beta2[1], key.beta2[2], key.beta2[3]);

        // Σ_i r_i·L_i = (Σr)·IC0 + Σ_j (Σ_i r_i·x_ij)·IC_j: m + 1 ecMul for the whole batch.
        (ok, x, y) = Bn254.ecMul(key.ic[0][0], key.ic[0][1], acc.sumR);
        for (uint256 j = 1; ok && j < key.ic.length; ++j) {
            (ok, x, y) = Bn254.mulAdd(x, y, key.ic[j][0], key.ic[j][1], acc.sumRX[j - 1]);
        }
        if (!ok) return false;
        Bn254.storeG1(pairingInput, n + 1, x, y);
        Bn254.storeG2(pairingInput, n + 1, key.gamma2[0], key.gamma2[1], key.gamma2[2], key.gamma2[3]);

        Bn254.storeG1(pairingInput, n + 2, acc.sumRCx, acc.sumRCy);
        Bn254.storeG2(pairingInput, n + 2, key.delta2[0], key.delta2[1], key.delta2[2], key.delta2[3]);
        return true;
    }

    // ---------------------------------------------------------------- key check

    function _isKeyWellFormed(VerificationKey memory vk) private pure returns (bool) {
        if (!Bn254.isG1Canonical(vk.alpha1)) return false;
        if (!Bn254.isG2Canonical(vk.beta2) || !Bn254.isG2Canonical(vk.gamma2) || !Bn254.isG2Canonical(vk.delta2)) return false;
        for (uint256 j = 0; j < vk.ic.length; ++j) {
            if (!Bn254.isG1Canonical(vk.ic[j])) return false;
        }
        return true;
    }
}
