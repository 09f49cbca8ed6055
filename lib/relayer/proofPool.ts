/**
 * Groth16 verification for the relayer, fast and off the event loop.
 *
 * Why not snarkjs here: `groth16.verify` takes about 30 ms a proof on an idle 2-core machine, so a flood
 * of well-formed but wrong proofs (valid curve points, fresh random nullifiers: nothing cheaper
 * than the pairing tells them apart from honest ballots) would need several cores to keep up.
 * mcl (WebAssembly, curve BN_SNARK1 = Ethereum's alt_bn128) checks the same equation,
 *
 *   e(A, B) = e(alpha, beta) * e(IC0 + sum x_i IC_i, gamma) * e(C, delta),
 *
 * in a few milliseconds, with e(alpha, beta) and the G2 points precomputed once, and the part of
 * IC0 + sum x_i IC_i that is fixed for an election (root, scope) computed once per election. Points are
 * parsed with mcl's validity checks (on the curve, and B in the order-r subgroup of G2), so an
 * invalid encoding is a failed verification, never a crash. test/relayer.api.test.ts checks
 * that it agrees with snarkjs on valid and tampered proofs.
 *
 * The verifier runs on worker threads behind a bounded queue: when the queue is full, `verify`
 * rejects with ProofPoolFull at once instead of letting work pile up (the HTTP layer turns that
 * into 503 with Retry-After).
 */
import * as os from "node:os";
import { Worker } from "node:worker_threads";

import { MCL_GROTH16_SOURCE } from "../proving/mclGroth16";
import { BN254_BASE_FIELD } from "../proving/prover";

/** `makeVerifier(mcl, vk)` (lib/proving/mclGroth16.ts), run by the worker threads and, in tests, the calling thread. */
const VERIFIER_SOURCE = MCL_GROTH16_SOURCE;

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const mcl = require(workerData.mclPath);
${VERIFIER_SOURCE}
mcl.init(mcl.BN_SNARK1).then(() => {
  const verify = makeVerifier(mcl, workerData.verificationKey);
  parentPort.on("message", (job) => {
    let ok = false;
    try { ok = verify(job.publicSignals, job.proof); } catch (error) { ok = false; }
    parentPort.postMessage({ id: job.id, ok });
  });
  parentPort.postMessage({ ready: true });
});
`;

/**
 * Is (x, y) on BN254's G1, y^2 = x^3 + 3 (mod q)? Two modular products on the calling thread
 * (microseconds), so proofs with random coordinates never occupy a verifier thread. G1 has
 * cofactor 1, so on the curve is in the group; the thread checks B.
 */
export function onG1(x: bigint, y: bigint): boolean {
  const q = BN254_BASE_FIELD;
  return (y * y) % q === (((x * x) % q) * x + 3n) % q;
}

type Verify = (publicSignals: string[], proof: string[]) => boolean;

/** The verifier on the calling thread (tests, and a cross-check against snarkjs). */
export async function inThreadVerifier(verificationKey: unknown): Promise<(publicSignals: readonly bigint[], proof: readonly bigint[]) => boolean> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mcl = require("mcl-wasm") as { init(curve: number): Promise<void>; BN_SNARK1: number };
  await mcl.init(mcl.BN_SNARK1);
  const verify = new Function("mcl", "vk", `${VERIFIER_SOURCE}\nreturn makeVerifier(mcl, vk);`)(mcl, verificationKey) as Verify;
  return (publicSignals, proof) => verify(publicSignals.map(String), proof.map(String));
}

export class ProofPoolFull extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super("the relayer is verifying as many proofs as it can; retry shortly");
  }
}

export interface ProofPoolOptions {
  verificationKey: unknown;
  /** Worker threads; default: one per available core. */
  workers?: number;
  /** Proofs waiting or in verification at most, per lane; beyond that verify() rejects with ProofPoolFull. */
  maxQueued?: number;
}

interface Job {
  id: number;
  priority: boolean;
  publicSignals: string[];
  proof: string[];
  resolve(ok: boolean): void;
  reject(error: Error): void;
}

interface PoolWorker {
  worker: Worker;
  ready: Promise<void>;
  job?: Job;
}

/** A bounded pool of verifier threads. */
export class ProofPool {
  private readonly workers: PoolWorker[] = [];
  private readonly waiting: Job[] = [];
  private readonly priorityWaiting: Job[] = [];
  private nextId = 1;
  private inFlight = 0;
  private priorityInFlight = 0;
  private closed = false;
  readonly maxQueued: number;
  /** Verifications done, and rejections because the pool was full (for /health and the benchmark). */
  readonly stats = { verified: 0, refusedFull: 0 };

  constructor(private readonly options: ProofPoolOptions) {
    this.maxQueued = options.maxQueued ?? 16;
    const count = options.workers ?? Math.max(1, os.availableParallelism());
    for (let i = 0; i < count; i++) this.workers.push(this.spawn());
  }

  private spawn(): PoolWorker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { mclPath: require.resolve("mcl-wasm"), verificationKey: this.options.verificationKey } });
    const entry: PoolWorker = { worker, ready: Promise.resolve() };
    entry.ready = new Promise<void>((resolve, reject) => {
      const onMessage = (message: { ready?: boolean }) => {
        if (message.ready) {
          worker.off("message", onMessage);
          resolve();
        }
      };
      worker.on("message", onMessage);
      worker.once("error", reject);
    });
    worker.on("message", (message: { id?: number; ok?: boolean }) => {
      if (message.id === undefined || entry.job?.id !== message.id) return;
      const job = entry.job;
      entry.job = undefined;
      this.release(job);
      this.stats.verified++;
      job.resolve(message.ok === true);
      this.dispatch();
    });
    worker.on("error", (error) => {
      if (entry.job) {
        this.release(entry.job);
        entry.job.reject(error);
        entry.job = undefined;
      }
    });
    worker.on("exit", () => {
      // A thread that died (an error, or killed) is replaced, so the pool never waits on it.
      if (this.closed) return;
      const index = this.workers.indexOf(entry);
      if (index >= 0) this.workers[index] = this.spawn();
      this.dispatch();
    });
    return entry;
  }

  /** Waits until every worker has loaded mcl and the key (about 100 ms). */
  async ready(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.ready));
  }

  private release(job: Job): void {
    if (job.priority) this.priorityInFlight--;
    else this.inFlight--;
  }

  /** Proofs waiting or being verified, both lanes. */
  get load(): number {
    return this.inFlight + this.priorityInFlight;
  }

  /**
   * Verifies off the event loop; rejects with ProofPoolFull when `maxQueued` proofs are already
   * in the lane. The priority lane has its own `maxQueued` slots and is served first: the
   * server puts there a retry of a ballot that was refused as busy before (see server.ts).
   */
  verify(publicSignals: readonly bigint[], proof: readonly bigint[], priority = false): Promise<boolean> {
    if (this.closed) return Promise.reject(new Error("the proof pool is closed"));
    if ((priority ? this.priorityInFlight : this.inFlight) >= this.maxQueued) {
      this.stats.refusedFull++;
      return Promise.reject(new ProofPoolFull(1));
    }
    if (proof.some((coordinate) => coordinate < 0n || coordinate >= BN254_BASE_FIELD) || !onG1(proof[0], proof[1]) || !onG1(proof[6], proof[7])) {
      this.stats.verified++; // refused here, without a round trip to a thread: A or C is not a curve point
      return Promise.resolve(false);
    }
    if (priority) this.priorityInFlight++;
    else this.inFlight++;
    return new Promise<boolean>((resolve, reject) => {
      (priority ? this.priorityWaiting : this.waiting).push({ id: this.nextId++, priority, publicSignals: publicSignals.map(String), proof: proof.map(String), resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    for (const entry of this.workers) {
      if (this.waiting.length === 0 && this.priorityWaiting.length === 0) return;
      if (entry.job) continue;
      const job = (this.priorityWaiting.length > 0 ? this.priorityWaiting : this.waiting).shift()!;
      entry.job = job;
      entry.worker.postMessage({ id: job.id, publicSignals: job.publicSignals, proof: job.proof });
    }
  }

  /** Fails the waiting jobs and ends the threads. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of [...this.priorityWaiting.splice(0), ...this.waiting.splice(0)]) job.reject(new Error("the proof pool is closed"));
    await Promise.all(this.workers.map((entry) => entry.worker.terminate()));
  }
}
