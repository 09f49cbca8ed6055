// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {BabyJubjub} from "../sealed/BabyJubjub.sol";

/**
 * @title BabyJubjubHarness
 * @notice Test and benchmark entry points for the BabyJubjub library: results are checked
 * against lib/sealed, and each returns the gas its arithmetic used (measured with gasleft
 * around the library call only, so call and calldata overhead are excluded).
 * @dev Not deployed with zkballot; test/ is left out of coverage.
 */
contract BabyJubjubHarness {
    using BabyJubjub for BabyJubjub.Extended;

    /**
     * @notice scalar·(x, y) in affine coordinates.
     * @param x Affine x of the base.
     * @param y Affine y of the base.
     * @param scalar The multiplier.
     * @return rx Affine x of the product.
     * @return ry Affine y of the product.
     * @return gasUsed Gas of the multiplication and the conversion to affine.
     */
    function mul(uint256 x, uint256 y, uint256 scalar) external view returns (uint256 rx, uint256 ry, uint256 gasUsed) {
        uint256 start = gasleft();
        (rx, ry) = BabyJubjub.mul(BabyJubjub.fromAffine(x, y), scalar).toAffine();
        gasUsed = start - gasleft();
    }

    /**
     * @notice The sum of affine points, accumulated in extended coordinates, one inversion at the end.
     * @param xs Affine x of each point.
     * @param ys Affine y of each point.
     * @return rx Affine x of the sum.
     * @return ry Affine y of the sum.
     * @return gasUsed Gas of the additions and the conversion to affine.
     */
    function sum(uint256[] calldata xs, uint256[] calldata ys) external view returns (uint256 rx, uint256 ry, uint256 gasUsed) {
        uint256 start = gasleft();
        BabyJubjub.Extended memory acc = BabyJubjub.identity();
        for (uint256 i = 0; i < xs.length; ++i) acc.addAffineAssign(xs[i], ys[i]);
        (rx, ry) = acc.toAffine();
        gasUsed = start - gasleft();
    }

    /**
     * @notice Whether (x, y) is on the curve.
     * @param x Affine x.
     * @param y Affine y.
     * @return onCurve The library's answer.
     */
    function isOnCurve(uint256 x, uint256 y) external pure returns (bool onCurve) {
        onCurve = BabyJubjub.isOnCurve(x, y);
    }
}
