/**
 * A batch Poseidon hasher for Merkle trees, several times faster per core than circomlibjs's.
 *
 * circomlibjs already hashes in WebAssembly (ffjavascript's Montgomery arithmetic with 32-bit
 * limbs, about 55 ns a multiplication), and a two-input Poseidon is about 600 multiplications,
 * so it is bound by multiplications, not by JavaScript calls. This module generates its own
 * WebAssembly at load time (no binary blob, no build step, no dependency):
 *
 * - 9 limbs of 29 bits. A product of two limbs is below 2^58, so a whole column of the
 *   schoolbook product, with the interleaved Montgomery reduction (up to 36 products), adds up
 *   in one 64-bit lane without carry handling: one shift and one mask per column.
 * - SIMD across four independent hashes: limb i of four field elements sits in one i32x4
 *   vector, and i64x2.extmul_{low,high}_i32x4_u multiply two lanes per instruction. A scalar
 *   version of the same arithmetic is bound by the single 64-bit multiplier (about 40k hashes/s
 *   on this machine); the vector units give about twice that.
 * - Lazy reduction: values stay in [0, 2p) (R = 2^261, far above 4p^2/R), every MDS or sparse
 *   matrix row is one dot product with a single Montgomery reduction, S-box squarings use the
 *   symmetric half of the product, and p = 1 + 2^28 (mod 2^29) turns the Montgomery quotient
 *   digit into a shift and a subtraction.
 *
 * It computes circomlib's Poseidon with t = 3 (two inputs, initial state 0), with circomlibjs's
 * own optimised round constants (poseidon_constants_opt.json) in the order its poseidon_opt.js
 * applies them. Tests compare it with circomlibjs on random and edge inputs.
 *
 * The module imports nothing, so one compiled WebAssembly.Module can be sent to worker threads
 * (lib/node/fastRoll.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { SNARK_SCALAR_FIELD } from "../core/constants";

const P = SNARK_SCALAR_FIELD;
export const LIMBS = 9;
const LIMB_BITS = 29;
const MASK = (1n << 29n) - 1n;
/** Montgomery radix. */
const R = 1n << 261n;
/** Field elements processed side by side. */
export const LANES = 4;
/** Bytes of four field elements in the internal layout: limb i of lane l at 16 * i + 4 * l. */
export const QUAD_BYTES = LIMBS * 16;
/** Bytes of one field element in the canonical layout: 256-bit big-endian, as in ABI encoding and hex. */
export const CANONICAL_BYTES = 32;

// Memory map: scratch quads, then constants, then the heap callers manage (HEAP_BASE upwards).
const Q = QUAD_BYTES;
const SCRATCH = { S0: 0, S1: Q, S2: 2 * Q, T0: 3 * Q, T1: 4 * Q, T2: 5 * Q, X2: 6 * Q, X4: 7 * Q, U: 8 * Q, L: 9 * Q, R: 10 * Q, D: 15 * Q } as const;
const ONE_ADDR = 11 * Q;
const R2_ADDR = 12 * Q;
/** p's limbs, each broadcast to four lanes. */
const P_ADDR = 13 * Q;
/** 2^29 - 1 in four lanes. */
const MASK_ADDR = 14 * Q;
/** Dummy store target (see emitMontProduct). */
const FENCE_ADDR = 16 * Q;
/** 32 bytes for byte-order conversion. */
const BSWAP_ADDR = 17 * Q;
const FENCE_EVERY = 4;
const CONST_BASE = 4096;
/** First byte callers may use. */
export const HEAP_BASE = 128 * 1024;

// ---------------------------------------------------------------------------------------------
// BigInt helpers, used only to precompute constants.

function mod(a: bigint, m: bigint): bigint {
  const r = a % m;
  return r < 0n ? r + m : r;
}

function toLimbs(value: bigint): bigint[] {
  const limbs: bigint[] = [];
  for (let i = 0; i < LIMBS; i++) limbs.push((value >> BigInt(LIMB_BITS * i)) & MASK);
  return limbs;
}

const P_LIMBS = toLimbs(P);
const TWO_P_LIMBS = toLimbs(2n * P);
// p = 1 + 2^28 (mod 2^29), so -p^-1 = 2^28 - 1 (mod 2^29): (1 + 2^28)(2^28 - 1) = 2^56 - 1.
if (P_LIMBS[0] !== (1n << 28n) + 1n) throw new Error("the Montgomery shortcut assumes p = 1 + 2^28 (mod 2^29)");

// ---------------------------------------------------------------------------------------------
// A minimal WebAssembly binary writer: just what the generated code needs.

function uleb(value: number | bigint): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return out;
}

function sleb(value: number | bigint): number[] {
  let v = BigInt(value);
  const out: number[] = [];
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    const done = (v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const I32 = 0x7f;
const I64 = 0x7e;
const V128 = 0x7b;

const OP = {
  block: 0x02, loop: 0x03, end: 0x0b, br: 0x0c, brIf: 0x0d, call: 0x10,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i64Load: 0x29, i64Load32U: 0x35, i64Store: 0x37, i64Store32: 0x3e,
  i32Const: 0x41, i64Const: 0x42,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i64And: 0x83, i64Or: 0x84, i64Shl: 0x86, i64ShrU: 0x88,
} as const;

/** SIMD opcodes (after the 0xfd prefix; the WebAssembly SIMD binary encoding). */
const SIMD = {
  load: 0, store: 11, const: 12, shuffle: 13,
  and: 78, bitselect: 82,
  i32x4Shl: 171, i32x4ShrS: 172, i32x4ShrU: 173, i32x4Add: 174, i32x4Sub: 177,
  i64x2Shl: 203, i64x2ShrU: 205, i64x2Add: 206,
  extmulLowU: 222, extmulHighU: 223,
} as const;

/** i32x4 lanes 0 and 2 of a, then of b: the low halves of two i64x2 vectors, as one i32x4. */
const LOW_WORDS = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
const REVERSE = [15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0];
const ZERO16: number[] = new Array(16).fill(0);
/** Even i32x4 lanes of a, then of b (left children of a level). */
const EVEN_LANES = LOW_WORDS;
/** Odd i32x4 lanes of a, then of b (right children of a level). */
const ODD_LANES = [4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31];

function splat32(value: bigint): number[] {
  const out: number[] = [];
  for (let lane = 0; lane < 4; lane++) for (let b = 0; b < 4; b++) out.push(Number((value >> BigInt(8 * b)) & 0xffn));
  return out;
}

/** Code of one function body: an instruction stream plus its locals. */
class FunctionBuilder {
  readonly bytes: number[] = [];
  private readonly extraLocals: number[] = [];

  constructor(readonly params: number[]) {}

  /** Declares a local of the given type; returns its index. */
  local(type: number): number {
    this.extraLocals.push(type);
    return this.params.length + this.extraLocals.length - 1;
  }

  locals(type: number, count: number): number[] {
    return Array.from({ length: count }, () => this.local(type));
  }

  emit(...bytes: number[]): this {
    for (const b of bytes) this.bytes.push(b);
    return this;
  }

  get(i: number): this { return this.emit(OP.localGet, ...uleb(i)); }
  set(i: number): this { return this.emit(OP.localSet, ...uleb(i)); }
  tee(i: number): this { return this.emit(OP.localTee, ...uleb(i)); }
  i32(v: number): this { return this.emit(OP.i32Const, ...sleb(v)); }
  i64(v: bigint | number): this { return this.emit(OP.i64Const, ...sleb(v)); }
  load64(offset: number): this { return this.emit(OP.i64Load, 3, ...uleb(offset)); }
  store64(offset: number): this { return this.emit(OP.i64Store, 3, ...uleb(offset)); }
  load32u(offset: number): this { return this.emit(OP.i64Load32U, 2, ...uleb(offset)); }
  store32(offset: number): this { return this.emit(OP.i64Store32, 2, ...uleb(offset)); }
  call(fn: number): this { return this.emit(OP.call, ...uleb(fn)); }
  simd(op: number): this { return this.emit(0xfd, ...uleb(op)); }
  vload(offset: number): this { return this.simd(SIMD.load).emit(4, ...uleb(offset)); }
  vstore(offset: number): this { return this.simd(SIMD.store).emit(4, ...uleb(offset)); }
  vconst(bytes: number[]): this { return this.simd(SIMD.const).emit(...bytes); }
  shuffle(lanes: number[]): this { return this.simd(SIMD.shuffle).emit(...lanes); }
  /** add to pointer local: local += delta */
  bump(local: number, delta: number): this { return this.get(local).i32(delta).emit(OP.i32Add).set(local); }
  /** for (counter = 0; counter < limit(pushed by `limit`); counter++) body */
  loop(counter: number, limit: () => void, body: () => void): this {
    this.i32(0).set(counter);
    this.emit(OP.block, 0x40, OP.loop, 0x40);
    this.get(counter);
    limit();
    this.emit(OP.i32GeU, OP.brIf, 1);
    body();
    this.bump(counter, 1);
    return this.emit(OP.br, 0, OP.end, OP.end);
  }

  encode(): number[] {
    const runs: [number, number][] = [];
    for (const type of this.extraLocals) {
      const last = runs[runs.length - 1];
      if (last && last[1] === type) last[0]++;
      else runs.push([1, type]);
    }
    const body = [...uleb(runs.length), ...runs.flatMap(([count, type]) => [...uleb(count), type]), ...this.bytes, OP.end];
    return [...uleb(body.length), ...body];
  }
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function utf8(text: string): number[] {
  const bytes = [...Buffer.from(text, "utf8")];
  return [...uleb(bytes.length), ...bytes];
}

// ---------------------------------------------------------------------------------------------
// Four-lane field arithmetic.

/** A memory operand: the i32 pointer in a local (absolute when `local` is undefined) plus an offset. */
interface Ref {
  local?: number;
  offset: number;
}

function pushAddress(f: FunctionBuilder, ref: Ref): void {
  if (ref.local === undefined) f.i32(0);
  else f.get(ref.local);
}

function loadLimb(f: FunctionBuilder, ref: Ref, limb: number): void {
  pushAddress(f, ref);
  f.vload(ref.offset + 16 * limb);
}

interface ProductLocals {
  lo: number; // i64x2 column accumulator for lanes 0, 1
  hi: number; // ... for lanes 2, 3
  x: number;
  m: number[]; // Montgomery quotient digits (i32x4)
}

/**
 * dst = (sum of a_t * b_t) / R mod p, with a single Montgomery reduction for the whole sum.
 * With `square` (one term, a * a), the cross products use 2 * a (in scratch) so each is computed
 * once. dst may alias an operand: output limb j is stored after column j + 9, and later columns
 * only read operand limbs above j.
 *
 * Every few products the running column sum is also stored to a dummy address. The store is a
 * scheduling barrier for TurboFan: without it, V8 hoists the loads and unpacks of a whole
 * column ahead of the additions, runs out of the 16 xmm registers and spills, which made a
 * three-term dot product twice as slow as it needs to be.
 */
function emitMontProduct(f: FunctionBuilder, dst: Ref, terms: [Ref, Ref][], square: boolean, v: ProductLocals): void {
  const doubled: Ref = { offset: SCRATCH.D };
  if (square) {
    const a = terms[0][0];
    for (let i = 0; i < LIMBS; i++) {
      f.i32(0);
      loadLimb(f, a, i);
      f.i32(1).simd(SIMD.i32x4Shl).vstore(SCRATCH.D + 16 * i);
    }
  }
  for (let k = 0; k < 2 * LIMBS - 1; k++) {
    const lo = Math.max(0, k - (LIMBS - 1));
    const hi = Math.min(LIMBS - 1, k);
    // The column's products, as pairs of "push operand" actions.
    const products: [() => void, () => void][] = [];
    if (square) {
      const a = terms[0][0];
      for (let i = lo; i <= hi && i < k - i; i++) products.push([() => loadLimb(f, doubled, i), () => loadLimb(f, a, k - i)]);
      if (k % 2 === 0) products.push([() => loadLimb(f, a, k / 2), () => loadLimb(f, a, k / 2)]);
    } else {
      for (const [a, b] of terms) for (let i = lo; i <= hi; i++) products.push([() => loadLimb(f, a, i), () => loadLimb(f, b, k - i)]);
    }
    for (let i = lo; i <= hi; i++) {
      if (k < LIMBS && i >= k) break; // m_k is not known yet
      if (P_LIMBS[k - i] !== 0n) products.push([() => f.get(v.m[i]), () => f.i32(0).vload(P_ADDR + 16 * (k - i))]);
    }
    for (const half of [SIMD.extmulLowU, SIMD.extmulHighU]) {
      const acc = half === SIMD.extmulLowU ? v.lo : v.hi;
      if (k === 0) f.vconst(ZERO16);
      else f.get(acc);
      products.forEach(([left, right], n) => {
        left();
        right();
        f.simd(half).simd(SIMD.i64x2Add);
        if ((n + 1) % FENCE_EVERY === 0 && n + 1 < products.length) f.tee(acc).i32(0).get(acc).vstore(FENCE_ADDR);
      });
      f.set(acc);
      f.i32(0).get(acc).vstore(FENCE_ADDR);
    }
    if (k < LIMBS) {
      // m_k = (c * (2^28 - 1)) mod 2^29 = ((c << 28) - c) & mask, on the low words of the column.
      f.get(v.lo).get(v.hi).shuffle(LOW_WORDS).tee(v.x);
      f.i32(28).simd(SIMD.i32x4Shl).get(v.x).simd(SIMD.i32x4Sub).i32(0).vload(MASK_ADDR).simd(SIMD.and).set(v.m[k]);
      for (const half of [SIMD.extmulLowU, SIMD.extmulHighU]) {
        const acc = half === SIMD.extmulLowU ? v.lo : v.hi;
        f.get(acc).get(v.m[k]).i32(0).vload(P_ADDR).simd(half).simd(SIMD.i64x2Add);
        f.i32(LIMB_BITS).simd(SIMD.i64x2ShrU).set(acc);
      }
    } else {
      pushAddress(f, dst);
      f.get(v.lo).get(v.hi).shuffle(LOW_WORDS).i32(0).vload(MASK_ADDR).simd(SIMD.and).vstore(dst.offset + 16 * (k - LIMBS));
      for (const acc of [v.lo, v.hi]) f.get(acc).i32(LIMB_BITS).simd(SIMD.i64x2ShrU).set(acc);
    }
  }
  pushAddress(f, dst);
  f.get(v.lo).get(v.hi).shuffle(LOW_WORDS).vstore(dst.offset + 16 * (LIMBS - 1));
}

/** dst = a + b with carries propagated, no reduction (a + b stays below 2^261). */
function emitAddNormalize(f: FunctionBuilder, dst: Ref, a: Ref, b: Ref, t: number, carry: number): void {
  for (let i = 0; i < LIMBS; i++) {
    pushAddress(f, dst);
    loadLimb(f, a, i);
    loadLimb(f, b, i);
    f.simd(SIMD.i32x4Add);
    if (i > 0) f.get(carry).simd(SIMD.i32x4Add);
    if (i < LIMBS - 1) {
      f.tee(t).i32(0).vload(MASK_ADDR).simd(SIMD.and).vstore(dst.offset + 16 * i);
      f.get(t).i32(LIMB_BITS).simd(SIMD.i32x4ShrU).set(carry);
    } else {
      f.vstore(dst.offset + 16 * i);
    }
  }
}

/** dst = z - q where z >= q, else z; z in locals (normalised limbs). */
function emitConditionalSubtract(f: FunctionBuilder, dst: Ref, z: number[], d: number[], borrow: number, q: bigint[]): void {
  for (let i = 0; i < LIMBS; i++) {
    f.get(z[i]).vconst(splat32(q[i])).simd(SIMD.i32x4Sub);
    if (i > 0) f.get(borrow).simd(SIMD.i32x4Add);
    f.set(d[i]);
    if (i < LIMBS - 1) {
      f.get(d[i]).i32(LIMB_BITS).simd(SIMD.i32x4ShrS).set(borrow);
      f.get(d[i]).i32(0).vload(MASK_ADDR).simd(SIMD.and).set(d[i]);
    }
  }
  // All ones in the lanes where z < q (the top difference is negative).
  f.get(d[LIMBS - 1]).i32(31).simd(SIMD.i32x4ShrS).set(borrow);
  for (let i = 0; i < LIMBS; i++) {
    pushAddress(f, dst);
    f.get(z[i]).get(d[i]).get(borrow).simd(SIMD.bitselect).vstore(dst.offset + 16 * i);
  }
}

/** dst = a + b, reduced below 2p when a + b < 4p. */
function emitAddMod2p(f: FunctionBuilder, dst: Ref, a: Ref, b: Ref, z: number[], d: number[], borrow: number): void {
  for (let i = 0; i < LIMBS; i++) {
    loadLimb(f, a, i);
    loadLimb(f, b, i);
    f.simd(SIMD.i32x4Add);
    if (i > 0) f.get(z[i - 1]).i32(LIMB_BITS).simd(SIMD.i32x4ShrU).simd(SIMD.i32x4Add);
    f.set(z[i]);
  }
  for (let i = 0; i < LIMBS - 1; i++) f.get(z[i]).i32(0).vload(MASK_ADDR).simd(SIMD.and).set(z[i]);
  emitConditionalSubtract(f, dst, z, d, borrow, TWO_P_LIMBS);
}

// ---------------------------------------------------------------------------------------------
// Poseidon constants (t = 3).

interface PoseidonOptConstants {
  C: string[][];
  S: string[][];
  M: string[][][];
  P: string[][][];
}

/** One of circomlibjs's Poseidon constant files (src/NAME): its package exports hide src/, so it is read next to the CommonJS build. */
export function readCircomlibjsConstants<T>(name: string): T {
  const main = require.resolve("circomlibjs");
  return JSON.parse(fs.readFileSync(path.join(path.dirname(main), "..", "src", name), "utf8")) as T;
}

function loadOptimisedConstants(): PoseidonOptConstants {
  return readCircomlibjsConstants<PoseidonOptConstants>("poseidon_constants_opt.json");
}

const T = 3;
export const N_ROUNDS_F = 8;
export const N_ROUNDS_P = 57;

/** Each value in Montgomery form, broadcast to the four lanes. */
function quadBytes(values: bigint[], montgomery: boolean): Uint8Array {
  const out = new Uint8Array(values.length * QUAD_BYTES);
  const view = new DataView(out.buffer);
  values.forEach((value, v) => {
    toLimbs(montgomery ? mod(value * R, P) : value).forEach((limb, i) => {
      for (let lane = 0; lane < LANES; lane++) view.setUint32(v * QUAD_BYTES + 16 * i + 4 * lane, Number(limb), true);
    });
  });
  return out;
}

// ---------------------------------------------------------------------------------------------
// The module.

let cachedBytes: Uint8Array<ArrayBuffer> | undefined;
let cachedModule: WebAssembly.Module | undefined;

/** Where the Poseidon constants go in the module's memory, and the data segments that put them there. */
interface ConstantLayout {
  cAddr: number;
  sAddr: number;
  mAddr: number;
  pAddr: number;
  data: [number, Uint8Array][];
}

function constantLayout(): ConstantLayout {
  const raw = loadOptimisedConstants();
  const C = raw.C[T - 2].map(BigInt);
  const S = raw.S[T - 2].map(BigInt);
  const M = raw.M[T - 2].map((row) => row.map(BigInt));
  const Pm = raw.P[T - 2].map((row) => row.map(BigInt));
  if (C.length !== T * N_ROUNDS_F + N_ROUNDS_P || S.length !== (2 * T - 1) * N_ROUNDS_P || M.length !== T || Pm.length !== T) {
    throw new Error("unexpected Poseidon constants layout in circomlibjs");
  }
  // Matrices are stored as [j][i] (row-major): new_i = sum_j M[j][i] * s_j, so row i of the
  // product reads constants i, i + 3, i + 6.
  const cAddr = CONST_BASE;
  const sAddr = cAddr + C.length * Q;
  const mAddr = sAddr + S.length * Q;
  const pAddr = mAddr + T * T * Q;
  if (pAddr + T * T * Q > HEAP_BASE) throw new Error("constants overflow the reserved area");
  const data: [number, Uint8Array][] = [
    [ONE_ADDR, quadBytes([1n], false)],
    [R2_ADDR, quadBytes([mod(R * R, P)], false)],
    [P_ADDR, quadBytes([P], false)],
    [MASK_ADDR, quadBytes([MASK], false).slice(0, 16)],
    [cAddr, quadBytes(C, true)],
    [sAddr, quadBytes(S, true)],
    [mAddr, quadBytes(M.flat(), true)],
    [pAddr, quadBytes(Pm.flat(), true)],
  ];
  return { cAddr, sAddr, mAddr, pAddr, data };
}

/** The module's functions in index order, and the exported ones. */
class WasmFunctions {
  readonly functions: FunctionBuilder[] = [];
  readonly exported: [string, number][] = [];

  add(f: FunctionBuilder, exportName?: string): number {
    this.functions.push(f);
    if (exportName) this.exported.push([exportName, this.functions.length - 1]);
    return this.functions.length - 1;
  }
}

const productLocals = (f: FunctionBuilder): ProductLocals => ({ lo: f.local(V128), hi: f.local(V128), x: f.local(V128), m: f.locals(V128, LIMBS) });
const at = (local: number, offset = 0): Ref => ({ local, offset });
const abs = (offset: number): Ref => ({ offset });

/** Indices of the field-arithmetic functions the hash is built from. */
interface Kernels {
  MUL: number;
  SQR: number;
  DOT3_ROW: number;
  DOT3_COLUMN: number;
  ADDN: number;
  ADD2P: number;
  COPY: number;
  SBOX: number;
  FULL_ROUND: number;
}

function emitKernels(m: WasmFunctions): Kernels {
  // mul(dst, a, b)
  const mulF = new FunctionBuilder([I32, I32, I32]);
  emitMontProduct(mulF, at(0), [[at(1), at(2)]], false, productLocals(mulF));
  const MUL = m.add(mulF);

  // sqr(dst, a)
  const sqrF = new FunctionBuilder([I32, I32]);
  emitMontProduct(sqrF, at(0), [[at(1), at(1)]], true, productLocals(sqrF));
  const SQR = m.add(sqrF);

  // dot3(dst, pc): dst = sum_j const[pc + stride * j] * S_j
  const makeDot3 = (stride: number): number => {
    const f = new FunctionBuilder([I32, I32]);
    const states = [SCRATCH.S0, SCRATCH.S1, SCRATCH.S2];
    emitMontProduct(f, at(0), states.map((s, j) => [at(1, j * stride * Q), abs(s)]), false, productLocals(f));
    return m.add(f);
  };
  const DOT3_ROW = makeDot3(1);
  const DOT3_COLUMN = makeDot3(T);

  // addn(dst, a, b)
  const addnF = new FunctionBuilder([I32, I32, I32]);
  emitAddNormalize(addnF, at(0), at(1), at(2), addnF.local(V128), addnF.local(V128));
  const ADDN = m.add(addnF);

  // add2p(dst, a, b)
  const add2pF = new FunctionBuilder([I32, I32, I32]);
  emitAddMod2p(add2pF, at(0), at(1), at(2), add2pF.locals(V128, LIMBS), add2pF.locals(V128, LIMBS), add2pF.local(V128));
  const ADD2P = m.add(add2pF);

  // copy(dst, src)
  const copyF = new FunctionBuilder([I32, I32]);
  for (let i = 0; i < LIMBS; i++) copyF.get(0).get(1).vload(16 * i).vstore(16 * i);
  const COPY = m.add(copyF);

  // sbox(x): x = x^5
  const sboxF = new FunctionBuilder([I32]);
  sboxF.i32(SCRATCH.X2).get(0).call(SQR);
  sboxF.i32(SCRATCH.X4).i32(SCRATCH.X2).call(SQR);
  sboxF.get(0).get(0).i32(SCRATCH.X4).call(MUL);
  const SBOX = m.add(sboxF);

  // fullRound(pc, matrix): S = matrix * (sbox(S) + C[pc .. pc + 3])
  const fullRoundF = new FunctionBuilder([I32, I32]);
  {
    const states = [SCRATCH.S0, SCRATCH.S1, SCRATCH.S2];
    const temps = [SCRATCH.T0, SCRATCH.T1, SCRATCH.T2];
    for (const s of states) fullRoundF.i32(s).call(SBOX);
    states.forEach((s, i) => fullRoundF.i32(s).i32(s).get(0).i32(i * Q).emit(OP.i32Add).call(ADDN));
    temps.forEach((t, i) => fullRoundF.i32(t).get(1).i32(i * Q).emit(OP.i32Add).call(DOT3_COLUMN));
    states.forEach((s, i) => fullRoundF.i32(s).i32(temps[i]).call(COPY));
  }
  const FULL_ROUND = m.add(fullRoundF);
  return { MUL, SQR, DOT3_ROW, DOT3_COLUMN, ADDN, ADD2P, COPY, SBOX, FULL_ROUND };
}

/** hash(out, left, right): four Poseidon([left, right]) at once, Montgomery form; returns its index. */
function emitHash(m: WasmFunctions, k: Kernels, layout: ConstantLayout): number {
  const { cAddr, sAddr, mAddr, pAddr } = layout;
  const hashF = new FunctionBuilder([I32, I32, I32]);
  {
    const [out, left, right] = [0, 1, 2];
    const pc = hashF.local(I32);
    const ps = hashF.local(I32);
    const i = hashF.local(I32);
    // state = [0, left, right] + C[0..3]
    hashF.i32(SCRATCH.S0).i32(cAddr).call(k.COPY);
    hashF.i32(SCRATCH.S1).get(left).i32(cAddr + Q).call(k.ADDN);
    hashF.i32(SCRATCH.S2).get(right).i32(cAddr + 2 * Q).call(k.ADDN);
    hashF.i32(cAddr + T * Q).set(pc);
    const fullRounds = (count: number, matrixAddr: number) =>
      hashF.loop(i, () => hashF.i32(count), () => {
        hashF.get(pc).i32(matrixAddr).call(k.FULL_ROUND);
        hashF.bump(pc, T * Q);
      });
    fullRounds(N_ROUNDS_F / 2 - 1, mAddr);
    fullRounds(1, pAddr);
    hashF.i32(sAddr).set(ps);
    hashF.loop(i, () => hashF.i32(N_ROUNDS_P), () => {
      // s0 = s0^5 + c; [s0, s1, s2] = [row . s, s1 + v1 * s0, s2 + v2 * s0]
      hashF.i32(SCRATCH.S0).call(k.SBOX);
      hashF.i32(SCRATCH.S0).i32(SCRATCH.S0).get(pc).call(k.ADDN);
      hashF.i32(SCRATCH.T0).get(ps).call(k.DOT3_ROW);
      hashF.i32(SCRATCH.U).i32(SCRATCH.S0).get(ps).i32(3 * Q).emit(OP.i32Add).call(k.MUL);
      hashF.i32(SCRATCH.S1).i32(SCRATCH.S1).i32(SCRATCH.U).call(k.ADD2P);
      hashF.i32(SCRATCH.U).i32(SCRATCH.S0).get(ps).i32(4 * Q).emit(OP.i32Add).call(k.MUL);
      hashF.i32(SCRATCH.S2).i32(SCRATCH.S2).i32(SCRATCH.U).call(k.ADD2P);
      hashF.i32(SCRATCH.S0).i32(SCRATCH.T0).call(k.COPY);
      hashF.bump(pc, Q);
      hashF.bump(ps, (2 * T - 1) * Q);
    });
    fullRounds(N_ROUNDS_F / 2 - 1, mAddr);
    // Last round: no constants, and only output 0 is needed.
    for (const s of [SCRATCH.S0, SCRATCH.S1, SCRATCH.S2]) hashF.i32(s).call(k.SBOX);
    hashF.get(out).i32(mAddr).call(k.DOT3_COLUMN);
  }
  return m.add(hashF, "hash");
}

function emitHashPairs(m: WasmFunctions, hash: number): void {
  // hashPairs(in, out, quads): output node k = hash(node 2k, node 2k + 1) for the first
  // 4 * quads nodes; reads 8 * quads input nodes. out may equal in.
  const pairsF = new FunctionBuilder([I32, I32, I32]);
  {
    const [inp, out, quads] = [0, 1, 2];
    const k = pairsF.local(I32);
    pairsF.loop(k, () => pairsF.get(quads), () => {
      for (let limb = 0; limb < LIMBS; limb++) {
        for (const [dst, lanes] of [[SCRATCH.L, EVEN_LANES], [SCRATCH.R, ODD_LANES]] as const) {
          pairsF.i32(0).get(inp).vload(16 * limb).get(inp).vload(Q + 16 * limb).shuffle(lanes).vstore(dst + 16 * limb);
        }
      }
      pairsF.get(out).i32(SCRATCH.L).i32(SCRATCH.R).call(hash);
      pairsF.bump(inp, 2 * Q);
      pairsF.bump(out, Q);
    });
  }
  m.add(pairsF, "hashPairs");

}

function emitToMont(m: WasmFunctions, kernels: Kernels): void {
  // toMont(src, dst, quads): canonical elements (32 bytes big-endian each, 4 per quad) -> internal quads.
  const toMontF = new FunctionBuilder([I32, I32, I32]);
  {
    const [src, dst, quads] = [0, 1, 2];
    const k = toMontF.local(I32);
    const words = toMontF.locals(I64, 4);
    toMontF.loop(k, () => toMontF.get(quads), () => {
      for (let lane = 0; lane < LANES; lane++) {
        // Big-endian in memory: reverse the 32 bytes into BSWAP, then read little-endian words.
        toMontF.i32(0).get(src).vload(CANONICAL_BYTES * lane + 16).vconst(ZERO16).shuffle(REVERSE).vstore(BSWAP_ADDR);
        toMontF.i32(0).get(src).vload(CANONICAL_BYTES * lane).vconst(ZERO16).shuffle(REVERSE).vstore(BSWAP_ADDR + 16);
        words.forEach((w, j) => toMontF.i32(0).load64(BSWAP_ADDR + 8 * j).set(w));
        for (let limb = 0; limb < LIMBS; limb++) {
          const bit = LIMB_BITS * limb;
          const w = Math.floor(bit / 64);
          const s = bit % 64;
          toMontF.i32(0).get(words[w]).i64(s).emit(OP.i64ShrU);
          if (s + LIMB_BITS > 64 && w + 1 < 4) toMontF.get(words[w + 1]).i64(64 - s).emit(OP.i64Shl, OP.i64Or);
          toMontF.i64(MASK).emit(OP.i64And).store32(SCRATCH.U + 16 * limb + 4 * lane);
        }
      }
      toMontF.get(dst).i32(SCRATCH.U).i32(R2_ADDR).call(kernels.MUL);
      toMontF.bump(src, LANES * CANONICAL_BYTES);
      toMontF.bump(dst, Q);
    });
  }
  m.add(toMontF, "toMont");

}

function emitFromMont(m: WasmFunctions, kernels: Kernels): void {
  // fromMont(src, dst, quads): internal quads -> canonical elements, fully reduced.
  const fromMontF = new FunctionBuilder([I32, I32, I32]);
  {
    const [src, dst, quads] = [0, 1, 2];
    const k = fromMontF.local(I32);
    const z = fromMontF.locals(V128, LIMBS);
    const d = fromMontF.locals(V128, LIMBS);
    const borrow = fromMontF.local(V128);
    fromMontF.loop(k, () => fromMontF.get(quads), () => {
      fromMontF.i32(SCRATCH.U).get(src).i32(ONE_ADDR).call(kernels.MUL); // each lane <= p
      z.forEach((local, i) => fromMontF.i32(0).vload(SCRATCH.U + 16 * i).set(local));
      emitConditionalSubtract(fromMontF, abs(SCRATCH.U), z, d, borrow, P_LIMBS);
      for (let lane = 0; lane < LANES; lane++) {
        for (let w = 0; w < 4; w++) {
          fromMontF.i32(0);
          let first = true;
          for (let limb = 0; limb < LIMBS; limb++) {
            const lo = LIMB_BITS * limb;
            if (lo + LIMB_BITS <= 64 * w || lo >= 64 * (w + 1)) continue;
            fromMontF.i32(0).load32u(SCRATCH.U + 16 * limb + 4 * lane);
            const shift = lo - 64 * w;
            if (shift > 0) fromMontF.i64(shift).emit(OP.i64Shl);
            else if (shift < 0) fromMontF.i64(-shift).emit(OP.i64ShrU);
            if (!first) fromMontF.emit(OP.i64Or);
            first = false;
          }
          fromMontF.store64(BSWAP_ADDR + 8 * w);
        }
        fromMontF.get(dst).i32(0).vload(BSWAP_ADDR + 16).vconst(ZERO16).shuffle(REVERSE).vstore(CANONICAL_BYTES * lane);
        fromMontF.get(dst).i32(0).vload(BSWAP_ADDR).vconst(ZERO16).shuffle(REVERSE).vstore(CANONICAL_BYTES * lane + 16);
      }
      fromMontF.bump(src, Q);
      fromMontF.bump(dst, LANES * CANONICAL_BYTES);
    });
  }
  m.add(fromMontF, "fromMont");

}

/** The binary: types, functions, memory, exports, code and the constants' data segments. */
function assembleModule(m: WasmFunctions, data: [number, Uint8Array][]): Uint8Array<ArrayBuffer> {
  const typeKeys: string[] = [];
  const typeOf = m.functions.map((f) => {
    const key = f.params.join(",");
    if (!typeKeys.includes(key)) typeKeys.push(key);
    return typeKeys.indexOf(key);
  });
  const typeSection = vec(typeKeys.map((key) => {
    const params = key === "" ? [] : key.split(",").map(Number);
    return [0x60, ...uleb(params.length), ...params, 0];
  }));
  const module = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, typeSection),
    ...section(3, vec(typeOf.map((t) => uleb(t)))),
    ...section(5, vec([[0x00, ...uleb(HEAP_BASE / 65536)]])),
    ...section(7, vec([[...utf8("memory"), 0x02, 0x00], ...m.exported.map(([n, index]) => [...utf8(n), 0x00, ...uleb(index)])])),
    ...section(10, vec(m.functions.map((f) => f.encode()))),
    ...section(11, vec(data.map(([addr, bytes]) => [0x00, OP.i32Const, ...sleb(addr), OP.end, ...uleb(bytes.length), ...bytes]))),
  ];
  return Uint8Array.from(module);
}

/** The generated WebAssembly binary (deterministic). */
export function poseidonWasmBytes(): Uint8Array<ArrayBuffer> {
  if (cachedBytes) return cachedBytes;
  const layout = constantLayout();
  const m = new WasmFunctions();
  const kernels = emitKernels(m);
  emitHashPairs(m, emitHash(m, kernels, layout));
  emitToMont(m, kernels);
  emitFromMont(m, kernels);
  cachedBytes = assembleModule(m, layout.data);
  return cachedBytes;
}

/** The compiled module, which worker threads can receive through workerData or postMessage. */
export function poseidonWasmModule(): WebAssembly.Module {
  cachedModule ??= new WebAssembly.Module(poseidonWasmBytes());
  return cachedModule;
}

export interface PoseidonWasmExports {
  memory: WebAssembly.Memory;
  /** Four hashes: out = Poseidon([left, right]) lane by lane; pointers to internal quads. */
  hash(out: number, left: number, right: number): void;
  /** Node k of the level above = hash(node 2k, node 2k + 1), for 4 * quads nodes; out may equal input. */
  hashPairs(input: number, output: number, quads: number): void;
  /** 4 * quads canonical elements (32 bytes each, below 2^256) -> internal quads. */
  toMont(src: number, dst: number, quads: number): void;
  /** internal quads -> 4 * quads canonical elements, each below p. */
  fromMont(src: number, dst: number, quads: number): void;
}

// ---------------------------------------------------------------------------------------------
// Byte conversions.

/** Writes 0 <= value < 2^256 as 32 big-endian bytes. */
export function writeCanonical(target: Buffer, offset: number, value: bigint): void {
  target.write(value.toString(16).padStart(64, "0"), offset, CANONICAL_BYTES, "hex");
}

/** Reads 32 big-endian bytes as a bigint. */
export function readCanonical(source: Buffer, offset: number): bigint {
  return BigInt("0x" + source.toString("hex", offset, offset + CANONICAL_BYTES));
}

/** A Buffer over (part of) any ArrayBuffer or SharedArrayBuffer, without copying. */
export function bufferOf(memory: ArrayBufferLike, offset = 0, length?: number): Buffer {
  return Buffer.from(memory, offset, length ?? memory.byteLength - offset);
}

/**
 * One instance, used synchronously. Memory from HEAP_BASE up is the caller's: `ensure` grows
 * it (which replaces the memory's ArrayBuffer, so take views after growing).
 */
export class PoseidonWasm {
  readonly exports: PoseidonWasmExports;

  constructor(module: WebAssembly.Module = poseidonWasmModule()) {
    this.exports = new WebAssembly.Instance(module, {}).exports as unknown as PoseidonWasmExports;
  }

  /** Makes sure bytes [0, end) exist; returns a view of the whole memory. */
  ensure(end: number): Uint8Array {
    const memory = this.exports.memory;
    if (end > memory.buffer.byteLength) memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536));
    return new Uint8Array(memory.buffer);
  }

  /** Poseidon([left, right]) for each pair of field elements (each at least 0 and below p). */
  hashPairsOf(pairs: readonly (readonly [bigint, bigint])[]): bigint[] {
    for (const pair of pairs) {
      for (const value of pair) if (typeof value !== "bigint" || value < 0n || value >= P) throw new RangeError(`not a field element: ${String(value).slice(0, 80)}`);
    }
    const quads = Math.ceil(pairs.length / LANES);
    const canonical = HEAP_BASE;
    const internal = canonical + 2 * quads * LANES * CANONICAL_BYTES;
    const end = internal + 2 * quads * Q;
    this.ensure(end + quads * LANES * CANONICAL_BYTES);
    let memory = bufferOf(this.exports.memory.buffer);
    memory.fill(0, canonical, internal);
    pairs.forEach(([left, right], i) => {
      writeCanonical(memory, canonical + 2 * i * CANONICAL_BYTES, left);
      writeCanonical(memory, canonical + (2 * i + 1) * CANONICAL_BYTES, right);
    });
    this.exports.toMont(canonical, internal, 2 * quads);
    this.exports.hashPairs(internal, internal, quads);
    this.exports.fromMont(internal, end, quads);
    memory = bufferOf(this.exports.memory.buffer);
    return pairs.map((_, i) => readCanonical(memory, end + i * CANONICAL_BYTES));
  }

  hash2(left: bigint, right: bigint): bigint {
    return this.hashPairsOf([[left, right]])[0];
  }
}
