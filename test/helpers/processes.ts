/**
 * Test helpers that run parts of zkballot as separate processes, as a user would: a real
 * `hardhat node`, the command line, the relayer service.
 *
 * Nothing here waits without a deadline: a process that does not start, a command that does not
 * finish and an RPC call that gets no answer each fail with an error that says what hung. Ports
 * come from the operating system (port 0), never from a guess.
 */
import * as http from "node:http";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

import { PROJECT_ROOT } from "../../lib/proving/artifacts";

export const HARDHAT_CLI = path.join(PROJECT_ROOT, "node_modules", "hardhat", "internal", "cli", "bootstrap.js");
export const TS_NODE_CLI = path.join(PROJECT_ROOT, "node_modules", "ts-node", "dist", "bin.js");

/** How long one command-line run may take before it is killed (a loaded 2-core machine needs far less). */
export const CLI_TIMEOUT_MS = 240_000;
/** How long one JSON-RPC call to a test node may take. */
export const RPC_TIMEOUT_MS = 30_000;

/**
 * A TCP port on 127.0.0.1 that the operating system reports free right now (bound to port 0 and
 * released). Only for a program that must be told its port in advance, such as the relayer, which
 * keeps its port across a restart; `hardhat node` and anvil are started on port 0 and report theirs.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Children started as the leaders of their own process groups (startProcess's processGroup). */
const groupLeaders = new WeakSet<ChildProcess>();

/** Sends `signal` to the child, or to its whole process group if it leads one; a process already gone is no error. */
function signalProcess(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (groupLeaders.has(child) && child.pid !== undefined) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {
    // already gone
  }
}

/**
 * Starts a child process and resolves once its output matches `ready`. Rejects, and kills the
 * child, if it exits first or is not ready within `timeoutMs`. With `processGroup`, the child
 * leads a process group of its own and stopProcess ends the whole group: for a launcher such as
 * `npm run`, whose own child (the server) a signal to npm alone can leave running.
 */
export function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs = 60_000, options: { processGroup?: boolean } = {}): Promise<{ child: ChildProcess; output: () => string; match: RegExpExecArray }> {
  const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: ["ignore", "pipe", "pipe"], detached: options.processGroup === true });
  if (options.processGroup === true) groupLeaders.add(child);
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signalProcess(child, "SIGKILL");
      reject(new Error(`${path.basename(command)} ${args.join(" ")} did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      if (output.length < 1_000_000) output += chunk.toString(); // keep reading: a full pipe would stall the child
      const match = ready.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve({ child, output: () => output, match });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`${path.basename(command)} ${args.join(" ")} could not start: ${error.message}`));
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${path.basename(command)} ${args.join(" ")} exited with ${code}:\n${output}`));
    });
  });
}

/** Whether any process of group `leaderPid` is still running (a zombie waiting to be reaped does not count). */
export function processGroupRunning(leaderPid: number): boolean {
  try {
    process.kill(-leaderPid, 0);
  } catch {
    return false;
  }
  // The group has members; on Linux, ignore those that have exited and wait only to be reaped.
  try {
    return fs.readdirSync("/proc").some((entry) => {
      if (!/^\d+$/.test(entry)) return false;
      try {
        const fields = fs.readFileSync(`/proc/${entry}/stat`, "utf8").replace(/^.*\) /s, "").split(" ");
        return Number(fields[2]) === leaderPid && fields[0] !== "Z";
      } catch {
        return false;
      }
    });
  } catch {
    return true;
  }
}

/**
 * Stops a child started by startProcess: SIGTERM, its exit awaited, SIGKILL after `graceMs`, so
 * nothing outlives the test. A process-group child's whole group gets the signals, and the wait
 * lasts until no process of the group runs (SIGKILL to the group at `graceMs`).
 */
export async function stopProcess(child: ChildProcess, graceMs = 20_000): Promise<void> {
  const group = groupLeaders.has(child) ? child.pid : undefined;
  const ended = child.exitCode !== null || child.signalCode !== null;
  if (ended && (group === undefined || !processGroupRunning(group))) return;
  const exited = ended ? Promise.resolve() : new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + graceMs;
  signalProcess(child, "SIGTERM");
  const timer = setTimeout(() => signalProcess(child, "SIGKILL"), graceMs);
  await exited;
  while (group !== undefined && processGroupRunning(group) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  clearTimeout(timer);
  if (group !== undefined && processGroupRunning(group)) signalProcess(child, "SIGKILL");
}

export interface HardhatNode {
  url: string;
  child: ChildProcess;
  rpc(method: string, params: unknown[]): Promise<unknown>;
  stop(): void;
}

/**
 * One JSON-RPC call on a fresh connection (agent: false), with a deadline. fetch's pooled
 * keep-alive sockets can meet a connection the node has just closed ("other side closed"), and
 * a test's write (evm_increaseTime) must not be retried blindly, so no socket is reused.
 */
function postJsonRpc(port: number, method: string, params: unknown[], timeoutMs = RPC_TIMEOUT_MS): Promise<unknown> {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method, params });
  return new Promise((resolve, reject) => {
    const request = http.request(
      { host: "127.0.0.1", port, method: "POST", agent: false, timeout: timeoutMs, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          try {
            resolve((JSON.parse(Buffer.concat(chunks).toString("utf8")) as { result: unknown }).result);
          } catch (error) {
            reject(error);
          }
        });
        response.on("error", reject);
      },
    );
    request.on("timeout", () => request.destroy(new Error(`${method} to 127.0.0.1:${port} took over ${timeoutMs} ms`)));
    request.on("error", reject);
    request.end(body);
  });
}

/** A started local node (hardhat node or anvil) listening on loopback `port`, as a HardhatNode handle. */
function localNode(child: ChildProcess, port: number): HardhatNode {
  child.removeAllListeners("exit");
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    child,
    rpc: (method, params) => postJsonRpc(port, method, params),
    stop: () => child.kill("SIGKILL"),
  };
}

/** Starts `hardhat node` on a port the operating system picks (it prints the one it got). */
export async function startHardhatNode(env: NodeJS.ProcessEnv = process.env): Promise<HardhatNode> {
  const { child, match } = await startProcess(process.execPath, [HARDHAT_CLI, "node", "--port", "0"], env, /Started HTTP and WebSocket JSON-RPC server at http:\/\/[^:/]+:(\d+)/);
  return localNode(child, Number(match[1]));
}

export const ANVIL_BIN = path.join(PROJECT_ROOT, "node_modules", ".bin", "anvil");

/** Anvil's first two default accounts (its well-known test mnemonic): an operator and a registrar. */
export const ANVIL_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
] as const;

/** Starts Foundry's anvil (from npm) on a port the operating system picks, optionally with another chain id (11155111 stands in for a testnet). */
export async function startAnvil(options: { chainId?: number; env?: NodeJS.ProcessEnv } = {}): Promise<HardhatNode> {
  const args = ["--port", "0", ...(options.chainId === undefined ? [] : ["--chain-id", String(options.chainId)])];
  const { child, match } = await startProcess(ANVIL_BIN, args, options.env ?? process.env, /Listening on [^\s:]+:(\d+)/);
  return localNode(child, Number(match[1]));
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

function timedOut(args: string[], timeoutMs: number, stdout: string, stderr: string): Error {
  return new Error(`\`hardhat ${args.join(" ")}\` did not finish within ${timeoutMs} ms and was killed:\n${stdout}\n${stderr}`);
}

/** Runs the command line to completion (blocking); throws if it runs longer than `timeoutMs`. */
export function runHardhatCli(args: string[], env: NodeJS.ProcessEnv, timeoutMs = CLI_TIMEOUT_MS): CliRun {
  const result = spawnSync(process.execPath, [HARDHAT_CLI, ...args], { cwd: PROJECT_ROOT, env, encoding: "utf8", timeout: timeoutMs, killSignal: "SIGKILL" });
  if (result.error !== undefined && (result.error as NodeJS.ErrnoException).code === "ETIMEDOUT") throw timedOut(args, timeoutMs, result.stdout, result.stderr);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * How many command-line processes one test process runs at once: each is a whole Hardhat start
 * (CPU-bound for a few seconds), so more than the cores only adds waiting. ZKBALLOT_TEST_CLI_JOBS
 * overrides it.
 */
export const CLI_JOBS = Math.max(1, Number(process.env.ZKBALLOT_TEST_CLI_JOBS ?? os.availableParallelism()));

let running = 0;
const waiting: (() => void)[] = [];

/** Runs `job` once fewer than CLI_JOBS jobs of this process are running. */
export async function withCliSlot<T>(job: () => Promise<T>): Promise<T> {
  if (running >= CLI_JOBS) await new Promise<void>((resolve) => waiting.push(resolve));
  running++;
  try {
    return await job();
  } finally {
    running--;
    waiting.shift()?.();
  }
}

/**
 * runHardhatCli without blocking the event loop, so independent commands can run at once (at
 * most CLI_JOBS at a time); rejects, after killing it, if a command runs longer than `timeoutMs`.
 */
export function runHardhatCliAsync(args: string[], env: NodeJS.ProcessEnv, cwd = PROJECT_ROOT, timeoutMs = CLI_TIMEOUT_MS): Promise<CliRun> {
  return withCliSlot(
    () =>
      new Promise<CliRun>((resolve, reject) => {
        const child = spawn(process.execPath, [HARDHAT_CLI, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        const timer = setTimeout(() => {
          child.kill("SIGKILL");
          reject(timedOut(args, timeoutMs, stdout, stderr));
        }, timeoutMs);
        child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", (error) => {
          clearTimeout(timer);
          reject(error);
        });
        child.on("close", (status) => {
          clearTimeout(timer);
          resolve({ status, stdout, stderr });
        });
      }),
  );
}
