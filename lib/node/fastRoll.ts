/**
 * Fast voter-roll trees for big rolls: the same tree as VoterRoll (fixed-depth binary Poseidon
 * Merkle tree, leaves in publication order, empty leaf 0, empty subtrees hashed as zero-subtree
 * roots), built with the SIMD Poseidon of lib/node/fastPoseidon.ts on worker threads.
 *
 * The leaves are split into aligned chunks of 2^h leaves; each worker hashes whole chunks
 * (levels 1..h) and the calling thread hashes the few levels above them. Nodes travel through
 * SharedArrayBuffers as 32-byte big-endian values, so nothing is serialised. A 2^20-leaf roll
 * is about a million hashes: 45 to 80 s with circomlibjs on one core, about 10 s here on two
 * (bench/results.json).
 *
 * Results are identical to VoterRoll's (root, levels and paths), which test/perf.test.ts checks.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

import { DEFAULT_ROLL_DEPTH, EMPTY_LEAF, SNARK_SCALAR_FIELD } from "../core/constants";
import { ZkBallotError } from "../core/errors";
import {
  CANONICAL_BYTES,
  HEAP_BASE,
  LANES,
  LIMBS,
  PoseidonWasm,
  QUAD_BYTES,
  bufferOf,
  poseidonWasmModule,
  readCanonical,
  writeCanonical,
} from "./fastPoseidon";
import { parseFieldElement } from "../core/field";
import { readVoterRollFile } from "./rollFile";
import { assertRollShape, registerRollAccelerator, type MerklePath } from "../core/voterRoll";

export interface FastRollOptions {
  depth?: number;
  /**
   * Worker threads to use; 0 hashes on the calling thread. Default: one per available core (at
   * most 8) when the roll has at least `minLeavesForWorkers` leaves, else 0.
   */
  workers?: number;
  /** Default 16384: below it, starting workers costs more than it saves. */
  minLeavesForWorkers?: number;
  /** Called as hashing progresses: (hashes done, total hashes). */
  onProgress?: (done: number, total: number) => void;
}

/** What a subtree job needs besides the WebAssembly exports; plain data, so it crosses threads. */
interface SubtreeJob {
  /** Level-`fromLevel` nodes, big-endian 32 bytes each. */
  src: SharedArrayBuffer;
  /** Byte offset in `src` of this subtree's first node, and how many nodes it has there. */
  srcOffset: number;
  count: number;
  /** Levels to hash above `fromLevel`. */
  height: number;
  /** The output buffer and, for k = 1..height, the byte offset of this subtree's first node at level fromLevel + k (index 0 unused). */
  out: SharedArrayBuffer;
  outOffsets: number[];
  /** Internal (Montgomery, 9 limbs) zero-subtree roots for levels fromLevel .. fromLevel + height - 1. */
  zeros: Uint32Array;
}

interface SubtreeLayout {
  heap: number;
  quadBytes: number;
  canonicalBytes: number;
  lanes: number;
  limbs: number;
}

/**
 * Hashes one subtree, level by level, in the WebAssembly instance's memory. Self-contained (no
 * references outside its parameters) because worker threads receive it as source text.
 */
function hashSubtree(
  ex: { memory: WebAssembly.Memory; hashPairs(i: number, o: number, q: number): void; toMont(s: number, d: number, q: number): void; fromMont(s: number, d: number, q: number): void },
  job: SubtreeJob,
  layout: SubtreeLayout,
): void {
  const { quadBytes, canonicalBytes, lanes, limbs } = layout;
  const quadsFor = (nodes: number) => Math.ceil(nodes / lanes);
  // Memory: [canonical staging][level quads (one spare quad pair for padding)]
  const canonicalBase = layout.heap;
  const canonicalSize = (quadsFor(job.count) + 2) * lanes * canonicalBytes;
  const levelBase = canonicalBase + canonicalSize;
  const end = levelBase + (quadsFor(job.count) + 2) * quadBytes;
  if (end > ex.memory.buffer.byteLength) ex.memory.grow(Math.ceil((end - ex.memory.buffer.byteLength) / 65536));
  let bytes = new Uint8Array(ex.memory.buffer);
  const src = new Uint8Array(job.src, job.srcOffset, job.count * canonicalBytes);
  bytes.set(src, canonicalBase);
  bytes.fill(0, canonicalBase + src.length, canonicalBase + quadsFor(job.count) * lanes * canonicalBytes);
  ex.toMont(canonicalBase, levelBase, quadsFor(job.count));
  const out = new Uint8Array(job.out);
  let count = job.count;
  for (let k = 1; k <= job.height; k++) {
    if (count % 2 === 1) {
      // The missing right sibling is the root of an empty subtree one level down.
      const words = new Uint32Array(ex.memory.buffer);
      const quad = levelBase + Math.floor(count / lanes) * quadBytes;
      const lane = count % lanes;
      for (let limb = 0; limb < limbs; limb++) words[(quad + 16 * limb + 4 * lane) >> 2] = job.zeros[(k - 1) * limbs + limb];
    }
    count = Math.ceil(count / 2);
    ex.hashPairs(levelBase, levelBase, quadsFor(count));
    ex.fromMont(levelBase, canonicalBase, quadsFor(count));
    bytes = new Uint8Array(ex.memory.buffer);
    out.set(bytes.subarray(canonicalBase, canonicalBase + count * canonicalBytes), job.outOffsets[k]);
  }
}

const LAYOUT: SubtreeLayout = { heap: HEAP_BASE, quadBytes: QUAD_BYTES, canonicalBytes: CANONICAL_BYTES, lanes: LANES, limbs: LIMBS };

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const ex = new WebAssembly.Instance(workerData.module, {}).exports;
const hashSubtree = ${hashSubtree.toString()};
parentPort.on("message", (message) => {
  try {
    hashSubtree(ex, message.job, workerData.layout);
    parentPort.postMessage({ id: message.id });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: String((error && error.stack) || error) });
  }
});
`;

// ---------------------------------------------------------------------------------------------
// Worker pool. Workers are unref'd while idle, so an idle pool never keeps a process alive;
// terminateRollWorkers() ends them.

interface PoolWorker {
  worker: Worker;
  pending: Map<number, { resolve(): void; reject(error: Error): void }>;
}

let pool: PoolWorker[] = [];
let nextJobId = 0;

function ensurePool(size: number): PoolWorker[] {
  while (pool.length < size) {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module: poseidonWasmModule(), layout: LAYOUT } });
    const entry: PoolWorker = { worker, pending: new Map() };
    worker.on("message", (message: { id: number; error?: string }) => {
      const waiter = entry.pending.get(message.id);
      entry.pending.delete(message.id);
      if (entry.pending.size === 0) worker.unref();
      if (message.error) waiter?.reject(new Error(`roll worker failed: ${message.error}`));
      else waiter?.resolve();
    });
    worker.on("error", (error) => {
      for (const waiter of entry.pending.values()) waiter.reject(error);
      entry.pending.clear();
      pool = pool.filter((other) => other !== entry);
    });
    worker.unref();
    pool.push(entry);
  }
  return pool.slice(0, size);
}

function runOnWorker(entry: PoolWorker, job: SubtreeJob): Promise<void> {
  const id = nextJobId++;
  return new Promise<void>((resolve, reject) => {
    entry.pending.set(id, { resolve, reject });
    entry.worker.ref();
    entry.worker.postMessage({ id, job });
  });
}

/** Ends the worker threads started by this module (they are also unref'd while idle). */
export async function terminateRollWorkers(): Promise<void> {
  const ending = pool;
  pool = [];
  await Promise.all(ending.map((entry) => entry.worker.terminate()));
}

// ---------------------------------------------------------------------------------------------
// Trees.

let localInstance: PoseidonWasm | undefined;

function local(): PoseidonWasm {
  localInstance ??= new PoseidonWasm();
  return localInstance;
}

interface ZeroHashes {
  /** zeros[i]: root of an empty subtree of height i. */
  values: bigint[];
  /** The same in the internal representation, 9 limbs each. */
  internal: Uint32Array;
}

const zeroCache = new Map<number, ZeroHashes>();

/** Zero-subtree roots, as VoterRoll's zeroHashes computes them. */
export function fastZeroHashes(depth: number): ZeroHashes {
  const cached = zeroCache.get(depth);
  if (cached) return cached;
  const instance = local();
  const ex = instance.exports;
  const z = HEAP_BASE;
  const next = z + QUAD_BYTES;
  const canonical = next + QUAD_BYTES;
  instance.ensure(canonical + LANES * CANONICAL_BYTES);
  new Uint8Array(ex.memory.buffer).fill(0, z, z + QUAD_BYTES); // internal 0 = 0
  const values: bigint[] = [EMPTY_LEAF];
  const internal = new Uint32Array((depth + 1) * LIMBS);
  for (let level = 0; level <= depth; level++) {
    const words = new Uint32Array(ex.memory.buffer);
    for (let limb = 0; limb < LIMBS; limb++) internal[level * LIMBS + limb] = words[(z + 16 * limb) >> 2];
    if (level === depth) break;
    ex.hash(next, z, z);
    new Uint8Array(ex.memory.buffer).copyWithin(z, next, next + QUAD_BYTES);
    ex.fromMont(z, canonical, 1);
    values.push(readCanonical(bufferOf(ex.memory.buffer), canonical));
  }
  const result = { values, internal };
  zeroCache.set(depth, result);
  return result;
}

/**
 * A built tree: every level as 32-byte big-endian nodes in shared memory (about 64 bytes per
 * leaf in all), read back as bigints only when asked.
 */
export class FastRollTree {
  constructor(
    readonly depth: number,
    /** Number of leaves. */
    readonly size: number,
    /** levels[0] holds the leaves; level i holds ceil(size / 2^i) nodes. */
    private readonly levelBuffers: Buffer[],
    private readonly zeros: bigint[],
  ) {}

  levelSize(level: number): number {
    return this.levelBuffers[level].length / CANONICAL_BYTES;
  }

  node(level: number, index: number): bigint {
    return readCanonical(this.levelBuffers[level], index * CANONICAL_BYTES);
  }

  get root(): bigint {
    return this.levelSize(this.depth) > 0 ? this.node(this.depth, 0) : this.zeros[this.depth];
  }

  /** The level as bigints (what VoterRoll keeps). */
  level(level: number): bigint[] {
    const size = this.levelSize(level);
    const out: bigint[] = new Array(size);
    for (let i = 0; i < size; i++) out[i] = this.node(level, i);
    return out;
  }

  /** Same result as VoterRoll.pathAt. */
  pathAt(leafIndex: number): MerklePath {
    if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= this.size) {
      throw new ZkBallotError("INVALID_ARGUMENT", `leaf index ${leafIndex} is outside the roll of ${this.size}`);
    }
    const pathIndices: number[] = [];
    const siblings: bigint[] = [];
    let index = leafIndex;
    for (let level = 0; level < this.depth; level++) {
      pathIndices.push(index & 1);
      const sibling = index ^ 1;
      siblings.push(sibling < this.levelSize(level) ? this.node(level, sibling) : this.zeros[level]);
      index >>>= 1;
    }
    return { leafIndex, pathIndices, siblings };
  }

  /** Index of a leaf value (a linear scan over the packed leaves), or undefined. */
  indexOf(leaf: bigint): number | undefined {
    return indexOfPacked(this.levelBuffers[0], leaf);
  }
}

function indexOfPacked(packed: Buffer, value: bigint): number | undefined {
  if (value < 0n || value >= 1n << 256n) return undefined;
  const needle = Buffer.alloc(CANONICAL_BYTES);
  writeCanonical(needle, 0, value);
  for (let at = packed.indexOf(needle); at >= 0; at = packed.indexOf(needle, at + 1)) {
    if (at % CANONICAL_BYTES === 0) return at / CANONICAL_BYTES;
  }
  return undefined;
}

const FIELD_ORDER_BYTES = Buffer.from(SNARK_SCALAR_FIELD.toString(16).padStart(64, "0"), "hex");

function outsideField(index: number, value: unknown): ZkBallotError {
  return new ZkBallotError("INVALID_FIELD_ELEMENT", `leaf ${index} is not a field element below the BN254 scalar field order: ${String(value).slice(0, 80)}`);
}

/**
 * Builds the tree. Leaves are bigints or packed 32-byte big-endian values, each below the field
 * order (checked here: an INVALID_FIELD_ELEMENT error otherwise). The roll rules VoterRoll.build
 * adds (no zero leaf, no duplicates: checkRollEntry in lib/core/voterRoll.ts) are the caller's: indexVoterCommitments or
 * readVoterRollFile apply them.
 */
export async function buildFastRollTree(leaves: readonly bigint[] | Uint8Array, options: FastRollOptions = {}): Promise<FastRollTree> {
  const depth = options.depth ?? DEFAULT_ROLL_DEPTH;
  const size = leaves instanceof Uint8Array ? leaves.length / CANONICAL_BYTES : leaves.length;
  if (!Number.isInteger(size)) throw new ZkBallotError("INVALID_ARGUMENT", "packed leaves must be a whole number of 32-byte values");
  assertRollShape(size, depth); // the core's roll rules (lib/core/voterRoll.ts)
  const zeros = fastZeroHashes(depth);
  const levels = allocateLevels(size, depth);
  writeLeaves(bufferOf(levels.shared), leaves, size);
  const workers = options.workers ?? (size >= (options.minLeavesForWorkers ?? 16384) ? Math.min(availableParallelism(), 8) : 0);
  await hashLevels({ levels, size, depth, zeros: zeros.internal, workers, onProgress: options.onProgress });
  return new FastRollTree(depth, size, levels.buffers, zeros.values);
}

/** Every level of a tree in one shared buffer: level i at offsets[i], holding ceil(size / 2^i) nodes. */
interface SharedLevels {
  shared: SharedArrayBuffer;
  offsets: number[];
  buffers: Buffer[];
}

function allocateLevels(size: number, depth: number): SharedLevels {
  const offsets: number[] = [];
  let total = 0;
  for (let level = 0, count = size; level <= depth; level++, count = Math.ceil(count / 2)) {
    offsets.push(total);
    total += count * CANONICAL_BYTES;
  }
  const shared = new SharedArrayBuffer(Math.max(total, 1));
  const buffers = offsets.map((offset, level) => bufferOf(shared, offset, (level < depth ? offsets[level + 1] : total) - offset));
  return { shared, offsets, buffers };
}

/** The leaves into level 0, each checked to be below the field order. */
function writeLeaves(all: Buffer, leaves: readonly bigint[] | Uint8Array, size: number): void {
  if (leaves instanceof Uint8Array) {
    all.set(leaves, 0);
    for (let i = 0; i < size; i++) {
      if (all.compare(FIELD_ORDER_BYTES, 0, CANONICAL_BYTES, i * CANONICAL_BYTES, (i + 1) * CANONICAL_BYTES) >= 0) throw outsideField(i, readCanonical(all, i * CANONICAL_BYTES));
    }
    return;
  }
  for (let i = 0; i < size; i++) {
    const leaf = leaves[i];
    if (typeof leaf !== "bigint" || leaf < 0n || leaf >= SNARK_SCALAR_FIELD) throw outsideField(i, leaf);
    writeCanonical(all, i * CANONICAL_BYTES, leaf);
  }
}

/**
 * Hashes levels 1..depth: subtrees ("chunks") of 2^chunkHeight leaves on the worker threads
 * (or on this thread), then the levels above the chunks on this thread.
 */
async function hashLevels(tree: { levels: SharedLevels; size: number; depth: number; zeros: Uint32Array; workers: number; onProgress?: (done: number, total: number) => void }): Promise<void> {
  const { levels: { shared, offsets, buffers }, size, depth, zeros, workers } = tree;
  const totalHashes = buffers.slice(1).reduce((sum, buffer) => sum + buffer.length / CANONICAL_BYTES, 0);
  let hashesDone = 0;
  // Chunk height: at least 2^10 leaves a chunk, and about 8 chunks per worker for balance.
  const chunkHeight = workers > 0 && size > 1 ? Math.min(depth, Math.max(10, Math.ceil(Math.log2(size / (8 * workers))))) : depth;
  const chunkSize = 2 ** chunkHeight;
  const chunks = Math.ceil(size / chunkSize);
  if (chunks === 0) return;
  const jobFor = (chunk: number): SubtreeJob => {
    const first = chunk * chunkSize;
    const count = Math.min(chunkSize, size - first);
    const outOffsets = [0];
    for (let k = 1; k <= chunkHeight; k++) outOffsets.push(offsets[k] + (first >> k) * CANONICAL_BYTES);
    return { src: shared, srcOffset: first * CANONICAL_BYTES, count, height: chunkHeight, out: shared, outOffsets, zeros };
  };
  const done = (job: SubtreeJob) => {
    for (let k = 1, c = job.count; k <= chunkHeight; k++) hashesDone += c = Math.ceil(c / 2);
    tree.onProgress?.(hashesDone, totalHashes);
  };
  if (workers > 0 && chunks > 1) {
    const pool = ensurePool(Math.min(workers, chunks));
    let nextChunk = 0;
    await Promise.all(
      pool.map(async (entry) => {
        while (nextChunk < chunks) {
          const job = jobFor(nextChunk++);
          // A worker that cannot run (for instance code instrumented for coverage, whose
          // source text does not stand alone) costs speed, not results.
          await runOnWorker(entry, job).catch(() => hashSubtree(local().exports, job, LAYOUT));
          done(job);
        }
      }),
    );
  } else {
    for (let chunk = 0; chunk < chunks; chunk++) {
      const job = jobFor(chunk);
      hashSubtree(local().exports, job, LAYOUT);
      done(job);
    }
  }
  if (chunkHeight < depth) {
    // Levels above the chunks, on this thread.
    const outOffsets = [0];
    for (let k = 1; k <= depth - chunkHeight; k++) outOffsets.push(offsets[chunkHeight + k]);
    hashSubtree(local().exports, { src: shared, srcOffset: offsets[chunkHeight], count: chunks, height: depth - chunkHeight, out: shared, outOffsets, zeros: zeros.subarray(chunkHeight * LIMBS) }, LAYOUT);
    tree.onProgress?.(totalHashes, totalHashes);
  }
}

/** The root of a roll of valid field elements. */
export async function fastRollRoot(leaves: readonly bigint[] | Uint8Array, options: FastRollOptions = {}): Promise<bigint> {
  return (await buildFastRollTree(leaves, options)).root;
}

/**
 * VoterRoll's `levels` (levels[0] = the leaves, levels[depth] = [root] or [] for an empty
 * roll), for VoterRoll.build to use instead of its hashing loop on large rolls.
 */
export async function buildRollLevels(leaves: readonly bigint[], depth: number, options: Omit<FastRollOptions, "depth"> = {}): Promise<bigint[][]> {
  const tree = await buildFastRollTree(leaves, { ...options, depth });
  const levels: bigint[][] = [leaves as bigint[]];
  for (let level = 1; level <= depth; level++) levels.push(tree.level(level));
  return levels;
}

/** Rolls at least this big are hashed here by VoterRoll.build (below it, starting workers costs more than it saves). */
export const FAST_BUILD_MIN_LEAVES = 16_384;

// Importing this module (any Node entry point that builds rolls does) plugs the fast builder
// into the core's VoterRoll.
registerRollAccelerator({ buildLevels: (leaves, depth, options) => buildRollLevels(leaves, depth, options), minLeaves: FAST_BUILD_MIN_LEAVES });

/**
 * Reads a roll file in the form writeVoterRollFile writes (optional `voterCommitment` header,
 * `#` comments, empty lines, one 0x-prefixed 64-digit hex commitment a line, a final newline) straight into
 * packed 32-byte values, without a bigint per line. Returns undefined for anything else: a
 * JSON file, another number format, extra columns, or a value readVoterRollFile would refuse
 * (zero, outside the field, duplicate). The caller then uses readVoterRollFile, which accepts
 * the other formats and reports the errors, so both paths accept exactly the same files.
 */
export function readPackedRollFile(file: string): Buffer | undefined {
  if (/\.json$/i.test(file)) return undefined;
  let text: Buffer;
  try {
    text = fs.readFileSync(file);
  } catch {
    return undefined; // readVoterRollFile reports it
  }
  if (text.length > 0 && text[text.length - 1] !== 10) return undefined; // maybe cut short: readVoterRollFile explains
  const lineCount = countLines(text);
  const packed = Buffer.from(new ArrayBuffer(lineCount * CANONICAL_BYTES));
  let count = 0;
  let start = 0;
  for (let line = 0; start < text.length; line++) {
    let end = text.indexOf(10, start);
    if (end < 0) end = text.length;
    const stop = end > start && text[end - 1] === 13 ? end - 1 : end; // \r\n
    if (stop === start || text[start] === 35 /* # */) {
      // empty line or comment
    } else if (stop - start === 66 && text[start] === 48 /* 0 */ && text[start + 1] === 120 /* x: parseFieldElement takes no 0X */) {
      if (packed.write(text.toString("latin1", start + 2, stop), count * CANONICAL_BYTES, CANONICAL_BYTES, "hex") !== CANONICAL_BYTES) return undefined;
      count++;
    } else if (line === 0 && /^[A-Za-z_]+$/.test(text.toString("latin1", start, stop))) {
      // header
    } else {
      return undefined;
    }
    start = end + 1;
  }
  const leaves = packed.subarray(0, count * CANONICAL_BYTES);
  for (let i = 0; i < count; i++) {
    const at = i * CANONICAL_BYTES;
    if (leaves.compare(FIELD_ORDER_BYTES, 0, CANONICAL_BYTES, at, at + CANONICAL_BYTES) >= 0) return undefined;
    if (leaves.compare(ZERO_BYTES, 0, CANONICAL_BYTES, at, at + CANONICAL_BYTES) === 0) return undefined;
  }
  return hasDuplicate(leaves, count) ? undefined : leaves;
}

const ZERO_BYTES = Buffer.alloc(CANONICAL_BYTES);

function countLines(text: Buffer): number {
  let lines = 1;
  for (let at = text.indexOf(10); at >= 0; at = text.indexOf(10, at + 1)) lines++;
  return lines;
}

/**
 * Whether two of the packed values are equal: open addressing over a table twice the size,
 * with a hash keyed by random numbers, so a crafted file cannot pile values into one slot.
 */
function hasDuplicate(packed: Buffer, count: number): boolean {
  const words = new Int32Array(packed.buffer, packed.byteOffset, count * 8);
  let size = 1;
  while (size < 2 * count) size *= 2;
  const table = new Int32Array(size).fill(-1);
  const seed = new Int32Array(randomBytes(36).buffer.slice(0, 36));
  const mask = size - 1;
  for (let i = 0; i < count; i++) {
    const w = 8 * i;
    let h = seed[8];
    for (let j = 0; j < 8; j++) h = Math.imul(h ^ (words[w + j] + seed[j]), 0x9e3779b1) ^ (h >>> 15);
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const other = table[slot];
      if (other < 0) {
        table[slot] = i;
        break;
      }
      const o = 8 * other;
      let equal = true;
      for (let j = 0; j < 8 && equal; j++) equal = words[o + j] === words[w + j];
      if (equal) return true;
    }
  }
  return false;
}

/**
 * What a voter of a big election does with a downloaded roll file: read and check it (the same
 * files accepted and refused as readVoterRollFile, which it falls back to for anything but the
 * plain hex CSV writeVoterRollFile produces), build the tree, and return the root and the path
 * of one commitment.
 */
export async function rollPathFromFile(file: string, voterCommitment: bigint, options: FastRollOptions = {}): Promise<{ root: bigint; path: MerklePath; size: number }> {
  const commitment = parseFieldElement(voterCommitment, "voter commitment");
  const packed = readPackedRollFile(file);
  const leaves = packed ?? readVoterRollFile(file);
  const index = packed ? indexOfPacked(packed, commitment) : (leaves as bigint[]).indexOf(commitment);
  if (index === undefined || index < 0) {
    throw new ZkBallotError("NOT_ON_ROLL", "this identity's voter commitment is not on the voter roll", "ask the registrar to add your commitment before voting opens");
  }
  const tree = await buildFastRollTree(leaves, options);
  return { root: tree.root, path: tree.pathAt(index), size: tree.size };
}
