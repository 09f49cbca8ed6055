/**
 * Runs the sealed demo (`npm run demo -- --sealed`, scripts/lib/sealedDemo.ts) on Hardhat's
 * in-process network with fewer ballots, so the demo cannot rot: the same steps, a real key
 * ceremony, real proofs, the refused tampered share, the absent trustee and the checked tally.
 */
import { expect } from "chai";
import { ethers } from "hardhat";

import { releaseSnarkjs } from "../lib/proving/prover";
import { SEALED_DEMO_OPTIONS, runSealedDemo } from "../scripts/lib/sealedDemo";

describe("sealed demo (npm run demo -- --sealed)", function () {
  this.timeout(900_000);
  after(() => releaseSnarkjs());

  it("runs a 3-of-5 sealed election: ceremony, ballots, Benaloh challenge, refused bad share, absent trustee, checked tally", async function () {
    const [admin, submitter, ...rest] = await ethers.getSigners();
    const lines: string[] = [];
    const result = await runSealedDemo({ admin, submitter, trustees: rest.slice(0, 5), ballots: 4, batchSize: 2, absentTrustee: 1, cheatingTrustee: 3, log: (line) => lines.push(line) });

    expect(result.castOptions).to.have.length(4);
    expect(result.tally).to.deep.equal(result.expectedTally);
    expect(result.tally.reduce((a, b) => a + b, 0n)).to.equal(4n);
    expect(result.refusedShare).to.match(/InvalidPartialDecryption\(\d+, 3, 0x[0-9a-fA-F]{40}\)/);
    expect(result.challengeMatched).to.equal(true);
    // Trustee 1 is absent: the first three present trustees' shares are combined.
    expect(result.combinedTrustees).to.deep.equal([2, 3, 4]);
    for (const step of ["createElection", "communicationKeys", "dealings", "fixElectionKey", "castVote", "castVotes", "partialDecryptions", "finalizeTally"]) {
      expect(result.gas[step], step).to.be.greaterThan(0n);
    }
    const output = lines.join("\n");
    expect(output).to.match(/trustee 1 is absent/);
    expect(output).to.match(/equals the choices the demo's voters made/);
    expect(output).to.match(/castVotes of 2: \d+ gas/);

    const contract = await ethers.getContractAt("SealedZkBallot", result.contractAddress);
    const [phase, numOptions, ballotsCast] = await contract.getElection(result.electionId);
    expect(phase).to.equal(4n); // Tallied
    expect(numOptions).to.equal(BigInt(SEALED_DEMO_OPTIONS.length));
    expect(ballotsCast).to.equal(4n);
  });
});
