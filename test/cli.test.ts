/**
 * Drives the commands as a new user would, against a real `npx hardhat node` in its own process.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { expect } from "chai";
import { AbiCoder, HDNodeWallet, Mnemonic, keccak256, toBeHex, zeroPadValue } from "ethers";

import { PROJECT_ROOT } from "../lib/proving/artifacts";
import { computeVoterRollDigest } from "../lib/chain/election";
import { toHex32 } from "../lib/core/field";
import { SNARK_SCALAR_FIELD } from "../lib/core/constants";

import { CLI_TIMEOUT_MS, HARDHAT_CLI, startAnvil, runHardhatCliAsync, startHardhatNode, type CliRun as Run, type HardhatNode } from "./helpers/processes";

/** Account 9 of the local nodes' well-known test mnemonic: a voter's own funded account. */
const VOTER_WALLET = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase("test test test test test test test test test test test junk"), "m/44'/60'/0'/0/9");

describe("command line against a real hardhat node", function () {
  this.timeout(900_000); // per test (a loaded shared machine needs minutes); each command also has its own deadline (CLI_TIMEOUT_MS)
  let node: HardhatNode;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const file = (name: string) => path.join(dir, name);

  // Every command runs as its own process, without blocking the event loop: commands that do not
  // depend on each other run at once (at most CLI_JOBS at a time), each with a deadline.
  const cli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> => runHardhatCliAsync(args, { ...env, ...extraEnv });
  const local = (...args: string[]) => cli([...args, "--network", "localhost"]);
  function ok(run: Run): string {
    expect(run.status, `command failed:\n${run.stdout}\n${run.stderr}`).to.equal(0);
    return run.stdout;
  }
  function refused(run: Run, message: RegExp): void {
    expect(run.status, run.stdout).to.equal(1);
    expect(run.stderr).to.match(/^error: /m);
    expect(run.stderr).to.match(message);
    expect(run.stderr).to.not.match(/\n\s+at .*\(/); // no stack trace
  }

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-cli-"));
    const base: NodeJS.ProcessEnv = { ...process.env, ZKBALLOT_DEPLOYMENTS_DIR: path.join(dir, "deployments") };
    delete base.TESTNET_RPC_URL;
    node = await startHardhatNode(base);
    env = { ...base, LOCALHOST_RPC_URL: node.url };
  });

  after(() => {
    node?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("explains a missing deployment, a bad network and an unreachable RPC in one line", async () => {
    // Independent refusals: run at once (bounded by CLI_JOBS), checked one by one.
    const [missing, testnet, unreachable, help] = await Promise.all([
      local("status"),
      cli(["status", "--network", "testnet"]),
      cli(["status", "--network", "localhost"], { LOCALHOST_RPC_URL: "http://127.0.0.1:9" }),
      cli(["help", "vote"]),
    ]);
    refused(missing, /zkballot is not deployed on chain 31337.*hint: run `npx hardhat deploy/);
    refused(testnet, /TESTNET_RPC_URL is not set \(hint: copy .env.example/);
    refused(unreachable, /cannot reach the RPC of network "localhost"/);
    expect(ok(help)).to.match(/Example: npx hardhat vote --election 1/);
  });

  it("refuses bad command lines in one line that names the valid flags, and vote without an explicit sender", async () => {
    const oneLine = (run: Run, message: RegExp) => {
      refused(run, message);
      expect(run.stderr.trim().split("\n"), run.stderr).to.have.length(1);
    };
    const run = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => runHardhatCliAsync([...args, "--network", "localhost"], { ...env, ...extraEnv });
    const vote = ["vote", "--election", "1", "--identity", file("nobody.json"), "--option", "Bob"];
    const keyOnCommandLine = VOTER_WALLET.privateKey;
    // A chain that is not a local development chain, for the deploy refusal.
    const sepolia = await startAnvil({ chainId: 11155111, env });
    try {
      const sealedAddress = "0x" + "11".repeat(20);
      const [unknownNetwork, unknownFlag, missingValue, unknownCommand, noSender, twoSenders, unsetVariable, keyAsVariable, insecureDeploy, challengeOpen, challengeSender, sealedTwoSenders] = await Promise.all([
        runHardhatCliAsync(["status", "--network", "sepolia"], env),
        run(["vote", "--election", "1", "--identity", file("nobody.json"), "--choice", "Bob"]),
        run(["tally", "--election"]),
        run(["votes", "--election", "1"]),
        run(vote),
        run([...vote, "--relayer", "http://127.0.0.1:9", "--account", "1"]),
        run([...vote, "--private-key-env", "ZKBALLOT_TEST_UNSET_KEY"]),
        run([...vote, "--private-key-env", keyOnCommandLine]),
        run(["deploy"], { LOCALHOST_RPC_URL: sepolia.url }),
        run([...vote, "--challenge", file("challenge.json")]),
        run([...vote, "--contract", sealedAddress, "--challenge", file("challenge.json"), "--account", "1"]),
        run([...vote, "--contract", sealedAddress, "--relayer", "http://127.0.0.1:9", "--account", "1"]),
      ]);
      oneLine(sealedTwoSenders, /^error: choose one of --relayer and --account, not --relayer and --account/);
      oneLine(challengeOpen, /^error: --challenge is for sealed elections \(hint: pass the SealedZkBallot address with --contract\)/);
      oneLine(challengeSender, /^error: --challenge casts nothing, so --account has no use \(hint: challenge first, then vote again without --challenge/);
      oneLine(unknownNetwork, /^error: unknown network "sepolia" \(hint: use --network hardhat, --network localhost, --network testnet\)/);
      oneLine(unknownFlag, /^error: vote: unknown flag --choice \(hint: `vote` takes --election <value> --identity <value> --option <value> .*\[--relayer <value>\] \[--account <value>\] \[--private-key-env <value>\]/);
      oneLine(missingValue, /^error: tally: The '--election' parameter of task 'tally' expects a value, but none was passed \(hint: `tally` takes --election <value> \[--json\]/);
      oneLine(unknownCommand, /^error: Unrecognized task 'votes' \(hint: `npx hardhat help` lists the commands\)/);
      oneLine(noSender, /^error: vote needs to know who submits the ballot \(hint: pass --relayer URL \(private: no account of yours on-chain\), or send it yourself with --account N \(a local node\) or --private-key-env VAR/);
      oneLine(twoSenders, /choose one of --relayer, --account and --private-key-env, not --relayer and --account/);
      oneLine(unsetVariable, /environment variable ZKBALLOT_TEST_UNSET_KEY is not set \(hint: put ZKBALLOT_TEST_UNSET_KEY=0x\.\.\. .* in .env/);
      oneLine(keyAsVariable, /--private-key-env takes the name of an environment variable, and this looks like a private key/);
      expect(keyAsVariable.stderr + keyAsVariable.stdout).to.not.include(keyOnCommandLine.slice(2));
      refused(insecureDeploy, /refusing to deploy a development trusted setup to chain 11155111: anyone can forge proofs against it \(hint: run a real phase-2 ceremony, or pass --allow-insecure-dev-setup/);
      expect(insecureDeploy.stderr).to.not.match(/allowInsecureDevSetup override/);
    } finally {
      sepolia.stop();
    }
  });

  it("runs an election from identity creation to tally and my-ballot, refusing what it must", async () => {
    // Commands that do not depend on each other run at once; every assertion is the same as when
    // they ran one after the other. Refusals that reach the chain fail before sending anything.
    fs.writeFileSync(file("bad.yaml"), "title: Council\noptions: [Yes]\n");
    fs.writeFileSync(file("bad.json"), JSON.stringify({ title: "Council", options: ["Yes", "No"], votingEndsAt: "yesterday-ish" }));
    fs.writeFileSync(file("election.yaml"), "title: Council 2027\noptions:\n  - Yes\n  - No\n  - Abstain\n");

    // The operator deploys and creates the election while the voters make identities.
    const operator = async () => {
      expect(ok(await local("deploy"))).to.match(/ZkBallot 0x[0-9a-fA-F]{40}/);
      // election spec: errors name the field
      const [again, badYaml, badJson] = await Promise.all([
        local("deploy"),
        local("election", "create", "--spec", file("bad.yaml")),
        local("election", "create", "--spec", file("bad.json")),
      ]);
      refused(again, /already deployed on chain 31337/);
      refused(badYaml, /bad.yaml: options must have 2 to 32 entries, got 1/);
      refused(badJson, /votingEndsAt must be unix seconds or an ISO 8601 date/);
      expect(ok(await local("election", "create", "--spec", file("election.yaml")))).to.match(/election 1 created: "Council 2027", 3 options/);
    };
    // voters make identities and hand over commitments
    const voters = async (): Promise<string[]> => {
      const names = ["alice", "bob", "carol"];
      const created = await Promise.all(names.map((name) => cli(["identity", "new", "--out", file(`${name}.json`)])));
      const outs = created.map((run, i) => {
        const out = ok(run);
        expect(out).to.match(/backup: /);
        expect(fs.statSync(file(`${names[i]}.json`)).mode & 0o777).to.equal(0o600);
        return out;
      });
      const printed = await Promise.all(names.map((name) => cli(["identity", "commitment", "--identity", file(`${name}.json`)])));
      const commitments = printed.map((run, i) => {
        const commitment = ok(run).trim();
        expect(outs[i]).to.include(commitment);
        return commitment;
      });
      const aliceBefore = fs.readFileSync(file("alice.json"), "utf8");
      fs.writeFileSync(file("broken.json"), aliceBefore.slice(0, 40));
      const [overwrite, mallory, broken] = await Promise.all([
        cli(["identity", "new", "--out", file("alice.json")]),
        cli(["identity", "new", "--out", file("mallory.json")]),
        cli(["identity", "commitment", "--identity", file("broken.json")]),
      ]);
      refused(overwrite, /already exists; refusing to overwrite/);
      expect(fs.readFileSync(file("alice.json"), "utf8")).to.equal(aliceBefore);
      ok(mallory);
      refused(broken, /broken.json is not valid JSON/);
      return commitments;
    };
    const [, commitments] = await Promise.all([operator(), voters()]);

    // the registrar's roll file: the three voters and many others
    while (commitments.length < 120) commitments.push(toHex32((BigInt("0x" + randomBytes(32).toString("hex")) % (SNARK_SCALAR_FIELD - 1n)) + 1n));
    fs.writeFileSync(file("roll.csv"), ["voterCommitment", ...commitments].join("\n") + "\n");
    fs.writeFileSync(file("dup.csv"), [commitments[0], commitments[1], commitments[0]].join("\n") + "\n");
    refused(await local("roll", "publish", "--election", "1", "--file", file("dup.csv")), /dup.csv line 3 duplicates dup.csv line 1/);

    // publication killed with SIGKILL part-way, then resumed
    const killed = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [HARDHAT_CLI, "roll", "publish", "--election", "1", "--file", file("roll.csv"), "--batch-size", "1", "--network", "localhost"], { cwd: PROJECT_ROOT, env });
      let output = "";
      const deadline = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`roll publish did not reach 24/120 within ${CLI_TIMEOUT_MS} ms:\n${output}`));
      }, CLI_TIMEOUT_MS);
      const watch = (chunk: Buffer) => {
        output += chunk.toString();
        const progress = [...output.matchAll(/ (\d+)\/120 /g)].map((m) => Number(m[1]));
        if (progress.some((done) => done >= 24 && done < 100)) child.kill("SIGKILL");
      };
      child.stdout.on("data", watch);
      child.stderr.on("data", watch);
      child.on("exit", () => {
        clearTimeout(deadline);
        resolve(output);
      });
    });
    expect(killed).to.not.match(/commitments on-chain/); // it really died part-way
    const partial = JSON.parse(ok(await local("status", "--election", "1", "--json"))) as { voterCount: number };
    expect(partial.voterCount).to.be.greaterThan(0).and.lessThan(120);
    const resumed = ok(await local("roll", "publish", "--election", "1", "--file", file("roll.csv"), "--batch-size", "50"));
    expect(resumed).to.match(new RegExp(`resumed: ${partial.voterCount} commitments were already on-chain`));
    const [fullStatus, republished, registration] = await Promise.all([
      local("status", "--election", "1", "--json"),
      local("roll", "publish", "--election", "1", "--file", file("roll.csv")),
      local("vote", "--election", "1", "--identity", file("alice.json"), "--option", "Yes", "--account", "7"),
    ]);
    const full = JSON.parse(ok(fullStatus)) as { voterCount: number; voterRollDigest: string };
    expect(full.voterCount).to.equal(120);
    expect(full.voterRollDigest).to.equal(computeVoterRollDigest(commitments.map(BigInt)));
    expect(ok(republished)).to.match(/120 commitments on-chain \(0 transactions now/);

    // voting
    refused(registration, /election 1 is in phase Registration, not Voting: voting has not been opened yet/);
    expect(registration.stderr).to.match(/hint: wait until the registrar opens voting \(`npx hardhat voting open --election 1`\)/);
    expect(ok(await local("voting", "open", "--election", "1"))).to.match(/roll frozen at root \d+/);
    fs.writeFileSync(file("longer.csv"), [...commitments, toHex32(12345n)].join("\n") + "\n");
    const [longer, castRun] = await Promise.all([
      local("roll", "publish", "--election", "1", "--file", file("longer.csv")),
      local("vote", "--election", "1", "--identity", file("alice.json"), "--option", "yes", "--account", "7"),
    ]);
    refused(longer, /WrongPhase/);

    const cast = ok(castRun);
    expect(cast).to.match(/ballot cast in election 1: option 0 \(Yes\), block (\d+)/);
    const castBlock = /block (\d+)/.exec(cast)![1];
    const [twice, notOnRoll, outOfRange, noSuchOption, exportRun] = await Promise.all([
      local("vote", "--election", "1", "--identity", file("alice.json"), "--option", "No", "--account", "7"),
      local("vote", "--election", "1", "--identity", file("mallory.json"), "--option", "No", "--account", "7"),
      local("vote", "--election", "1", "--identity", file("bob.json"), "--option", "3", "--account", "7"),
      local("vote", "--election", "1", "--identity", file("bob.json"), "--option", "Maybe", "--account", "7"),
      local("roll", "export", "--election", "1", "--out", file("exported.csv")),
    ]);
    refused(twice, new RegExp(`already voted in election 1, in block ${castBlock}`));
    refused(notOnRoll, /not on the voter roll/);
    refused(outOfRange, /option 3 is out of range: this election has options 0 to 2/);
    refused(noSuchOption, /no option named "Maybe"/);

    ok(exportRun);
    const exported = fs.readFileSync(file("exported.csv"), "utf8").trim().split("\n").slice(1);
    expect(exported.map(BigInt)).to.deep.equal(commitments.map(BigInt));
    fs.writeFileSync(file("tampered.csv"), ["voterCommitment", ...exported.slice(0, -1)].join("\n") + "\n");
    // Bob sends from an account of his own, its key in an environment variable (never on the command line).
    const [tampered, bobVote] = await Promise.all([
      local("vote", "--election", "1", "--identity", file("bob.json"), "--option", "1", "--roll-file", file("tampered.csv"), "--account", "7"),
      cli(["vote", "--election", "1", "--identity", file("bob.json"), "--option", "1", "--roll-file", file("exported.csv"), "--private-key-env", "BOB_PRIVATE_KEY", "--network", "localhost"], { BOB_PRIVATE_KEY: VOTER_WALLET.privateKey }),
    ]);
    refused(tampered, /not this election's roll/);
    expect(ok(bobVote)).to.match(/option 1 \(No\)/);
    expect(bobVote.stderr).to.include(`warning: this ballot is sent from ${VOTER_WALLET.address};`);
    expect(bobVote.stdout + bobVote.stderr).to.not.include(VOTER_WALLET.privateKey.slice(2));
    const bobTx = (await node.rpc("eth_getTransactionByHash", [/tx (0x[0-9a-f]{64})/.exec(bobVote.stdout)![1]])) as { from: string };
    expect(bobTx.from.toLowerCase()).to.equal(VOTER_WALLET.address.toLowerCase());

    // individual verifiability
    const [aliceBallot, carolBallot, bobBallot, notAdmin] = await Promise.all([
      local("my-ballot", "--election", "1", "--identity", file("alice.json")),
      local("my-ballot", "--election", "1", "--identity", file("carol.json")),
      local("my-ballot", "--election", "1", "--identity", file("bob.json"), "--json"),
      local("election", "close", "--election", "1", "--account", "3"),
    ]);
    const mine = ok(aliceBallot);
    expect(mine).to.match(/your ballot: option 0 \(Yes\)/);
    expect(mine).to.match(new RegExp(`recorded in block ${castBlock}`));
    expect(mine).to.match(/proof re-verified off-chain: valid/);
    expect(mine).to.match(/counted in the tally: yes/);
    expect(ok(carolBallot)).to.match(/no ballot from this identity/);
    const mineJson = JSON.parse(ok(bobBallot)) as { voted: boolean; record: { option: number } };
    expect(mineJson.voted).to.equal(true);
    expect(mineJson.record.option).to.equal(1);

    // closing and the result
    refused(notAdmin, /NotAdmin/);
    expect(ok(await local("election", "close", "--election", "1"))).to.match(/tally: 1, 1, 0/);
    const [closed, tallyJson, tallyText, auditRun] = await Promise.all([
      local("vote", "--election", "1", "--identity", file("carol.json"), "--option", "Yes", "--account", "7"),
      local("tally", "--election", "1", "--json"),
      local("tally", "--election", "1"),
      local("audit", "--election", "1", "--out", file("audit.json"), "--html", file("audit.html")),
    ]);
    refused(closed, /election 1 is in phase Closed, not Voting: voting is over and no ballot can be added \(hint: see the result with `npx hardhat tally --election 1`\)/);
    expect(closed.stderr).to.not.match(/opens voting/);
    const tally = JSON.parse(ok(tallyJson)) as { phase: string; options: { name: string; votes: string }[] };
    expect(tally.phase).to.equal("Closed");
    expect(tally.options.map((o) => [o.name, o.votes])).to.deep.equal([["Yes", "1"], ["No", "1"], ["Abstain", "0"]]);
    expect(ok(tallyText)).to.match(/Council 2027 \(election 1, final\)/);

    // the independent audit: green, then red (exit code 1) once a tally slot is corrupted
    const audited = ok(auditRun);
    expect(audited).to.match(/RESULT: PASS/);
    const report = JSON.parse(fs.readFileSync(file("audit.json"), "utf8")) as { result: { ok: boolean }; checks: { id: string; status: string }[] };
    expect(report.result.ok).to.equal(true);
    expect(fs.readFileSync(file("audit.html"), "utf8")).to.match(/<svg/);
    const deployment = JSON.parse(fs.readFileSync(path.join(dir, "deployments", "31337.json"), "utf8")) as { zkBallot: string };
    const talliesSlot = BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "uint256"], [1n, 2n]))); // _tallies[1][0]
    await node.rpc("hardhat_setStorageAt", [deployment.zkBallot, toBeHex(talliesSlot), zeroPadValue(toBeHex(5n), 32)]);
    const failing = await local("audit", "--election", "1");
    expect(failing.status).to.equal(1);
    expect(failing.stdout).to.match(/\[FAIL\] tally/);
    expect(failing.stdout).to.match(/RESULT: FAIL/);
  });
  it("names the voting window when a ballot comes before the start time or after the end time", async () => {
    const { timestamp } = (await node.rpc("eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
    const startsAt = Number(timestamp) + 3_600;
    const endsAt = startsAt + 3_600;
    const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
    fs.writeFileSync(file("window.yaml"), `title: Window\noptions: [Yes, No]\nvotingStartsAt: ${startsAt}\nvotingEndsAt: ${endsAt}\n`);
    const [created, commitment] = await Promise.all([local("election", "create", "--spec", file("window.yaml")), cli(["identity", "commitment", "--identity", file("alice.json")])]);
    expect(ok(created)).to.match(/election 2 created/);
    const alice = ok(commitment).trim();
    fs.writeFileSync(file("window.csv"), `${alice}\n`);
    ok(await local("roll", "publish", "--election", "2", "--file", file("window.csv")));
    ok(await local("voting", "open", "--election", "2"));
    const early = await local("vote", "--election", "2", "--identity", file("alice.json"), "--option", "Yes", "--account", "7");
    refused(early, new RegExp(`voting in election 2 has not started: it starts at ${iso(startsAt)}, the chain's time is .* \\(hint: vote after the start time\\)`));
    await node.rpc("evm_increaseTime", [7_300]);
    await node.rpc("evm_mine", []);
    const late = await local("vote", "--election", "2", "--identity", file("alice.json"), "--option", "Yes", "--account", "7");
    refused(late, new RegExp(`voting in election 2 ended at ${iso(endsAt)} .*still in phase Voting until someone closes it \\(hint: anyone may close it now with \`npx hardhat election close --election 2\``));
    expect(ok(await local("election", "close", "--election", "2", "--account", "3"))).to.match(/election 2 closed/);
  });

  it("runs an approval election: a spec with a selection range, votes for several options, the rule in status and tally", async () => {
    fs.writeFileSync(file("approval.yaml"), "title: Approval\noptions: [A, B, C, D]\nminSelections: 1\nmaxSelections: 3\n");
    fs.writeFileSync(file("too-wide.yaml"), "title: Too wide\noptions: [A, B]\nmaxSelections: 3\n");
    const [created, tooWide, aliceCommitment, bobCommitment] = await Promise.all([
      local("election", "create", "--spec", file("approval.yaml")),
      local("election", "create", "--spec", file("too-wide.yaml")),
      cli(["identity", "commitment", "--identity", file("alice.json")]),
      cli(["identity", "commitment", "--identity", file("bob.json")]),
    ]);
    expect(ok(created)).to.match(/election 3 created: "Approval", 4 options \(choose 1 to 3 of 4\)/);
    refused(tooWide, /too-wide.yaml: maxSelections must be at most the number of options \(2\), got 3/);
    fs.writeFileSync(file("approval.csv"), `${ok(aliceCommitment).trim()}\n${ok(bobCommitment).trim()}\n`);
    ok(await local("roll", "publish", "--election", "3", "--file", file("approval.csv")));
    ok(await local("voting", "open", "--election", "3"));
    const [alice, tooMany, twice] = await Promise.all([
      local("vote", "--election", "3", "--identity", file("alice.json"), "--option", "A,c", "--account", "7"),
      local("vote", "--election", "3", "--identity", file("bob.json"), "--option", "0,1,2,3", "--account", "7"),
      local("vote", "--election", "3", "--identity", file("bob.json"), "--option", "1,B", "--account", "7"),
    ]);
    expect(ok(alice)).to.match(/ballot cast in election 3: options 0, 2 \(A, C\), block \d+/);
    refused(tooMany, /4 options chosen, this election allows 1 to 3 \(hint: choose 1 to 3 of 4 options\)/);
    refused(twice, /--option names an option twice: "1,B"/);
    expect(ok(await local("vote", "--election", "3", "--identity", file("bob.json"), "--option", "C", "--account", "7"))).to.match(/option 2 \(C\)/);
    const [mine, status, tallyText] = await Promise.all([
      local("my-ballot", "--election", "3", "--identity", file("alice.json")),
      local("status", "--election", "3"),
      local("tally", "--election", "3"),
    ]);
    expect(ok(mine)).to.match(/your ballot: options 0, 2 \(A, C\)/).and.to.match(/counted in the tally: yes/);
    expect(ok(status)).to.match(/ballot\s+choose 1 to 3 of 4/).and.to.match(/ballots counted\s+2/);
    const tally = ok(tallyText);
    expect(tally).to.match(/Approval \(election 3, phase Voting, not final\)\nballot: choose 1 to 3 of 4 \(a ballot counts for each option it chooses/);
    expect(tally).to.match(/C\s+2\s+100\.0%/);
  });
});
