/**
 * The relayer's HTTP API (Fastify): POST /v1/ballots (open ballots, for a ZkBallot),
 * POST /v1/sealed-ballots (sealed ballots, for a SealedZkBallot), GET /v1/ballots/:receiptId
 * (either kind's receipt), GET /health. A relayer serves one contract, so one of the two POST
 * routes refuses with WRONG_CONTRACT_KIND, naming the route that this relayer takes.
 *
 * Under a flood the expensive step, proof verification, is reached last: a request passes the
 * schema, the election's phase and window, the ballot range, the queue (already queued?), its
 * per-nullifier limit and the on-chain nullifier check first, all cheap. Verification runs on a
 * bounded pool of worker threads (proofPool.ts); when it is full the answer is 503 with
 * Retry-After, so the event loop keeps answering and queued work stays bounded. A ballot's
 * retry after such a 503 is verified in the pool's priority lane (BusyRefusals).
 *
 * Limits are per nullifier (submissions) and per receipt (status polls), not per client
 * address: voters behind one NAT, Tor exit or reverse proxy share an address, and each honest
 * voter has a distinct nullifier. @fastify/rate-limit keeps the counters in a bounded LRU
 * cache, so a flood of fresh keys evicts the oldest counters one by one, never all at once.
 *
 * Privacy: no client address is logged or stored, and no log line names a ballot.
 */
import cors from "@fastify/cors";
import rateLimit from "@fastify/rate-limit";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";

import { parseFieldElement } from "../core/field";
import { ciphertextDigest } from "../sealed/ciphertextDigest";
import { ProofPool, ProofPoolFull } from "./proofPool";
import { type BallotEntry, sameBallot, StorageError, type QueuedBallot, type RelayQueue } from "./queue";
import { checkSealedBallotCheaply, parseSealedBallotRequest, SEALED_BALLOT_REQUEST_SCHEMA, sealedBallotPublicSignals, type SealedBallotRequestBody, sealedChainView, type SealedChainContext, sealedNullifierRecord, SealedProofVerifier } from "./sealedValidate";
import { BALLOT_REQUEST_SCHEMA, ballotPublicSignals, type BallotRequestBody, type ChainContext, checkBallotCheaply, checkNullifierNotKnownSpent, checkNullifierUnspent, openChainView, openNullifierRecord, parseBallotRequest, RelayRejection, schemaRejection, type SchemaViolation, SpentIndex } from "./validate";

export interface RelayerServerOptions {
  queue: RelayQueue;
  /** The contract served: an open ZkBallot (ChainContext) or a SealedZkBallot (SealedChainContext). */
  chain: ChainContext | SealedChainContext;
  relayerAddress: string;
  /** The open circuit's verifier threads (open), or the sealed proofs' verifier (sealed). */
  proofPool: ProofPool | SealedProofVerifier;
  /** Requests per nullifier (POST) and per receipt (GET) per minute. */
  rateLimitPerMinute: number;
  /** Limiter keys kept (LRU); default 100,000. */
  rateLimitKeys?: number;
  /** The service's own view of the chain binding (a reset detected under it), for /health. */
  chainStatus?: () => { ok: boolean; error?: string };
  /** Origins whose pages may call the API (CORS; lib/relayer/config.ts corsOrigins); default none. */
  corsOrigins?: readonly string[];
  log?: (line: string) => void;
}

/** How long a browser may cache a preflight answer. */
const CORS_PREFLIGHT_MAX_AGE_S = 600;

/** Retry-After for storage trouble: long enough for an operator to react, short enough for a voter. */
const STORAGE_RETRY_AFTER_S = 30;
/** A storage failure this recent marks the database unhealthy even if the health probe's small write succeeds. */
const STORAGE_ERROR_MEMORY_MS = 60_000;
const HEALTH_NODE_TIMEOUT_MS = 3_000;
const HEALTH_CACHE_MS = 1_000;

export const isSealedChain = (chain: ChainContext | SealedChainContext): chain is SealedChainContext => "sealed" in chain;

/** A receipt names its ballot: an open one by `ballot`, a sealed one by `ciphertextDigest` (keccak256 of the 32 words). */
export function receiptView(ballot: QueuedBallot): Record<string, unknown> {
  return {
    receiptId: ballot.receiptId,
    status: ballot.status,
    electionId: ballot.electionId.toString(),
    nullifier: ballot.nullifier.toString(),
    ...(ballot.kind === "open" ? { ballot: ballot.ballot.toString() } : { kind: "sealed", ciphertextDigest: ciphertextDigest(ballot.ciphertexts) }),
    ...(ballot.txHash ? { transactionHash: ballot.txHash } : {}),
    ...(ballot.blockNumber !== null ? { blockNumber: ballot.blockNumber } : {}),
    ...(ballot.reason ? { reason: ballot.reason } : {}),
  };
}

/**
 * The key a submission is limited by: its (election, nullifier) in canonical form, so that
 * writing one nullifier in hex, in decimal or with leading zeros does not buy a fresh budget;
 * none for a body without a valid nullifier (the schema check refuses it, cheaply, anyway).
 */
function nullifierKey(request: FastifyRequest): string {
  const body = request.body as { electionId?: unknown; nullifier?: unknown } | null | undefined;
  if (typeof body !== "object" || body === null || typeof body.electionId !== "string" || typeof body.nullifier !== "string") return "";
  try {
    return ballotKey(BigInt(body.electionId.slice(0, 24)), parseFieldElement(body.nullifier, "nullifier"));
  } catch {
    return "";
  }
}

const ballotKey = (electionId: bigint, nullifier: bigint) => `ballot:${electionId}:${nullifier}`;

/**
 * Ballots refused as busy, remembered so that their retry goes to the verifiers' priority lane:
 * first come, first served across retries. A voter who waits out Retry-After is then served
 * before fresh requests, while a flood of one-shot junk keeps competing for the normal lane.
 * Bounded: the oldest entry makes room.
 */
class BusyRefusals {
  private readonly keys = new Map<string, true>();
  constructor(private readonly max: number) {}
  has(key: string): boolean {
    return this.keys.has(key);
  }
  add(key: string): void {
    if (this.keys.has(key)) return;
    if (this.keys.size >= this.max) this.keys.delete(this.keys.keys().next().value!);
    this.keys.set(key, true);
  }
  delete(key: string): void {
    this.keys.delete(key);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([promise, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}

/** The last storage failure, shared by the error handler (which logs it) and /health (which reports it). */
interface StorageErrors {
  lastError?: { at: number; message: string };
}

/** Every error as the API's { error, message } body with its status (and Retry-After where retrying helps). */
function errorHandler(options: RelayerServerOptions, storage: StorageErrors) {
  return (error: unknown, _request: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof StorageError) {
      // One log line a minute at most: a full disk under load must not also fill the log.
      if (!storage.lastError || Date.now() - storage.lastError.at >= STORAGE_ERROR_MEMORY_MS) options.log?.(`storage error: ${error.message}`);
      storage.lastError = { at: Date.now(), message: error.message };
      return reply.status(503).header("retry-after", String(STORAGE_RETRY_AFTER_S)).send({ error: "STORAGE_UNAVAILABLE", message: `${error.message}; nothing was stored, retry later` });
    }
    if (error instanceof ProofPoolFull) {
      return reply.status(503).header("retry-after", String(error.retryAfterSeconds)).send({ error: "BUSY", message: error.message });
    }
    const violations = (error as { validation?: SchemaViolation[] }).validation;
    if (violations && violations.length > 0) {
      const rejection = schemaRejection(violations[0]);
      return reply.status(rejection.statusCode).send({ error: rejection.code, message: rejection.message });
    }
    if (error instanceof RelayRejection) {
      if (error.retryAfterSeconds !== undefined && !reply.hasHeader("retry-after")) reply.header("retry-after", String(error.retryAfterSeconds));
      return reply.status(error.statusCode).send({ error: error.code, message: error.message });
    }
    const statusCode = (error as { statusCode?: number }).statusCode;
    if (statusCode && statusCode >= 400 && statusCode < 500) return reply.status(statusCode).send({ error: "INVALID_REQUEST", message: (error as Error).message });
    options.log?.(`internal error: ${(error as Error).message}`);
    return reply.status(500).send({ error: "INTERNAL", message: "internal error" });
  };
}

interface BallotRoutes {
  queue: RelayQueue;
  chain: ChainContext;
  proofPool: ProofPool;
  busyRefusals: BusyRefusals;
  perMinute: { max: number; timeWindow: number };
}

/** A submission's rate limit: per (election, nullifier), counted once the body has been read. */
const submissionLimit = (perMinute: BallotRoutes["perMinute"]) => ({ rateLimit: { ...perMinute, hook: "preHandler" as const, keyGenerator: nullifierKey, allowList: (_request: FastifyRequest, key: string) => key === "" } });

const alreadyQueued = () => new RelayRejection(409, "ALREADY_QUEUED", "another ballot with this nullifier is already queued");

/** The receipt of a ballot already queued under this nullifier when it is the same ballot resent (idempotent); another ballot is refused. */
function queuedReceipt(queue: RelayQueue, ballot: BallotEntry): Record<string, unknown> | undefined {
  const existing = queue.findByNullifier(ballot.electionId, ballot.nullifier);
  if (existing === undefined) return undefined;
  if (!sameBallot(existing, ballot)) throw alreadyQueued();
  return receiptView(existing);
}

/** Stores a verified ballot, durably before the answer: 202 new, 200 if a concurrent request stored the same ballot first. */
function enqueueVerified(queue: RelayQueue, ballot: BallotEntry): { status: 200 | 202; receipt: Record<string, unknown> } {
  const { stored, created } = queue.enqueue(ballot);
  if (!created && !sameBallot(stored, ballot)) throw alreadyQueued();
  return { status: created ? 202 : 200, receipt: receiptView(stored) };
}

/** The POST route of the kind this relayer does not serve: a refusal naming the route it does. */
function registerWrongKind(app: FastifyInstance, route: string, served: { kind: string; address: string; route: string }): void {
  app.post(route, async () => {
    throw new RelayRejection(409, "WRONG_CONTRACT_KIND", `this relayer serves the ${served.kind} contract ${served.address}; it takes ${served.kind} ballots at POST ${served.route}`);
  });
}

/** POST /v1/ballots: the cheap checks, then the proof, then the durable queue; the receipt after that. */
function registerBallotSubmission(app: FastifyInstance, routes: BallotRoutes): void {
  const { queue, chain, proofPool, busyRefusals, perMinute } = routes;
  const view = openChainView(chain);
  const record = openNullifierRecord(chain);
  const spentIndex = new SpentIndex(record);
  app.post<{ Body: BallotRequestBody }>(
    "/v1/ballots",
    { schema: { body: BALLOT_REQUEST_SCHEMA }, config: submissionLimit(perMinute) },
    async (request, reply) => {
      const ballot = parseBallotRequest(request.body);
      const election = await checkBallotCheaply(view, ballot);
      const queued = queuedReceipt(queue, ballot);
      if (queued) return reply.status(200).send(queued);
      await checkNullifierNotKnownSpent(spentIndex, record, ballot);
      const key = ballotKey(ballot.electionId, ballot.nullifier);
      let valid: boolean;
      try {
        valid = await proofPool.verify(ballotPublicSignals(election, ballot), ballot.proof, busyRefusals.has(key));
      } catch (error) {
        if (error instanceof ProofPoolFull) busyRefusals.add(key);
        throw error;
      }
      busyRefusals.delete(key);
      if (!valid) throw new RelayRejection(422, "INVALID_PROOF", "the proof does not verify for this election's roll root, scope, nullifier and ballot");
      await checkNullifierUnspent(record, ballot); // authoritative, and only for a proof that verifies
      const { status, receipt } = enqueueVerified(queue, ballot);
      return reply.status(status).send(receipt);
    },
  );
}

/**
 * POST /v1/sealed-ballots: the same order as the open route (schema, field elements, curve
 * points, election and window, the queue, the nullifier, then the proof last), for a
 * SealedZkBallot; the receipt names the ciphertexts by their digest.
 */
function registerSealedSubmission(app: FastifyInstance, routes: { queue: RelayQueue; chain: SealedChainContext; verifier: SealedProofVerifier; perMinute: BallotRoutes["perMinute"] }): void {
  const { queue, chain, verifier, perMinute } = routes;
  const view = sealedChainView(chain);
  const record = sealedNullifierRecord(chain);
  const spentIndex = new SpentIndex(record);
  app.post<{ Body: SealedBallotRequestBody }>("/v1/sealed-ballots", { schema: { body: SEALED_BALLOT_REQUEST_SCHEMA }, config: submissionLimit(perMinute) }, async (request, reply) => {
    const ballot = parseSealedBallotRequest(request.body);
    const election = await checkSealedBallotCheaply(view, ballot);
    const queued = queuedReceipt(queue, ballot);
    if (queued) return reply.status(200).send(queued);
    await checkNullifierNotKnownSpent(spentIndex, record, ballot);
    if (!(await verifier.verify(sealedBallotPublicSignals(election, ballot), ballot.proof))) {
      throw new RelayRejection(422, "INVALID_PROOF", "the proof does not verify for this election's roll root, scope, key, selection rule, nullifier and ciphertexts");
    }
    await checkNullifierUnspent(record, ballot); // authoritative, and only for a proof that verifies
    const { status, receipt } = enqueueVerified(queue, ballot);
    return reply.status(status).send(receipt);
  });
}

/** GET /v1/ballots/:receiptId: a receipt's status. */
function registerReceiptLookup(app: FastifyInstance, queue: RelayerServerOptions["queue"], perMinute: BallotRoutes["perMinute"]): void {
  app.get<{ Params: { receiptId: string } }>(
    "/v1/ballots/:receiptId",
    { config: { rateLimit: { ...perMinute, keyGenerator: (request: FastifyRequest) => `receipt:${String((request.params as { receiptId?: string }).receiptId).slice(0, 64)}` } } },
    async (request) => {
      const ballot = queue.get(request.params.receiptId);
      if (!ballot) throw new RelayRejection(404, "RECEIPT_NOT_FOUND", "no ballot with this receipt id (or its election was purged after it ended)");
      return receiptView(ballot);
    },
  );

}

function registerHealth(app: FastifyInstance, options: RelayerServerOptions, storage: StorageErrors): void {
  /**
   * Each dependency reported as it is: 200 only when the database takes writes, the node answers
   * and the chain is the bound one. Computed at most once a second (its probe is a durable
   * write), shared by concurrent callers, so polling /health cannot load the disk or the node.
   */
  let cachedHealth: { at: number; report: Promise<{ ok: boolean; body: Record<string, unknown> }> } | undefined;
  app.get("/health", async (_request, reply) => {
    if (!cachedHealth || Date.now() - cachedHealth.at >= HEALTH_CACHE_MS) cachedHealth = { at: Date.now(), report: healthReport(options, storage) };
    const { ok, body } = await cachedHealth.report;
    if (!ok) reply.status(503).header("retry-after", "10");
    return body;
  });

}

async function healthReport(options: RelayerServerOptions, storage: StorageErrors): Promise<{ ok: boolean; body: Record<string, unknown> }> {
  const { queue, chain, proofPool } = options;
  const database: Record<string, unknown> = { ok: true };
  let ballots: Record<string, number> | null = null;
  try {
    ballots = queue.counts();
    queue.probeWrite();
    if (storage.lastError && Date.now() - storage.lastError.at < STORAGE_ERROR_MEMORY_MS) {
      Object.assign(database, { ok: false, error: `a write failed ${Math.round((Date.now() - storage.lastError.at) / 1000)} s ago: ${storage.lastError.message}` });
    }
  } catch (error) {
    Object.assign(database, { ok: false, error: (error as Error).message });
  }
  const node: Record<string, unknown> = { ok: true };
  try {
    const provider = (isSealedChain(chain) ? chain.sealed : chain.zkBallot).runner!.provider!;
    const [blockNumber, balance] = await withTimeout(Promise.all([provider.getBlockNumber(), provider.getBalance(options.relayerAddress)]), HEALTH_NODE_TIMEOUT_MS, "the node");
    Object.assign(node, { blockNumber, balance: balance.toString() });
  } catch (error) {
    Object.assign(node, { ok: false, error: (error as Error).message.split("\n")[0].slice(0, 200) });
  }
  const chainBinding = options.chainStatus?.() ?? { ok: true };
  const ok = database.ok === true && node.ok === true && chainBinding.ok;
  const body = {
    status: ok ? "ok" : "degraded",
    chainId: chain.chainId.toString(),
    contractKind: isSealedChain(chain) ? "sealed" : "open",
    zkBallot: chain.contractAddress,
    relayer: options.relayerAddress,
    database,
    node,
    chain: chainBinding,
    proofVerification: { load: proofPool.load, capacity: proofPool.maxQueued },
    ballots,
  };
  return { ok, body };
}

/** The POST route of the contract's kind, and the other kind's route refusing with WRONG_CONTRACT_KIND. */
function registerSubmissions(app: FastifyInstance, options: RelayerServerOptions, perMinute: BallotRoutes["perMinute"]): void {
  const { queue, chain, proofPool } = options;
  if (isSealedChain(chain)) {
    if (!(proofPool instanceof SealedProofVerifier)) throw new Error("a sealed relayer verifies with a SealedProofVerifier");
    registerSealedSubmission(app, { queue, chain, verifier: proofPool, perMinute });
    registerWrongKind(app, "/v1/ballots", { kind: "sealed", address: chain.contractAddress, route: "/v1/sealed-ballots" });
    return;
  }
  if (!(proofPool instanceof ProofPool)) throw new Error("an open relayer verifies with a ProofPool");
  registerBallotSubmission(app, { queue, chain, proofPool, busyRefusals: new BusyRefusals(options.rateLimitKeys ?? 100_000), perMinute });
  registerWrongKind(app, "/v1/sealed-ballots", { kind: "open", address: chain.contractAddress, route: "/v1/ballots" });
}

export async function buildRelayerServer(options: RelayerServerOptions): Promise<FastifyInstance> {
  const { chain } = options;
  // Fastify's ajv removes unknown fields and coerces types by default; a ballot body must be
  // refused for either, so both are off (the route schema says additionalProperties: false).
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024, ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } } });
  const storage: StorageErrors = {};
  const origins = options.corsOrigins ?? [];
  // A web app on another origin (static hosting) needs CORS to submit and poll. Nothing is
  // credentialed, so no Allow-Credentials; Retry-After is exposed for the 429/503 answers.
  if (origins.length > 0) {
    await app.register(cors, { origin: origins.includes("*") ? "*" : [...origins], methods: ["GET", "POST"], allowedHeaders: ["content-type"], exposedHeaders: ["retry-after"], maxAge: CORS_PREFLIGHT_MAX_AGE_S });
  }
  await app.register(rateLimit, {
    global: false,
    cache: options.rateLimitKeys ?? 100_000,
    errorResponseBuilder: (_request, context) => new RelayRejection(429, "RATE_LIMITED", `at most ${context.max} requests a minute for this ballot or receipt; retry in ${context.after}`),
  });
  app.setErrorHandler(errorHandler(options, storage));
  const perMinute = { max: options.rateLimitPerMinute, timeWindow: 60_000 };
  registerSubmissions(app, options, perMinute);
  registerReceiptLookup(app, options.queue, perMinute);
  registerHealth(app, options, storage);
  return app;
}
