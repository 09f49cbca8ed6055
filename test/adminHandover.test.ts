/**
 * The two-step admin handover and the title/URI that live only in ElectionCreated, seen by the
 * library's readers: status reads the title from the event, and the auditor follows the
 * handover (proposal, cancellation, acceptance) with each step's acting address, failing a log
 * in which the role is accepted without a proposal.
 */
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import type { Filter, FilterByBlockHash, Log } from "ethers";
import { ethers } from "hardhat";

import { auditElection } from "../lib/audit/audit";
import { closeElection, createElection, deployZkBallot, openVoting, publishVoterRoll } from "../lib/chain/election";
import { encodeElectionMetadata } from "../lib/chain/electionSpec";
import { readElectionStatus } from "../lib/chain/results";

async function handoverFixture() {
  const [admin, registrar, newAdmin, mistyped] = await ethers.getSigners();
  const zkBallot = await deployZkBallot(admin);
  const spec = { title: "Handover 2027", description: "", options: ["Yes", "No"] };
  const { electionId } = await createElection(zkBallot, { ...spec, ...encodeElectionMetadata(spec), numOptions: 2, registrar: registrar.address });
  await zkBallot.connect(admin).transferAdmin(electionId, mistyped.address);
  await zkBallot.connect(admin).cancelAdminTransfer(electionId);
  await zkBallot.connect(admin).transferAdmin(electionId, newAdmin.address);
  await zkBallot.connect(newAdmin).acceptAdmin(electionId);
  await publishVoterRoll(zkBallot.connect(registrar), electionId, [11n, 22n]);
  await openVoting(zkBallot.connect(registrar), electionId);
  await closeElection(zkBallot.connect(newAdmin), electionId);
  return { zkBallot, electionId, admin, registrar, newAdmin, mistyped, spec };
}

describe("admin handover and creation record, through the library", () => {
  it("status takes the title and option names from ElectionCreated and checks them against the stored hash", async () => {
    const { zkBallot, electionId, newAdmin, spec } = await loadFixture(handoverFixture);
    const status = await readElectionStatus(zkBallot, electionId, { fromBlock: 0 });
    expect(status.title).to.equal(spec.title);
    expect(status.options.map((option) => option.name)).to.deep.equal(spec.options);
    expect(status.metadataVerified).to.equal(true);
    expect(status.admin).to.equal(newAdmin.address);
  });

  it("the auditor follows the handover step by step, each with its acting address", async () => {
    const { zkBallot, electionId, admin, registrar, newAdmin, mistyped } = await loadFixture(handoverFixture);
    const report = await auditElection({ provider: ethers.provider, contractAddress: await zkBallot.getAddress(), electionId, fromBlock: 0 });
    const status = (id: string) => report.checks.find((check) => check.id === id)?.status;
    expect(status("election-record"), JSON.stringify(report.checks)).to.equal("pass");
    expect(status("unexplained"), JSON.stringify(report.checks)).to.equal("pass");
    expect(report.operations.map((op) => [op.action, op.actor])).to.deep.equal([
      ["ElectionCreated", admin.address],
      ["AdminTransferStarted", admin.address],
      ["AdminTransferCancelled", admin.address],
      ["AdminTransferStarted", admin.address],
      ["AdminTransferred", newAdmin.address],
      ["VoterCommitmentsPublished", registrar.address],
      ["VotingOpened", registrar.address],
      ["ElectionClosed", newAdmin.address],
    ]);
    expect(report.operations[2].details.pendingAdmin).to.equal(mistyped.address);
    expect(report.election.title).to.equal("Handover 2027");
    expect(report.election.admin).to.equal(newAdmin.address);
  });

  it("a log in which the role is accepted without a proposal fails the audit (RPC hiding AdminTransferStarted)", async () => {
    const { zkBallot, electionId, newAdmin } = await loadFixture(handoverFixture);
    const started = zkBallot.interface.getEvent("AdminTransferStarted").topicHash;
    const target = ethers.provider;
    const hiding = new Proxy(target, {
      get(t, property) {
        if (property === "getLogs") return async (filter: Filter | FilterByBlockHash) => (await t.getLogs(filter)).filter((log: Log) => log.topics[0] !== started);
        const value = Reflect.get(t, property, t) as unknown;
        return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(t) : value;
      },
    });
    const report = await auditElection({ provider: hiding, contractAddress: await zkBallot.getAddress(), electionId, fromBlock: 0 });
    const record = report.checks.find((check) => check.id === "election-record")!;
    expect(record.status).to.equal("fail");
    expect(record.findings.map((finding) => finding.message)).to.include(`admin role accepted by ${newAdmin.address}, who was not the proposed admin (none)`);
    expect(report.result.ok).to.equal(false);
  });
});
