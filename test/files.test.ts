/**
 * The lock file that makes concurrent commands take turns compiling the contracts (tasks/cli.ts).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { expect } from "chai";

import { withFileLock } from "../lib/node/files";

describe("withFileLock", () => {
  let dir: string;
  beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-lock-"))));
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("runs holders one at a time and removes the lock after each, even when one throws", async () => {
    const lock = path.join(dir, "sub", "compile.lock");
    const events: string[] = [];
    const holder = (name: string, fail = false) =>
      withFileLock(lock, async () => {
        events.push(`${name} in`);
        expect(fs.readFileSync(lock, "utf8")).to.equal(String(process.pid));
        await new Promise((resolve) => setTimeout(resolve, 30));
        events.push(`${name} out`);
        if (fail) throw new Error(`${name} failed`);
        return name;
      }, { pollMs: 5 });
    const results = await Promise.allSettled([holder("a"), holder("b", true), holder("c")]);
    expect(results.map((r) => r.status)).to.deep.equal(["fulfilled", "rejected", "fulfilled"]);
    for (let i = 0; i < events.length; i += 2) expect(events[i + 1]).to.equal(events[i].replace(" in", " out")); // never interleaved
    expect(events).to.have.length(6);
    expect(fs.existsSync(lock)).to.equal(false);
  });

  it("takes over a lock whose owner is no longer running, and an empty one left for a while", async () => {
    const lock = path.join(dir, "compile.lock");
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    fs.writeFileSync(lock, dead.stdout); // that process has exited
    expect(await withFileLock(lock, async () => "took over", { pollMs: 5, timeoutMs: 2_000 })).to.equal("took over");

    fs.writeFileSync(lock, "");
    const old = new Date(Date.now() - 60_000);
    fs.utimesSync(lock, old, old);
    expect(await withFileLock(lock, async () => "took over", { pollMs: 5, timeoutMs: 2_000 })).to.equal("took over");
  });

  it("waits for a live owner and gives up with the owner's pid after the timeout", async () => {
    const lock = path.join(dir, "compile.lock");
    fs.writeFileSync(lock, String(process.ppid)); // the parent is alive
    let ran = false;
    const started = Date.now();
    const error = await withFileLock(lock, async () => (ran = true), { pollMs: 10, timeoutMs: 200 }).catch((e: Error) => e);
    expect(ran).to.equal(false);
    expect(Date.now() - started).to.be.at.least(200);
    expect((error as Error).message).to.match(new RegExp(`compile.lock is still held by process ${process.ppid}`));
    expect(fs.readFileSync(lock, "utf8")).to.equal(String(process.ppid)); // not stolen
  });
});
