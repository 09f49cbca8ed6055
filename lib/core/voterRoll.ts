import { DEFAULT_ROLL_DEPTH, EMPTY_LEAF, SNARK_SCALAR_FIELD } from "./constants";
import { ZkBallotError } from "./errors";
import { parseFieldElement } from "./field";
import { poseidonHasher, type PoseidonHasher } from "./poseidon";

/**
 * Hashes a whole roll at once and returns VoterRoll's levels (levels[0] = the leaves,
 * levels[depth] = [root], or [] for an empty roll): a faster hasher a platform plugs in.
 * It must return exactly what the reference loop in VoterRoll.build computes.
 */
export type RollLevelsBuilder = (
  leaves: readonly bigint[],
  depth: number,
  options: { onProgress?: (done: number, total: number) => void },
) => Promise<bigint[][]>;

/** A levels builder and the roll size from which it pays (below it the reference loop is faster). */
export interface RollAccelerator {
  readonly buildLevels: RollLevelsBuilder;
  readonly minLeaves: number;
}

// The core runs anywhere, so it hashes with circomlibjs by default; a platform adapter (in
// Node, lib/node/fastRoll.ts: SIMD WebAssembly Poseidon on worker threads) registers a faster
// builder for large rolls.
let registeredAccelerator: RollAccelerator | undefined;

/** Registers the builder VoterRoll.build uses for rolls of at least `minLeaves` commitments. */
export function registerRollAccelerator(accelerator: RollAccelerator | undefined): void {
  registeredAccelerator = accelerator;
}

/** Authentication path of one leaf, in the shape the circuit takes it. */
export interface MerklePath {
  readonly leafIndex: number;
  /** pathIndices[i] = 1 when the running node is the right child at level i. */
  readonly pathIndices: number[];
  readonly siblings: bigint[];
}

export interface VoterRollOptions {
  depth?: number;
  /** Called after each level is hashed: (levelsDone, depth). */
  onProgress?: (levelsDone: number, depth: number) => void;
  /** Overrides the registered accelerator; `null` forces the reference loop. */
  accelerator?: RollAccelerator | null;
}

/**
 * The voter roll as a fixed-depth binary Poseidon Merkle tree: leaves are voter commitments
 * in publication order, the rest are EMPTY_LEAF. Only the non-empty part is stored and hashed;
 * empty subtrees use precomputed zero hashes.
 */
export class VoterRoll {
  private constructor(
    readonly depth: number,
    /** levels[0] are the leaves; levels[depth] holds the root alone. */
    private readonly levels: bigint[][],
    private readonly zeros: bigint[],
    private readonly indexOfCommitment: Map<bigint, number>,
  ) {}

  static async build(commitments: readonly unknown[], options: VoterRollOptions = {}): Promise<VoterRoll> {
    const depth = options.depth ?? DEFAULT_ROLL_DEPTH;
    const { leaves, indexOfCommitment } = indexVoterCommitments(commitments, depth); // the roll rules, depth first

    const hash = await poseidonHasher(leaves.length + depth); // about one hash a leaf, plus the zero subtrees
    const zeros = zeroHashes(hash, depth);
    // Big rolls go to the platform's accelerator when one is registered (it returns exactly these
    // levels); small ones are faster here than starting workers.
    const accelerator = options.accelerator === undefined ? registeredAccelerator : options.accelerator ?? undefined;
    const levels: bigint[][] =
      accelerator && leaves.length >= accelerator.minLeaves
        ? await accelerator.buildLevels(leaves, depth, { onProgress: (done, total) => options.onProgress?.(Math.floor((done / total) * depth), depth) })
        : [leaves];
    for (let level = levels.length - 1; level < depth; level++) {
      const below = levels[level];
      const above: bigint[] = new Array(Math.ceil(below.length / 2));
      for (let i = 0; i < above.length; i++) {
        const right = 2 * i + 1 < below.length ? below[2 * i + 1] : zeros[level];
        above[i] = hash([below[2 * i], right]);
      }
      levels.push(above);
      options.onProgress?.(level + 1, depth);
    }
    return new VoterRoll(depth, levels, zeros, indexOfCommitment);
  }

  get size(): number {
    return this.levels[0].length;
  }

  get root(): bigint {
    return this.levels[this.depth][0] ?? this.zeros[this.depth];
  }

  indexOf(voterCommitment: bigint): number | undefined {
    return this.indexOfCommitment.get(voterCommitment);
  }

  pathAt(leafIndex: number): MerklePath {
    if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= this.size) {
      throw new ZkBallotError("INVALID_ARGUMENT", `leaf index ${leafIndex} is outside the roll of ${this.size}`);
    }
    const pathIndices: number[] = [];
    const siblings: bigint[] = [];
    let index = leafIndex;
    for (let level = 0; level < this.depth; level++) {
      pathIndices.push(index & 1);
      siblings.push(this.levels[level][index ^ 1] ?? this.zeros[level]);
      index >>>= 1;
    }
    return { leafIndex, pathIndices, siblings };
  }

  /** Path of a voter commitment; a NOT_ON_ROLL error when the roll does not hold it. */
  pathOf(voterCommitment: bigint): MerklePath {
    const index = this.indexOf(voterCommitment);
    if (index === undefined) {
      throw new ZkBallotError("NOT_ON_ROLL", "this identity's voter commitment is not on the voter roll", "ask the registrar to add your commitment before voting opens");
    }
    return this.pathAt(index);
  }
}

/*
 * The roll rules, once (the registrar's publisher, VoterRoll, the fast Node tree, roll files and
 * the auditor all apply these): a depth from 1 to 32 whose tree holds the roll; every entry a
 * field element, not the empty-leaf value, and not an earlier entry again.
 */

/** A roll depth the circuit and the tree support (an integer from 1 to 32) whose tree holds `size` commitments. */
export function assertRollShape(size: number, depth: number): void {
  if (!Number.isInteger(depth) || depth < 1 || depth > 32) {
    throw new ZkBallotError("INVALID_ARGUMENT", `roll depth must be an integer from 1 to 32, got ${depth}`);
  }
  if (size > 2 ** depth) {
    throw new ZkBallotError("INVALID_ROLL", `roll has ${size} commitments but a depth-${depth} tree holds ${2 ** depth}`, "build the circuit with a larger --depth");
  }
}

/** The rule a roll entry breaks; for a duplicate, the index of the entry it repeats. */
export type RollEntryRefusal = { rule: "outside-field" } | { rule: "empty-leaf" } | { rule: "duplicate"; earlier: number };

/**
 * Checks entry `index` of a roll against the entries before it (`seen`: commitment -> index,
 * updated when the entry passes). Returns the broken rule, or undefined when it may be on the roll.
 */
export function checkRollEntry(commitment: bigint, index: number, seen: Map<bigint, number>): RollEntryRefusal | undefined {
  if (commitment < 0n || commitment >= SNARK_SCALAR_FIELD) return { rule: "outside-field" };
  if (commitment === EMPTY_LEAF) return { rule: "empty-leaf" };
  const earlier = seen.get(commitment);
  if (earlier !== undefined) return { rule: "duplicate", earlier };
  seen.set(commitment, index);
  return undefined;
}

/** The INVALID_ROLL error for a refused entry; `name(i)` names entry i (an index, a file's line). */
export function rollEntryError(refusal: RollEntryRefusal, index: number, name: (index: number) => string): ZkBallotError {
  switch (refusal.rule) {
    case "outside-field":
      return new ZkBallotError("INVALID_ROLL", `${name(index)} is outside the BN254 scalar field`, "every entry must be a voter commitment below the field order");
    case "empty-leaf":
      return new ZkBallotError("INVALID_ROLL", `${name(index)} is zero, the empty-leaf value, which is not a voter commitment`, "remove it from the roll");
    case "duplicate":
      return new ZkBallotError("INVALID_ROLL", `${name(index)} duplicates ${name(refusal.earlier)}`, "each voter commitment may appear once");
  }
}

/**
 * Checks a roll before anything is hashed or published (the roll rules above) and returns the
 * parsed leaves with the index of each.
 */
export function indexVoterCommitments(commitments: readonly unknown[], depth: number): { leaves: bigint[]; indexOfCommitment: Map<bigint, number> } {
  assertRollShape(commitments.length, depth);
  const leaves: bigint[] = new Array(commitments.length);
  const indexOfCommitment = new Map<bigint, number>();
  commitments.forEach((value, index) => {
    const commitment = parseFieldElement(value, `roll entry ${index}`);
    const refusal = checkRollEntry(commitment, index, indexOfCommitment);
    if (refusal) throw rollEntryError(refusal, index, (i) => `entry ${i}`);
    leaves[index] = commitment;
  });
  return { leaves, indexOfCommitment };
}

/** zeros[i] is the root of an empty subtree of height i. */
export function zeroHashes(hash: PoseidonHasher, depth: number): bigint[] {
  const zeros = [EMPTY_LEAF];
  for (let level = 0; level < depth; level++) zeros.push(hash([zeros[level], zeros[level]]));
  return zeros;
}

/** Recomputes a root from a leaf and its path, as the circuit does. */
export async function rootFromPath(leaf: bigint, path: MerklePath): Promise<bigint> {
  const hash = await poseidonHasher(path.siblings.length);
  let node = leaf;
  path.siblings.forEach((sibling, level) => {
    node = path.pathIndices[level] === 1 ? hash([sibling, node]) : hash([node, sibling]);
  });
  return node;
}
