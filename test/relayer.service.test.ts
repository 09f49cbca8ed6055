/**
 * The relayer as a separate process against a real `hardhat node`: 200 ballots through HTTP,
 * a `kill -9` in the middle of submitting, a restart on the same database, and every accepted
 * ballot counted exactly once. Proofs come from test/fixtures/relayer-ballots.json (see
 * lib/relayFixtures.ts), so the run does not spend minutes proving.
 */
import type { ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { expect } from "chai";
import { JsonRpcProvider } from "ethers";

import { loadRelayFixture, openFixtureElection, type RelayFixture } from "../lib/relayFixtures";
import type { ZkBallot } from "../typechain-types";
import { TS_NODE_CLI, startHardhatNode, startProcess, randomPort, type HardhatNode } from "./helpers/processes";

/** Private key of account #19 of Hardhat's public test mnemonic: test funds only. */
const RELAYER_KEY = "0xdf57089febbacf7ba0bc227dafbffa9fc08a93fdc68e1e42411a14efcf23656e";

describe("relayer service against a real hardhat node", function () {
  this.timeout(900_000);
  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let fixture: RelayFixture;
  let zkBallot: ZkBallot;
  let electionId: bigint;
  let dir: string;
  let relayerUrl: string;
  let relayerEnv: NodeJS.ProcessEnv;
  let relayer: { child: ChildProcess; output: () => string } | undefined;

  const startRelayer = async () => {
    relayer = await startProcess(process.execPath, [TS_NODE_CLI, "scripts/relayer.ts"], relayerEnv, /listening on/);
  };

  before(async () => {
    fixture = loadRelayFixture();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-relayer-"));
    node = await startHardhatNode();
    provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    const opened = await openFixtureElection(await provider.getSigner(0), await provider.getSigner(1), fixture.voterCommitments.map(BigInt));
    zkBallot = opened.zkBallot;
    electionId = opened.electionId;
    expect(await zkBallot.getAddress(), "test/fixtures/relayer-ballots.json is stale: run `npm run fixtures`").to.equal(fixture.zkBallot);
    const port = randomPort();
    relayerUrl = `http://127.0.0.1:${port}`;
    relayerEnv = {
      ...process.env,
      RELAYER_RPC_URL: node.url,
      RELAYER_PRIVATE_KEY: RELAYER_KEY,
      RELAYER_PORT: String(port),
      RELAYER_DB: path.join(dir, "relayer.sqlite"),
      ZKBALLOT_ADDRESS: fixture.zkBallot,
      RELAYER_BATCH_SIZE: "50",
      RELAYER_INTERVAL_MS: "200",
    };
    await startRelayer();
  });

  after(() => {
    relayer?.child.kill("SIGKILL");
    provider?.destroy();
    node?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function post(ballot: RelayFixture["ballots"][number]): Promise<{ receiptId: string; status: string }> {
    for (;;) {
      try {
        const response = await fetch(`${relayerUrl}/v1/ballots`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ electionId: fixture.electionId, ballot: ballot.ballot, nullifier: ballot.nullifier, proof: ballot.proof }),
        });
        const body = (await response.json()) as { receiptId: string; status: string; error?: string };
        expect([200, 202], JSON.stringify(body)).to.include(response.status);
        return body;
      } catch (error) {
        if (error instanceof Error && /expected/.test(error.message)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 250)); // the relayer is down: a client retries
      }
    }
  }

  it("counts 200 ballots sent over HTTP exactly once, across a kill -9 mid-submission and a restart", async () => {
    let killedAt: { counted: number } | undefined;
    const killer = (async () => {
      while (!/sent \d+ ballots in transaction/.test(relayer!.output())) await new Promise((resolve) => setTimeout(resolve, 20));
      relayer!.child.kill("SIGKILL");
      killedAt = { counted: (await zkBallot.queryFilter(zkBallot.filters.VoteCast(electionId))).length };
      await new Promise((resolve) => setTimeout(resolve, 500));
      await startRelayer();
    })();

    const receipts = new Map<string, string>();
    const queue = [...fixture.ballots];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let ballot = queue.shift(); ballot; ballot = queue.shift()) receipts.set(ballot.nullifier, (await post(ballot)).receiptId);
      }),
    );
    await killer;
    expect(killedAt!.counted, "the kill must land before every ballot was counted").to.be.lessThan(200);
    expect(receipts.size).to.equal(200);

    // Resending accepted ballots after the restart gives back the same receipts.
    for (const ballot of fixture.ballots.slice(0, 5)) expect((await post(ballot)).receiptId).to.equal(receipts.get(ballot.nullifier));

    const deadline = Date.now() + 120_000;
    let health: { ballots: Record<string, number> };
    for (;;) {
      health = (await (await fetch(`${relayerUrl}/health`)).json()) as typeof health;
      if (health.ballots.queued === 0 && health.ballots.submitted === 0) break;
      expect(Date.now(), JSON.stringify(health)).to.be.lessThan(deadline);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(health.ballots).to.deep.equal({ queued: 0, submitted: 0, included: 200, rejected: 0 });

    const cast = await zkBallot.queryFilter(zkBallot.filters.VoteCast(electionId));
    expect(cast).to.have.length(200);
    expect(new Set(cast.map((event) => event.args.nullifier.toString())).size).to.equal(200);
    const expected = [0n, 0n, 0n, 0n];
    for (const ballot of fixture.ballots) expected[ballot.option]++;
    expect(await zkBallot.tallies(electionId)).to.deep.equal(expected);

    for (const ballot of fixture.ballots.slice(0, 10)) {
      const receipt = (await (await fetch(`${relayerUrl}/v1/ballots/${receipts.get(ballot.nullifier)}`)).json()) as { status: string; transactionHash: string; blockNumber: number };
      expect(receipt.status).to.equal("included");
      const event = cast.find((e) => e.args.nullifier.toString() === ballot.nullifier)!;
      expect(receipt.transactionHash).to.equal(event.transactionHash);
      expect(receipt.blockNumber).to.equal(event.blockNumber);
    }
    expect(relayer!.output()).to.not.match(/\b\d{1,3}(\.\d{1,3}){3}\b.*(accepted|ballot)/); // no client address next to a ballot in the log
  });
});
