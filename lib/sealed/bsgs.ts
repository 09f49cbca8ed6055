/**
 * Count recovery: given M = m·G with 0 <= m <= maxCount, find m by baby-step giant-step.
 * The table holds the x-coordinates of j·G for j < s = ceil(sqrt(maxCount + 1)); a subgroup
 * point is determined by its x (the other point with the same x, (x, −y), is outside the
 * subgroup), so a Map from x to j is exact. Recovery walks M − i·s·G for i = 0, 1, ... and
 * needs at most s + 1 point additions. Building the table costs s additions, once.
 */
import { GENERATOR, IDENTITY, addPoints, assertSubgroupPoint, multiplyGenerator, negatePoint, type Point } from "./babyjub";
import { SealedError } from "./errors";

/** The largest count a table is built for (the roll's capacity at depth 24 is 16.7M). */
export const MAX_RECOVERABLE_COUNT = 2 ** 32;

export class CountRecoveryTable {
  private readonly babySteps = new Map<bigint, number>();
  readonly stepSize: number;
  private readonly giantStep: Point;

  private constructor(readonly maxCount: number) {
    this.stepSize = Math.ceil(Math.sqrt(maxCount + 1));
    let point = IDENTITY;
    for (let j = 0; j < this.stepSize; j++) {
      this.babySteps.set(point.x, j);
      point = addPoints(point, GENERATOR);
    }
    this.giantStep = negatePoint(multiplyGenerator(BigInt(this.stepSize)));
  }

  /** A table for counts 0..maxCount (for a tally: the number of ballots cast). */
  static build(maxCount: number): CountRecoveryTable {
    if (!Number.isSafeInteger(maxCount) || maxCount < 0 || maxCount > MAX_RECOVERABLE_COUNT) {
      throw new SealedError("BAD_PARAMETERS", `maximum count ${String(maxCount)} is not an integer in [0, ${MAX_RECOVERABLE_COUNT}]`);
    }
    return new CountRecoveryTable(maxCount);
  }

  /** m with m·G == point and 0 <= m <= maxCount; refuses a point outside that range. */
  recover(point: Point): number {
    assertSubgroupPoint(point, "count point");
    let current = point;
    for (let i = 0; i * this.stepSize <= this.maxCount; i++) {
      const j = this.babySteps.get(current.x);
      if (j !== undefined) {
        const count = i * this.stepSize + j;
        if (count <= this.maxCount) return count;
        break;
      }
      current = addPoints(current, this.giantStep);
    }
    throw new SealedError("COUNT_OUT_OF_RANGE", `the point is not m·G for any count m in [0, ${this.maxCount}]`, "a wrong partial decryption or a total that is not a sum of valid ballots");
  }
}
