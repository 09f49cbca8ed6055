/**
 * The relayer's HTTP API (Fastify): POST /v1/ballots, GET /v1/ballots/:receiptId, GET /health.
 *
 * Privacy: the client's address is used only, in memory, by the rate limiter; it is never
 * logged or stored, and no log line names a ballot, a nullifier or a receipt next to it.
 */
import Fastify, { type FastifyInstance } from "fastify";

import type { QueuedBallot, RelayQueue } from "./queue";
import { checkBallotAgainstChain, parseBallotRequest, RelayRejection, type ChainContext } from "./validate";

export interface RelayerServerOptions {
  queue: RelayQueue;
  chain: ChainContext;
  relayerAddress: string;
  /** Requests per client per minute (token bucket). */
  rateLimitPerMinute: number;
  log?: (line: string) => void;
}

/** Token bucket per client key, held in memory only. */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();
  constructor(private readonly perMinute: number) {}

  take(key: string, now = Date.now()): boolean {
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, updatedAt: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + ((now - bucket.updatedAt) / 60_000) * this.perMinute);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 100_000) this.buckets.clear(); // bounded memory under a flood of addresses
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

export function receiptView(ballot: QueuedBallot): Record<string, unknown> {
  return {
    receiptId: ballot.receiptId,
    status: ballot.status,
    electionId: ballot.electionId.toString(),
    nullifier: ballot.nullifier.toString(),
    ...(ballot.txHash ? { transactionHash: ballot.txHash } : {}),
    ...(ballot.blockNumber !== null ? { blockNumber: ballot.blockNumber } : {}),
    ...(ballot.reason ? { reason: ballot.reason } : {}),
  };
}

export function buildRelayerServer(options: RelayerServerOptions): FastifyInstance {
  const { queue, chain } = options;
  const app = Fastify({ logger: false, bodyLimit: 16 * 1024 });
  const limiter = new RateLimiter(options.rateLimitPerMinute);

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof RelayRejection) return reply.status(error.statusCode).send({ error: error.code, message: error.message });
    const statusCode = (error as { statusCode?: number }).statusCode;
    if (statusCode && statusCode >= 400 && statusCode < 500) return reply.status(statusCode).send({ error: "INVALID_REQUEST", message: (error as Error).message });
    options.log?.(`internal error: ${(error as Error).message}`);
    return reply.status(500).send({ error: "INTERNAL", message: "internal error" });
  });

  app.post("/v1/ballots", async (request, reply) => {
    if (!limiter.take(request.ip)) throw new RelayRejection(429, "RATE_LIMITED", `at most ${options.rateLimitPerMinute} requests a minute; retry later`);
    const ballot = parseBallotRequest(request.body);
    const existing = queue.findByNullifier(ballot.electionId, ballot.nullifier);
    if (existing) {
      const same = existing.ballot === ballot.ballot && existing.proof.every((value, i) => value === ballot.proof[i]);
      if (!same) throw new RelayRejection(409, "ALREADY_QUEUED", "another ballot with this nullifier is already queued");
      return reply.status(200).send(receiptView(existing)); // the same ballot resent: idempotent
    }
    await checkBallotAgainstChain(chain, ballot);
    const { receiptId, existing: raced } = queue.enqueue(ballot); // durable before we answer
    if (raced) return reply.status(200).send(receiptView(raced));
    options.log?.("accepted a ballot");
    return reply.status(202).send(receiptView(queue.get(receiptId)!));
  });

  app.get<{ Params: { receiptId: string } }>("/v1/ballots/:receiptId", async (request) => {
    if (!limiter.take(request.ip)) throw new RelayRejection(429, "RATE_LIMITED", `at most ${options.rateLimitPerMinute} requests a minute; retry later`);
    const ballot = queue.get(request.params.receiptId);
    if (!ballot) throw new RelayRejection(404, "RECEIPT_NOT_FOUND", "no ballot with this receipt id");
    return receiptView(ballot);
  });

  app.get("/health", async () => {
    const provider = chain.zkBallot.runner!.provider!;
    const [blockNumber, balance] = await Promise.all([provider.getBlockNumber(), provider.getBalance(options.relayerAddress)]);
    return { status: "ok", chainId: chain.chainId.toString(), zkBallot: chain.contractAddress, relayer: options.relayerAddress, balance: balance.toString(), blockNumber, ballots: queue.counts() };
  });

  return app;
}
