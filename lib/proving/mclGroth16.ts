/**
 * Groth16 verification with mcl (WebAssembly, curve BN_SNARK1 = Ethereum's alt_bn128), one proof
 * at a time (the relayer's proof pool, lib/relayer/proofPool.ts) or many at once by a random
 * linear combination (the auditor, through lib/proving/batchVerify.ts), on worker threads.
 *
 * The batch check, for proofs i with secret uniform non-zero 128-bit r_i (OS CSPRNG):
 *
 *   prod_i e(r_i A_i, B_i) = e(alpha, beta)^(sum r_i) * e(sum_i r_i L_i, gamma) * e(sum_i r_i C_i, delta)
 *
 * with sum_i r_i L_i = (sum r_i) IC0 + sum_j (sum_i r_i x_ij) IC_j (one multi-exponentiation over the key's IC points: 5 for the vote circuit)
 * and sum r_i C_i (one n-point multi-exponentiation; any number of public signals): n + 2 Miller loops (the n in one shared
 * loop) and one final exponentiation for n proofs, against 3 and one each one by one. Valid proofs always pass; a
 * batch holding an invalid one passes with probability at most about 2^-128. The argument needs
 * every B_i in the order-r subgroup G2 (snarkjs checks only that B is on the twist), so a proof
 * whose points do not parse, are not on their curves or whose B is outside G2 is left
 * "uncovered": the caller has snarkjs decide it. The G2 test is [x+1]B + psi([x]B) + psi^2([x]B)
 * = psi^3([2x]B) for the BN seed x (Dai, Lin, Zhao, Zhou, eprint 2022/348; x mod 13 != 4 and
 * x mod 97 != 92 hold), one 63-bit multiplication instead of [r]B; it is self-tested against
 * mcl's [r]B = 0 at start-up (a failure falls back to [r]B) and in test/mclBatchVerify.test.ts.
 */
import * as os from "node:os";
import { Worker } from "node:worker_threads";

/**
 * `makeVerifier(mcl, vk)` and `makeBatchVerifier(mcl, vk, randomBytes)` (with their helpers) as JavaScript source, so
 * that the worker threads and the calling thread run the very same code (workers are started
 * from source, with no TypeScript loader). Proof layout: the eight uint256 of castVote,
 * `[A.x, A.y, B.x.c1, B.x.c0, B.y.c1, B.y.c0, C.x, C.y]`.
 */
export const MCL_GROTH16_SOURCE = String.raw`
// The key's points (mcl's own subgroup checks off: B is tested where it pays), e(alpha, beta)
// computed once and gamma, delta precomputed for the Miller loop.
function prepareKey(mcl, vk) {
  mcl.verifyOrderG2(false);
  const g1 = (p) => { const point = new mcl.G1(); point.setStr("1 " + p[0] + " " + p[1], 10); return point; };
  const g2 = (p) => { const point = new mcl.G2(); point.setStr("1 " + p[0][0] + " " + p[0][1] + " " + p[1][0] + " " + p[1][1], 10); return point; };
  return {
    g2,
    alphaBeta: mcl.pairing(g1(vk.vk_alpha_1), g2(vk.vk_beta_2)),
    gamma: new mcl.PrecomputedG2(g2(vk.vk_gamma_2)),
    delta: new mcl.PrecomputedG2(g2(vk.vk_delta_2)),
    ic: vk.IC.map(g1),
  };
}

function makeVerifier(mcl, vk) {
  // B's subgroup check (the costly part of parsing) runs only for a proof whose equation holds:
  // junk fails the equation first, and a proof that passes is still refused outside the subgroup.
  const { alphaBeta, gamma, delta, ic } = prepareKey(mcl, vk);
  const scalar = (value) => { const x = new mcl.Fr(); x.setStr(value, 10); return x; };
  // Signals 0 and 2 (roll root, election scope) are the same for every ballot of an election:
  // IC0 + root * IC1 + scope * IC3 is computed once per election (a few elections at most).
  const electionBases = new Map();
  const electionBase = (signals) => {
    const key = signals[0] + ":" + signals[2];
    let base = electionBases.get(key);
    if (base === undefined) {
      base = mcl.add(ic[0], mcl.add(mcl.mul(ic[1], scalar(signals[0])), mcl.mul(ic[3], scalar(signals[2]))));
      if (electionBases.size >= 64) electionBases.delete(electionBases.keys().next().value);
      electionBases.set(key, base);
    }
    return base;
  };
  return function verify(publicSignals, proof) {
    if (publicSignals.length !== 4 || ic.length !== 5 || proof.length !== 8) return false;
    let a, b, c;
    try {
      a = new mcl.G1(); a.setStr("1 " + proof[0] + " " + proof[1], 10);
      b = new mcl.G2(); b.setStr("1 " + proof[3] + " " + proof[2] + " " + proof[5] + " " + proof[4], 10);
      c = new mcl.G1(); c.setStr("1 " + proof[6] + " " + proof[7], 10);
    } catch (error) {
      return false; // not on the curve
    }
    // G1 has cofactor 1: on the curve is in the group.
    if (!a.isValid() || !b.isValid() || !c.isValid() || b.isZero()) return false;
    const l = mcl.add(electionBase(publicSignals), mcl.add(mcl.mul(ic[2], scalar(publicSignals[1])), mcl.mul(ic[4], scalar(publicSignals[3]))));
    const lhs = mcl.finalExp(mcl.mul(mcl.millerLoop(a, b), mcl.precomputedMillerLoop2(mcl.neg(l), gamma, mcl.neg(c), delta)));
    return lhs.isEqual(alphaBeta) && b.isValidOrder();
  };
}

function makeG2SubgroupTest(mcl) {
  const P = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
  const SEED = 4965661367192848881n;
  const mod = (v) => ((v % P) + P) % P;
  const mul2 = (a, b) => [mod(a[0] * b[0] - a[1] * b[1]), mod(a[0] * b[1] + a[1] * b[0])];
  const pow2 = (a, e) => { let out = [1n, 0n]; let base = a; for (; e > 0n; e >>= 1n) { if (e & 1n) out = mul2(out, base); base = mul2(base, base); } return out; };
  const fp2 = (v) => { const out = new mcl.Fp2(); const a = new mcl.Fp(); a.setStr(v[0].toString(), 10); const b = new mcl.Fp(); b.setStr(v[1].toString(), 10); out.set_a(a); out.set_b(b); return out; };
  const xi = [9n, 1n];
  const epsX = fp2(pow2(xi, (P - 1n) / 3n));
  const epsY = fp2(pow2(xi, (P - 1n) / 2n));
  const one = fp2([1n, 0n]);
  const conj = (v) => { const out = new mcl.Fp2(); out.set_a(v.get_a()); out.set_b(mcl.neg(v.get_b())); return out; };
  // psi(x, y) = (conj(x) epsX, conj(y) epsY) on affine coordinates; the point at infinity stays.
  const psi = (q) => {
    if (q.isZero()) return q;
    const n = mcl.normalize(q);
    const out = new mcl.G2();
    out.setX(mcl.mul(conj(n.getX()), epsX));
    out.setY(mcl.mul(conj(n.getY()), epsY));
    out.setZ(one);
    return out;
  };
  const seed = new mcl.Fr(); seed.setStr(SEED.toString(), 10);
  // [x+1]Q + psi([x]Q) + psi^2([x]Q) == psi^3([2x]Q)
  return function inG2(q) {
    if (q.isZero()) return true;
    const xq = mcl.mul(q, seed);
    const psiXq = psi(xq);
    const lhs = mcl.add(mcl.add(mcl.add(xq, q), psiXq), psi(psiXq));
    return lhs.isEqual(psi(psi(psi(mcl.dbl(xq)))));
  };
}

// prod_i millerLoop(ps[i], qs[i]) with one shared loop (mcl's millerLoopVec, about 20% less than
// separate loops; not wrapped by mcl-wasm's JavaScript API), 16 pairs a call to bound the stack.
function makeMillerLoopVec(mcl) {
  const mod = mcl.mod;
  const vec = (ps, qs) => {
    const z = new mcl.GT();
    const stack = mod.stackSave();
    try {
      const zPos = mod.salloc(z.a_);
      const xPos = mod.sallocArray(ps.map((p) => p.a_));
      const yPos = mod.sallocArray(qs.map((q) => q.a_));
      mod._mclBn_millerLoopVec(zPos, xPos, yPos, ps.length);
      mod.copyFromHeap32(z.a_, zPos);
      return z;
    } finally {
      mod.stackRestore(stack);
    }
  };
  const usable = mod && typeof mod._mclBn_millerLoopVec === "function";
  return function millerLoopProduct(ps, qs) {
    let f;
    for (let start = 0; start < ps.length; start += 16) {
      const end = Math.min(ps.length, start + 16);
      let part;
      if (usable) part = vec(ps.slice(start, end), qs.slice(start, end));
      else { part = mcl.millerLoop(ps[start], qs[start]); for (let i = start + 1; i < end; i++) part = mcl.mul(part, mcl.millerLoop(ps[i], qs[i])); }
      f = f === undefined ? part : mcl.mul(f, part);
    }
    return f;
  };
}

function makeBatchVerifier(mcl, vk, randomBytes) {
  const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
  const { g2, alphaBeta, gamma, delta, ic } = prepareKey(mcl, vk);
  const fr = (value) => { const x = new mcl.Fr(); x.setStr(value.toString(), 10); return x; };
  const randomScalar = () => { for (;;) { const v = BigInt("0x" + randomBytes(16).toString("hex")); if (v !== 0n) return v; } };
  const millerLoopProduct = makeMillerLoopVec(mcl);
  // The fast G2 test, unless it disagrees with [r]Q = 0 on the key's own G2 points and their multiples.
  let inG2 = makeG2SubgroupTest(mcl);
  const samples = [g2(vk.vk_beta_2), g2(vk.vk_gamma_2), g2(vk.vk_delta_2)];
  samples.push(mcl.mul(samples[0], fr(5n)), mcl.add(samples[1], samples[2]));
  const fastTestOk = samples.every((q) => inG2(q) === true && q.isValidOrder());
  if (!fastTestOk) inG2 = (q) => q.isValidOrder();
  const parse = (item) => {
    const { signals, proof } = item;
    // Any circuit: the key has one IC point more than public signals (the vote circuit 4, the sealed vote 40).
    if (signals.length !== ic.length - 1 || proof.length !== 8) return undefined;
    try {
      const a = new mcl.G1(); a.setStr("1 " + proof[0] + " " + proof[1], 10);
      const b = new mcl.G2(); b.setStr("1 " + proof[3] + " " + proof[2] + " " + proof[5] + " " + proof[4], 10);
      const c = new mcl.G1(); c.setStr("1 " + proof[6] + " " + proof[7], 10);
      // G1 has cofactor 1: on the curve is in the group. B must be in G2 for the batch argument.
      if (!a.isValid() || !b.isValid() || !c.isValid() || b.isZero() || !inG2(b)) return undefined;
      const x = signals.map(BigInt);
      // A signal outside [0, r) would alias once reduced: not this check's to judge (snarkjs refuses it).
      if (x.some((v) => v < 0n || v >= R)) return undefined;
      return { a, b, c, x };
    } catch (error) {
      return undefined; // not on the curve
    }
  };
  function verifyBatch(items) {
    const uncovered = [];
    const rA = [], bs = [], cs = [], rs = [];
    const weighted = ic.map(() => 0n);
    items.forEach((item, i) => {
      const parsed = parse(item);
      if (parsed === undefined) { uncovered.push(i); return; }
      const r = randomScalar();
      const rFr = fr(r);
      weighted[0] += r;
      for (let j = 0; j < parsed.x.length; j++) weighted[j + 1] += r * parsed.x[j];
      rA.push(mcl.mul(parsed.a, rFr)); bs.push(parsed.b); cs.push(parsed.c); rs.push(rFr);
    });
    if (rA.length === 0) return { ok: true, uncovered };
    const l = mcl.mulVec(ic, weighted.map((w) => fr(w % R)));
    const c = mcl.mulVec(cs, rs);
    const f = mcl.mul(millerLoopProduct(rA, bs), mcl.precomputedMillerLoop2(mcl.neg(l), gamma, mcl.neg(c), delta));
    return { ok: mcl.finalExp(f).isEqual(mcl.pow(alphaBeta, fr(weighted[0] % R))), uncovered };
  }
  verifyBatch.fastG2Test = fastTestOk;
  verifyBatch.inG2 = inG2;
  return verifyBatch;
}
`;

interface Mcl {
  init(curve: number): Promise<void>;
  BN_SNARK1: number;
}

function loadMcl(): Mcl {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("mcl-wasm") as Mcl;
}

/** A proof for the batch check: public signals and castVote's eight words, as decimal strings. */
export interface MclProofItem {
  signals: string[];
  proof: string[];
}

/** The batch check's verdict: `ok` is about the covered proofs; `uncovered` lists (by position) those it cannot judge. */
export interface MclBatchVerdict {
  ok: boolean;
  uncovered: number[];
}

export type MclBatchVerifier = ((items: readonly MclProofItem[]) => MclBatchVerdict) & {
  /** Whether the fast G2 test passed its start-up self-test (else [r]Q = 0 is used). */
  fastG2Test: boolean;
  /** The G2 membership test in use, on an mcl G2 point. */
  inG2(point: unknown): boolean;
};

/** The batch verifier on the calling thread (tests, and the cross-check against snarkjs). */
export async function inThreadBatchVerifier(verificationKey: unknown): Promise<MclBatchVerifier> {
  const mcl = loadMcl();
  await mcl.init(mcl.BN_SNARK1);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { randomBytes } = require("node:crypto") as typeof import("node:crypto");
  return new Function("mcl", "vk", "randomBytes", `${MCL_GROTH16_SOURCE}\nreturn makeBatchVerifier(mcl, vk, randomBytes);`)(mcl, verificationKey, randomBytes) as MclBatchVerifier;
}

const BATCH_WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const { randomBytes } = require("node:crypto");
const mcl = require(workerData.mclPath);
${MCL_GROTH16_SOURCE}
mcl.init(mcl.BN_SNARK1).then(() => {
  const verifyBatch = makeBatchVerifier(mcl, workerData.verificationKey, randomBytes);
  parentPort.on("message", (job) => {
    let verdict;
    try { verdict = verifyBatch(job.items); } catch (error) { verdict = { ok: false, uncovered: job.items.map((_, i) => i) }; }
    parentPort.postMessage({ id: job.id, verdict });
  });
  parentPort.postMessage({ ready: true });
});
`;

interface BatchJob {
  id: number;
  items: readonly MclProofItem[];
  resolve(verdict: MclBatchVerdict): void;
  reject(error: Error): void;
}

interface BatchWorker {
  worker: Worker;
  job?: BatchJob;
}

/**
 * Batch checks on worker threads, one batch a thread at a time, the rest queued. Idle threads
 * do not keep the process alive; a thread that dies fails its batch (the caller then lets
 * snarkjs decide) and is replaced.
 */
export class MclBatchPool {
  private readonly workers: BatchWorker[] = [];
  private readonly waiting: BatchJob[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly verificationKey: unknown, workers = Math.max(1, os.availableParallelism())) {
    for (let i = 0; i < workers; i++) this.workers.push(this.spawn());
  }

  /** Threads in the pool: how many batches run at once. */
  get parallelism(): number {
    return this.workers.length;
  }

  private spawn(): BatchWorker {
    const worker = new Worker(BATCH_WORKER_SOURCE, { eval: true, workerData: { mclPath: require.resolve("mcl-wasm"), verificationKey: this.verificationKey } });
    worker.unref();
    const entry: BatchWorker = { worker };
    const fail = (error: Error) => {
      const job = entry.job;
      entry.job = undefined;
      job?.reject(error);
    };
    worker.on("message", (message: { id?: number; verdict?: MclBatchVerdict }) => {
      if (message.id === undefined || entry.job?.id !== message.id) return;
      const job = entry.job;
      entry.job = undefined;
      worker.unref();
      job.resolve(message.verdict!);
      this.dispatch();
    });
    worker.on("error", fail);
    worker.on("exit", () => {
      fail(new Error("an mcl verifier thread exited"));
      if (this.closed) return;
      const index = this.workers.indexOf(entry);
      if (index >= 0) this.workers[index] = this.spawn();
      this.dispatch();
    });
    return entry;
  }

  check(items: readonly MclProofItem[]): Promise<MclBatchVerdict> {
    if (this.closed) return Promise.reject(new Error("the mcl batch pool is closed"));
    return new Promise((resolve, reject) => {
      this.waiting.push({ id: this.nextId++, items, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const entry of this.workers) {
      if (this.waiting.length === 0) return;
      if (entry.job) continue;
      const job = this.waiting.shift()!;
      entry.job = job;
      entry.worker.ref(); // a batch in flight keeps the process alive until it settles
      entry.worker.postMessage({ id: job.id, items: job.items });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.waiting.splice(0)) job.reject(new Error("the mcl batch pool is closed"));
    await Promise.all(this.workers.map((entry) => entry.worker.terminate()));
  }
}
