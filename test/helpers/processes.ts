/**
 * Test helpers that run parts of zkballot as separate processes, as a user would: a real
 * `hardhat node`, the command line, the relayer service.
 */
import * as http from "node:http";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as path from "node:path";

import { PROJECT_ROOT } from "../../lib/proving/artifacts";

export const HARDHAT_CLI = path.join(PROJECT_ROOT, "node_modules", "hardhat", "internal", "cli", "bootstrap.js");
export const TS_NODE_CLI = path.join(PROJECT_ROOT, "node_modules", "ts-node", "dist", "bin.js");

export function randomPort(): number {
  return 20000 + Math.floor(Math.random() * 20000);
}

/** Starts a child process and resolves once its output matches `ready`. */
export function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv, ready: RegExp, timeoutMs = 60_000): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(command, args, { cwd: PROJECT_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${args.join(" ")} did not start:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) {
        clearTimeout(timer);
        resolve({ child, output: () => output });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${args.join(" ")} exited with ${code}:\n${output}`));
    });
  });
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
function postJsonRpc(port: number, method: string, params: unknown[], timeoutMs = 30_000): Promise<unknown> {
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

export async function startHardhatNode(env: NodeJS.ProcessEnv = process.env): Promise<HardhatNode> {
  const port = randomPort();
  const { child } = await startProcess(process.execPath, [HARDHAT_CLI, "node", "--port", String(port)], env, /Started HTTP/);
  return localNode(child, port);
}

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runHardhatCli(args: string[], env: NodeJS.ProcessEnv): CliRun {
  const result = spawnSync(process.execPath, [HARDHAT_CLI, ...args], { cwd: PROJECT_ROOT, env, encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export const ANVIL_BIN = path.join(PROJECT_ROOT, "node_modules", ".bin", "anvil");

/** Anvil's first two default accounts (its well-known test mnemonic): an operator and a registrar. */
export const ANVIL_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
] as const;

/** Starts Foundry's anvil (from npm) on a random port, optionally with another chain id (11155111 stands in for a testnet). */
export async function startAnvil(options: { chainId?: number } = {}): Promise<HardhatNode> {
  const port = randomPort();
  const args = ["--port", String(port), ...(options.chainId === undefined ? [] : ["--chain-id", String(options.chainId)])];
  const { child } = await startProcess(ANVIL_BIN, args, process.env, /Listening on/);
  return localNode(child, port);
}

/** runHardhatCli without blocking the event loop, so independent commands can run at once. */
export function runHardhatCliAsync(args: string[], env: NodeJS.ProcessEnv, cwd = PROJECT_ROOT): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [HARDHAT_CLI, ...args], { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}
