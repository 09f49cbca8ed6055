/**
 * The relayer as a separate process against a real `hardhat node` (and anvil): 200 ballots
 * through HTTP, a `kill -9` in the middle of submitting, a restart on the same database, and
 * every accepted ballot counted exactly once; a reorg (evm_snapshot / evm_revert) that drops the
 * block carrying ballots; a chain reset under a running relayer; a database of one node refused
 * on another at the same chain id; SIGTERM during a long polling interval. Proofs come from
 * test/fixtures/relayer-ballots.json (see test/helpers/relayFixtures.ts). Every wait has a deadline.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { expect } from "chai";
import { JsonRpcProvider } from "ethers";

import { PROJECT_ROOT } from "../lib/proving/artifacts";
import { closeElection } from "../lib/chain/election";
import { loadRelayFixture, openFixtureElection, type RelayFixture } from "./helpers/relayFixtures";
import type { ZkBallot } from "../typechain-types";
import { TS_NODE_CLI, freePort, startAnvil, startHardhatNode, startProcess, type HardhatNode } from "./helpers/processes";

/** Private key of account #19 of Hardhat's public test mnemonic: test funds only. */
const RELAYER_KEY = "0xdf57089febbacf7ba0bc227dafbffa9fc08a93fdc68e1e42411a14efcf23656e";

type Relayer = { child: ChildProcess; output: () => string };
type Receipt = { receiptId: string; status: string; transactionHash?: string; blockNumber?: number; ballot: string };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `probe` every `intervalMs` until it returns a value; fails with `what` after `timeoutMs`. */
async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** Resolves with the exit code once the process exits, or rejects after `timeoutMs`. */
function exitOf(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`process still running after ${timeoutMs} ms`)), timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** The relayer's environment; its port comes from the OS and stays the same across a restart on this env. */
async function relayerEnvFor(nodeUrl: string, fixture: RelayFixture, databaseFile: string, extra: NodeJS.ProcessEnv = {}): Promise<{ env: NodeJS.ProcessEnv; url: string }> {
  const port = await freePort();
  return {
    url: `http://127.0.0.1:${port}`,
    env: {
      ...process.env,
      RELAYER_RPC_URL: nodeUrl,
      RELAYER_PRIVATE_KEY: RELAYER_KEY,
      RELAYER_PORT: String(port),
      RELAYER_DB: databaseFile,
      ZKBALLOT_ADDRESS: fixture.zkBallot,
      RELAYER_BATCH_SIZE: "50",
      RELAYER_INTERVAL_MS: "200",
      RELAYER_FINALITY: "3",
      RELAYER_VERIFY_WORKERS: "1",
      ...extra,
    },
  };
}

const startRelayerProcess = (env: NodeJS.ProcessEnv): Promise<Relayer> => startProcess(process.execPath, [TS_NODE_CLI, "scripts/relayer.ts"], env, /listening on/);

/** Starts the relayer and expects it to exit on its own; returns its exit code and output. */
function runRelayerToExit(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [TS_NODE_CLI, "scripts/relayer.ts"], { cwd: PROJECT_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return exitOf(child, timeoutMs).then(
    (code) => ({ code, output }),
    (error: Error) => {
      child.kill("SIGKILL");
      throw new Error(`${error.message}:\n${output}`);
    },
  );
}

async function postBallot(relayerUrl: string, fixture: RelayFixture, ballot: RelayFixture["ballots"][number], timeoutMs = 60_000): Promise<Receipt> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let response: Response;
    try {
      response = await fetch(`${relayerUrl}/v1/ballots`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ electionId: fixture.electionId, ballot: ballot.ballot, nullifier: ballot.nullifier, proof: ballot.proof }),
        signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
      });
    } catch {
      // the relayer is down (killed, restarting): a client retries, within the deadline
      if (Date.now() > deadline) throw new Error(`the relayer at ${relayerUrl} did not come back within ${timeoutMs} ms`);
      await sleep(250);
      continue;
    }
    const body = (await response.json()) as Receipt & { error?: string };
    if ((response.status === 503 || response.status === 429) && Date.now() < deadline) {
      await sleep(Number(response.headers.get("retry-after") ?? "1") * 1000);
      continue;
    }
    expect([200, 202], JSON.stringify(body)).to.include(response.status);
    return body;
  }
}

const getReceipt = (relayerUrl: string, receiptId: string) => fetchJson<Receipt>(`${relayerUrl}/v1/ballots/${receiptId}`);

/** A hardhat node with the fixture's election open, and a temp dir: the start-up both suites share. */
async function startChainWithElection(prefix: string): Promise<{ fixture: RelayFixture; dir: string; node: HardhatNode; provider: JsonRpcProvider; zkBallot: ZkBallot; electionId: bigint }> {
  const fixture = loadRelayFixture();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const node = await startHardhatNode();
  const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
  const { zkBallot, electionId } = await openFixtureElection(await provider.getSigner(0), await provider.getSigner(1), fixture.voterCommitments.map(BigInt));
  expect(await zkBallot.getAddress(), "test/fixtures/relayer-ballots.json is stale: run `npm run fixtures`").to.equal(fixture.zkBallot);
  return { fixture, dir, node, provider, zkBallot, electionId };
}

/** Every HTTP call of these tests has a deadline: a hung relayer fails the test, it does not hang it. */
const HTTP_TIMEOUT_MS = 15_000;
const fetchJson = async <T>(url: string): Promise<T> => (await (await fetch(url, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) })).json()) as T;

describe("relayer service against a real hardhat node", function () {
  this.timeout(600_000);
  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let fixture: RelayFixture;
  let zkBallot: ZkBallot;
  let electionId: bigint;
  let dir: string;
  let relayerUrl: string;
  let relayerEnv: NodeJS.ProcessEnv;
  let relayer: Relayer | undefined;

  before(async () => {
    ({ fixture, dir, node, provider, zkBallot, electionId } = await startChainWithElection("zkballot-relayer-"));
    ({ env: relayerEnv, url: relayerUrl } = await relayerEnvFor(node.url, fixture, path.join(dir, "relayer.sqlite")));
    relayer = await startRelayerProcess(relayerEnv);
  });

  after(() => {
    relayer?.child.kill("SIGKILL");
    provider?.destroy();
    node?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("counts 200 ballots sent over HTTP exactly once, across a kill -9 mid-submission and a restart", async () => {
    let killedAt: { counted: number } | undefined;
    const killer = (async () => {
      await waitFor("the first batch transaction", 120_000, async () => (/sent \d+ ballots in transaction/.test(relayer!.output()) ? true : undefined), 20);
      relayer!.child.kill("SIGKILL");
      killedAt = { counted: (await zkBallot.queryFilter(zkBallot.filters.VoteCast(electionId))).length };
      await sleep(500);
      relayer = await startRelayerProcess(relayerEnv);
    })();

    const receipts = new Map<string, string>();
    const queue = [...fixture.ballots];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let ballot = queue.shift(); ballot; ballot = queue.shift()) receipts.set(ballot.nullifier, (await postBallot(relayerUrl, fixture, ballot)).receiptId);
      }),
    );
    await killer;
    expect(killedAt!.counted, "the kill must land before every ballot was counted").to.be.lessThan(200);
    expect(receipts.size).to.equal(200);

    // Resending accepted ballots after the restart gives back the same receipts.
    for (const ballot of fixture.ballots.slice(0, 5)) expect((await postBallot(relayerUrl, fixture, ballot)).receiptId).to.equal(receipts.get(ballot.nullifier));

    const health = await waitFor("every ballot settled", 120_000, async () => {
      const report = await fetchJson<{ status: string; ballots: Record<string, number> }>(`${relayerUrl}/health`);
      return report.ballots.queued === 0 && report.ballots.submitted === 0 ? report : undefined;
    }, 250);
    expect(health.status).to.equal("ok");
    expect(health.ballots.included + health.ballots.final).to.equal(200);
    expect(health.ballots.rejected).to.equal(0);

    const cast = await zkBallot.queryFilter(zkBallot.filters.VoteCast(electionId));
    expect(cast).to.have.length(200);
    expect(new Set(cast.map((event) => event.args.nullifier.toString())).size).to.equal(200);
    const expected = [0n, 0n, 0n, 0n];
    for (const ballot of fixture.ballots) expected[ballot.option]++;
    expect(await zkBallot.tallies(electionId)).to.deep.equal(expected);

    for (const ballot of fixture.ballots.slice(0, 10)) {
      const receipt = await getReceipt(relayerUrl, receipts.get(ballot.nullifier)!);
      expect(["included", "final"]).to.include(receipt.status);
      expect(receipt.ballot).to.equal(ballot.ballot);
      const event = cast.find((e) => e.args.nullifier.toString() === ballot.nullifier)!;
      expect(receipt.transactionHash).to.equal(event.transactionHash);
      expect(receipt.blockNumber).to.equal(event.blockNumber);
    }
    expect(relayer!.output()).to.not.match(/\b\d{1,3}(\.\d{1,3}){3}\b.*(accepted|ballot)/); // no client address next to a ballot in the log
    expect(relayer!.output(), "log times to the minute only").to.not.match(/T\d\d:\d\d:\d\d/);
  });

  it("stops within a few seconds on SIGTERM, even in a 60 s polling interval", async () => {
    relayer!.child.kill("SIGKILL");
    await exitOf(relayer!.child, 10_000);
    relayer = await startRelayerProcess({ ...relayerEnv, RELAYER_INTERVAL_MS: "60000" });
    await sleep(1_000); // the loop is now asleep in its interval
    const started = Date.now();
    relayer.child.kill("SIGTERM");
    const code = await exitOf(relayer.child, 10_000);
    const seconds = (Date.now() - started) / 1000;
    expect(code, relayer.output()).to.equal(0);
    expect(seconds, "seconds from SIGTERM to exit").to.be.lessThan(5);
    expect(relayer.output()).to.match(/stopped/);
    relayer = undefined;
  });
});

describe("relayer service: reorgs, chain resets and a database of another node", function () {
  this.timeout(600_000);
  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let fixture: RelayFixture;
  let zkBallot: ZkBallot;
  let electionId: bigint;
  let dir: string;
  let databaseFile: string;
  let relayer: Relayer | undefined;
  let anvil: HardhatNode | undefined;

  before(async () => {
    ({ fixture, dir, node, provider, zkBallot, electionId } = await startChainWithElection("zkballot-relayer-chain-"));
    databaseFile = path.join(dir, "relayer.sqlite");
  });

  after(() => {
    relayer?.child.kill("SIGKILL");
    anvil?.stop();
    provider?.destroy();
    node?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("notices a receipt that a reorg removed, resubmits, and reports included and final separately", async () => {
    const { env, url } = await relayerEnvFor(node.url, fixture, databaseFile);
    relayer = await startRelayerProcess(env);
    const snapshot = (await node.rpc("evm_snapshot", [])) as string;
    const ballots = fixture.ballots.slice(0, 3);
    const receipts = await Promise.all(ballots.map((ballot) => postBallot(url, fixture, ballot)));
    const firstInclusion = await waitFor("inclusion", 60_000, async () => {
      const now = await Promise.all(receipts.map((r) => getReceipt(url, r.receiptId)));
      return now.every((r) => r.status === "included") ? now : undefined;
    });
    expect(firstInclusion.map((r) => r.ballot)).to.deep.equal(ballots.map((b) => b.ballot));

    expect(await node.rpc("evm_revert", [snapshot])).to.equal(true); // the block with the ballots is gone
    expect(await zkBallot.queryFilter(zkBallot.filters.VoteCast(electionId))).to.have.length(0);

    const again = await waitFor("re-inclusion after the reorg", 60_000, async () => {
      const now = await Promise.all(receipts.map((r) => getReceipt(url, r.receiptId)));
      if (!now.every((r) => r.status === "included")) return undefined;
      const onChain = await provider.getTransactionReceipt(now[0].transactionHash!);
      return onChain ? now : undefined;
    });
    expect(relayer.output()).to.match(/left the chain \(reorg\): \d+ ballots queued again/);
    expect(again[0].status, "one block deep: included, not final").to.equal("included");

    for (let i = 0; i < 3; i++) await node.rpc("evm_mine", []);
    const final = await waitFor("finality at 3 blocks", 30_000, async () => {
      const now = await Promise.all(receipts.map((r) => getReceipt(url, r.receiptId)));
      return now.every((r) => r.status === "final") ? now : undefined;
    });
    const cast = await zkBallot.queryFilter(zkBallot.filters.VoteCast(electionId));
    expect(cast).to.have.length(3);
    expect(final.map((r) => r.transactionHash)).to.deep.equal(ballots.map((b) => cast.find((e) => e.args.nullifier.toString() === b.nullifier)!.transactionHash));
  });

  it("retention: `npm run relayer -- purge` deletes a closed election's ballots once all are final", async () => {
    relayer!.child.kill("SIGTERM"); // one process per database: stop the service first
    expect(await exitOf(relayer!.child, 10_000)).to.equal(0);
    const { env, url } = await relayerEnvFor(node.url, fixture, databaseFile);
    await closeElection(zkBallot, electionId);
    const purge = spawnSync(process.execPath, [TS_NODE_CLI, "scripts/relayer.ts", "purge"], { cwd: PROJECT_ROOT, env, encoding: "utf8", timeout: 60_000 });
    expect(purge.status, purge.stderr).to.equal(0);
    expect(purge.stdout).to.match(/election 1: 3 ballots deleted/);
    relayer = await startRelayerProcess(env);
    const health = await fetchJson<{ ballots: Record<string, number> }>(`${url}/health`);
    expect(health.ballots).to.deep.equal({ queued: 0, submitted: 0, included: 0, final: 0, rejected: 0 });
    expect(await zkBallot.queryFilter(zkBallot.filters.VoteCast(electionId)), "the chain keeps the public record").to.have.length(3);
  });

  it("exits with a one-line cause when the chain is reset under it, instead of waiting on it", async () => {
    expect(relayer, "the relayer of the previous test").to.not.equal(undefined);
    await node.rpc("hardhat_reset", []);
    const started = Date.now();
    const code = await exitOf(relayer!.child, 15_000);
    expect(code).to.equal(1);
    expect(Date.now() - started).to.be.lessThan(10_000);
    const errorLines = relayer!.output().split("\n").filter((line) => line.startsWith("error:"));
    expect(errorLines).to.have.length(1);
    expect(errorLines[0]).to.match(/the chain under the relayer changed: block 1 is now missing.*hint: .*new RELAYER_DB/);
    relayer = undefined;
  });

  it("refuses at start a database made on another node with the same chain id (hardhat node's, on anvil)", async () => {
    anvil = await startAnvil(); // on a port the OS picks; resolves once anvil listens (with a deadline)
    const anvilUrl = anvil.url;
    const anvilProvider = new JsonRpcProvider(anvilUrl, undefined, { staticNetwork: true });
    try {
      expect((await anvilProvider.getNetwork()).chainId).to.equal(31337n);
      const onAnvil = await openFixtureElection(await anvilProvider.getSigner(0), await anvilProvider.getSigner(1), fixture.voterCommitments.map(BigInt));
      expect(await onAnvil.zkBallot.getAddress(), "same deployer, same address on both nodes").to.equal(fixture.zkBallot);
      const { env } = await relayerEnvFor(anvilUrl, fixture, databaseFile);
      const { code, output } = await runRelayerToExit(env, 60_000);
      expect(code).to.equal(1);
      const lines = output.trim().split("\n");
      expect(lines, output).to.have.length(1);
      expect(lines[0]).to.match(/^error: .*relayer\.sqlite belongs to another chain with the same id: its block 1 is 0x[0-9a-f]{64}, the node's is 0x[0-9a-f]{64}.*hint: .*RELAYER_DB/);
      // a new database on anvil is fine
      const fresh = await relayerEnvFor(anvilUrl, fixture, path.join(dir, "anvil.sqlite"));
      relayer = await startRelayerProcess(fresh.env);
      expect(await fetchJson<{ status: string }>(`${fresh.url}/health`)).to.include({ status: "ok" });
    } finally {
      relayer?.child.kill("SIGKILL");
      relayer = undefined;
      anvilProvider.destroy();
    }
  });
});
