/**
 * The core runs anywhere (issue 12): lib/index.ts bundles for the browser with esbuild
 * (`platform: "browser"` refuses every Node built-in), and the bundle, run in a sandbox that has
 * only what a browser page has (no `require`, no `process`, no file system), computes exactly
 * what the Node library computes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";

import { expect } from "chai";
import { build } from "esbuild";

import { browserBuildOptions } from "../scripts/lib/browserBundle";
import { computeNullifier, computeVoterCommitment } from "../lib/core/identity";
import { checkVote, Phase } from "../lib/core/rules";
import { VoterRoll } from "../lib/core/voterRoll";

const ROOT = path.resolve(__dirname, "..");

interface CoreBundle {
  computeVoterCommitment(secret: bigint): Promise<bigint>;
  computeNullifier(secret: bigint, scope: bigint): Promise<bigint>;
  VoterRoll: typeof VoterRoll;
  checkVote: typeof checkVote;
  Phase: typeof Phase;
}

describe("browser-safe core (lib/index.ts)", function () {
  this.timeout(120_000);
  let inputs: string[];
  let core: CoreBundle;

  before(async () => {
    const result = await build({ ...browserBuildOptions(["lib/index.ts"]), format: "iife", globalName: "zkballot" });
    expect(result.errors, "esbuild errors").to.deep.equal([]);
    expect(result.warnings, "esbuild warnings").to.deep.equal([]);
    inputs = Object.keys(result.metafile!.inputs);
    // What a page offers: WebAssembly, WebCrypto, text codecs, timers, a Worker constructor.
    const page: Record<string, unknown> = {
      WebAssembly, crypto: globalThis.crypto, TextEncoder, TextDecoder, URL, atob, btoa, console,
      setTimeout, clearTimeout, queueMicrotask,
      Worker: class { constructor() { throw new Error("this sandbox starts no Worker"); } },
    };
    page.globalThis = page;
    page.self = page;
    page.window = page;
    vm.createContext(page);
    vm.runInContext(Buffer.from(result.outputFiles![0].contents).toString("utf8"), page);
    core = page.zkballot as CoreBundle;
  });

  it("bundles with no Node adapter, chain client or generated code inside", () => {
    const ours = inputs.filter((file) => !file.startsWith("node_modules/"));
    expect(ours.filter((file) => /^lib\/(node|chain|proving|audit|relayer)\/|typechain-types/.test(file)), ours.join(" ")).to.deep.equal([]);
    expect(ours).to.include("lib/core/rules.ts");
  });

  it("imports no Node built-in, no file path and no generated value in lib/core", () => {
    for (const file of fs.readdirSync(path.join(ROOT, "lib", "core"))) {
      const source = fs.readFileSync(path.join(ROOT, "lib", "core", file), "utf8");
      const imports = [...source.matchAll(/^import\s+(type\s+)?[^;]*?from\s+"([^"]+)"/gms)].filter((m) => !m[1]).map((m) => m[2]);
      const bad = imports.filter((spec) => /^node:|^(fs|path|os|crypto|child_process|worker_threads)$|\.\.\/node\/|typechain-types/.test(spec));
      expect(bad, `lib/core/${file}`).to.deep.equal([]);
    }
  });

  it("computes in the sandbox exactly what Node computes: commitment, nullifier, roll root, vote rules", async () => {
    const secret = 123456789n;
    const scope = 987654321n;
    expect(await core.computeVoterCommitment(secret)).to.equal(await computeVoterCommitment(secret));
    expect(await core.computeNullifier(secret, scope)).to.equal(await computeNullifier(secret, scope));
    const commitments = [await computeVoterCommitment(secret), await computeVoterCommitment(secret + 1n)];
    expect((await core.VoterRoll.build(commitments, { depth: 4 })).root).to.equal((await VoterRoll.build(commitments, { depth: 4 })).root);
    const input = { electionId: 1n, election: { phase: Phase.Voting, numOptions: 3, votingStartsAt: 0n, votingEndsAt: 100n }, now: 100n, ballot: 2n, nullifier: 5n };
    expect(core.checkVote(input)).to.deep.equal(checkVote(input));
    expect(checkVote(input)).to.deep.equal({ accepted: false, rejection: { error: "VotingEnded", electionId: 1n, votingEndsAt: 100n } });
  });
});
