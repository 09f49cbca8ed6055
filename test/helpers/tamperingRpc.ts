/**
 * A JSON-RPC forwarder that passes every request to a real node and rewrites the logs its
 * eth_getLogs answers carry, as a lying node would: the negative control for the web app's
 * in-browser checks (test/app.e2e.test.ts, test/app.sealed.e2e.test.ts).
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";

export interface ReturnedLog {
  topics: string[];
  data: string;
}

/** Starts the forwarder on a free port; `tamper` may change each returned log in place. */
export async function startTamperingRpc(upstream: string, tamper: (log: ReturnedLog) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => void (async () => {
      const body = Buffer.concat(chunks).toString("utf8");
      const answer = (await (await fetch(upstream, { method: "POST", headers: { "content-type": "application/json" }, body })).json()) as unknown;
      const asked = JSON.parse(body) as { method: string } | { method: string }[];
      const pairs = Array.isArray(asked) ? asked.map((a, i) => [a, (answer as unknown[])[i]] as const) : [[asked, answer] as const];
      for (const [a, r] of pairs) if (a.method === "eth_getLogs") for (const log of ((r as { result?: ReturnedLog[] }).result ?? [])) tamper(log);
      response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(answer));
    })());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The 32-byte words of a log's data. */
export const dataWords = (log: ReturnedLog): string[] => log.data.slice(2).match(/.{64}/g) ?? [];
