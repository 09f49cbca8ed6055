/**
 * The app's local static server: app/dist with a strict Content-Security-Policy, the app's
 * config.json generated from the options, and two same-origin forwards so the page talks to
 * nobody but its own origin: POST /rpc to the JSON-RPC node and /v1/* to the relayer.
 * An unreachable upstream drops the connection, so the page sees exactly what it would see
 * if it talked to that upstream directly (the relayer-unreachable refusal).
 */
import * as path from "node:path";

import fastify, { type FastifyInstance, type FastifyReply } from "fastify";
import fastifyStatic from "@fastify/static";

import { ZkBallotError } from "../lib/core/errors";
import { DIST_DIR } from "./build";

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

export interface AppServerOptions {
  host?: string;
  port?: number;
  rpcUrl: string;
  relayerUrl: string;
  zkBallot: string;
  /** "open", "sealed", or undefined: the page detects it from the contract. */
  kind?: "open" | "sealed";
  electionId: bigint;
  fromBlock?: number;
  txUrl?: string;
  distDir?: string;
}

export interface AppServer {
  url: string;
  app: FastifyInstance;
  close(): Promise<void>;
}

function checkUrl(value: string, name: string): URL {
  try {
    return new URL(value);
  } catch {
    throw new ZkBallotError("INVALID_ARGUMENT", `${name} is not a URL: ${JSON.stringify(value)}`);
  }
}

/** Forwards one request; a network failure upstream closes the client's connection. */
async function forward(reply: FastifyReply, target: string, init: RequestInit): Promise<void> {
  let upstream: Response;
  try {
    upstream = await fetch(target, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch {
    reply.raw.destroy();
    return;
  }
  const retryAfter = upstream.headers.get("retry-after");
  if (retryAfter !== null) void reply.header("retry-after", retryAfter);
  await reply.code(upstream.status).type(upstream.headers.get("content-type") ?? "application/json").send(Buffer.from(await upstream.arrayBuffer()));
}

export async function startAppServer(options: AppServerOptions): Promise<AppServer> {
  const rpc = checkUrl(options.rpcUrl, "rpcUrl");
  const relayer = checkUrl(options.relayerUrl, "relayerUrl");
  const app = fastify({ logger: false, bodyLimit: 1_000_000 });
  app.addHook("onSend", async (_request, reply) => {
    void reply.header("content-security-policy", CONTENT_SECURITY_POLICY);
    void reply.header("x-content-type-options", "nosniff");
    void reply.header("referrer-policy", "no-referrer");
    void reply.header("cross-origin-opener-policy", "same-origin");
  });
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "buffer" }, (_request, body, done) => done(null, body));
  const config = { rpcUrl: "/rpc", relayerUrl: "", zkBallot: options.zkBallot, kind: options.kind ?? "", electionId: options.electionId.toString(), fromBlock: String(options.fromBlock ?? 0), txUrl: options.txUrl ?? "" };
  app.get("/config.json", async (_request, reply) => reply.header("cache-control", "no-store").send(config));
  app.post("/rpc", async (request, reply) => forward(reply, rpc.toString(), { method: "POST", headers: { "content-type": "application/json" }, body: new Uint8Array(request.body as Buffer) }));
  app.get("/v1/ballots/:receiptId", async (request, reply) => forward(reply, new URL(request.url, relayer).toString(), { method: "GET" }));
  for (const route of ["/v1/ballots", "/v1/sealed-ballots"]) {
    app.post(route, async (request, reply) => forward(reply, new URL(route, relayer).toString(), { method: "POST", headers: { "content-type": "application/json" }, body: new Uint8Array(request.body as Buffer) }));
  }
  await app.register(fastifyStatic, { root: path.resolve(options.distDir ?? DIST_DIR), index: "index.html" });
  const address = await app.listen({ host: options.host ?? "127.0.0.1", port: options.port ?? 0 });
  return { url: address, app, close: () => app.close() };
}
