/**
 * `npm run app` as the README gives it (app/cli.ts): it builds app/dist and serves it with the
 * generated config.json and the same-origin RPC forward, against a real `hardhat node`; a bad
 * flag is refused in one line before anything is built.
 */
import { spawnSync } from "node:child_process";

import { expect } from "chai";
import { JsonRpcProvider } from "ethers";

import { createElection, deployZkBallot } from "../lib/chain/election";
import { PROJECT_ROOT } from "../lib/proving/artifacts";
import { freePort, startHardhatNode, startProcess, stopProcess, type HardhatNode } from "./helpers/processes";

const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const HTTP_TIMEOUT_MS = 30_000;

describe("npm run app (app/cli.ts)", function () {
  this.timeout(300_000);
  let node: HardhatNode;
  let zkBallot: string;

  before(async function () {
    node = await startHardhatNode();
    const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    const operator = await provider.getSigner(0);
    const contract = await deployZkBallot(operator);
    zkBallot = await contract.getAddress();
    await createElection(contract, { title: "CLI app", numOptions: 2, registrar: await operator.getAddress() });
    provider.destroy();
  });

  after(() => node?.stop());

  it("builds app/dist and serves the page (with its Content-Security-Policy), config.json naming the election, and the RPC forward", async function () {
    const port = await freePort();
    const started = await startProcess(NPM, ["run", "app", "--", "--rpc", node.url, "--zkballot", zkBallot, "--election", "1", "--port", String(port)], process.env, /zkballot app: (http:\/\/\S+)\//, 240_000, { processGroup: true }); // npm's own child is the server
    try {
      const url = started.match[1];
      expect(url).to.equal(`http://127.0.0.1:${port}`);
      expect(started.output()).to.match(/built app\/dist: \d+ files/);
      const page = await fetch(`${url}/`, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
      expect(page.status).to.equal(200);
      expect(page.headers.get("content-security-policy")).to.match(/^default-src 'none'; script-src 'self'/);
      expect(await page.text()).to.include("<html");
      const config = (await (await fetch(`${url}/config.json`, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) })).json()) as Record<string, string>;
      expect(config).to.deep.include({ rpcUrl: "/rpc", relayerUrl: "", zkBallot, electionId: "1" });
      const rpc = await fetch(`${url}/rpc`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }), signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
      expect(((await rpc.json()) as { result: string }).result).to.equal("0x7a69");
    } finally {
      await stopProcess(started.child);
    }
  });

  it("refuses a bad flag in one line, before building", function () {
    const cases: [string[], RegExp][] = [
      [["--kind", "bogus"], /^error: --kind must be open or sealed, got "bogus"$/],
      [["--port", "70000"], /^error: --port must be 0 to 65535, got 70000$/],
      [["--election", "abc"], /^error: --election must be a positive election id, got "abc"$/],
      [["--electoin", "1"], /^error: unknown flag --electoin/],
      [["stray"], /^error: unexpected argument "stray"$/],
    ];
    for (const [flags, message] of cases) {
      const run = spawnSync(NPM, ["run", "--silent", "app", "--", ...flags], { cwd: PROJECT_ROOT, encoding: "utf8", timeout: 120_000 });
      expect(run.status, flags.join(" ")).to.equal(1);
      expect(run.stderr.trim(), flags.join(" ")).to.match(message);
      expect(run.stdout, `${flags.join(" ")}: nothing was built`).to.not.match(/built app\/dist/);
    }
  });
});
