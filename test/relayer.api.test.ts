/**
 * The relayer's HTTP API in-process (Fastify inject) on Hardhat's in-process network: every kind
 * of bad input gets its specific 4xx and nothing is queued; a valid ballot gets a receipt at once.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";

import { BN254_BASE_FIELD, loadVerificationKey, releaseSnarkjs } from "../lib/prover";
import { SNARK_SCALAR_FIELD } from "../lib/constants";
import { createElection, deployZkBallot, fetchVoterRoll, openVoting, prepareBallot, publishVoterRoll, castPreparedBallot } from "../lib/election";
import { createIdentity } from "../lib/identity";
import { RelayQueue } from "../lib/relayer/queue";
import { RateLimiter, buildRelayerServer } from "../lib/relayer/server";
import { VoterRoll } from "../lib/voterRoll";

describe("relayer API", function () {
  this.timeout(300_000);
  after(() => releaseSnarkjs());

  async function relayerFixture() {
    const [operator, registrar, voterAccount] = await ethers.getSigners();
    const zkBallot = await deployZkBallot(operator);
    const { electionId } = await createElection(zkBallot, { title: "Relayed", numOptions: 3, registrar: registrar.address });
    const { electionId: notOpen } = await createElection(zkBallot, { title: "Not open", numOptions: 3, registrar: registrar.address });
    const voters = [await createIdentity(), await createIdentity(), await createIdentity(), await createIdentity()];
    await publishVoterRoll(zkBallot.connect(registrar), electionId, voters.map((v) => v.voterCommitment));
    await openVoting(zkBallot.connect(registrar), electionId);
    const voterRoll = await VoterRoll.build(await fetchVoterRoll(zkBallot, electionId));
    const prepared = [];
    for (let i = 0; i < 3; i++) prepared.push(await prepareBallot({ zkBallot, electionId, identity: voters[i], option: i, voterRoll }));
    return { zkBallot, electionId, notOpen, prepared, voterAccount };
  }

  async function serverFor(fixture: Awaited<ReturnType<typeof relayerFixture>>, rateLimitPerMinute = 1_000) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-relayer-api-"));
    const queue = new RelayQueue(path.join(dir, "queue.sqlite"));
    const { chainId } = await ethers.provider.getNetwork();
    const app = buildRelayerServer({
      queue,
      chain: { zkBallot: fixture.zkBallot, chainId, contractAddress: await fixture.zkBallot.getAddress(), verificationKey: loadVerificationKey() },
      relayerAddress: fixture.voterAccount.address,
      rateLimitPerMinute,
    });
    return { app, queue, close: async () => { await app.close(); queue.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
  }

  const body = (p: { electionId: bigint; ballot: bigint; nullifier: bigint; proof: readonly bigint[] }) => ({
    electionId: p.electionId.toString(),
    ballot: p.ballot.toString(),
    nullifier: p.nullifier.toString(),
    proof: p.proof.map(String),
  });

  it("accepts a valid ballot with a receipt at once, durably, and answers a resend with the same receipt", async () => {
    const fixture = await loadFixture(relayerFixture);
    const { app, queue, close } = await serverFor(fixture);
    try {
      const first = await app.inject({ method: "POST", url: "/v1/ballots", payload: body(fixture.prepared[0]) });
      expect(first.statusCode).to.equal(202);
      const receipt = first.json<{ receiptId: string; status: string }>();
      expect(receipt.status).to.equal("queued");
      expect(queue.get(receipt.receiptId)?.nullifier).to.equal(fixture.prepared[0].nullifier); // written before the answer
      const again = await app.inject({ method: "POST", url: "/v1/ballots", payload: body(fixture.prepared[0]) });
      expect(again.statusCode).to.equal(200);
      expect(again.json<{ receiptId: string }>().receiptId).to.equal(receipt.receiptId);
      const status = await app.inject({ method: "GET", url: `/v1/ballots/${receipt.receiptId}` });
      expect(status.json<{ status: string }>().status).to.equal("queued");
      expect((await app.inject({ method: "GET", url: "/v1/ballots/nope" })).statusCode).to.equal(404);
      const health = (await app.inject({ method: "GET", url: "/health" })).json<{ status: string; ballots: { queued: number } }>();
      expect(health.status).to.equal("ok");
      expect(health.ballots.queued).to.equal(1);
    } finally {
      await close();
    }
  });

  it("answers each kind of bad input with its specific 4xx and queues nothing", async () => {
    const fixture = await loadFixture(relayerFixture);
    const { app, queue, close } = await serverFor(fixture);
    const [a, b, c] = fixture.prepared;
    await castPreparedBallot(fixture.zkBallot, c); // c's nullifier is now spent on-chain
    const tamperedProof = [...a.proof];
    tamperedProof[0] += 1n;
    const cases: [string, unknown, number, string][] = [
      ["malformed JSON", "{not json", 400, "INVALID_REQUEST"],
      ["not an object", [1, 2], 400, "INVALID_REQUEST"],
      ["missing field", { ...body(a), nullifier: undefined }, 400, "INVALID_REQUEST"],
      ["unknown field", { ...body(a), voter: "me" }, 400, "INVALID_REQUEST"],
      ["election id not a number", { ...body(a), electionId: "one" }, 400, "INVALID_REQUEST"],
      ["nullifier as a number", { ...body(a), nullifier: 5 }, 400, "INVALID_FIELD_ELEMENT"],
      ["nullifier aliased (+ r)", { ...body(a), nullifier: (a.nullifier + SNARK_SCALAR_FIELD).toString() }, 400, "INVALID_FIELD_ELEMENT"],
      ["ballot outside the field", { ...body(a), ballot: SNARK_SCALAR_FIELD.toString() }, 400, "INVALID_FIELD_ELEMENT"],
      ["proof of 7 coordinates", { ...body(a), proof: body(a).proof.slice(0, 7) }, 400, "INVALID_PROOF"],
      ["proof coordinate outside the base field", { ...body(a), proof: [BN254_BASE_FIELD.toString(), ...body(a).proof.slice(1)] }, 400, "NON_CANONICAL_PROOF"],
      // The alias the on-chain verifier would accept (it reduces A.y after a 256-bit subtraction).
      ["A.y re-encoded as y + 2^256 - q", { ...body(a), proof: body(a).proof.map((v, i) => (i === 1 ? (BigInt(v) + (1n << 256n) - BN254_BASE_FIELD).toString() : v)) }, 400, "NON_CANONICAL_PROOF"],
      ["unknown election", { ...body(a), electionId: "99" }, 404, "ELECTION_NOT_FOUND"],
      ["election not in voting", { ...body(a), electionId: fixture.notOpen.toString() }, 409, "ELECTION_NOT_VOTING"],
      ["ballot out of range", { ...body(a), ballot: "8" }, 422, "INVALID_BALLOT"],
      ["ballot with two choices", { ...body(a), ballot: "3" }, 422, "INVALID_BALLOT"],
      ["nullifier already spent on-chain", body(c), 409, "NULLIFIER_SPENT"],
      ["proof tampered", { ...body(a), proof: tamperedProof.map(String) }, 422, "INVALID_PROOF"],
      ["valid proof, other ballot", { ...body(a), ballot: b.ballot.toString() }, 422, "INVALID_PROOF"],
      ["valid proof, other nullifier", { ...body(a), nullifier: b.nullifier.toString() }, 422, "INVALID_PROOF"],
    ];
    try {
      for (const [name, payload, statusCode, code] of cases) {
        const response = await app.inject({ method: "POST", url: "/v1/ballots", headers: { "content-type": "application/json" }, payload: typeof payload === "string" ? payload : JSON.stringify(payload) });
        expect(response.statusCode, name).to.equal(statusCode);
        expect(response.json<{ error: string }>().error, name).to.equal(code);
        expect(queue.counts(), name).to.deep.equal({ queued: 0, submitted: 0, included: 0, rejected: 0 });
      }
      const oversized = await app.inject({ method: "POST", url: "/v1/ballots", headers: { "content-type": "application/json" }, payload: JSON.stringify({ ...body(a), pad: "x".repeat(20_000) }) });
      expect(oversized.statusCode).to.equal(413);
      // another ballot under a nullifier that is already queued
      expect((await app.inject({ method: "POST", url: "/v1/ballots", payload: body(a) })).statusCode).to.equal(202);
      const conflicting = await app.inject({ method: "POST", url: "/v1/ballots", payload: { ...body(a), ballot: "4" } });
      expect(conflicting.statusCode).to.equal(409);
      expect(conflicting.json<{ error: string }>().error).to.equal("ALREADY_QUEUED");
      expect(queue.counts().queued).to.equal(1);
    } finally {
      await close();
    }
  });

  it("rate-limits each client so one cannot flood the queue", async () => {
    const fixture = await loadFixture(relayerFixture);
    const { app, close } = await serverFor(fixture, 3);
    try {
      const codes = [];
      for (let i = 0; i < 5; i++) codes.push((await app.inject({ method: "POST", url: "/v1/ballots", payload: { nope: 1 }, remoteAddress: "10.0.0.1" })).statusCode);
      expect(codes).to.deep.equal([400, 400, 400, 429, 429]);
      // another client is not affected
      expect((await app.inject({ method: "POST", url: "/v1/ballots", payload: { nope: 1 }, remoteAddress: "10.0.0.2" })).statusCode).to.equal(400);
    } finally {
      await close();
    }
    const limiter = new RateLimiter(60);
    for (let i = 0; i < 60; i++) expect(limiter.take("k", 0)).to.equal(true);
    expect(limiter.take("k", 0)).to.equal(false);
    expect(limiter.take("k", 1_000)).to.equal(true); // one token a second refills
  });
});
