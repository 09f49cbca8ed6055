/**
 * Runs the README's walkthrough literally, as a new user would on a fresh clone: the commands
 * are read from README.md itself (the blocks after the `readme-walkthrough` markers), so the two
 * cannot drift; they run in a copy of the tracked files only (no artifacts/, cache/ or
 * typechain-types/: nothing compiled), against `npx hardhat node` and against Foundry's anvil.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { expect } from "chai";

import { PROJECT_ROOT } from "../lib/proving/artifacts";

const MARKER = "<!-- readme-walkthrough: ";

/** The code block that follows `<!-- readme-walkthrough: NAME -->` in the README. */
export function walkthroughBlock(markdown: string, name: string): string {
  const marker = `${MARKER}${name} -->`;
  const at = markdown.indexOf(marker);
  if (at < 0) throw new Error(`README.md has no ${marker}`);
  const block = /^\s*```sh\n([\s\S]*?)\n```/.exec(markdown.slice(at + marker.length));
  if (block === null) throw new Error(`README.md: no \`\`\`sh block right after ${marker}`);
  return block[1];
}

/** Shell commands of a block, one per line, a here-document kept with its command; comment and blank lines dropped. */
export function splitCommands(block: string): string[] {
  const commands: string[] = [];
  const lines = block.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === "" || line.trim().startsWith("#")) continue;
    const heredoc = /<<-?\s*'?"?([A-Za-z_]+)'?"?/.exec(line);
    if (heredoc === null) {
      commands.push(line);
      continue;
    }
    const body = [line];
    while (++i < lines.length && lines[i] !== heredoc[1]) body.push(lines[i]);
    if (i >= lines.length) throw new Error(`README.md: here-document ${heredoc[1]} is not closed`);
    commands.push([...body, heredoc[1]].join("\n"));
  }
  return commands;
}

interface Run {
  command: string;
  status: number | null;
  stdout: string;
  stderr: string;
}

/** How long one walkthrough command may take: the first compiles every contract with solc-js, on a loaded machine. */
const COMMAND_TIMEOUT_MS = 600_000;

/** Runs one terminal-2 command in its own process group; kills the group and fails by name after COMMAND_TIMEOUT_MS. */
function runShell(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["-c", `set -o pipefail\n${command}`], { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      stopNode(child);
      reject(new Error(`\`${command}\` did not finish within ${COMMAND_TIMEOUT_MS} ms and was killed:\n${stdout}\n${stderr}`));
    }, COMMAND_TIMEOUT_MS);
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ command, status, stdout, stderr });
    });
  });
}

/** A copy of the tracked files (as they are in the work tree) with node_modules linked in: what `git clone && npm ci` gives. */
function freshCopy(): string {
  const listed = spawnSync("git", ["ls-files", "-z"], { cwd: PROJECT_ROOT, encoding: "utf8" });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-readme-"));
  for (const file of listed.stdout.split("\0").filter(Boolean)) {
    if (!fs.existsSync(path.join(PROJECT_ROOT, file))) continue; // deleted in the work tree, not yet committed
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(path.join(PROJECT_ROOT, file), path.join(dir, file));
  }
  fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

/**
 * Starts a node in its own process group (npx starts children of its own) and waits until it
 * listens; `ready` captures the port the node got (it is started on port 0).
 */
function startNode(command: string, cwd: string, env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn("bash", ["-c", `exec ${command}`], { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stopNode(child);
      reject(new Error(`${command} did not start within 120 s:\n${output}`));
    }, 120_000);
    const onData = (chunk: Buffer) => {
      if (output.length < 100_000) output += chunk.toString(); // keep reading: a full pipe would stall the node
      const match = ready.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve({ child, port: Number(match[1]) });
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} exited with ${code}:\n${output}`));
    });
  });
}

function stopNode(child: ChildProcess | undefined): void {
  if (child?.pid === undefined || child.exitCode !== null) return;
  child.removeAllListeners("exit");
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** What a command of the walkthrough must print: its output is checked, not just its exit code. */
const EXPECTED_OUTPUT: [command: RegExp, output: RegExp][] = [
  [/hardhat deploy /, /ZkBallot 0x[0-9a-fA-F]{40}/],
  [/hardhat election create /, /election 1 created: "Student council 2027", 3 options/],
  [/hardhat roll publish /, /roll of election 1: 2 commitments on-chain/],
  [/hardhat voting open /, /voting open in election 1 .*roll frozen at root \d+/],
  [/hardhat vote .*--option Bob/, /ballot cast in election 1: option 1 \(Bob\)/],
  [/hardhat my-ballot /, /your ballot: option 1 \(Bob\)[\s\S]*proof re-verified off-chain: valid[\s\S]*counted in the tally: yes/],
  [/hardhat election close /, /tally: 0, 1, 0/],
  [/hardhat tally /, /Student council 2027 \(election 1, final\)[\s\S]*Bob\s+1\s+100\.0%/],
  [/hardhat audit /, /RESULT: PASS/],
];

describe("README walkthrough, literally, on a fresh clone", function () {
  this.timeout(900_000);
  const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
  const terminal1 = splitCommands(walkthroughBlock(readme, "terminal 1"));
  const terminal2 = splitCommands(walkthroughBlock(readme, "terminal 2"));

  it("reads the walkthrough from README.md: a node in terminal 1, the commands in terminal 2", () => {
    expect(terminal1).to.have.length(1);
    expect(terminal1[0]).to.match(/^npx hardhat node(\s|$)/);
    expect(terminal2.length).to.be.within(10, 20); // about 15 hardhat calls: CI time
    expect(terminal2.filter((c) => c.includes("<<"))).to.have.length(1); // the election spec's here-document stays whole
    for (const [command] of EXPECTED_OUTPUT) expect(terminal2.some((c) => command.test(c)), `README walkthrough has no command matching ${command}`).to.equal(true);
  });

  for (const node of ["hardhat node", "anvil"] as const) {
    it(`every terminal-2 command exits 0, with the tally and a passing audit, against ${node}`, async () => {
      const copy = freshCopy();
      const home = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-readme-home-"));
      let chain: ChildProcess | undefined;
      try {
        for (const generated of ["artifacts", "cache", "typechain-types", "deployments"]) expect(fs.existsSync(path.join(copy, generated)), generated).to.equal(false);
        const env: NodeJS.ProcessEnv = { ...process.env, ZKBALLOT_HOME: home };
        for (const name of ["TESTNET_RPC_URL", "TESTNET_PRIVATE_KEY", "ZKBALLOT_DEPLOYMENTS_DIR", "LOCALHOST_RPC_URL"]) delete env[name];
        const terminal1Command = terminal1[0].replace(/\s+#.*$/, "");
        // Port 0: the node takes a free port and prints it; terminal 2 is pointed at it.
        const started = node === "hardhat node"
          ? await startNode(`${terminal1Command} --port 0`, copy, env, /Started HTTP and WebSocket JSON-RPC server at http:\/\/[^:/]+:(\d+)/)
          : await startNode(`${path.join(PROJECT_ROOT, "node_modules", ".bin", "anvil")} --port 0 --chain-id 31337`, copy, env, /Listening on [^\s:]+:(\d+)/);
        chain = started.child;
        env.LOCALHOST_RPC_URL = `http://127.0.0.1:${started.port}`;

        const runs: Run[] = [];
        for (const command of terminal2) {
          const run = await runShell(command, copy, env);
          runs.push(run);
          expect(run.status, `\`${command}\` failed:\n${run.stdout}\n${run.stderr}`).to.equal(0);
          expect(run.stderr, command).to.not.match(/\n\s+at .*\(/); // no stack trace
        }

        // The first contract command compiled the contracts (what a fresh clone lacked), and only it.
        const compiled = runs.filter((run) => /compiling the contracts/.test(run.stderr)).map((run) => run.command);
        expect(compiled).to.deep.equal([terminal2[0]]);
        for (const [command, output] of EXPECTED_OUTPUT) {
          const run = runs.find((r) => command.test(r.command))!;
          expect(run.stdout, run.command).to.match(output);
        }
        const roll = fs.readFileSync(path.join(copy, "roll.csv"), "utf8");
        expect(roll).to.match(/^(0x[0-9a-f]{64}\n){2}$/);
        expect(fs.readdirSync(path.join(home, "identities")).sort()).to.deep.equal(["alice.identity.json", "bob.identity.json"]);
        const report = JSON.parse(fs.readFileSync(path.join(copy, "audit.json"), "utf8")) as { result: { ok: boolean } };
        expect(report.result.ok).to.equal(true);
        expect(fs.readFileSync(path.join(copy, "audit.html"), "utf8")).to.match(/<svg/);
      } finally {
        stopNode(chain);
        fs.rmSync(copy, { recursive: true, force: true });
        fs.rmSync(home, { recursive: true, force: true });
      }
    });
  }
});
