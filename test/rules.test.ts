/** lib/core/rules.ts: the checks castVote makes before its verifier, in the contract's order. */
import { expect } from "chai";

import { BN254_BASE_FIELD, SNARK_SCALAR_FIELD } from "../lib/core/constants";
import { checkVote, describeVoteRejection, Phase, type VoteRuleInput } from "../lib/core/rules";

const voting = { phase: Phase.Voting, numOptions: 4, minSelections: 1, maxSelections: 1, votingStartsAt: 10n, votingEndsAt: 20n };
const good: VoteRuleInput = { electionId: 7n, election: voting, now: 15n, ballot: 4n, nullifier: 99n, proof: new Array(8).fill(1n), spentInBlock: 0n };
const refusal = (input: Partial<VoteRuleInput>) => {
  const verdict = checkVote({ ...good, ...input });
  return verdict.accepted ? "accepted" : verdict.rejection.error;
};

describe("vote rules (lib/core/rules.ts)", () => {
  it("accepts a valid vote and names the option counted", () => {
    expect(checkVote(good)).to.deep.equal({ accepted: true, selections: [2] });
  });

  it("approval: a ballot is valid iff no bit is at or above numOptions and its chosen count is within [min, max]", () => {
    const approval = { ...voting, minSelections: 1, maxSelections: 3 };
    expect(checkVote({ ...good, election: approval, ballot: 0b1011n })).to.deep.equal({ accepted: true, selections: [0, 1, 3] });
    expect(checkVote({ ...good, election: approval, ballot: 0b0100n })).to.deep.equal({ accepted: true, selections: [2] });
    expect(checkVote({ ...good, election: approval, ballot: 0b1111n })).to.deep.equal({
      accepted: false,
      rejection: { error: "InvalidBallot", electionId: 7n, ballot: 15n, numOptions: 4, minSelections: 1, maxSelections: 3 },
    });
    expect(refusal({ election: approval, ballot: 0n }), "too few: blank where min is 1").to.equal("InvalidBallot");
    expect(refusal({ election: approval, ballot: 0b10001n }), "a bit beyond numOptions").to.equal("InvalidBallot");
    expect(refusal({ election: { ...approval, minSelections: 2 }, ballot: 0b0100n }), "too few: one where min is 2").to.equal("InvalidBallot");
    expect(refusal({ election: { ...approval, minSelections: 2 }, ballot: 0b0110n })).to.equal("accepted");
    // min 0: the blank ballot is valid and counts for no option
    expect(checkVote({ ...good, election: { ...approval, minSelections: 0 }, ballot: 0n })).to.deep.equal({ accepted: true, selections: [] });
    expect(describeVoteRejection({ error: "InvalidBallot", electionId: 7n, ballot: 15n, numOptions: 4, minSelections: 1, maxSelections: 3 })).to.equal(
      "ballot 15 is not valid where voters choose 1 to 3 of 4 options",
    );
  });

  it("refuses each broken rule with the contract's error name", () => {
    expect(refusal({ election: undefined })).to.equal("ElectionNotFound");
    expect(refusal({ election: { ...voting, phase: Phase.None } })).to.equal("ElectionNotFound");
    expect(refusal({ election: { ...voting, phase: Phase.Registration } })).to.equal("WrongPhase");
    expect(refusal({ election: { ...voting, phase: Phase.Closed } })).to.equal("WrongPhase");
    expect(refusal({ now: 9n })).to.equal("VotingNotStarted");
    expect(refusal({ now: 20n })).to.equal("VotingEnded");
    expect(refusal({ election: { ...voting, votingEndsAt: 0n }, now: 10n ** 12n })).to.equal("accepted");
    for (const ballot of [0n, 3n, 16n, -1n]) expect(refusal({ ballot }), `ballot ${ballot}`).to.equal("InvalidBallot");
    expect(refusal({ nullifier: SNARK_SCALAR_FIELD })).to.equal("NullifierOutOfField");
    expect(refusal({ nullifier: SNARK_SCALAR_FIELD - 1n })).to.equal("accepted");
    const aliased = [...good.proof!];
    aliased[1] = BN254_BASE_FIELD; // the first non-canonical value of A.y
    expect(checkVote({ ...good, proof: aliased })).to.deep.equal({ accepted: false, rejection: { error: "ProofCoordinateOutOfField", index: 1, value: BN254_BASE_FIELD } });
    expect(refusal({ spentInBlock: 12n })).to.equal("NullifierAlreadySpent");
  });

  it("checks in ZkBallot._checkVote's order: phase before window before ballot before nullifier before encoding before spent", () => {
    const allBroken: Partial<VoteRuleInput> = { now: 30n, ballot: 3n, nullifier: SNARK_SCALAR_FIELD, proof: new Array(8).fill(BN254_BASE_FIELD), spentInBlock: 1n };
    expect(refusal({ ...allBroken, election: { ...voting, phase: Phase.Closed } })).to.equal("WrongPhase");
    expect(refusal(allBroken)).to.equal("VotingEnded");
    expect(refusal({ ...allBroken, now: 15n })).to.equal("InvalidBallot");
    expect(refusal({ ...allBroken, now: 15n, ballot: 1n })).to.equal("NullifierOutOfField");
    expect(refusal({ ...allBroken, now: 15n, ballot: 1n, nullifier: 1n })).to.equal("ProofCoordinateOutOfField");
    expect(refusal({ ...allBroken, now: 15n, ballot: 1n, nullifier: 1n, proof: good.proof })).to.equal("NullifierAlreadySpent");
  });
});
