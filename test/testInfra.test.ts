/**
 * The test infrastructure itself: deadlines, ports, the file order, the hardfork guard of gas
 * assertions, the RPC read retry. Quick (a few seconds): no node, no proof.
 */
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

import { expect } from "chai";
import { ethers } from "hardhat";

import { isStaleSocketError, retryReadsOnStaleSockets } from "../lib/node/rpcRetry";

import { GAS_FIGURES_EVM, configuredEvm, expectGasHardfork } from "./helpers/hardfork";
import { CLI_JOBS, freePort, processGroupRunning, runHardhatCliAsync, startProcess, stopProcess, withCliSlot } from "./helpers/processes";
import { orderByDuration, readTimings } from "./helpers/suiteOrder";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("test infrastructure", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-infra-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  describe("gas figures and the hardfork", () => {
    it("the Hardhat network and the compiler are configured as when the gas figures were measured, and the network runs that hardfork", async () => {
      expect(configuredEvm()).to.deep.equal(GAS_FIGURES_EVM);
      expect(() => expectGasHardfork()).to.not.throw();
      // And the network really runs it: osaka caps a transaction's gas at 2^24 (EIP-7825), earlier forks do not.
      const [signer] = await ethers.getSigners();
      const error = await signer.sendTransaction({ to: signer.address, gasLimit: 2n ** 24n + 1n }).catch((e: Error) => e);
      expect(String(error)).to.match(/exceeds transaction gas cap of 16777216/);
    });

    it("another network hardfork or compiler target fails by name, with what to do", () => {
      expect(() => expectGasHardfork({ hardfork: "prague", evmVersion: GAS_FIGURES_EVM.evmVersion })).to.throw(/measured on hardfork osaka .*but the Hardhat network runs prague .*re-measure the gas bounds/);
      expect(() => expectGasHardfork({ hardfork: GAS_FIGURES_EVM.hardfork, evmVersion: "shanghai" })).to.throw(/compiled for shanghai/);
      expect(() => expectGasHardfork({ hardfork: GAS_FIGURES_EVM.hardfork, evmVersion: undefined })).to.throw(/compiled for undefined/);
    });
  });

  describe("processes", () => {
    it("freePort gives a port that can be bound at once", async () => {
      const port = await freePort();
      expect(port).to.be.within(1, 65_535);
      const server = net.createServer();
      await new Promise<void>((resolve, reject) => server.once("error", reject).listen(port, "127.0.0.1", resolve));
      await new Promise((resolve) => server.close(resolve));
    });

    it("startProcess kills a child that is not ready by its deadline, and reports one that exits first", async () => {
      const started = Date.now();
      let error: unknown;
      await startProcess(process.execPath, ["-e", "setInterval(() => {}, 1000)"], process.env, /never printed/, 500).catch((e: unknown) => (error = e));
      expect(String(error)).to.match(/did not start within 500 ms/);
      expect(Date.now() - started).to.be.lessThan(5_000);
      error = undefined;
      await startProcess(process.execPath, ["-e", "console.log('bye'); process.exit(3)"], process.env, /never printed/, 10_000).catch((e: unknown) => (error = e));
      expect(String(error)).to.match(/exited with 3:\nbye/);
    });

    it("stopProcess ends a child with SIGTERM, or with SIGKILL after its grace if the child ignores SIGTERM", async () => {
      const polite = await startProcess(process.execPath, ["-e", "console.log('ready'); setInterval(() => {}, 1000)"], process.env, /ready/, 10_000);
      await stopProcess(polite.child, 5_000);
      expect(polite.child.signalCode).to.equal("SIGTERM");
      const stubborn = await startProcess(process.execPath, ["-e", "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"], process.env, /ready/, 10_000);
      const started = Date.now();
      await stopProcess(stubborn.child, 500);
      expect(stubborn.child.signalCode).to.equal("SIGKILL");
      expect(Date.now() - started).to.be.lessThan(5_000);
      await stopProcess(stubborn.child); // already ended: returns at once
    });

    it("stopProcess ends a process-group child's own children too (a launcher such as npm run and its server)", async () => {
      // The launcher exits on SIGTERM at once; its child (the "server") takes a moment, as the app
      // server does, or ignores SIGTERM. The launcher is ready once the server's handler is set.
      const launcher = (onTerm: string) => {
        const server = `process.on('SIGTERM', () => { ${onTerm} }); console.log('up'); setInterval(() => {}, 1000)`;
        return `const c = require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(server)}], { stdio: ['ignore', 'pipe', 'ignore'] }); c.stdout.once('data', () => console.log('ready ' + c.pid)); process.on('SIGTERM', () => process.exit(0)); setInterval(() => {}, 1000)`;
      };
      const slow = await startProcess(process.execPath, ["-e", launcher("setTimeout(() => process.exit(0), 300)")], process.env, /ready (\d+)/, 10_000, { processGroup: true });
      expect(processGroupRunning(slow.child.pid!)).to.equal(true);
      let started = Date.now();
      await stopProcess(slow.child, 5_000);
      expect(processGroupRunning(slow.child.pid!), `server ${slow.match[1]} outlived its launcher`).to.equal(false);
      expect(Date.now() - started).to.be.within(250, 4_000); // the server's own 300 ms were waited for
      const stubborn = await startProcess(process.execPath, ["-e", launcher("")], process.env, /ready (\d+)/, 10_000, { processGroup: true });
      started = Date.now();
      await stopProcess(stubborn.child, 500);
      expect(processGroupRunning(stubborn.child.pid!), `server ${stubborn.match[1]} ignored SIGTERM and was not killed`).to.equal(false);
      expect(Date.now() - started).to.be.lessThan(5_000);
    });

    it("a command line run that passes its deadline is killed and named", async () => {
      let error: unknown;
      await runHardhatCliAsync(["help"], process.env, undefined, 50).catch((e: unknown) => (error = e));
      expect(String(error)).to.match(/`hardhat help` did not finish within 50 ms and was killed/);
    });

    it("withCliSlot runs at most CLI_JOBS jobs at once, and every job", async () => {
      let running = 0;
      let most = 0;
      const results = await Promise.all(
        Array.from({ length: CLI_JOBS * 3 }, (_, i) =>
          withCliSlot(async () => {
            running++;
            most = Math.max(most, running);
            await sleep(20);
            running--;
            if (i === 1) throw new Error("one job fails");
            return i;
          }).catch((e: Error) => e.message),
        ),
      );
      expect(most).to.equal(CLI_JOBS);
      expect(results[1]).to.equal("one job fails");
      expect(results.filter((r) => typeof r === "number")).to.have.length(CLI_JOBS * 3 - 1);
    });
  });

  describe("RPC reads over a stale keep-alive connection (lib/node/rpcRetry.ts)", () => {
    const staleSocket = () => Object.assign(new Error("other side closed"), { code: "UND_ERR_SOCKET" });
    /** A provider whose first `failures` calls throw `error()`. */
    function flaky(failures: number, error: () => Error) {
      const calls: string[] = [];
      const answer = async (method: string) => {
        calls.push(method);
        if (calls.length <= failures) throw error();
        return `${method} ok`;
      };
      const provider = { request: (args: { method: string }) => answer(args.method), send: (method: string) => answer(method) };
      retryReadsOnStaleSockets(provider);
      return { provider, calls };
    }

    it("sends a read again once after 'other side closed', through request() and send()", async () => {
      const viaRequest = flaky(1, staleSocket);
      expect(await viaRequest.provider.request({ method: "eth_call" })).to.equal("eth_call ok");
      expect(viaRequest.calls).to.deep.equal(["eth_call", "eth_call"]);
      const viaSend = flaky(1, () => new Error("could not coalesce", { cause: staleSocket() }));
      expect(await viaSend.provider.send("eth_getLogs")).to.equal("eth_getLogs ok");
      expect(viaSend.calls).to.have.length(2);
    });

    it("never resends a write, another error, or a read twice", async () => {
      for (const method of ["eth_sendRawTransaction", "eth_sendTransaction", "evm_mine", "hardhat_setStorageAt"]) {
        const { provider, calls } = flaky(1, staleSocket);
        let error: unknown;
        await provider.request({ method }).catch((e: unknown) => (error = e));
        expect(isStaleSocketError(error), method).to.equal(true);
        expect(calls, method).to.deep.equal([method]);
      }
      const other = flaky(1, () => Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }));
      let error: unknown;
      await other.provider.request({ method: "eth_chainId" }).catch((e: unknown) => (error = e));
      expect(String(error)).to.match(/ECONNREFUSED/);
      expect(other.calls).to.have.length(1);
      const twice = flaky(2, staleSocket);
      error = undefined;
      await twice.provider.request({ method: "eth_blockNumber" }).catch((e: unknown) => (error = e));
      expect(isStaleSocketError(error)).to.equal(true);
      expect(twice.calls).to.have.length(2);
    });
  });

  describe("file order", () => {
    it("puts unknown (new) files first, then the known ones longest first", () => {
      const root = "/project";
      const files = ["a", "b", "new1", "c", "new2"].map((name) => path.join(root, "test", `${name}.test.ts`));
      const timings = new Map([
        ["test/a.test.ts", 10],
        ["test/b.test.ts", 300],
        ["test/c.test.ts", 20],
      ]);
      expect(orderByDuration(files, timings, root).map((f) => path.basename(f))).to.deep.equal(["new1.test.ts", "new2.test.ts", "b.test.ts", "c.test.ts", "a.test.ts"]);
    });

    it("reads the reporter's timings file, and takes a missing or broken one as no timings", () => {
      const file = path.join(dir, "timings.json");
      fs.writeFileSync(file, JSON.stringify({ wallMs: 5, files: [{ file: "test/x.test.ts", ms: 42 }, { file: 7, ms: 1 }] }));
      expect([...readTimings(file)]).to.deep.equal([["test/x.test.ts", 42]]);
      fs.writeFileSync(file, "{ not json");
      expect(readTimings(file).size).to.equal(0);
      expect(readTimings(path.join(dir, "absent.json")).size).to.equal(0);
    });
  });
});
