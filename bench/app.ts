/**
 * The web app's figures (issue 15): open-election proof time in headless Chromium (the app's
 * own Web Worker, snarkjs groth16.fullProve) next to Node's, the JavaScript bundle size, and
 * time to interactive (navigation until the election page has rendered from a local node).
 */
import { JsonRpcProvider } from "ethers";

import { buildApp } from "../app/build";
import { startAppServer } from "../app/serve";
import { createElection, deployZkBallot } from "../lib/chain/election";
import { identityFromSecret } from "../lib/core/identity";
import { VoterRoll } from "../lib/core/voterRoll";
import { proveVote } from "../lib/proving/prover";
import { launchChromium } from "../test/helpers/browser";
import { startHardhatNode } from "../test/helpers/processes";

export interface WebAppFigures {
  bundleBytes: number;
  browserProofMs: number[];
  browserFirstProofMs: number;
  nodeProofMs: number[];
  timeToInteractiveMs: number[];
  cores: number;
}

export async function measureWebApp(runs: number, log: (line: string) => void): Promise<WebAppFigures> {
  const { bundleBytes } = await buildApp();
  const identity = await identityFromSecret(5n);
  const roll = await VoterRoll.build([identity.voterCommitment, 7n]);
  const path = roll.pathOf(identity.voterCommitment);
  const electionScope = 12345n;
  const input = { identitySecret: "5", pathIndices: path.pathIndices.map(String), siblings: path.siblings.map(String), electionScope: "12345", ballot: "2" };
  const nodeProofMs: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const started = performance.now();
    await proveVote({ identity, path, voterRollRoot: roll.root, electionScope, ballot: 2n });
    if (i > 0) nodeProofMs.push(performance.now() - started);
  }
  log(`node proofs: ${nodeProofMs.map((ms) => ms.toFixed(0)).join(", ")} ms`);
  const node = await startHardhatNode();
  const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
  const browser = await launchChromium();
  try {
    const zkBallot = await deployZkBallot(await provider.getSigner(0));
    await createElection(zkBallot, { title: "bench", numOptions: 2, registrar: await (await provider.getSigner(0)).getAddress() });
    const server = await startAppServer({ rpcUrl: node.url, relayerUrl: node.url, zkBallot: await zkBallot.getAddress(), electionId: 1n });
    const timeToInteractiveMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(`${server.url}/?lang=en#election`);
      await page.waitForSelector("body[data-ready=true] h1", { timeout: 60_000 });
      timeToInteractiveMs.push(performance.now() - started);
      await context.close();
    }
    const page = await browser.newPage();
    await page.goto(`${server.url}/?lang=en#election`);
    const browserRuns = await page.evaluate(async ({ input, runs }) => {
      const worker = new Worker("worker.js");
      const times: number[] = [];
      for (let i = 0; i <= runs; i++) {
        times.push(await new Promise<number>((resolve, reject) => {
          worker.onmessage = (event: MessageEvent<{ kind: string; ms?: number; message?: string }>) => {
            if (event.data.kind === "proof") resolve(event.data.ms!);
            if (event.data.kind === "error") reject(new Error(event.data.message));
          };
          worker.postMessage({ input });
        }));
      }
      worker.terminate();
      return times;
    }, { input, runs });
    log(`browser proofs: ${browserRuns.join(", ")} ms; time to interactive ${timeToInteractiveMs.map((ms) => ms.toFixed(0)).join(", ")} ms`);
    await server.close();
    return { bundleBytes, browserProofMs: browserRuns.slice(1), browserFirstProofMs: browserRuns[0], nodeProofMs, timeToInteractiveMs, cores: (await import("node:os")).availableParallelism() };
  } finally {
    await browser.close();
    provider.destroy();
    node.stop();
  }
}
