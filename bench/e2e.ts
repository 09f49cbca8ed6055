/**
 * The whole election at scale on a local node: a 2^20-voter roll, 1,000 ballots through the
 * relayer, close, and an independent audit. Reports wall time per phase and total gas.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { JsonRpcProvider, type ContractTransactionReceipt } from "ethers";

import { auditElection } from "../lib/audit/audit";
import { SNARK_SCALAR_FIELD } from "../lib/core/constants";
import { closeElection, computeElectionScope, createElection, deployZkBallot, openVoting, publishVoterRoll } from "../lib/chain/election";
import { progressBar } from "../lib/node/progress";
import type { VoterIdentity } from "../lib/core/identity";
import { fixtureVoter, RELAY_FIXTURE_ELECTION } from "../test/helpers/relayFixtures";
import { relayerConfigFromEnv } from "../lib/relayer/config";
import { startRelayer } from "../lib/relayer/service";
import { VoterRoll } from "../lib/core/voterRoll";
import { startHardhatNode } from "../test/helpers/processes";
import { postBallots, proveBallotsInParallel, waitUntilSettled } from "./relayer";

const RELAYER_KEY = "0xdf57089febbacf7ba0bc227dafbffa9fc08a93fdc68e1e42411a14efcf23656e";

export interface E2ePhase {
  id: string;
  phase: string;
  seconds: number;
  gas: number;
}

/** Deterministic filler commitments (their preimages do not matter; they only fill the roll). */
function fillerCommitment(i: number): bigint {
  const value = BigInt("0x" + createHash("sha256").update(`zkballot bench filler ${i}`).digest("hex")) >> 4n;
  return value === 0n ? 1n : value % SNARK_SCALAR_FIELD;
}

export async function runLargeElection(options: { rollSize: number; ballots: number; log: (line: string) => void }): Promise<{ phases: E2ePhase[]; auditOk: boolean }> {
  const { rollSize, ballots, log } = options;
  const phases: E2ePhase[] = [];
  const gasOf = (receipts: (ContractTransactionReceipt | null)[]) => receipts.reduce((sum, r) => sum + Number(r?.gasUsed ?? 0n), 0);
  const timed = async <T>(id: string, phase: string, action: () => Promise<[T, number]>): Promise<T> => {
    log(`  ${phase}...`);
    const started = performance.now();
    const [value, gas] = await action();
    const seconds = (performance.now() - started) / 1000;
    phases.push({ id, phase, seconds, gas });
    log(`  ${phase}: ${seconds.toFixed(1)} s, ${gas.toLocaleString("en-US")} gas`);
    return value;
  };

  const voters: VoterIdentity[] = [];
  for (let i = 0; i < ballots; i++) voters.push(await fixtureVoter(i));
  const commitments = voters.map((voter) => voter.voterCommitment);
  for (let i = ballots; i < rollSize; i++) commitments.push(fillerCommitment(i));

  const node = await startHardhatNode();
  const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-bench-e2e-"));
  try {
    const operator = await provider.getSigner(0);
    const registrar = await provider.getSigner(1);
    const { zkBallot, electionId } = await timed("deploy", "deploy and create the election", async () => {
      const contract = await deployZkBallot(operator);
      const { electionId: id, receipt } = await createElection(contract, { ...RELAY_FIXTURE_ELECTION, registrar: await registrar.getAddress() });
      return [{ zkBallot: contract, electionId: id }, gasOf([await contract.deploymentTransaction()!.wait(), receipt])];
    });
    await timed("publish_roll", `publish a roll of ${rollSize.toLocaleString("en-US")} commitments`, async () => {
      const bar = progressBar("    publishing", rollSize);
      const receipts = await publishVoterRoll(zkBallot.connect(registrar), electionId, commitments, { batchSize: 5_000, onProgress: (done) => bar.update(done) });
      bar.done();
      return [receipts.length, gasOf(receipts)];
    });
    const voterRollRoot = await timed("open_voting", "open voting (read the roll from events, Poseidon root, freeze)", async () => {
      const { voterRollRoot: root, receipt } = await openVoting(zkBallot.connect(registrar), electionId, { fromBlock: 0 });
      return [root, gasOf([receipt])];
    });
    const scope = computeElectionScope(31337n, await zkBallot.getAddress(), electionId);
    const prepared = await timed("paths_and_proofs", `voters' Merkle paths and ${ballots} proofs (${os.cpus().length} processes; cached between runs)`, async () => {
      const roll = await VoterRoll.build(commitments);
      if (roll.root !== voterRollRoot) throw new Error("the frozen root differs from the local roll");
      return [await proveBallotsInParallel(voters, roll, ballots, scope, `e2e-${rollSize}-${ballots}`, log), 0];
    });
    const relayer = await startRelayer({
      ...relayerConfigFromEnv({ RELAYER_PRIVATE_KEY: RELAYER_KEY }),
      rpcUrl: node.url, privateKey: RELAYER_KEY, host: "127.0.0.1", port: 0, databaseFile: path.join(dir, "relayer.sqlite"),
      zkBallotAddress: await zkBallot.getAddress(), batchSize: 50, intervalMs: 50, stuckAfterMs: 60_000, rateLimitPerMinute: 1_000_000,
    });
    try {
      await timed("relayer_ballots", `${ballots} ballots through the relayer (HTTP, queue, castVotes batches of 50)`, async () => {
        await postBallots(relayer.url, electionId, prepared);
        await waitUntilSettled(relayer.url, ballots);
        const cast = await zkBallot.queryFilter(zkBallot.filters.VoteCast(electionId));
        const receipts = await Promise.all([...new Set(cast.map((event) => event.transactionHash))].map((hash) => provider.getTransactionReceipt(hash)));
        return [cast.length, receipts.reduce((sum, r) => sum + Number(r!.gasUsed), 0)];
      });
    } finally {
      await relayer.stop();
    }
    await timed("close", "close the election", async () => {
      const { receipt } = await closeElection(zkBallot, electionId);
      return [undefined, gasOf([receipt])];
    });
    const report = await timed("audit", "independent audit (all events, tree rebuild, every proof)", async () => {
      const result = await auditElection({ provider, contractAddress: await zkBallot.getAddress(), electionId, fromBlock: 0 });
      return [result, 0];
    });
    if (!report.result.ok) log(`  audit FAILED: ${JSON.stringify(report.checks.filter((c) => c.status === "fail"))}`);
    return { phases, auditOk: report.result.ok };
  } finally {
    provider.destroy();
    node.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
