import { expect } from "chai";
import { ethers } from "hardhat";

import { runDemo } from "../scripts/lib/demo";
import {
  createElection,
  deployZkBallot,
  fetchVoterRoll,
  openVoting,
  prepareBallot,
  publishVoterRoll,
} from "../lib/chain/election";
import { ZkBallotError } from "../lib/core/errors";
import { createIdentity } from "../lib/core/identity";
import { releaseSnarkjs } from "../lib/proving/prover";
import { VoterRoll } from "../lib/core/voterRoll";

describe("end to end", () => {
  after(() => releaseSnarkjs());

  it("runs a whole election: roll, real proofs, refused double vote, close, recount", async () => {
    const [operator, registrar, submitter] = await ethers.getSigners();
    const lines: string[] = [];
    const result = await runDemo({ operator, registrar, submitter, voters: 12, ballots: 5, log: (line) => lines.push(line) });

    const expected = result.options.map((_, option) => BigInt(result.castOptions.filter((cast) => cast === option).length));
    expect(result.tally).to.deep.equal(expected);
    expect(result.tally.reduce((a, b) => a + b, 0n)).to.equal(5n);
    expect(result.verifiedOffChain).to.equal(5);
    expect(result.gasPerVote).to.have.length(5);
    expect(result.doubleVoteRefusals).to.have.length(2);
    expect(result.doubleVoteRefusals[0]).to.match(/already voted in election \d+, in block \d+/);
    expect(result.doubleVoteRefusals[1]).to.match(/NullifierAlreadySpent/);
    expect(lines.join("\n")).to.match(/recount matches the on-chain tally/);

    const zkBallot = await ethers.getContractAt("ZkBallot", result.contractAddress);
    const election = await zkBallot.getElection(result.electionId);
    expect(election.phase).to.equal(3n); // Closed
    expect(election.voterCount).to.equal(12n);
  });

  it("refuses early and clearly: before voting opens, and for an identity not on the roll", async () => {
    const [operator, registrar] = await ethers.getSigners();
    const zkBallot = await deployZkBallot(operator);
    const { electionId } = await createElection(zkBallot, { title: "t", numOptions: 2, registrar: registrar.address });
    const voters = [await createIdentity(), await createIdentity()];
    const asRegistrar = zkBallot.connect(registrar);
    await publishVoterRoll(asRegistrar, electionId, voters.map((voter) => voter.voterCommitment));
    const rollBeforeOpen = await VoterRoll.build(await fetchVoterRoll(zkBallot, electionId));

    const early = await prepareBallot({ zkBallot, electionId, identity: voters[0], option: 0, voterRoll: rollBeforeOpen }).catch((error: unknown) => error);
    expect(early).to.be.instanceOf(ZkBallotError);
    expect((early as ZkBallotError).code).to.equal("ELECTION_STATE");
    expect((early as Error).message).to.match(/phase Registration, not Voting/);

    await openVoting(asRegistrar, electionId);
    const outsider = await createIdentity();
    const notOnRoll = await prepareBallot({ zkBallot, electionId, identity: outsider, option: 0, voterRoll: rollBeforeOpen }).catch((error: unknown) => error);
    expect((notOnRoll as ZkBallotError).code).to.equal("NOT_ON_ROLL");

    const badOption = await prepareBallot({ zkBallot, electionId, identity: voters[1], option: 2, voterRoll: rollBeforeOpen }).catch((error: unknown) => error);
    expect((badOption as ZkBallotError).code).to.equal("INVALID_BALLOT");

    const staleRoll = await VoterRoll.build([voters[0].voterCommitment]);
    const stale = await prepareBallot({ zkBallot, electionId, identity: voters[0], option: 0, voterRoll: staleRoll }).catch((error: unknown) => error);
    expect((stale as ZkBallotError).code).to.equal("INVALID_ROLL");
    expect(await zkBallot.tallies(electionId)).to.deep.equal([0n, 0n]);
  });

  it("resumes a roll publication from what the chain holds and refuses a different roll", async () => {
    const [operator, registrar] = await ethers.getSigners();
    const zkBallot = (await deployZkBallot(operator)).connect(registrar);
    const { electionId } = await createElection(zkBallot.connect(operator), { title: "t", numOptions: 2, registrar: registrar.address });
    const roll = [11n, 12n, 13n, 14n, 15n];
    await publishVoterRoll(zkBallot, electionId, roll.slice(0, 2));
    const receipts = await publishVoterRoll(zkBallot, electionId, roll, { batchSize: 2 });
    expect(receipts).to.have.length(2); // 3 remaining commitments, batches of 2
    expect(await fetchVoterRoll(zkBallot, electionId)).to.deep.equal(roll);
    expect(await publishVoterRoll(zkBallot, electionId, roll)).to.have.length(0);

    const other = publishVoterRoll(zkBallot, electionId, [11n, 99n, 13n, 14n, 15n, 16n]).catch((error: unknown) => error);
    expect(((await other) as ZkBallotError).code).to.equal("INVALID_ROLL");
    expect((await zkBallot.getElection(electionId)).voterCount).to.equal(5n);
  });
});
