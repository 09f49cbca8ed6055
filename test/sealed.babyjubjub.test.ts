/**
 * contracts/sealed/BabyJubjub.sol against lib/sealed: scalar multiplication, batch sums and the
 * curve check give the library's points. The gas figures these calls return are what
 * `npm run bench -- sealed-gas` records; this test only checks correctness.
 */
import { expect } from "chai";
import { ethers } from "hardhat";

import {
  BABYJUB_FIELD,
  GENERATOR,
  IDENTITY,
  SUBGROUP_ORDER,
  multiplyGenerator,
  multiplyPoint,
  pointsEqual,
  randomScalar,
  sumPoints,
  type Point,
} from "../lib/sealed";
import type { BabyJubjubHarness } from "../typechain-types";

describe("BabyJubjub.sol (sealed elections' curve arithmetic on-chain)", function () {
  let harness: BabyJubjubHarness;

  before(async () => {
    harness = await (await ethers.getContractFactory("BabyJubjubHarness")).deploy();
  });

  const mulOnChain = async (point: Point, scalar: bigint): Promise<Point> => {
    const [x, y] = await harness.mul(point.x, point.y, scalar);
    return { x, y };
  };

  it("scalar multiplication matches lib/sealed for random scalars and bases, and at 0, 1, l - 1 and l", async () => {
    const base = multiplyGenerator(randomScalar());
    for (const scalar of [randomScalar(), randomScalar(), 0n, 1n, 2n, SUBGROUP_ORDER - 1n]) {
      expect(pointsEqual(await mulOnChain(GENERATOR, scalar), multiplyGenerator(scalar))).to.equal(true, `G·${scalar}`);
      expect(pointsEqual(await mulOnChain(base, scalar), multiplyPoint(base, scalar))).to.equal(true, `P·${scalar}`);
    }
    expect(pointsEqual(await mulOnChain(base, SUBGROUP_ORDER), IDENTITY)).to.equal(true);
  });

  it("a batch sum in extended coordinates matches lib/sealed, including repeated points and the identity", async () => {
    const points = [GENERATOR, GENERATOR, IDENTITY, ...Array.from({ length: 13 }, () => multiplyGenerator(randomScalar()))];
    const [x, y] = await harness.sum(points.map((p) => p.x), points.map((p) => p.y));
    expect(pointsEqual({ x, y }, sumPoints(points))).to.equal(true);
    const [ex, ey] = await harness.sum([], []);
    expect(pointsEqual({ x: ex, y: ey }, IDENTITY)).to.equal(true);
  });

  it("isOnCurve accepts curve points and refuses off-curve and non-canonical (x + p) coordinates", async () => {
    const point = multiplyGenerator(randomScalar());
    expect(await harness.isOnCurve(point.x, point.y)).to.equal(true);
    expect(await harness.isOnCurve(0n, 1n)).to.equal(true);
    expect(await harness.isOnCurve(point.x, point.y + 1n)).to.equal(false);
    expect(await harness.isOnCurve(point.x + BABYJUB_FIELD, point.y)).to.equal(false);
  });
});
