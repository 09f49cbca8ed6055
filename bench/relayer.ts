/**
 * Relayer benchmarks: gas per ballot of castVotes batches (1, 10, 50) and ballots per second
 * through the relayer service (HTTP, SQLite queue, batches) against a real `hardhat node`.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { JsonRpcProvider } from "ethers";

import { PROJECT_ROOT } from "../lib/proving/artifacts";
import { computeElectionScope } from "../lib/chain/election";
import { progressBar } from "../lib/node/progress";
import { fixtureVoter, loadRelayFixture, openFixtureElection, RELAY_FIXTURE_ELECTION } from "../test/helpers/relayFixtures";
import { relayerConfigFromEnv } from "../lib/relayer/config";
import { startRelayer } from "../lib/relayer/service";
import type { VoterIdentity } from "../lib/core/identity";
import { VoterRoll, type MerklePath } from "../lib/core/voterRoll";
import { startHardhatNode } from "../test/helpers/processes";

/** Hardhat's public test key #19 (test funds only). */
const RELAYER_KEY = "0xdf57089febbacf7ba0bc227dafbffa9fc08a93fdc68e1e42411a14efcf23656e";
const TS_NODE = path.join(PROJECT_ROOT, "node_modules", "ts-node", "dist", "bin.js");

/** gasUsed / ballots of castVotes for each batch size, on a fresh in-process chain with the fixture proofs. */
export async function measureBatchGas(batchSizes: number[], repeats: number, log: (line: string) => void): Promise<Map<number, number[]>> {
  const hre = (await import("hardhat")).default;
  await hre.run("compile", { quiet: true });
  await hre.network.provider.send("hardhat_reset");
  const fixture = loadRelayFixture();
  const [operator, registrar, submitter] = await hre.ethers.getSigners();
  const { zkBallot } = await openFixtureElection(operator, registrar, fixture.voterCommitments.map(BigInt));
  if ((await zkBallot.getAddress()) !== fixture.zkBallot) throw new Error("test/fixtures/relayer-ballots.json is stale: run `npm run fixtures`");
  const needed = batchSizes.reduce((sum, size) => sum + size * repeats, 0);
  if (needed > fixture.ballots.length) throw new Error(`need ${needed} fixture ballots, have ${fixture.ballots.length}`);
  const results = new Map<number, number[]>();
  let next = 0;
  for (const size of batchSizes) {
    for (let run = 0; run < repeats; run++) {
      const batch = fixture.ballots.slice(next, next + size).map((b) => ({ electionId: BigInt(fixture.electionId), ballot: BigInt(b.ballot), nullifier: BigInt(b.nullifier), proof: b.proof.map(BigInt) }));
      next += size;
      const receipt = (await (await zkBallot.connect(submitter).castVotes(batch)).wait())!;
      const counted = receipt.logs.filter((l) => zkBallot.interface.parseLog(l)?.name === "VoteCast").length;
      if (counted !== size) throw new Error(`batch of ${size} counted ${counted}`);
      results.set(size, [...(results.get(size) ?? []), Number(receipt.gasUsed) / size]);
    }
    log(`  castVotes batch of ${size}: ${results.get(size)!.map((g) => Math.round(g)).join(", ")} gas per ballot`);
  }
  return results;
}

interface ThroughputBallots {
  root: string;
  ballots: { ballot: string; nullifier: string; proof: string[] }[];
}

/** Real proofs for the first `count` voters of `roll`, made on all cores in child processes, cached by root and scope. */
export async function proveBallotsInParallel(
  voters: VoterIdentity[],
  roll: { root: bigint; pathAt(index: number): MerklePath },
  count: number,
  scope: bigint,
  cacheName: string,
  log: (line: string) => void,
): Promise<ThroughputBallots["ballots"]> {
  const cacheFile = path.join(PROJECT_ROOT, "bench", ".cache", `${cacheName}.json`);
  if (fs.existsSync(cacheFile)) {
    const cached = JSON.parse(fs.readFileSync(cacheFile, "utf8")) as ThroughputBallots & { scope?: string };
    if (cached.root === roll.root.toString() && cached.scope === scope.toString() && cached.ballots.length === count) return cached.ballots;
  }
  fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
  const workers = Math.max(1, os.cpus().length);
  const requestsFile = path.join(os.tmpdir(), `zkballot-prove-${process.pid}.json`);
  fs.writeFileSync(requestsFile, JSON.stringify({
    requests: voters.slice(0, count).map((voter, i) => {
      const merklePath = roll.pathAt(i);
      return { secret: voter.identitySecret.toString(), pathIndices: merklePath.pathIndices, siblings: merklePath.siblings.map(String), ballot: (1n << BigInt(i % RELAY_FIXTURE_ELECTION.numOptions)).toString() };
    }),
    root: roll.root.toString(),
    scope: scope.toString(),
  }));
  log(`  proving ${count} ballots on ${workers} processes (cached afterwards in ${path.relative(PROJECT_ROOT, cacheFile)})`);
  const bar = progressBar("  proving", count);
  let done = 0;
  const parts = await Promise.all(
    Array.from({ length: workers }, (_, w) =>
      new Promise<ThroughputBallots["ballots"]>((resolve, reject) => {
        const from = Math.floor((count * w) / workers);
        const to = Math.floor((count * (w + 1)) / workers);
        const out = `${requestsFile}.${w}.out`;
        const child = spawn(process.execPath, [TS_NODE, path.join(PROJECT_ROOT, "bench", "proveWorker.ts"), requestsFile, String(from), String(to), out], { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "inherit"] });
        child.stdout.on("data", (chunk: Buffer) => {
          done += chunk.toString().split("\n").filter((line) => line === "proved").length;
          bar.update(done);
        });
        child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(fs.readFileSync(out, "utf8")) as ThroughputBallots["ballots"]) : reject(new Error(`prove worker exited with ${code}`))));
      }),
    ),
  );
  bar.done();
  fs.rmSync(requestsFile, { force: true });
  const ballots = parts.flat();
  fs.writeFileSync(cacheFile, JSON.stringify({ root: roll.root.toString(), scope: scope.toString(), ballots }));
  return ballots;
}

/** Real proofs for `count` fixture voters of a (count + 24)-voter roll. */
async function throughputBallots(count: number, scope: bigint, log: (line: string) => void): Promise<{ commitments: bigint[]; ballots: ThroughputBallots["ballots"] }> {
  const voters = [];
  for (let i = 0; i < count + 24; i++) voters.push(await fixtureVoter(i));
  const commitments = voters.map((voter) => voter.voterCommitment);
  const roll = await VoterRoll.build(commitments);
  return { commitments, ballots: await proveBallotsInParallel(voters, roll, count, scope, `relayer-${count}`, log) };
}

/** POSTs ballots to a relayer, 8 at a time; every one must be accepted (202). */
export async function postBallots(relayerUrl: string, electionId: bigint, ballots: { ballot: string; nullifier: string; proof: string[] }[]): Promise<void> {
  const queue = [...ballots];
  const bar = progressBar("  posting to the relayer", ballots.length);
  let posted = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let b = queue.shift(); b; b = queue.shift()) {
        const response = await fetch(`${relayerUrl}/v1/ballots`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ electionId: electionId.toString(), ...b }) });
        if (response.status !== 202) throw new Error(`relayer answered ${response.status}: ${await response.text()}`);
        bar.update(++posted);
      }
    }),
  );
  bar.done();
}

/** Waits until the relayer has settled `count` ballots; all must be included. */
export async function waitUntilSettled(relayerUrl: string, count: number, timeoutMs = 1_800_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (Date.now() > deadline) throw new Error(`the relayer did not settle ${count} ballots within ${timeoutMs / 1000} s`);
    const health = (await (await fetch(`${relayerUrl}/health`)).json()) as { ballots: Record<string, number> };
    if (health.ballots.included + health.ballots.final + health.ballots.rejected >= count) {
      if (health.ballots.rejected > 0) throw new Error(`${health.ballots.rejected} ballots rejected`);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export interface ThroughputResult {
  ballots: number;
  acceptSeconds: number;
  totalSeconds: number;
  ballotsPerSecond: number;
  transactions: number;
  gasPerBallot: number;
}

/** Ballots per second from the first POST to the last inclusion, relayer and node as separate processes on this machine. */
export async function measureRelayerThroughput(count: number, log: (line: string) => void): Promise<ThroughputResult> {
  const node = await startHardhatNode();
  const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-bench-relayer-"));
  try {
    const operator = await provider.getSigner(0);
    const fixture = loadRelayFixture();
    const scope = computeElectionScope(31337n, fixture.zkBallot, 1n);
    const { commitments, ballots } = await throughputBallots(count, scope, log);
    const { zkBallot, electionId } = await openFixtureElection(operator, await provider.getSigner(1), commitments);
    if (computeElectionScope((await provider.getNetwork()).chainId, await zkBallot.getAddress(), electionId) !== scope) throw new Error("deployment differs from the cached proofs");
    const relayer = await startRelayer({
      ...relayerConfigFromEnv({ RELAYER_PRIVATE_KEY: RELAYER_KEY }),
      rpcUrl: node.url, privateKey: RELAYER_KEY, host: "127.0.0.1", port: 0, databaseFile: path.join(dir, "relayer.sqlite"),
      zkBallotAddress: await zkBallot.getAddress(), batchSize: 50, intervalMs: 50, stuckAfterMs: 60_000, rateLimitPerMinute: 1_000_000,
    });
    try {
      const started = performance.now();
      await postBallots(relayer.url, electionId, ballots);
      const acceptSeconds = (performance.now() - started) / 1000;
      await waitUntilSettled(relayer.url, count);
      const totalSeconds = (performance.now() - started) / 1000;
      const cast = await zkBallot.queryFilter(zkBallot.filters.VoteCast(electionId));
      const hashes = [...new Set(cast.map((event) => event.transactionHash))];
      let gas = 0n;
      for (const hash of hashes) gas += (await provider.getTransactionReceipt(hash))!.gasUsed;
      return { ballots: cast.length, acceptSeconds, totalSeconds, ballotsPerSecond: cast.length / totalSeconds, transactions: hashes.length, gasPerBallot: Number(gas) / cast.length };
    } finally {
      await relayer.stop();
    }
  } finally {
    provider.destroy();
    node.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
