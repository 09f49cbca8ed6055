/**
 * The sealed-election commands end to end, run in-process (hre.run on Hardhat's network, the
 * same task code a terminal runs): deploy, create, every trustee step twice (the second says it
 * is done), fix-key, the roll, open, a sealed ballot from an account, another through a sealed
 * relayer (`vote --contract .. --relayer`, the real relayer service reading Hardhat's network
 * over JSON-RPC), close, decryptions and the checked tally.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";

import { identityFromSecret } from "../lib/core/identity";
import { saveIdentity } from "../lib/node/identityFile";
import { writeVoterRollFile } from "../lib/node/rollFile";
import { releaseSnarkjs } from "../lib/proving/prover";
import { relayerConfigFromEnv } from "../lib/relayer/config";
import { startRelayer } from "../lib/relayer/service";

/** Private key of account #19 of Hardhat's public test mnemonic: test funds only. */
const RELAYER_KEY = "0xdf57089febbacf7ba0bc227dafbffa9fc08a93fdc68e1e42411a14efcf23656e";

/** A sealed relayer (RELAYER_CONTRACT_KIND=sealed) on Hardhat's in-process network, served over JSON-RPC on a port the OS picks. */
async function startSealedRelayer(contract: string, dir: string) {
  const rpc = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
  const { port } = await rpc.listen();
  const relayer = await startRelayer(
    relayerConfigFromEnv({ RELAYER_PRIVATE_KEY: RELAYER_KEY, RELAYER_RPC_URL: `http://127.0.0.1:${port}`, RELAYER_CONTRACT_KIND: "sealed", ZKBALLOT_ADDRESS: contract, RELAYER_PORT: "0", RELAYER_DB: path.join(dir, "relayer.sqlite"), RELAYER_INTERVAL_MS: "200", RELAYER_FINALITY: "1" }),
  );
  return {
    url: relayer.url,
    async stop() {
      await relayer.stop();
      await rpc.close();
    },
  };
}

async function run(scope: string | undefined, task: string, args: Record<string, unknown>): Promise<string> {
  const printed: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (...parts: unknown[]) => printed.push(parts.join(" "));
  console.error = () => undefined;
  try {
    await hre.run(scope ? { scope, task } : task, args);
  } finally {
    [console.log, console.error] = [log, error];
  }
  return printed.join("\n");
}

describe("sealed commands (in-process)", function () {
  this.timeout(900_000);
  after(() => releaseSnarkjs());

  it("run a whole 2-of-2 sealed election; every step re-run says it is done", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-sealed-cli-"));
    const signers = await ethers.getSigners();
    const deployed = await run(undefined, "sealed", { action: "deploy" });
    const contract = /SealedZkBallot (0x[0-9a-fA-F]{40})/.exec(deployed)![1];
    const trustees = `${signers[2].address},${signers[3].address}`;
    const created = await run(undefined, "sealed", { action: "create", contract, title: "CLI", options: "3", trustees, threshold: "2" });
    const electionId = /sealed election (\d+) created/.exec(created)![1];
    const keys = [2, 3].map((account, i) => {
      const file = path.join(dir, `t${i + 1}.key`);
      return { file, account: String(account) };
    });
    for (const { file, account } of keys) expect(await run("trustee", "keygen", { contract, election: electionId, out: file, account })).to.match(/key file .* \(mode 0600/);
    expect(fs.statSync(keys[0].file).mode & 0o777).to.equal(0o600);
    for (const step of ["post-key", "deal", "check"]) {
      for (const { file, account } of keys) await run("trustee", step, { key: file, account });
    }
    expect(await run("trustee", "post-key", { key: keys[0].file, account: keys[0].account })).to.match(/already done, nothing sent/);
    expect(await run("trustee", "deal", { key: keys[1].file, account: keys[1].account })).to.match(/already done, nothing sent/);
    expect(await run("trustee", "check", { key: keys[0].file, account: keys[0].account })).to.match(/qualified dealers 1, 2 all match/);
    expect(await run(undefined, "sealed", { action: "fix-key", contract, election: electionId })).to.match(/key fixed from dealers 1, 2/);
    expect(await run(undefined, "sealed", { action: "fix-key", contract, election: electionId })).to.match(/key already fixed, nothing sent/);

    const voters = await Promise.all([1, 2].map((i) => identityFromSecret(BigInt(9100 + i))));
    const rollFile = path.join(dir, "roll.csv");
    writeVoterRollFile(rollFile, voters.map((v) => v.voterCommitment));
    const identityFile = path.join(dir, "alice.identity.json");
    saveIdentity(voters[0], identityFile);
    const bobFile = path.join(dir, "bob.identity.json");
    saveIdentity(voters[1], bobFile);
    expect(await run(undefined, "sealed", { action: "publish-roll", contract, election: electionId, file: rollFile })).to.match(/roll published in 1 batch/);
    expect(await run(undefined, "sealed", { action: "publish-roll", contract, election: electionId, file: rollFile })).to.match(/already on chain, nothing sent/);
    expect(await run(undefined, "sealed", { action: "open", contract, election: electionId })).to.match(/voting open/);
    expect(await run(undefined, "sealed", { action: "open", contract, election: electionId })).to.match(/already opened, nothing sent/);

    const challengeFile = path.join(dir, "challenge.json");
    expect(await run("sealed-vote", "challenge", { contract, election: electionId, option: "1", out: challengeFile })).to.match(/discarded, never cast/);
    expect(await run("sealed-vote", "check", { challenge: challengeFile })).to.match(/encrypts exactly option\(s\) 1/);
    // The same challenge through `vote --challenge`; nothing is cast, the file is checked independently.
    const voteChallengeFile = path.join(dir, "vote-challenge.json");
    const voteChallenge = await run(undefined, "vote", { election: electionId, identity: identityFile, option: "2", contract, challenge: voteChallengeFile });
    expect(voteChallenge).to.match(/challenged ballot for option\(s\) 2 written to .*discarded, never cast/s).and.to.match(/vote again without --challenge/);
    expect(await run("sealed-vote", "check", { challenge: voteChallengeFile })).to.match(/encrypts exactly option\(s\) 2/);
    expect(await run(undefined, "my-ballot", { election: electionId, identity: identityFile, contract, json: false })).to.match(/no ballot from this identity in sealed election/);
    expect(await run(undefined, "vote", { election: electionId, identity: identityFile, option: "1", contract, account: "1" })).to.match(/sealed ballot cast in election \d+/);
    const cast = await run(undefined, "my-ballot", { election: electionId, identity: identityFile, contract, json: false });
    expect(cast).to.match(/proof re-verified off-chain: valid/).and.to.match(/in the encrypted totals: yes \(the sum of all 1 ballots/).and.to.match(/tally: not final yet/);
    // Bob votes through a sealed relayer: no account of his; the receipt names his ciphertexts' digest.
    const relayer = await startSealedRelayer(contract, dir);
    try {
      const relayed = await run(undefined, "vote", { election: electionId, identity: bobFile, option: "2", contract, relayer: relayer.url });
      expect(relayed).to.match(/relayer accepted the sealed ballot: receipt [0-9a-f-]{36} \(ciphertext digest 0x[0-9a-f]{64}, checked\)/);
      expect(relayed).to.match(/sealed ballot cast in election \d+: nullifier \d+, proof \d+ ms, block \d+, tx 0x[0-9a-f]{64}, via relayer \((final|included)/);
    } finally {
      await relayer.stop();
    }
    const bob = await run(undefined, "my-ballot", { election: electionId, identity: bobFile, contract, json: false });
    expect(bob).to.match(/proof re-verified off-chain: valid/).and.to.match(/in the encrypted totals: yes \(the sum of all 2 ballots/);
    expect(await run(undefined, "sealed", { action: "close", contract, election: electionId })).to.match(/closed; the encrypted totals are final/);
    expect(await run(undefined, "sealed", { action: "close", contract, election: electionId })).to.match(/already closed/);
    for (const { file, account } of keys) expect(await run("trustee", "decrypt", { key: file, account })).to.match(/partial decryption: posted/);
    expect(await run("trustee", "decrypt", { key: keys[0].file, account: keys[0].account })).to.match(/already done, nothing sent/);
    expect(await run("sealed-tally", "finalize", { contract, election: electionId, account: "0" })).to.match(/tally: 0, 1, 1 \(checked and recorded on chain/);
    const counted = await run(undefined, "my-ballot", { election: electionId, identity: identityFile, contract, json: true });
    const report = JSON.parse(counted) as { voted: boolean; proofVerifiedOffChain: boolean; includedInTotals: boolean; tally: { counts: string[]; totalsDecryptToCounts: boolean } };
    expect(report).to.deep.include({ voted: true, proofVerifiedOffChain: true, includedInTotals: true });
    expect(report.tally).to.deep.include({ counts: ["0", "1", "1"], totalsDecryptToCounts: true });
  });
});

