/**
 * Verifying many Groth16 proofs at once, as an auditor or a relayer does: vote proofs
 * (verifyVoteProofs) or those of any circuit under one key, the sealed ones (verifyGroth16Proofs).
 *
 * snarkjs verifies a Groth16 proof with four pairings: e(A, B) = e(alpha, beta) e(L, gamma) e(C, delta),
 * L = IC0 + sum_j x_j IC_j. For n proofs under the same verification key, a random linear
 * combination with secret 128-bit scalars r_i (from the operating system's CSPRNG) checks them
 * all with n + 3 Miller loops and one final exponentiation:
 *
 *   prod_i e(-r_i A_i, B_i) * e((sum r_i) alpha, beta) * e(sum_i r_i L_i, gamma) * e(sum_i r_i C_i, delta) = 1
 *
 * where sum_i r_i L_i = (sum r_i) IC0 + sum_j (sum_i r_i x_ij) IC_j needs only one
 * multi-exponentiation over the key's IC points (5 for the vote circuit, 41 for the sealed vote). Valid proofs always pass; a batch holding an invalid proof passes
 * with probability at most about 2^-128 (the target group has prime order r > 2^253 and each
 * r_i is uniform and unknown to the prover). When a batch fails, it is split in halves and
 * re-checked, and small or clearly bad groups are verified one by one with snarkjs itself, so
 * every false comes from the reference verifier.
 *
 * The same per-proof checks as snarkjs.groth16.verify run first (public signals in [0, r),
 * points on their curves). The batch argument also needs B in the order-r subgroup of the
 * twist (snarkjs only checks that B is on the curve); a proof whose B is outside it is
 * verified one by one by snarkjs, so the result is still snarkjs's. The subgroup test is
 * psi(B) = [6u^2] B (El Housni, Guillevic, Piellard, 2022), about half the cost of [r] B = 0;
 * the endomorphism's constants are checked against the generator at start-up.
 *
 * Two engines compute the randomised check. "mcl" (the default): the whole check (parsing,
 * curve and G2 tests, Miller loops) on mcl-wasm worker threads, one batch a thread
 * (lib/proving/mclGroth16.ts); measured faster (bench `audit`). "ffjavascript": the Miller loops
 * on ffjavascript's worker threads (the pool snarkjs uses), the next batch prepared on this
 * thread while they run. Either way every false comes from snarkjs.
 */
import { randomBytes } from "node:crypto";

import * as snarkjs from "snarkjs";

import { BN254_BASE_FIELD, SNARK_SCALAR_FIELD } from "../core/constants";
import { MclBatchPool } from "./mclGroth16";
import { loadVerificationKey, parseSolidityProof, publicSignalsArray, verifyVoteProof, type VotePublicSignals } from "./prover";
import { verifyGroth16Proof } from "./voteProver";

export interface ProofItem {
  signals: VotePublicSignals;
  proof: readonly bigint[];
}

/** A Groth16 proof of any circuit (the sealed vote and decryption circuits): its public signals in the circuit's order and castVote's eight words. */
export interface Groth16ProofItem {
  signals: readonly bigint[];
  proof: readonly bigint[];
}

/** What the batch loop needs to know of a kind of proof item. */
interface ProofAdapter<T> {
  /** The public signals in the circuit's order; throws on a shape this module does not model (snarkjs then decides). */
  inputs(item: T): bigint[];
  /** snarkjs's verdict on one proof: the reference every false comes from (false, not an exception, for a malformed one). */
  verifyOne(item: T): Promise<boolean>;
}

export interface BatchVerifyOptions {
  verificationKey?: unknown;
  /** Proofs per randomised check (default 64). Larger batches amortise three pairings more, smaller ones fail cheaper. */
  batchSize?: number;
  /** Groups of at most this many proofs are verified one by one after a failed check (default 4). */
  individualThreshold?: number;
  /** Called as proofs are settled: (done, total). */
  onProgress?: (done: number, total: number) => void;
  /** Which code computes the randomised checks (default "mcl"; see above). */
  engine?: "mcl" | "ffjavascript";
}

export interface BatchVerifyStats {
  /** Randomised batch checks run, passed or failed. */
  batchChecks: number;
  failedBatchChecks: number;
  /** Proofs handed to snarkjs one by one. */
  individualChecks: number;
  /** Proofs rejected by the per-proof checks before any pairing. */
  rejectedEarly: number;
}

// ---------------------------------------------------------------------------------------------
// The parts of ffjavascript's curve object used here (ffjavascript has no type declarations).

type Point = Uint8Array;
interface CurveGroup {
  F: { n8: number; neg(a: Uint8Array): Uint8Array; mul(a: Uint8Array, b: Uint8Array): Uint8Array; exp(a: Uint8Array, e: bigint): Uint8Array; fromObject(a: unknown): Uint8Array };
  g: Point;
  fromObject(a: unknown): Point;
  toAffine(a: Point): Point;
  isValid(a: Point): boolean;
  isZero(a: Point): boolean;
  eq(a: Point, b: Point): boolean;
  neg(a: Point): Point;
  timesScalar(a: Point, s: bigint): Point;
  multiExpAffine(bases: Uint8Array, scalars: Uint8Array): Promise<Point>;
}
interface Curve {
  G1: CurveGroup;
  G2: CurveGroup;
  pairingEq(...args: Point[]): Promise<boolean>;
}

interface PreparedKey {
  alpha: Point;
  beta: Point;
  gamma: Point;
  delta: Point;
  /** IC0..IC4, affine, concatenated. */
  ic: Uint8Array;
  nPublic: number;
}

interface Candidate {
  index: number;
  inputs: bigint[];
  a: Point;
  b: Point;
  c: Point;
}

/** BN254 seed u; p = r + 6u^2, so psi acts on G2 as multiplication by 6u^2. */
const BN_SEED = 4965661367192848881n;
const PSI_SCALAR = 6n * BN_SEED * BN_SEED;

let curvePromise: Promise<Curve> | undefined;

async function loadCurve(): Promise<Curve> {
  // The multi-threaded bn128 instance snarkjs itself caches (globalThis.curve_bn128), so
  // releaseSnarkjs() releases it too.
  curvePromise ??= snarkjs.curves.getCurveFromName("bn128") as unknown as Promise<Curve>;
  const curve = await curvePromise;
  if ((globalThis as { curve_bn128?: unknown }).curve_bn128 !== curve) {
    // releaseSnarkjs() terminated it since: load a fresh one.
    curvePromise = snarkjs.curves.getCurveFromName("bn128") as unknown as Promise<Curve>;
    psiCache = undefined;
    keyCache = new WeakMap();
    return curvePromise;
  }
  return curve;
}

// ---------------------------------------------------------------------------------------------
// G2 subgroup membership: psi(Q) = [6u^2] Q, psi(x, y) = (conj(x) eps_x, conj(y) eps_y).

interface Psi {
  epsX: Uint8Array;
  epsY: Uint8Array;
  /** false when the self-test failed; then membership falls back to [r] Q = 0. */
  usable: boolean;
}

let psiCache: Psi | undefined;

function psiOf(curve: Curve, q: Point, psi: Psi): Point {
  const F2 = curve.G2.F;
  const n8 = F2.n8 / 2;
  const affine = curve.G2.toAffine(q);
  // Frobenius on Fp2 = Fp[u]/(u^2 + 1) is conjugation: negate the u coefficient.
  const conj = (a: Uint8Array) => {
    const out = new Uint8Array(a);
    out.set(curve.G1.F.neg(a.slice(n8)), n8);
    return out;
  };
  const x = affine.slice(0, F2.n8);
  const y = affine.slice(F2.n8, 2 * F2.n8);
  const out = new Uint8Array(2 * F2.n8);
  out.set(F2.mul(conj(x), psi.epsX), 0);
  out.set(F2.mul(conj(y), psi.epsY), F2.n8);
  return out;
}

function psiConstants(curve: Curve): Psi {
  if (psiCache) return psiCache;
  const F2 = curve.G2.F;
  const xi = F2.fromObject([9n, 1n]);
  const psi: Psi = { epsX: F2.exp(xi, (BN254_BASE_FIELD - 1n) / 3n), epsY: F2.exp(xi, (BN254_BASE_FIELD - 1n) / 2n), usable: true };
  // Self-test on the generator and a multiple of it.
  const g = curve.G2.g;
  const g5 = curve.G2.timesScalar(g, 5n);
  psi.usable = [g, g5].every((point) => curve.G2.eq(curve.G2.timesScalar(point, PSI_SCALAR), psiOf(curve, point, psi)));
  psiCache = psi;
  return psi;
}

/** Whether a point of the twist (already known to be on it) lies in the order-r subgroup G2. */
function isInG2(curve: Curve, q: Point): boolean {
  if (curve.G2.isZero(q)) return true;
  const psi = psiConstants(curve);
  if (!psi.usable) return curve.G2.isZero(curve.G2.timesScalar(q, SNARK_SCALAR_FIELD));
  return curve.G2.eq(curve.G2.timesScalar(q, PSI_SCALAR), psiOf(curve, q, psi));
}

/** Which G2 membership test is in use: the endomorphism, unless its self-test failed. */
export async function g2MembershipTest(): Promise<"psi" | "order"> {
  return psiConstants(await loadCurve()).usable ? "psi" : "order";
}

// ---------------------------------------------------------------------------------------------

let keyCache = new WeakMap<object, PreparedKey>();

function prepareKey(curve: Curve, verificationKey: unknown): PreparedKey {
  const cached = keyCache.get(verificationKey as object);
  if (cached) return cached;
  const vk = verificationKey as {
    nPublic: number;
    vk_alpha_1: string[];
    vk_beta_2: string[][];
    vk_gamma_2: string[][];
    vk_delta_2: string[][];
    IC: string[][];
  };
  const g1 = (p: string[]) => curve.G1.fromObject(p.map(BigInt));
  const g2 = (p: string[][]) => curve.G2.fromObject(p.map((pair) => pair.map(BigInt)));
  const pointBytes = curve.G1.F.n8 * 2;
  const ic = new Uint8Array(pointBytes * vk.IC.length);
  vk.IC.forEach((p, i) => ic.set(curve.G1.toAffine(g1(p)), i * pointBytes));
  const prepared: PreparedKey = {
    alpha: g1(vk.vk_alpha_1),
    beta: g2(vk.vk_beta_2),
    gamma: g2(vk.vk_gamma_2),
    delta: g2(vk.vk_delta_2),
    ic,
    nPublic: vk.nPublic,
  };
  keyCache.set(verificationKey as object, prepared);
  return prepared;
}

function scalarBytes(values: readonly bigint[]): Uint8Array {
  const out = new Uint8Array(32 * values.length);
  values.forEach((value, i) => {
    let v = value;
    for (let b = 0; b < 32; b++) {
      out[32 * i + b] = Number(v & 0xffn);
      v >>= 8n;
    }
  });
  return out;
}

/** A uniform non-zero 128-bit scalar from the operating system's CSPRNG. */
function randomScalar(): bigint {
  for (;;) {
    const value = BigInt("0x" + randomBytes(16).toString("hex"));
    if (value !== 0n) return value;
  }
}

/**
 * The per-proof checks snarkjs.groth16.verify makes before pairing, on the numbers. "unusual"
 * marks input this module does not model exactly (signals that are not bigints, a key with
 * another number of public signals): snarkjs verifies those.
 */
function checkProofInput<T extends { proof: readonly bigint[] }>(item: T, adapter: ProofAdapter<T>, nPublic: number): { coordinates: bigint[]; inputs: bigint[] } | "invalid" | "unusual" {
  let inputs: bigint[];
  let coordinates: bigint[];
  try {
    coordinates = parseSolidityProof(item.proof);
  } catch {
    return "invalid"; // verifyVoteProof throws the same parse error
  }
  try {
    inputs = adapter.inputs(item);
  } catch {
    return "unusual";
  }
  if (inputs.length !== nPublic || inputs.some((x) => typeof x !== "bigint")) return "unusual";
  if (inputs.some((x) => x < 0n || x >= SNARK_SCALAR_FIELD)) return "invalid";
  return { coordinates, inputs };
}

/** checkProofInput, then the points decoded and checked to be on their curves. */
function decode<T extends { proof: readonly bigint[] }>(curve: Curve, item: T, adapter: ProofAdapter<T>, index: number, nPublic: number): Candidate | "invalid" | "unusual" {
  const checked = checkProofInput(item, adapter, nPublic);
  if (typeof checked === "string") return checked;
  const { coordinates, inputs } = checked;
  const [ax, ay, bx1, bx0, by1, by0, cx, cy] = coordinates;
  const a = curve.G1.fromObject([ax, ay, 1n]);
  const b = curve.G2.fromObject([[bx0, bx1], [by0, by1], [1n, 0n]]);
  const c = curve.G1.fromObject([cx, cy, 1n]);
  if (!(curve.G1.isValid(a) && curve.G2.isValid(b) && curve.G1.isValid(c))) return "invalid";
  return { index, inputs, a, b, c };
}

/** Starts the randomised check of a group; the returned promise settles on the worker threads. */
function startBatchCheck(curve: Curve, key: PreparedKey, group: Candidate[]): Promise<boolean> {
  const rho = group.map(() => randomScalar());
  const pointBytes = curve.G1.F.n8 * 2;
  let sum = 0n;
  const weighted = new Array<bigint>(key.nPublic).fill(0n);
  const args: Point[] = [];
  const cBases = new Uint8Array(pointBytes * group.length);
  group.forEach((candidate, i) => {
    sum += rho[i];
    candidate.inputs.forEach((x, j) => (weighted[j] += rho[i] * x));
    args.push(curve.G1.neg(curve.G1.timesScalar(candidate.a, rho[i])), candidate.b);
    cBases.set(curve.G1.toAffine(candidate.c), i * pointBytes);
  });
  sum %= SNARK_SCALAR_FIELD;
  const icScalars = scalarBytes([sum, ...weighted.map((w) => w % SNARK_SCALAR_FIELD)]);
  const alpha = curve.G1.timesScalar(key.alpha, sum);
  return (async () => {
    const [l, c] = await Promise.all([curve.G1.multiExpAffine(key.ic, icScalars), curve.G1.multiExpAffine(cBases, scalarBytes(rho))]);
    return curve.pairingEq(...args, alpha, key.beta, l, key.gamma, c, key.delta);
  })();
}

/**
 * Verifies many vote proofs. results[i] equals what `verifyVoteProof(items[i].signals,
 * items[i].proof, verificationKey).catch(() => false)` gives (a malformed proof is false, not an
 * exception), except with probability about 2^-128 per batch that holds an invalid proof.
 */
export async function verifyVoteProofs(items: readonly ProofItem[], options: BatchVerifyOptions = {}): Promise<boolean[]> {
  return (await verifyVoteProofsWithStats(items, options)).results;
}

/** A proof made ready for an engine's randomised check; `index` is its place in the input. */
interface Prepared {
  index: number;
}

/** What the batch loop needs of an engine: per-proof preparation, and the randomised check of a group. */
interface BatchEngine<T, C extends Prepared> {
  /** Randomised checks that may run at once. */
  parallelism: number;
  /** "invalid": false without a pairing (as snarkjs would say); "unusual": snarkjs decides. */
  prepare(item: T, index: number): C | "invalid" | "unusual";
  /** `ok` speaks for the group but its `uncovered` members, which snarkjs decides. */
  check(group: C[]): Promise<{ ok: boolean; uncovered: C[] }>;
}

async function ffjavascriptEngine<T extends { proof: readonly bigint[] }>(verificationKey: unknown, adapter: ProofAdapter<T>): Promise<BatchEngine<T, Candidate>> {
  const curve = await loadCurve();
  const key = prepareKey(curve, verificationKey);
  return {
    parallelism: 1,
    prepare(item, index) {
      const decoded = decode(curve, item, adapter, index, key.nPublic);
      // Outside what the batch argument covers: let snarkjs decide.
      return decoded !== "invalid" && decoded !== "unusual" && !isInG2(curve, decoded.b) ? "unusual" : decoded;
    },
    check: (group) => startBatchCheck(curve, key, group).then((ok) => ({ ok, uncovered: [] })),
  };
}

interface MclCandidate extends Prepared {
  item: { signals: string[]; proof: string[] };
}

let mclPool: { key: unknown; pool: MclBatchPool } | undefined;

/** The mcl batch threads for this verification key (started once, idle threads do not hold the process). */
function mclPoolFor(verificationKey: unknown): MclBatchPool {
  const current = mclPool;
  if (current !== undefined && current.key === verificationKey) return current.pool;
  void current?.pool.close();
  const pool = new MclBatchPool(verificationKey);
  mclPool = { key: verificationKey, pool };
  return pool;
}

/** Ends the mcl batch threads (they are restarted on the next use). */
export async function releaseBatchVerifier(): Promise<void> {
  const current = mclPool;
  mclPool = undefined;
  await current?.pool.close();
}

function mclEngine<T extends { proof: readonly bigint[] }>(verificationKey: unknown, adapter: ProofAdapter<T>): BatchEngine<T, MclCandidate> {
  const pool = mclPoolFor(verificationKey);
  const nPublic = Number((verificationKey as { nPublic?: unknown }).nPublic);
  return {
    parallelism: pool.parallelism,
    prepare(item, index) {
      const checked = checkProofInput(item, adapter, nPublic); // the points are checked on the threads
      if (typeof checked === "string") return checked;
      return { index, item: { signals: checked.inputs.map(String), proof: checked.coordinates.map(String) } };
    },
    async check(group) {
      const verdict = await pool.check(group.map((candidate) => candidate.item));
      return { ok: verdict.ok, uncovered: verdict.uncovered.map((i) => group[i]) };
    },
  };
}

export async function verifyVoteProofsWithStats(items: readonly ProofItem[], options: BatchVerifyOptions = {}): Promise<{ results: boolean[]; stats: BatchVerifyStats }> {
  const verificationKey = options.verificationKey ?? loadVerificationKey();
  return batchVerifyWithStats(items, verificationKey, {
    inputs: (item) => publicSignalsArray(item.signals),
    verifyOne: (item) => verifyVoteProof(item.signals, item.proof, verificationKey).catch(() => false),
  }, options);
}

/**
 * Verifies many Groth16 proofs of any circuit under one verification key (the sealed circuits'),
 * as verifyVoteProofs does vote proofs: results[i] is snarkjs.groth16.verify's verdict on
 * items[i] (false for a malformed proof or signals outside [0, r)), except with probability about
 * 2^-128 per batch that holds an invalid proof.
 */
export async function verifyGroth16Proofs(items: readonly Groth16ProofItem[], verificationKey: unknown, options: Omit<BatchVerifyOptions, "verificationKey"> = {}): Promise<{ results: boolean[]; stats: BatchVerifyStats }> {
  return batchVerifyWithStats(items, verificationKey, {
    inputs: (item) => {
      if (!Array.isArray(item.signals) || item.signals.some((x) => typeof x !== "bigint")) throw new TypeError("public signals must be bigints");
      return [...item.signals];
    },
    verifyOne: (item) => verifyGroth16Proof(verificationKey, item.signals, item.proof),
  }, options);
}

async function batchVerifyWithStats<T extends { proof: readonly bigint[] }>(items: readonly T[], verificationKey: unknown, adapter: ProofAdapter<T>, options: Omit<BatchVerifyOptions, "verificationKey">): Promise<{ results: boolean[]; stats: BatchVerifyStats }> {
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 64));
  const threshold = Math.max(1, Math.floor(options.individualThreshold ?? 4));
  const stats: BatchVerifyStats = { batchChecks: 0, failedBatchChecks: 0, individualChecks: 0, rejectedEarly: 0 };
  const results = new Array<boolean>(items.length).fill(false);
  if (items.length === 0) return { results, stats };
  const engine: BatchEngine<T, Prepared> = options.engine === "ffjavascript" ? await ffjavascriptEngine(verificationKey, adapter) : mclEngine(verificationKey, adapter);
  let settled = 0;
  const settle = (count: number) => {
    settled += count;
    options.onProgress?.(settled, items.length);
  };

  const individually = async (group: readonly { index: number }[]) => {
    if (group.length === 0) return;
    stats.individualChecks += group.length;
    const verdicts = await Promise.all(
      group.map(({ index }) => adapter.verifyOne(items[index])),
    );
    group.forEach(({ index }, i) => (results[index] = verdicts[i]));
    settle(group.length);
  };
  const checkSafely = (group: Prepared[]) => engine.check(group).catch(() => ({ ok: false, uncovered: [] as Prepared[] }));

  /** Settles a group whose randomised check has already been started. */
  const resolveGroup = async (all: Prepared[], started: Promise<{ ok: boolean; uncovered: Prepared[] }>, siblingFailed: boolean): Promise<void> => {
    const { ok, uncovered } = await started;
    await individually(uncovered);
    const group = uncovered.length === 0 ? all : all.filter((candidate) => !uncovered.includes(candidate));
    if (group.length === 0) return;
    stats.batchChecks++;
    if (ok) {
      group.forEach(({ index }) => (results[index] = true));
      settle(group.length);
      return;
    }
    stats.failedBatchChecks++;
    // Small groups, and halves of a failed group whose other half failed too (many invalid
    // proofs about), are cheaper to settle one by one.
    if (group.length <= threshold || siblingFailed) {
      await individually(group);
      return;
    }
    const middle = Math.ceil(group.length / 2);
    const halves = [group.slice(0, middle), group.slice(middle)];
    const checks = await Promise.all(halves.map(checkSafely));
    const bothFailed = !checks[0].ok && !checks[1].ok;
    await Promise.all(halves.map((half, i) => resolveGroup(half, Promise.resolve(checks[i]), bothFailed)));
  };

  // Pipeline: prepare batch k + 1 (and start its check) while up to `parallelism` earlier
  // batches are being checked.
  const inFlight: Promise<void>[] = [];
  for (let start = 0; start < items.length; start += batchSize) {
    const candidates: Prepared[] = [];
    const toSnarkjs: { index: number }[] = [];
    for (let index = start; index < Math.min(items.length, start + batchSize); index++) {
      const prepared = engine.prepare(items[index], index);
      if (prepared === "invalid") {
        stats.rejectedEarly++;
        settle(1);
      } else if (prepared === "unusual") {
        toSnarkjs.push({ index });
      } else {
        candidates.push(prepared);
      }
    }
    const check = candidates.length > 0 ? checkSafely(candidates) : undefined;
    if (inFlight.length >= engine.parallelism) await inFlight.shift();
    inFlight.push(
      (async () => {
        await individually(toSnarkjs);
        if (check) await resolveGroup(candidates, check, false);
      })(),
    );
  }
  await Promise.all(inFlight);
  return { results, stats };
}

/** One by one with snarkjs, sequentially: the reference the batch verifier is measured against. */
export async function verifyVoteProofsOneByOne(items: readonly ProofItem[], verificationKey: unknown = loadVerificationKey()): Promise<boolean[]> {
  const results: boolean[] = [];
  for (const item of items) results.push(await verifyVoteProof(item.signals, item.proof, verificationKey).catch(() => false));
  return results;
}
