// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IVoteBatchVerifier} from "../interfaces/IVoteBatchVerifier.sol";

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
    uint256 public constant SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @notice Order of the BN254 base field: every point coordinate lives below it.
    uint256 public constant BASE_FIELD =
        21888242871839275222246405745257275088696311157297823662689037894645226208583;

    /// @notice Public signals per proof: voterRollRoot, nullifier, electionScope, ballot.
    uint256 public constant PUBLIC_SIGNALS = 4;

    /// @dev b' = 3 / (9 + u) of the twist y^2 = x^3 + b' over Fq2 = Fq[u]/(u^2 + 1), on which B lies.
    uint256 private constant TWIST_B_REAL =
        19485874751759354771024239261021720505790618469301721065564631296452457478373;
    uint256 private constant TWIST_B_IMAGINARY =
        266929791119991161246907387137283842545076965332900288569378510910307636690;

    /// @dev One pairing-precompile entry: a G1 point (64 bytes) then a G2 point (128 bytes).
    uint256 private constant PAIR_BYTES = 192;

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
        bytes memory pairingInput = new bytes((n + 3) * PAIR_BYTES);
        for (uint256 i = 0; i < n; ++i) {
            if (!_isWellFormed(publicSignals[i], proofs[i])) return false;
            if (!_accumulateProof(acc, pairingInput, i, _coefficient(seed, i), publicSignals[i], proofs[i])) {
                return false;
            }
        }
        if (!_storeKeyTerms(acc, pairingInput, n)) return false;
        return _pairingProductIsOne(pairingInput);
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

    /// @dev r_i = keccak256(seed, i) mod r, with 0 replaced by 1 so that proof i always counts
    /// (0 occurs with probability ~2^-254; the replacement changes the bound negligibly).
    function _coefficient(uint256 seed, uint256 i) private pure returns (uint256 ri) {
        ri = uint256(keccak256(abi.encode(seed, i))) % SCALAR_FIELD;
        if (ri == 0) ri = 1;
    }

    /// @dev Public signals < r (a signal + r would alias it, since the sums are taken mod r),
    /// coordinates < q, A and C on the curve, B on the twist (identity encodings allowed, as
    /// the precompiles allow them: they only make the equation fail).
    function _isWellFormed(uint256[4] calldata signals, uint256[8] calldata proof) private pure returns (bool) {
        for (uint256 j = 0; j < PUBLIC_SIGNALS; ++j) {
            if (signals[j] >= SCALAR_FIELD) return false;
        }
        for (uint256 k = 0; k < 8; ++k) {
            if (proof[k] >= BASE_FIELD) return false;
        }
        return
            _isOnCurveG1(proof[0], proof[1]) &&
            _isOnTwist(proof[2], proof[3], proof[4], proof[5]) &&
            _isOnCurveG1(proof[6], proof[7]);
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
        (bool ok, uint256 x, uint256 y) = _ecMul(proof[0], _negateY(proof[1]), ri);
        if (!ok) return false;
        _storeG1(pairingInput, i, x, y);
        _storeProofB(pairingInput, i, proof);

        (ok, x, y) = _ecMul(proof[6], proof[7], ri);
        if (!ok) return false;
        (ok, acc.sumRCx, acc.sumRCy) = _ecAdd(acc.sumRCx, acc.sumRCy, x, y);
        if (!ok) return false;

        acc.sumR = addmod(acc.sumR, ri, SCALAR_FIELD);
        for (uint256 j = 0; j < PUBLIC_SIGNALS; ++j) {
            acc.sumRX[j] = addmod(acc.sumRX[j], mulmod(ri, signals[j], SCALAR_FIELD), SCALAR_FIELD);
        }
        return true;
    }

    /// @dev The three key pairs after the n proof pairs: (Σr·α, β), (Σr·L, γ), (Σr·C, δ).
    function _storeKeyTerms(Accumulator memory acc, bytes memory pairingInput, uint256 n) private view returns (bool) {
        (bool ok, uint256 x, uint256 y) = _ecMul(ALPHA_X, ALPHA_Y, acc.sumR);
        if (!ok) return false;
        _storeG1(pairingInput, n, x, y);
        _storeG2(pairingInput, n, BETA_X1, BETA_X2, BETA_Y1, BETA_Y2);

        (ok, x, y) = _sumOfWeightedInputs(acc);
        if (!ok) return false;
        _storeG1(pairingInput, n + 1, x, y);
        _storeG2(pairingInput, n + 1, GAMMA_X1, GAMMA_X2, GAMMA_Y1, GAMMA_Y2);

        _storeG1(pairingInput, n + 2, acc.sumRCx, acc.sumRCy);
        _storeG2(pairingInput, n + 2, DELTA_X1, DELTA_X2, DELTA_Y1, DELTA_Y2);
        return true;
    }

    /// @dev Σ_i r_i·L_i = (Σr)·IC0 + Σ_j (Σ_i r_i·x_ij)·IC_j: five ecMul for the whole batch.
    function _sumOfWeightedInputs(Accumulator memory acc) private view returns (bool ok, uint256 x, uint256 y) {
        (ok, x, y) = _ecMul(IC0_X, IC0_Y, acc.sumR);
        if (ok) (ok, x, y) = _mulAdd(x, y, IC1_X, IC1_Y, acc.sumRX[0]);
        if (ok) (ok, x, y) = _mulAdd(x, y, IC2_X, IC2_Y, acc.sumRX[1]);
        if (ok) (ok, x, y) = _mulAdd(x, y, IC3_X, IC3_Y, acc.sumRX[2]);
        if (ok) (ok, x, y) = _mulAdd(x, y, IC4_X, IC4_Y, acc.sumRX[3]);
    }

    // ---------------------------------------------------------------- curve arithmetic

    /// @dev -(x, y) = (x, q - y); the identity (y = 0 only there, as G1 has odd order) is its own negation.
    function _negateY(uint256 y) private pure returns (uint256) {
        return y == 0 ? 0 : BASE_FIELD - y;
    }

    /// @dev y^2 = x^3 + 3 over Fq, or the identity (0, 0). Coordinates must already be < q.
    function _isOnCurveG1(uint256 x, uint256 y) private pure returns (bool) {
        if (x == 0 && y == 0) return true;
        return mulmod(y, y, BASE_FIELD) == addmod(mulmod(mulmod(x, x, BASE_FIELD), x, BASE_FIELD), 3, BASE_FIELD);
    }

    /// @dev y^2 = x^3 + b' over Fq2, or the identity (all zero). Arguments in precompile order
    /// [x1, x0, y1, y0] (imaginary part first); coordinates must already be < q. Subgroup membership is left to
    /// the pairing precompile.
    function _isOnTwist(uint256 xIm, uint256 xRe, uint256 yIm, uint256 yRe) private pure returns (bool) {
        if (xIm == 0 && xRe == 0 && yIm == 0 && yRe == 0) return true;
        (uint256 ySquareRe, uint256 ySquareIm) = _fq2Mul(yRe, yIm, yRe, yIm);
        (uint256 xSquareRe, uint256 xSquareIm) = _fq2Mul(xRe, xIm, xRe, xIm);
        (uint256 xCubeRe, uint256 xCubeIm) = _fq2Mul(xSquareRe, xSquareIm, xRe, xIm);
        return
            ySquareRe == addmod(xCubeRe, TWIST_B_REAL, BASE_FIELD) &&
            ySquareIm == addmod(xCubeIm, TWIST_B_IMAGINARY, BASE_FIELD);
    }

    /// @dev (a + b·u)(c + d·u) = (ac - bd) + (ad + bc)·u, since u^2 = -1.
    function _fq2Mul(uint256 a, uint256 b, uint256 c, uint256 d) private pure returns (uint256 re, uint256 im) {
        re = addmod(mulmod(a, c, BASE_FIELD), BASE_FIELD - mulmod(b, d, BASE_FIELD), BASE_FIELD);
        im = addmod(mulmod(a, d, BASE_FIELD), mulmod(b, c, BASE_FIELD), BASE_FIELD);
    }

    /// @dev (x, y) + s·(px, py).
    function _mulAdd(
        uint256 x,
        uint256 y,
        uint256 px,
        uint256 py,
        uint256 s
    ) private view returns (bool ok, uint256 rx, uint256 ry) {
        (ok, rx, ry) = _ecMul(px, py, s);
        if (ok) (ok, rx, ry) = _ecAdd(x, y, rx, ry);
    }

    // The precompile wrappers below report failure instead of reverting. They also require the
    // exact output size: on a chain without the precompile the call "succeeds" with no output,
    // and the input left in memory must not be mistaken for a result.

    /// @dev s·(x, y) with precompile 0x07.
    function _ecMul(uint256 x, uint256 y, uint256 s) private view returns (bool ok, uint256 rx, uint256 ry) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, x)
            mstore(add(p, 0x20), y)
            mstore(add(p, 0x40), s)
            // Two statements: Yul evaluates arguments right to left, so returndatasize() inside
            // the same and(...) would be read before the call.
            ok := staticcall(gas(), 0x07, p, 0x60, p, 0x40)
            ok := and(ok, eq(returndatasize(), 0x40))
            rx := mload(p)
            ry := mload(add(p, 0x20))
        }
    }

    /// @dev (x1, y1) + (x2, y2) with precompile 0x06.
    function _ecAdd(uint256 x1, uint256 y1, uint256 x2, uint256 y2) private view returns (bool ok, uint256 rx, uint256 ry) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let p := mload(0x40)
            mstore(p, x1)
            mstore(add(p, 0x20), y1)
            mstore(add(p, 0x40), x2)
            mstore(add(p, 0x60), y2)
            ok := staticcall(gas(), 0x06, p, 0x80, p, 0x40)
            ok := and(ok, eq(returndatasize(), 0x40))
            rx := mload(p)
            ry := mload(add(p, 0x20))
        }
    }

    /// @dev Precompile 0x08: true only for a successful call that returns exactly 1.
    function _pairingProductIsOne(bytes memory pairingInput) private view returns (bool isOne) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let ok := staticcall(gas(), 0x08, add(pairingInput, 0x20), mload(pairingInput), 0x00, 0x20)
            ok := and(ok, eq(returndatasize(), 0x20))
            isOne := and(ok, eq(mload(0x00), 1))
        }
    }

    // ---------------------------------------------------------------- pairing input layout

    /// @dev Writes the G1 half of pair `index`.
    function _storeG1(bytes memory pairingInput, uint256 index, uint256 x, uint256 y) private pure {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let p := add(add(pairingInput, 0x20), mul(index, PAIR_BYTES))
            mstore(p, x)
            mstore(add(p, 0x20), y)
        }
    }

    /// @dev Writes the G2 half of pair `index`, in precompile order [x1, x0, y1, y0].
    function _storeG2(bytes memory pairingInput, uint256 index, uint256 x1, uint256 x0, uint256 y1, uint256 y0) private pure {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let p := add(add(pairingInput, 0x60), mul(index, PAIR_BYTES))
            mstore(p, x1)
            mstore(add(p, 0x20), x0)
            mstore(add(p, 0x40), y1)
            mstore(add(p, 0x60), y0)
        }
    }

    /// @dev Copies proof[2..5] (B, already in precompile order) into the G2 half of pair `index`.
    function _storeProofB(bytes memory pairingInput, uint256 index, uint256[8] calldata proof) private pure {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            calldatacopy(add(add(pairingInput, 0x60), mul(index, PAIR_BYTES)), add(proof, 0x40), 0x80)
        }
    }

    // ---------------------------------------------------------------- key check

    function _isKeyWellFormed(VerificationKey memory vk) private pure returns (bool) {
        if (!_isG1Canonical(vk.alpha1)) return false;
        if (!_isG2Canonical(vk.beta2) || !_isG2Canonical(vk.gamma2) || !_isG2Canonical(vk.delta2)) return false;
        for (uint256 j = 0; j <= PUBLIC_SIGNALS; ++j) {
            if (!_isG1Canonical(vk.ic[j])) return false;
        }
        return true;
    }

    function _isG1Canonical(uint256[2] memory p) private pure returns (bool) {
        return p[0] < BASE_FIELD && p[1] < BASE_FIELD && _isOnCurveG1(p[0], p[1]);
    }

    function _isG2Canonical(uint256[4] memory p) private pure returns (bool) {
        return
            p[0] < BASE_FIELD &&
            p[1] < BASE_FIELD &&
            p[2] < BASE_FIELD &&
            p[3] < BASE_FIELD &&
            _isOnTwist(p[0], p[1], p[2], p[3]);
    }
}
