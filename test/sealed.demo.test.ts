/**
 * Runs the sealed demo (`npm run demo -- --sealed`, scripts/lib/sealedDemo.ts) on Hardhat's
 * in-process network with fewer ballots, so the demo cannot rot: the same steps, a real key
 * ceremony, real proofs, the refused tampered share, the absent trustee and the checked tally.
 */
import { expect } from "chai";
import { AbiCoder, type Provider, type TransactionRequest } from "ethers";
import { ethers } from "hardhat";

import { auditElection, formatAuditSummary, renderAuditHtml, renderAuditJson, type AuditReport } from "../lib/audit";
import { sealedInterface } from "../lib/audit/sealedEvents";
import { loadVerificationKey, releaseSnarkjs } from "../lib/proving/prover";
import { deployGroth16BatchVerifier } from "../lib/proving/batchVerifierContract";
import { checkMySealedBallot } from "../lib/sealed/flow/myBallot";
import { sealedVerificationKey } from "../lib/sealed/flow/prover";
import { SealedZkBallot__factory } from "../typechain-types";
import { SEALED_DEMO_OPTIONS, runSealedDemo, type SealedDemoResult } from "../scripts/lib/sealedDemo";

const SEALED_CHECKS = ["sealed-record", "voter-roll", "sealed-verifiers", "key-ceremony", "sealed-ballots", "encrypted-totals", "partial-decryptions", "sealed-tally", "unexplained"];

/** The hardhat provider, with the logs of one event rewritten by `edit` (the chain itself is untouched). */
function tamperingProvider(eventName: string, edit: (values: unknown[]) => void): Provider {
  const provider = ethers.provider;
  return new Proxy(provider, {
    get(target, property, receiver) {
      if (property === "getLogs") {
        return async (filter: Parameters<Provider["getLogs"]>[0]) =>
          (await target.getLogs(filter)).map((log) => {
            const parsed = sealedInterface.parseLog(log);
            if (parsed?.name !== eventName) return log;
            const values = parsed.args.toArray(true) as unknown[];
            edit(values);
            const encoded = sealedInterface.encodeEventLog(parsed.fragment, values);
            return { ...log, index: log.index, data: encoded.data, topics: encoded.topics };
          });
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  }) as unknown as Provider;
}

const checkOf = (report: AuditReport, id: string) => report.checks.find((c) => c.id === id)!;

describe("sealed demo (npm run demo -- --sealed)", function () {
  this.timeout(900_000);
  after(() => releaseSnarkjs());
  let demo: SealedDemoResult | undefined;

  it("runs a 3-of-5 sealed election: ceremony, ballots, Benaloh challenge, refused bad share, absent trustee, checked tally", async function () {
    const [admin, submitter, ...rest] = await ethers.getSigners();
    const lines: string[] = [];
    const result = (demo = await runSealedDemo({ admin, submitter, trustees: rest.slice(0, 5), ballots: 4, batchSize: 2, absentTrustee: 1, cheatingTrustee: 3, log: (line) => lines.push(line) }));

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

  // The auditor on the demo's election (no election of its own): every sealed check, then a
  // tampered record seen through an RPC that rewrites logs, each a FAIL naming the check.
  const audit = (provider: Provider = ethers.provider) => auditElection({ provider, contractAddress: demo!.contractAddress, electionId: demo!.electionId, fromBlock: 0 });

  it("audits the demo's sealed election end to end: ceremony, every proof, totals, decryptions, counts", async function () {
    if (!demo) this.skip();
    const report = await audit();
    expect(report.checks.map((c) => c.id)).to.deep.equal(SEALED_CHECKS);
    expect(report.checks.filter((c) => c.status === "fail").map((c) => [c.id, c.findings])).to.deep.equal([]);
    expect(report.result.ok).to.equal(true);
    expect(checkOf(report, "sealed-verifiers").warnings.join()).to.match(/INSECURE trusted setup/);
    const ceremony = checkOf(report, "key-ceremony").evidence;
    expect(ceremony.qualifiedDealers).to.deep.equal([1, 2, 3, 4, 5]);
    expect(ceremony.recomputedElectionKey).to.equal(ceremony.onChainElectionKey);
    expect(checkOf(report, "sealed-ballots").evidence.verified).to.equal(4);
    expect(checkOf(report, "encrypted-totals").evidence.recomputedTotals).to.deep.equal(checkOf(report, "encrypted-totals").evidence.onChainTotals);
    expect(checkOf(report, "partial-decryptions").evidence.verified).to.deep.equal([2, 3, 4, 5]);
    expect(checkOf(report, "sealed-tally").evidence.finalizedTally).to.deep.equal(demo!.tally.map(String));
    expect(report.election.tally).to.deep.equal(demo!.tally.map(String));
    expect(report.ballots).to.have.length(4);
    expect(report.ballots.every((b) => b.sealed === true && b.verified)).to.equal(true);
    expect(formatAuditSummary(report)).to.match(/\[PASS\] sealed-tally/).and.match(/RESULT: PASS/);
    expect(JSON.parse(renderAuditJson(report)).checks).to.have.length(SEALED_CHECKS.length);
    const html = renderAuditHtml(report, SEALED_DEMO_OPTIONS);
    expect(html).to.include("recomputed from the qualified commitments").and.include("(sealed)").and.include(">PASS<");
  });

  it("fails the audit, naming the check, for an altered ballot ciphertext, altered totals or a wrong count", async function () {
    if (!demo) this.skip();
    // A relayer-style alteration: ballot 1's c1 points of options 0 and 1 swapped after proving.
    let altered = 0;
    const swapped = await audit(tamperingProvider("VoteCast", (values) => {
      const words = values[2] as bigint[];
      if (altered++ === 0) [words[0], words[1], words[2], words[3]] = [words[2], words[3], words[0], words[1]];
    }));
    expect(altered).to.equal(4);
    expect(checkOf(swapped, "sealed-ballots").status).to.equal("fail");
    expect(checkOf(swapped, "sealed-ballots").findings.map((f) => f.code)).to.include("INVALID_BALLOT_PROOF");
    expect(checkOf(swapped, "encrypted-totals").findings.map((f) => f.code)).to.include("TOTALS_MISMATCH");
    expect(swapped.result.ok).to.equal(false);

    const totals = await audit(tamperingProvider("ElectionClosed", (values) => {
      const words = values[2] as bigint[];
      [words[16], words[17], words[18], words[19]] = [words[18], words[19], words[16], words[17]];
    }));
    expect(checkOf(totals, "encrypted-totals").status).to.equal("fail");
    expect(checkOf(totals, "encrypted-totals").findings[0].message).to.match(/totals in ElectionClosed differ .* option\(s\) 0, 1/);

    const count = await audit(tamperingProvider("TallyFinalized", (values) => {
      (values[2] as bigint[])[0] += 1n;
    }));
    expect(checkOf(count, "sealed-tally").status).to.equal("fail");
    expect(checkOf(count, "sealed-tally").findings.map((f) => f.code)).to.deep.equal(["COUNT_MISMATCH"]);
    expect(formatAuditSummary(count)).to.match(/\[FAIL\] sealed-tally/).and.match(/COUNT_MISMATCH: the counts in TallyFinalized/);
  });

  it("fails sealed-verifiers for a BATCH_VERIFIER that is another contract, or a Groth16BatchVerifier of another key", async function () {
    if (!demo) this.skip();
    const sealed = SealedZkBallot__factory.connect(demo!.contractAddress, ethers.provider);
    const selector = sealed.interface.getFunction("BATCH_VERIFIER").selector;
    /** The hardhat provider, answering BATCH_VERIFIER() with `address`. */
    const answering = (address: string): Provider =>
      new Proxy(ethers.provider, {
        get(target, property, receiver) {
          if (property === "call") {
            return async (tx: TransactionRequest) => (String(tx.data).startsWith(selector) ? AbiCoder.defaultAbiCoder().encode(["address"], [address]) : target.call(tx));
          }
          const value = Reflect.get(target, property, receiver) as unknown;
          return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        },
      }) as unknown as Provider;
    const findings = (report: AuditReport) => checkOf(report, "sealed-verifiers").findings.map((f) => [f.code, f.message]);
    const [admin] = await ethers.getSigners();
    const otherKey = await deployGroth16BatchVerifier(admin, loadVerificationKey(), 4);
    const wrongKey = await audit(answering(await otherKey.getAddress()));
    expect(findings(wrongKey)).to.deep.equal([["VERIFIER_MISMATCH", `the batch verifier at ${await otherKey.getAddress()} takes 4 public signals, the circuit has 40`]]);
    const voteVerifier = await sealed.VOTE_VERIFIER();
    const notBatch = await audit(answering(voteVerifier));
    expect(findings(notBatch)).to.deep.equal([["VERIFIER_MISMATCH", `the code at ${voteVerifier} is not Groth16BatchVerifier as compiled from contracts/verifiers/Groth16BatchVerifier.sol`]]);
    expect(notBatch.result.ok).to.equal(false);
  });

  // my-ballot's "NO" answers: the same voter's check through an RPC that rewrites one event.
  it("my-ballot answers NO for the voter's altered ciphertext, for totals that do not add up, and for a count the shares do not give", async function () {
    if (!demo) this.skip();
    const voter = demo.voters[0];
    const myBallot = (provider: Provider = ethers.provider) => checkMySealedBallot(SealedZkBallot__factory.connect(demo!.contractAddress, provider), demo!.electionId, voter, sealedVerificationKey("sealedVote"));
    const honest = await myBallot();
    expect([honest.voted, honest.proofVerifiedOffChain, honest.includedInTotals, honest.tally?.totalsDecryptToCounts]).to.deep.equal([true, true, true, true]);

    // The voter's own VoteCast (the first one cast) with two options' c1 points swapped.
    let edited = 0;
    const altered = await myBallot(tamperingProvider("VoteCast", (values) => {
      const words = values[2] as bigint[];
      if (edited++ === 0) [words[0], words[1], words[2], words[3]] = [words[2], words[3], words[0], words[1]];
    }));
    expect(altered.voted).to.equal(true);
    expect(altered.proofVerifiedOffChain).to.equal(false);
    expect(altered.includedInTotals).to.equal(false);

    // The other voters' ballots altered: the voter's own ballot verifies, the sum is not the totals.
    const others = await myBallot(tamperingProvider("VoteCast", (values) => {
      const words = values[2] as bigint[];
      if (values[1] !== honest.nullifier) [words[16], words[17], words[18], words[19]] = [words[18], words[19], words[16], words[17]];
    }));
    expect([others.proofVerifiedOffChain, others.includedInTotals]).to.deep.equal([true, false]);

    const recount = await myBallot(tamperingProvider("TallyFinalized", (values) => {
      (values[2] as bigint[])[0] += 1n;
    }));
    expect([recount.includedInTotals, recount.tally?.totalsDecryptToCounts]).to.deep.equal([true, false]);
  });
});
