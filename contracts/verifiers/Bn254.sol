// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Bn254
/// @notice The alt_bn128 arithmetic the batch verifiers share: curve and twist membership, the
/// precompiles 0x06 (add), 0x07 (scalar multiplication) and 0x08 (pairing) as calls that report
/// failure instead of reverting, and the pairing-input layout.
/// @dev G2 points are in the precompile's order [x1, x0, y1, y0] (imaginary part first), as in
/// snarkjs's Solidity template and castVote's proof layout.
library Bn254 {
    /// @dev Order of the scalar field r: public signals and coefficients live below it.
    uint256 internal constant SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @dev Order of the base field q: every point coordinate lives below it.
    uint256 internal constant BASE_FIELD =
        21888242871839275222246405745257275088696311157297823662689037894645226208583;

    /// @dev b' = 3 / (9 + u) of the twist y^2 = x^3 + b' over Fq2 = Fq[u]/(u^2 + 1), on which B lies.
    uint256 private constant TWIST_B_REAL =
        19485874751759354771024239261021720505790618469301721065564631296452457478373;
    uint256 private constant TWIST_B_IMAGINARY =
        266929791119991161246907387137283842545076965332900288569378510910307636690;

    /// @dev One pairing-precompile entry: a G1 point (64 bytes) then a G2 point (128 bytes).
    uint256 internal constant PAIR_BYTES = 192;

    /// @dev -(x, y) = (x, q - y); the identity (y = 0 only there, as G1 has odd order) is its own negation.
    function negateY(uint256 y) internal pure returns (uint256) {
        return y == 0 ? 0 : BASE_FIELD - y;
    }

    /// @dev y^2 = x^3 + 3 over Fq, or the identity (0, 0). Coordinates must already be < q.
    function isOnCurveG1(uint256 x, uint256 y) internal pure returns (bool) {
        if (x == 0 && y == 0) return true;
        return mulmod(y, y, BASE_FIELD) == addmod(mulmod(mulmod(x, x, BASE_FIELD), x, BASE_FIELD), 3, BASE_FIELD);
    }

    /// @dev y^2 = x^3 + b' over Fq2, or the identity (all zero), in precompile order; coordinates
    /// must already be < q. Subgroup membership is left to the pairing precompile.
    function isOnTwist(uint256 xIm, uint256 xRe, uint256 yIm, uint256 yRe) internal pure returns (bool) {
        if (xIm == 0 && xRe == 0 && yIm == 0 && yRe == 0) return true;
        (uint256 ySquareRe, uint256 ySquareIm) = _fq2Mul(yRe, yIm, yRe, yIm);
        (uint256 xSquareRe, uint256 xSquareIm) = _fq2Mul(xRe, xIm, xRe, xIm);
        (uint256 xCubeRe, uint256 xCubeIm) = _fq2Mul(xSquareRe, xSquareIm, xRe, xIm);
        return
            ySquareRe == addmod(xCubeRe, TWIST_B_REAL, BASE_FIELD) &&
            ySquareIm == addmod(xCubeIm, TWIST_B_IMAGINARY, BASE_FIELD);
    }

    /// @dev Coordinates < q and A, C on the curve, B on the twist, for castVote's proof layout
    /// [A.x, A.y, B.x1, B.x0, B.y1, B.y0, C.x, C.y] (identity encodings allowed, as the
    /// precompiles allow them: they only make the equation fail).
    function isProofWellFormed(uint256[8] calldata proof) internal pure returns (bool) {
        for (uint256 k = 0; k < 8; ++k) {
            if (proof[k] >= BASE_FIELD) return false;
        }
        return isOnCurveG1(proof[0], proof[1]) && isOnTwist(proof[2], proof[3], proof[4], proof[5]) && isOnCurveG1(proof[6], proof[7]);
    }

    /// @dev A G1 point with canonical coordinates on the curve.
    function isG1Canonical(uint256[2] memory p) internal pure returns (bool) {
        return p[0] < BASE_FIELD && p[1] < BASE_FIELD && isOnCurveG1(p[0], p[1]);
    }

    /// @dev A G2 point (precompile order) with canonical coordinates on the twist.
    function isG2Canonical(uint256[4] memory p) internal pure returns (bool) {
        return p[0] < BASE_FIELD && p[1] < BASE_FIELD && p[2] < BASE_FIELD && p[3] < BASE_FIELD && isOnTwist(p[0], p[1], p[2], p[3]);
    }

    /// @dev Proof i's Fiat-Shamir coefficient in a batch check: r_i = keccak256(seed, i) mod r,
    /// with 0 replaced by 1 so that proof i always counts (0 occurs with probability ~2^-254;
    /// the replacement changes the soundness bound negligibly). The seed hashes the whole batch.
    function batchCoefficient(uint256 seed, uint256 i) internal pure returns (uint256 ri) {
        ri = uint256(keccak256(abi.encode(seed, i))) % SCALAR_FIELD;
        if (ri == 0) ri = 1;
    }

    /// @dev (a + b·u)(c + d·u) = (ac - bd) + (ad + bc)·u, since u^2 = -1.
    function _fq2Mul(uint256 a, uint256 b, uint256 c, uint256 d) private pure returns (uint256 re, uint256 im) {
        re = addmod(mulmod(a, c, BASE_FIELD), BASE_FIELD - mulmod(b, d, BASE_FIELD), BASE_FIELD);
        im = addmod(mulmod(a, d, BASE_FIELD), mulmod(b, c, BASE_FIELD), BASE_FIELD);
    }

    /// @dev (x, y) + s·(px, py).
    function mulAdd(uint256 x, uint256 y, uint256 px, uint256 py, uint256 s) internal view returns (bool ok, uint256 rx, uint256 ry) {
        (ok, rx, ry) = ecMul(px, py, s);
        if (ok) (ok, rx, ry) = ecAdd(x, y, rx, ry);
    }

    // The precompile wrappers below report failure instead of reverting. They also require the
    // exact output size: on a chain without the precompile the call "succeeds" with no output,
    // and the input left in memory must not be mistaken for a result.

    /// @dev s·(x, y) with precompile 0x07.
    function ecMul(uint256 x, uint256 y, uint256 s) internal view returns (bool ok, uint256 rx, uint256 ry) {
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
    function ecAdd(uint256 x1, uint256 y1, uint256 x2, uint256 y2) internal view returns (bool ok, uint256 rx, uint256 ry) {
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
    function pairingProductIsOne(bytes memory pairingInput) internal view returns (bool isOne) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let ok := staticcall(gas(), 0x08, add(pairingInput, 0x20), mload(pairingInput), 0x00, 0x20)
            ok := and(ok, eq(returndatasize(), 0x20))
            isOne := and(ok, eq(mload(0x00), 1))
        }
    }

    /// @dev Writes the G1 half of pair `index`.
    function storeG1(bytes memory pairingInput, uint256 index, uint256 x, uint256 y) internal pure {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let p := add(add(pairingInput, 0x20), mul(index, PAIR_BYTES))
            mstore(p, x)
            mstore(add(p, 0x20), y)
        }
    }

    /// @dev Writes the G2 half of pair `index`, in precompile order [x1, x0, y1, y0].
    function storeG2(bytes memory pairingInput, uint256 index, uint256 x1, uint256 x0, uint256 y1, uint256 y0) internal pure {
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
    function storeProofB(bytes memory pairingInput, uint256 index, uint256[8] calldata proof) internal pure {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            calldatacopy(add(add(pairingInput, 0x60), mul(index, PAIR_BYTES)), add(proof, 0x40), 0x80)
        }
    }
}
