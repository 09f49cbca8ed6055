/**
 * The voter's side of a sealed election (lib/sealed/flow/voter.ts, `sealed-vote` tasks): the
 * device prepares a ballot, the voter challenges it (Benaloh), an independent check re-encrypts
 * the claimed choice under the key it reads from the chain, the challenged ballot is discarded,
 * and a fresh ballot is proven and cast.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { expect } from "chai";
import hre, { ethers } from "hardhat";

import type { SealedZkBallot } from "../typechain-types";
import { identityFromSecret, type VoterIdentity } from "../lib/core/identity";
import { VoterRoll } from "../lib/core/voterRoll";
import { releaseSnarkjs } from "../lib/proving/prover";
import { multiplyGenerator, pointsEqual } from "../lib/sealed/babyjub";
import { castSealedVote, createSealedElection, deploySealedZkBallot, openSealedVoting, publishSealedRoll, runLocalKeyCeremony } from "../lib/sealed/flow/election";
import {
  checkSealedChallenge,
  parseSealedChallenge,
  prepareChallengedBallot,
  readSealedVotingContext,
  serializeSealedChallenge,
  type SealedVotingContext,
} from "../lib/sealed/flow/voter";

describe("sealed voter: Benaloh challenge, independent check, fresh cast", function () {
  this.timeout(600_000);
  let contract: SealedZkBallot;
  let electionId: bigint;
  let voters: VoterIdentity[];
  let context: SealedVotingContext;

  before(async function () {
    const [admin, trustee1, trustee2] = await ethers.getSigners();
    contract = await deploySealedZkBallot(admin);
    ({ electionId } = await createSealedElection(contract, { title: "Challenge", numOptions: 3, minSelections: 1, maxSelections: 1, registrar: admin.address, trustees: [trustee1.address, trustee2.address], threshold: 2 }));
    await runLocalKeyCeremony(contract, electionId, [trustee1, trustee2], admin);
    voters = await Promise.all([1, 2, 3].map((i) => identityFromSecret(BigInt(7000 + i))));
    await publishSealedRoll(contract, electionId, voters.map((v) => v.voterCommitment), 2);
    await openSealedVoting(contract, electionId, (await VoterRoll.build(voters.map((v) => v.voterCommitment))).root);
    context = await readSealedVotingContext(contract, electionId);
  });

  after(() => releaseSnarkjs());

  it("reads the key, rule and roll from the chain", async function () {
    const [, , , key] = await contract.getElection(electionId);
    expect(context.electionKey).to.deep.equal({ x: key[0], y: key[1] });
    expect(context.rule).to.deep.equal({ options: 3, minSelections: 1, maxSelections: 1 });
    expect(context.voterRoll.size).to.equal(3);
  });

  it("a challenged ballot re-encrypts exactly; another claimed choice, a cheating device or another key is caught", async function () {
    const challenge = parseSealedChallenge(serializeSealedChallenge(prepareChallengedBallot(context, [2])));
    expect(await checkSealedChallenge(contract, challenge)).to.deep.equal({ matches: true, mismatchedOptions: [], keyMatchesChain: true });
    // The voter meant option 1, the device encrypted option 2.
    expect(await checkSealedChallenge(contract, { ...challenge, selected: [1] })).to.deep.include({ matches: false, mismatchedOptions: [1, 2] });
    // A device that encrypts under a key of its own (it could decrypt every ballot).
    const rogue = prepareChallengedBallot({ ...context, electionKey: multiplyGenerator(12345n) }, [2]);
    expect(await checkSealedChallenge(contract, rogue)).to.deep.include({ matches: false, keyMatchesChain: false });
    // Randomness not the one used.
    expect(await checkSealedChallenge(contract, { ...challenge, randomness: [...challenge.randomness].reverse() })).to.deep.include({ matches: false });
    await expect(checkSealedChallenge(contract, { ...challenge, chainId: 1n })).to.be.rejectedWith(/the challenge is for contract/);
    expect(() => parseSealedChallenge("{}")).to.throw(/not a zkballot-sealed-challenge version 1 file/);
  });

  it("`sealed-vote check` prints the verdict for an honest challenge file", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-challenge-"));
    const file = path.join(dir, "challenge.json");
    fs.writeFileSync(file, serializeSealedChallenge(prepareChallengedBallot(context, [0])));
    const printed: string[] = [];
    const log = console.log;
    console.log = (...parts: unknown[]) => printed.push(parts.join(" "));
    try {
      await hre.run({ scope: "sealed-vote", task: "check" }, { challenge: file });
    } finally {
      console.log = log;
    }
    expect(printed.join("\n")).to.match(/encrypts exactly option\(s\) 0 under election \d+'s key/);
  });

  it("the ballot cast after a challenge is a fresh encryption, counted once", async function () {
    const challenged = prepareChallengedBallot(context, [1]);
    const { ballot, receipt } = await castSealedVote(contract, context, voters[0], [1]);
    expect(receipt.status).to.equal(1);
    expect(ballot.ciphertexts.some((c, j) => pointsEqual(c.c1, challenged.ciphertexts[j].c1))).to.equal(false);
    const [, , ballotsCast] = await contract.getElection(electionId);
    expect(ballotsCast).to.equal(1n);
    expect(await contract.nullifierSpentInBlock(electionId, ballot.nullifier)).to.equal(BigInt(receipt.blockNumber));
    await expect(castSealedVote(contract, context, voters[0], [0])).to.be.rejectedWith(/NullifierAlreadySpent/);
  });
});
