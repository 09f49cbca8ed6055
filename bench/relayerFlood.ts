/**
 * The relayer under a flood (issue 16, point 2): 200 honest voters arrive at about 7.5 a second
 * while 20,000 junk requests arrive within 60 s, all on loopback, against the relayer as a
 * separate process (`npm run relayer`, default limits) and a `hardhat node`.
 *
 * Honest ballots are the committed fixture proofs (test/fixtures/relayer-ballots.json), sent with
 * the voter's client (lib/relayer/client.ts), which honours Retry-After on 429/503. Junk mixes:
 *   - wrong proofs that pass every cheap check: a real proof (valid curve points) under a fresh
 *     random nullifier, so only the pairing tells it apart (the expensive kind, 45%);
 *   - random proof coordinates under a fresh nullifier (10%);
 *   - malformed bodies: not JSON, missing or unknown fields, wrong types (20%);
 *   - field violations: nullifier >= r, a coordinate >= q (10%);
 *   - an unknown election, or a ballot out of range (15%).
 * Every loop is bounded in count and in time. Measured: honest ballots accepted, time from a
 * voter's first POST to its 202 (p50, p99, max), the relayer process's peak RSS (VmRSS of
 * /proc/<pid>/status, worker threads included), and the junk answers by status.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { JsonRpcProvider } from "ethers";

import { PROJECT_ROOT } from "../lib/proving/artifacts";
import { SNARK_SCALAR_FIELD } from "../lib/core/constants";
import type { PreparedBallot } from "../lib/chain/election";
import { BN254_BASE_FIELD } from "../lib/proving/prover";
import { loadRelayFixture, openFixtureElection } from "../test/helpers/relayFixtures";
import { submitToRelayer } from "../lib/relayer/client";
import { freePort, startHardhatNode } from "../test/helpers/processes";

const RELAYER_KEY = "0xdf57089febbacf7ba0bc227dafbffa9fc08a93fdc68e1e42411a14efcf23656e";
const TS_NODE = path.join(PROJECT_ROOT, "node_modules", "ts-node", "dist", "bin.js");

export interface FloodResult {
  honest: number;
  honestAccepted: number;
  acceptP50Seconds: number;
  acceptP99Seconds: number;
  acceptMaxSeconds: number;
  honestRetries: number;
  honestIncluded: number;
  junkSent: number;
  junkSeconds: number;
  junkAnswers: Record<string, number>;
  relayerPeakRssMB: number;
}

const JUNK_TOTAL = 20_000;
const JUNK_WINDOW_MS = 60_000;
/** Junk requests in flight at most (the generator's own bound; beyond it, it waits). */
const JUNK_IN_FLIGHT = 128;
const HONEST_INTERVAL_MS = 133; // 7.5 voters a second
const HARD_DEADLINE_MS = 240_000;

function randomBelow(bound: bigint): bigint {
  return BigInt("0x" + randomBytes(32).toString("hex")) % bound;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function rssMB(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export async function measureRelayerFlood(log: (line: string) => void): Promise<FloodResult> {
  const fixture = loadRelayFixture();
  const node = await startHardhatNode();
  const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-bench-flood-"));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let relayer: ReturnType<typeof spawn> | undefined;
  const hardDeadline = Date.now() + HARD_DEADLINE_MS;
  try {
    const { zkBallot, electionId } = await openFixtureElection(await provider.getSigner(0), await provider.getSigner(1), fixture.voterCommitments.map(BigInt));
    if ((await zkBallot.getAddress()) !== fixture.zkBallot) throw new Error("test/fixtures/relayer-ballots.json is stale: run `npm run fixtures`");
    relayer = spawn(process.execPath, [TS_NODE, "scripts/relayer.ts"], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, RELAYER_RPC_URL: node.url, RELAYER_PRIVATE_KEY: RELAYER_KEY, RELAYER_PORT: String(port), RELAYER_DB: path.join(dir, "relayer.sqlite"), ZKBALLOT_ADDRESS: fixture.zkBallot },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    relayer.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    relayer.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    while (!/listening on/.test(output)) {
      if (Date.now() > hardDeadline || relayer.exitCode !== null) throw new Error(`the relayer did not start:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const pid = relayer.pid!;
    let peakRss = rssMB(pid);
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMB(pid))), 250);

    const template = fixture.ballots[0];
    const junkBody = (i: number): string => {
      const kind = i % 20;
      const real = fixture.ballots[i % fixture.ballots.length];
      const base = { electionId: fixture.electionId, ballot: real.ballot, nullifier: randomBelow(SNARK_SCALAR_FIELD).toString(), proof: real.proof };
      if (kind < 9) return JSON.stringify(base); // wrong proof, valid points, fresh nullifier
      if (kind < 11) return JSON.stringify({ ...base, proof: Array.from({ length: 8 }, () => randomBelow(BN254_BASE_FIELD).toString()) });
      if (kind === 11) return "{not json";
      if (kind === 12) return JSON.stringify({ ...base, proof: undefined });
      if (kind === 13) return JSON.stringify({ ...base, voter: "me" });
      if (kind === 14) return JSON.stringify({ ...base, nullifier: 12345 });
      if (kind === 15) return JSON.stringify({ ...base, nullifier: (randomBelow(SNARK_SCALAR_FIELD) + SNARK_SCALAR_FIELD).toString() });
      if (kind === 16) return JSON.stringify({ ...base, proof: [BN254_BASE_FIELD.toString(), ...template.proof.slice(1)] });
      if (kind === 17) return JSON.stringify({ ...base, electionId: String(1000 + (i % 5000)) });
      return JSON.stringify({ ...base, ballot: "3" }); // two choices at once
    };

    const junkAnswers: Record<string, number> = {};
    let junkSent = 0;
    const junkStarted = Date.now();
    const junk = (async () => {
      let inFlight = 0;
      const running = new Set<Promise<void>>();
      for (let i = 0; i < JUNK_TOTAL && Date.now() < hardDeadline; i++) {
        const due = junkStarted + (i * JUNK_WINDOW_MS) / JUNK_TOTAL;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
        while (inFlight >= JUNK_IN_FLIGHT) await Promise.race(running);
        inFlight++;
        junkSent++;
        const request: Promise<void> = fetch(`${url}/v1/ballots`, { method: "POST", headers: { "content-type": "application/json" }, body: junkBody(i), signal: AbortSignal.timeout(30_000) })
          .then(async (response) => {
            await response.body?.cancel();
            junkAnswers[response.status] = (junkAnswers[response.status] ?? 0) + 1;
          })
          .catch(() => void (junkAnswers.error = (junkAnswers.error ?? 0) + 1))
          .finally(() => {
            inFlight--;
            running.delete(request);
          });
        running.add(request);
      }
      await Promise.all(running);
      return (Date.now() - junkStarted) / 1000;
    })();

    // Honest voters start 5 s into the flood, one every 133 ms, each with the real client.
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    let honestRetries = 0;
    const acceptSeconds: number[] = [];
    const honest = await Promise.all(
      fixture.ballots.map(async (ballot, i) => {
        await new Promise((resolve) => setTimeout(resolve, i * HONEST_INTERVAL_MS));
        const prepared = { electionId: BigInt(fixture.electionId), ballot: BigInt(ballot.ballot), nullifier: BigInt(ballot.nullifier), proof: ballot.proof.map(BigInt) } as unknown as PreparedBallot;
        const started = performance.now();
        try {
          await submitToRelayer(url, prepared, { maxRetries: 20, maxWaitMs: 5_000, onRetry: () => void honestRetries++ });
          acceptSeconds.push((performance.now() - started) / 1000);
          return true;
        } catch (error) {
          log(`  honest voter ${i} not accepted: ${(error as Error).message}`);
          return false;
        }
      }),
    );
    const junkSeconds = await junk;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, rssMB(pid));

    let honestIncluded = 0;
    while (Date.now() < hardDeadline) {
      const health = (await (await fetch(`${url}/health`)).json()) as { ballots: Record<string, number> };
      honestIncluded = health.ballots.included + health.ballots.final;
      if (health.ballots.queued + health.ballots.submitted === 0) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const counted = (await zkBallot.queryFilter(zkBallot.filters.VoteCast(electionId))).length;
    if (counted !== honestIncluded) log(`  warning: relayer reports ${honestIncluded} included, the chain has ${counted} VoteCast events`);
    acceptSeconds.sort((a, b) => a - b);
    return {
      honest: fixture.ballots.length,
      honestAccepted: honest.filter(Boolean).length,
      acceptP50Seconds: percentile(acceptSeconds, 50),
      acceptP99Seconds: percentile(acceptSeconds, 99),
      acceptMaxSeconds: acceptSeconds[acceptSeconds.length - 1] ?? Number.NaN,
      honestRetries,
      honestIncluded: counted,
      junkSent,
      junkSeconds,
      junkAnswers,
      relayerPeakRssMB: peakRss,
    };
  } finally {
    if (relayer && relayer.exitCode === null) {
      relayer.kill("SIGTERM");
      await new Promise((resolve) => {
        const timer = setTimeout(() => {
          relayer!.kill("SIGKILL");
          resolve(undefined);
        }, 10_000);
        relayer!.once("exit", () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
    }
    provider.destroy();
    node.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
