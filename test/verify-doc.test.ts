/**
 * docs/VERIFY.md, run as written: its `sh` blocks (each after a `<!-- step: NAME -->` marker)
 * are taken from the file itself, so the document and this test cannot drift. They run in one
 * bash session against a real anvil node, with only cast, jq, node and the snarkjs CLI; the
 * election is set up with the library, the checking uses nothing of ours.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { expect } from "chai";
import { JsonRpcProvider, NonceManager, Wallet } from "ethers";

import { PROJECT_ROOT } from "../lib/proving/artifacts";
import { BN254_BASE_FIELD } from "../lib/core/constants";
import { ZkBallotWithoutCoordinateCheck__factory, ZkBallot__factory } from "../typechain-types";
import { createElection, deployZkBallot, fetchVoterRoll, openVoting, prepareBallot, publishVoterRoll, castPreparedBallot, closeElection } from "../lib/chain/election";
import { createIdentity } from "../lib/core/identity";
import { releaseSnarkjs } from "../lib/proving/prover";
import { VoterRoll } from "../lib/core/voterRoll";

import { ANVIL_KEYS, startAnvil, type HardhatNode } from "./helpers/processes";

const DOC = path.join(PROJECT_ROOT, "docs", "VERIFY.md");

/** The document's runnable steps, in order: name -> shell code. */
export function documentedSteps(markdown: string): { name: string; code: string }[] {
  const steps: { name: string; code: string }[] = [];
  const pattern = /<!-- step: ([a-z-]+) -->\s*```sh\n([\s\S]*?)```/g;
  for (let match = pattern.exec(markdown); match !== null; match = pattern.exec(markdown)) steps.push({ name: match[1], code: match[2] });
  return steps;
}

function runSteps(code: string, cwd: string, env: Record<string, string>): { status: number | null; stdout: string; stderr: string } {
  const script = `set -euo pipefail\n${code}`;
  const result = spawnSync("bash", ["-c", script], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, ...env, PATH: `${path.join(PROJECT_ROOT, "node_modules", ".bin")}:${process.env.PATH}` },
    timeout: 240_000,
  });
  const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, ""); // snarkjs colours its log lines
  return { status: result.status, stdout: plain(result.stdout), stderr: plain(result.stderr) };
}

describe("docs/VERIFY.md against a real anvil node", function () {
  this.timeout(600_000);
  let node: HardhatNode;
  let workDir: string;
  after(async () => {
    node?.stop();
    await releaseSnarkjs();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  it("verifies one ballot with snarkjs (OK), refuses a tampered ballot value, checks the verification key against the deployed verifier, and recounts to the on-chain tally", async () => {
    const steps = documentedSteps(fs.readFileSync(DOC, "utf8"));
    expect(steps.map((s) => s.name)).to.deep.equal(["variables", "fetch-vote", "scope-and-root", "proof-files", "verify", "verification-key", "recount"]);

    node = await startAnvil();
    const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
    const [operator, registrar] = ANVIL_KEYS.map((key) => new NonceManager(new Wallet(key, provider)));
    const zkBallot = await deployZkBallot(operator);
    const { electionId } = await createElection(zkBallot, { title: "Verify me", numOptions: 3, registrar: await registrar.getAddress() });
    const voters = await Promise.all([0, 1, 2, 3].map(() => createIdentity()));
    await publishVoterRoll(zkBallot.connect(registrar), electionId, voters.map((v) => v.voterCommitment));
    await openVoting(zkBallot.connect(registrar), electionId);
    const voterRoll = await VoterRoll.build(await fetchVoterRoll(zkBallot, electionId));
    const ballots = [];
    for (const [i, option] of [2, 0, 2].entries()) ballots.push(await prepareBallot({ zkBallot, electionId, identity: voters[i], option, voterRoll }));
    const single = await castPreparedBallot(zkBallot, ballots[0]);
    // Two more in one castVotes transaction (a relayer's batch): two VoteCast logs in one receipt.
    const batch = await (await zkBallot.castVotes(ballots.slice(1).map((b) => ({ electionId, ballot: b.ballot, nullifier: b.nullifier, proof: b.proof })))).wait();
    await closeElection(zkBallot, electionId);
    const onChain = (await zkBallot.tallies(electionId)).map(String);
    expect(onChain).to.deep.equal(["1", "0", "2"]);

    workDir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-verify-doc-"));
    const env = { RPC_URL: node.url, ZKBALLOT: await zkBallot.getAddress(), ELECTION_ID: electionId.toString(), TX: single.hash, VKEY: path.join(PROJECT_ROOT, "circuits", "build", "verification_key.json") };
    const all = steps.map((s) => s.code).join("\n");
    const run = runSteps(all, workDir, env);
    const output = run.stdout + run.stderr;
    expect(run.status, output).to.equal(0);
    expect(output, output).to.match(/snarkJS: OK!/);
    expect(output).to.match(/verification key: all 24 values found in the verifier's code/);
    expect(output).to.match(/the contract's electionScope matches/);
    const recount = /recount of verified ballots: (\[[^\]]*\])/.exec(output)?.[1];
    const stated = /on-chain tally: +(\[[^\]]*\])/.exec(output)?.[1];
    expect(recount, output).to.equal(`[${onChain.join(", ")}]`);
    expect(stated, output).to.equal(`[${onChain.join(", ")}]`);
    expect(output).to.match(/recount MATCHES the on-chain tally/);
    expect(output).to.match(/3 ballots, 3 verified/);

    // One ballot of the batch, chosen by its nullifier.
    const theirs = runSteps(steps.slice(0, 5).map((s) => s.code).join("\n"), workDir, { ...env, TX: batch!.hash, NULLIFIER: "0x" + ballots[2].nullifier.toString(16).padStart(64, "0") });
    expect(theirs.status, theirs.stdout + theirs.stderr).to.equal(0);
    expect(theirs.stdout + theirs.stderr).to.match(/snarkJS: OK!/);
    expect(JSON.parse(fs.readFileSync(path.join(workDir, "public.json"), "utf8"))[1]).to.equal(ballots[2].nullifier.toString());

    // A tampered ballot value in public.json: snarkjs refuses it.
    const publicFile = path.join(workDir, "public.json");
    const signals = JSON.parse(fs.readFileSync(publicFile, "utf8")) as string[];
    fs.writeFileSync(publicFile, JSON.stringify([signals[0], signals[1], signals[2], "2"]));
    const tampered = runSteps(steps.find((s) => s.name === "verify")!.code, workDir, env);
    expect(tampered.status).to.not.equal(0);
    expect(tampered.stdout + tampered.stderr).to.match(/Invalid proof/);
    expect(tampered.stdout + tampered.stderr).not.to.match(/OK!/);

    // A ballot let in by a contract without the coordinate check (the pre-fix behaviour), A.y
    // re-encoded as y + 2^256 - q: snarkjs alone would reduce it, the documented check refuses it.
    const legacy = ZkBallot__factory.connect(
      await (await (await new ZkBallotWithoutCoordinateCheck__factory(operator).deploy(await zkBallot.VERIFIER(), await zkBallot.BATCH_VERIFIER(), await zkBallot.ROLL_DEPTH())).waitForDeployment()).getAddress(),
      operator,
    );
    const legacyElection = (await createElection(legacy, { title: "Re-encoded", numOptions: 3, registrar: await registrar.getAddress() })).electionId;
    await publishVoterRoll(legacy.connect(registrar), legacyElection, voters.map((v) => v.voterCommitment));
    await openVoting(legacy.connect(registrar), legacyElection);
    const genuine = await prepareBallot({ zkBallot: legacy, electionId: legacyElection, identity: voters[3], option: 1, voterRoll });
    const aliasedAy = genuine.proof[1] + (1n << 256n) - BN254_BASE_FIELD;
    const reencoded = await castPreparedBallot(legacy, { ...genuine, proof: genuine.proof.map((v, i) => (i === 1 ? aliasedAy : v)) as typeof genuine.proof });
    const refused = runSteps(steps.slice(0, 5).map((s) => s.code).join("\n"), workDir, { ...env, ZKBALLOT: await legacy.getAddress(), ELECTION_ID: legacyElection.toString(), TX: reencoded.hash });
    expect(refused.status, refused.stdout + refused.stderr).to.not.equal(0);
    expect(refused.stdout + refused.stderr).to.include(`non-canonical proof coordinate ${aliasedAy} (>= q)`);
    expect(refused.stdout + refused.stderr).not.to.match(/OK!/);

    // A key that differs in one value (IC0.x + 1) is not the deployed verifier's.
    const key = JSON.parse(fs.readFileSync(env.VKEY, "utf8")) as { IC: string[][] };
    key.IC[0][0] = (BigInt(key.IC[0][0]) + 1n).toString();
    const otherKey = path.join(workDir, "other_key.json");
    fs.writeFileSync(otherKey, JSON.stringify(key));
    const otherRun = runSteps([steps[0], steps.find((s) => s.name === "verification-key")!].map((s) => s.code).join("\n"), workDir, { ...env, VKEY: otherKey });
    expect(otherRun.status).to.not.equal(0);
    expect(otherRun.stdout + otherRun.stderr).to.include(`not in the verifier's code: ${key.IC[0][0]}`);
  });
});
