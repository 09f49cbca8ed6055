/**
 * The core runs anywhere (issue 12): lib/index.ts bundles for the browser with esbuild
 * (`platform: "browser"` refuses every Node built-in), and the bundle, run in a sandbox that has
 * only what a browser page has (no `require`, no `process`, no file system, and no eval, as
 * under the web app's Content-Security-Policy), computes exactly what the Node library computes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vm from "node:vm";

import { expect } from "chai";
import { build } from "esbuild";

import { browserBuildOptions } from "../scripts/lib/browserBundle";
import { computeElectionScope } from "../lib/chain/reader";
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

/** Runs an IIFE bundle in a sandbox with what a page has, and returns its global `name`. */
function runLikeAPage(code: string, name: string): unknown {
  // What a page offers: WebAssembly, WebCrypto, text codecs, timers, a Worker constructor.
  const page: Record<string, unknown> = {
    WebAssembly, crypto: globalThis.crypto, TextEncoder, TextDecoder, URL, atob, btoa, console,
    setTimeout, clearTimeout, queueMicrotask,
    Worker: class { constructor() { throw new Error("this sandbox starts no Worker"); } },
  };
  page.globalThis = page;
  page.self = page;
  page.window = page;
  // A page served with the web app's Content-Security-Policy (no 'unsafe-eval') cannot turn
  // strings into code: neither can this sandbox, so a module that needs eval or new Function at
  // load time (as ajv's schema compiler does) fails here instead of in a voter's browser.
  vm.createContext(page, { codeGeneration: { strings: false, wasm: true } });
  vm.runInContext(code, page);
  return page[name];
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
    core = runLikeAPage(Buffer.from(result.outputFiles![0].contents).toString("utf8"), "zkballot") as CoreBundle;
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
    const input = { electionId: 1n, election: { phase: Phase.Voting, numOptions: 3, minSelections: 1, maxSelections: 1, votingStartsAt: 0n, votingEndsAt: 100n }, now: 100n, ballot: 2n, nullifier: 5n };
    expect(core.checkVote(input)).to.deep.equal(checkVote(input));
    expect(checkVote(input)).to.deep.equal({ accepted: false, rejection: { error: "VotingEnded", electionId: 1n, votingEndsAt: 100n } });
  });

  it("bundles the chain readers the web app uses (reader, status, proof formats, relayer client) without Node, ajv or eval", async () => {
    const entries = ["lib/chain/reader.ts", "lib/chain/status.ts", "lib/proving/proofFormat.ts", "lib/relayer/client.ts"];
    const result = await build({ ...browserBuildOptions([]), entryPoints: undefined, stdin: { contents: entries.map((entry) => `export * from "./${entry}";`).join("\n"), resolveDir: ROOT, loader: "ts" }, format: "iife", globalName: "readers" });
    expect(result.errors, "esbuild errors").to.deep.equal([]);
    const bundled = Object.keys(result.metafile!.inputs);
    expect(bundled.filter((file) => /^lib\/(node|audit)\/|^lib\/chain\/(election|chainLogs|electionSpec|deployments|ceremonyGate)\.ts$|lib\/proving\/(prover|artifacts)\.ts$|node_modules\/(ajv|solc|yaml)\/|typechain-types/.test(file)), bundled.join(" ")).to.deep.equal([]);
    const readers = runLikeAPage(Buffer.from(result.outputFiles![0].contents).toString("utf8"), "readers") as {
      computeElectionScope(chainId: bigint, address: string, electionId: bigint): bigint;
    };
    expect(readers.computeElectionScope(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3", 1n)).to.equal(computeElectionScope(31337n, "0x5FbDB2315678afecb367f032d93F642f64180aa3", 1n));
  });

  it("bundles the auditor's open-election checks the web app's audit page runs (election-record, voter-roll, ballots, nullifier uniqueness, tally) without Node, ajv or eval, and they compute what Node computes", async function () {
    const entries = ["lib/audit/checks/electionRecord.ts", "lib/audit/checks/voterRoll.ts", "lib/audit/checks/ballots.ts", "lib/audit/checks/nullifierUniqueness.ts", "lib/audit/checks/tally.ts", "lib/audit/types.ts"];
    const result = await build({ ...browserBuildOptions([]), entryPoints: undefined, stdin: { contents: entries.map((entry) => `export * from "./${entry}";`).join("\n"), resolveDir: ROOT, loader: "ts" }, format: "iife", globalName: "openAudit" });
    expect(result.errors, "esbuild errors").to.deep.equal([]);
    const bundled = Object.keys(result.metafile!.inputs);
    expect(bundled).to.include.members(entries);
    expect(bundled.filter((file) => /^lib\/node\/|^lib\/proving\/(batchVerify|prover|artifacts)\.ts$|^lib\/audit\/(context|snapshot|logs|compileCache|index)\.ts$|^lib\/chain\/(election|chainLogs|zkBallotEvents)\.ts$|node_modules\/(ajv|solc|yaml)\/|typechain-types/.test(file)), bundled.join(" ")).to.deep.equal([]);
    const open = runLikeAPage(Buffer.from(result.outputFiles![0].contents).toString("utf8"), "openAudit") as typeof import("../lib/audit/checks/voterRoll") & typeof import("../lib/audit/checks/tally") & typeof import("../lib/audit/checks/nullifierUniqueness") & typeof import("../lib/audit/types");
    const node = { ...(await import("../lib/audit/checks/voterRoll")), ...(await import("../lib/audit/checks/nullifierUniqueness")) };
    const empty = "0x" + "00".repeat(32);
    const commitments = [await computeVoterCommitment(1n), await computeVoterCommitment(2n)];
    expect(open.fastVoterRollDigest(commitments, empty)).to.equal(node.fastVoterRollDigest(commitments, empty));
    expect(open.recountVerifiedBallots([[0], [2], undefined, [2]], 3)).to.deep.equal([1n, 0n, 2n]);
    expect(open.recountVerifiedBallots([[0, 2], [], [1, 2]], 3)).to.deep.equal([1n, 1n, 2n]);
    // The nullifier rule, run in the sandbox: a repeated nullifier is a finding naming the first use.
    const ballots = new open.CheckBuilder("ballots");
    const votes = [5n, 6n, 5n].map((nullifier, i) => ({ nullifier, blockNumber: 10 + i, transactionHash: `0x${String(i).repeat(64)}` }));
    expect(open.checkNullifierUniqueness(votes, ballots)).to.deep.equal([true, true, false]);
    expect(ballots.result().status).to.equal("fail");
    expect(ballots.findings[0].message).to.include("already used in block 10");
  });

  it("bundles what the web app's sealed pages use (sealed ballot, Benaloh, my-ballot, every sealed audit check the page runs) without Node, ajv or eval", async function () {
    const entries = [
      "lib/sealed/flow/ballotProof.ts", "lib/sealed/flow/voter.ts", "lib/sealed/flow/myBallot.ts", "lib/sealed/flow/proofCheck.ts",
      "lib/audit/sealedState.ts", "lib/audit/sealedEvents.ts", "lib/audit/checks/sealedRecord.ts", "lib/audit/checks/keyCeremony.ts",
      "lib/audit/checks/encryptedTotals.ts", "lib/audit/checks/sealedTally.ts", "lib/audit/checks/nullifierUniqueness.ts",
      "lib/audit/checks/sealedVoterRoll.ts", "lib/audit/checks/sealedBallots.ts", "lib/audit/checks/partialDecryptions.ts",
    ];
    const result = await build({ ...browserBuildOptions([]), entryPoints: undefined, stdin: { contents: entries.map((entry) => `export * from "./${entry}";`).join("\n"), resolveDir: ROOT, loader: "ts" }, format: "iife", globalName: "sealed" });
    expect(result.errors, "esbuild errors").to.deep.equal([]);
    const bundled = Object.keys(result.metafile!.inputs);
    expect(bundled.filter((file) => /^lib\/node\/|^lib\/audit\/(snapshot|sealedContext|logs|compileCache)\.ts$|^lib\/sealed\/flow\/(prover|election|trusteeKey)\.ts$|^lib\/chain\/(election|chainLogs)\.ts$|node_modules\/(ajv|solc|yaml)\//.test(file)), bundled.join(" ")).to.deep.equal([]);
    const sealed = runLikeAPage(Buffer.from(result.outputFiles![0].contents).toString("utf8"), "sealed") as { sumCiphertextWords(ballots: bigint[][]): bigint[] };
    const { sumCiphertextWords } = await import("../lib/sealed/flow/ballotProof");
    expect(sealed.sumCiphertextWords([])).to.deep.equal(sumCiphertextWords([]));
  });
});
