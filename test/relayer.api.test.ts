/**
 * The relayer's HTTP API in-process (Fastify inject) on Hardhat's in-process network: every kind
 * of bad input gets its specific 4xx and nothing is queued; a valid ballot gets a receipt at once.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { JsonRpcProvider } from "ethers";
import { ethers } from "hardhat";

import { execFileSync } from "node:child_process";
import * as http from "node:http";

import { BN254_BASE_FIELD, loadVerificationKey, publicSignalsArray, releaseSnarkjs, verifyVoteProof } from "../lib/proving/prover";
import { SNARK_SCALAR_FIELD } from "../lib/core/constants";
import { closeElection, computeElectionScope, createElection, deployZkBallot, fetchVoterRoll, openVoting, prepareBallot, publishVoterRoll, castPreparedBallot } from "../lib/chain/election";
import { createIdentity } from "../lib/core/identity";
import { retryAfterMs, submitToRelayer } from "../lib/relayer/client";
import { corsOrigins } from "../lib/relayer/config";
import { inThreadVerifier, ProofPool } from "../lib/relayer/proofPool";
import { RelayQueue, StorageError } from "../lib/relayer/queue";
import { purgeFinishedElections } from "../lib/relayer/retention";
import { buildRelayerServer } from "../lib/relayer/server";
import { VoterRoll } from "../lib/core/voterRoll";
import { ZkBallot__factory } from "../typechain-types";

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
    // voter 0 again, another option: same nullifier, a different (valid) ballot
    const otherChoiceOfVoter0 = await prepareBallot({ zkBallot, electionId, identity: voters[0], option: 2, voterRoll });
    // An approval election (choose 1 to 2 of 3) on the same roll, with one ballot choosing two options.
    const { electionId: approval } = await createElection(zkBallot, { title: "Approval", numOptions: 3, minSelections: 1, maxSelections: 2, registrar: registrar.address });
    await publishVoterRoll(zkBallot.connect(registrar), approval, voters.map((v) => v.voterCommitment));
    await openVoting(zkBallot.connect(registrar), approval);
    const approvalBallot = await prepareBallot({ zkBallot, electionId: approval, identity: voters[3], option: [0, 2], voterRoll });
    return { zkBallot, electionId, notOpen, prepared, otherChoiceOfVoter0, approval, approvalBallot, voterAccount, registrar };
  }

  async function serverFor(fixture: Awaited<ReturnType<typeof relayerFixture>>, options: { rateLimitPerMinute?: number; maxQueued?: number; workers?: number; dir?: string } = {}) {
    const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-relayer-api-"));
    const queue = new RelayQueue(path.join(dir, "queue.sqlite"));
    const { chainId } = await ethers.provider.getNetwork();
    const proofPool = new ProofPool({ verificationKey: loadVerificationKey(), workers: options.workers ?? 1, maxQueued: options.maxQueued ?? 64 });
    await proofPool.ready();
    const logged: string[] = [];
    const app = await buildRelayerServer({
      queue,
      chain: { zkBallot: fixture.zkBallot, chainId, contractAddress: await fixture.zkBallot.getAddress(), verificationKey: loadVerificationKey() },
      relayerAddress: fixture.voterAccount.address,
      proofPool,
      rateLimitPerMinute: options.rateLimitPerMinute ?? 1_000,
      log: (line) => logged.push(line),
    });
    return {
      app,
      queue,
      proofPool,
      logged,
      dir,
      close: async () => {
        await app.close();
        await proofPool.close();
        queue.close();
        if (!options.dir) fs.rmSync(dir, { recursive: true, force: true });
      },
    };
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
      const receipt = first.json<{ receiptId: string; status: string; ballot: string }>();
      expect(receipt.status).to.equal("queued");
      expect(receipt.ballot, "the receipt names the ballot it is for").to.equal(fixture.prepared[0].ballot.toString());
      expect(queue.get(receipt.receiptId)?.nullifier).to.equal(fixture.prepared[0].nullifier); // written before the answer
      const again = await app.inject({ method: "POST", url: "/v1/ballots", payload: body(fixture.prepared[0]) });
      expect(again.statusCode).to.equal(200);
      expect(again.json<{ receiptId: string }>().receiptId).to.equal(receipt.receiptId);
      const status = await app.inject({ method: "GET", url: `/v1/ballots/${receipt.receiptId}` });
      expect(status.json<{ status: string }>().status).to.equal("queued");
      expect((await app.inject({ method: "GET", url: "/v1/ballots/nope" })).statusCode).to.equal(404);
      const healthResponse = await app.inject({ method: "GET", url: "/health" });
      expect(healthResponse.statusCode).to.equal(200);
      const health = healthResponse.json<{ status: string; ballots: { queued: number }; database: { ok: boolean }; node: { ok: boolean; blockNumber: number } }>();
      expect(health.status).to.equal("ok");
      expect(health.database.ok).to.equal(true);
      expect(health.node.ok).to.equal(true);
      expect(health.node.blockNumber).to.be.a("number");
      expect(health.ballots.queued).to.equal(1);
    } finally {
      await close();
    }
  });

  it("an approval election: a ballot within its range is accepted; too many, too few or a missing option is INVALID_BALLOT, named as the contract would", async () => {
    const fixture = await loadFixture(relayerFixture);
    const { app, queue, proofPool, close } = await serverFor(fixture);
    const ballot = fixture.approvalBallot;
    try {
      for (const [value, why] of [["7", "three chosen"], ["0", "none chosen"], ["9", "option 3 does not exist"]]) {
        const response = await app.inject({ method: "POST", url: "/v1/ballots", payload: { ...body(ballot), ballot: value } });
        expect(response.statusCode, why).to.equal(422);
        expect(response.json<{ error: string; message: string }>(), why).to.deep.include({ error: "INVALID_BALLOT", message: `ballot ${value} is not valid where voters choose 1 to 2 of 3 options` });
      }
      // the single-choice election still refuses two choices
      expect((await app.inject({ method: "POST", url: "/v1/ballots", payload: { ...body(fixture.prepared[0]), ballot: "5" } })).json<{ error: string }>().error).to.equal("INVALID_BALLOT");
      expect(proofPool.stats.verified).to.equal(0);
      const accepted = await app.inject({ method: "POST", url: "/v1/ballots", payload: body(ballot) });
      expect(accepted.statusCode).to.equal(202);
      expect(accepted.json<{ ballot: string }>().ballot).to.equal("5");
      expect(queue.counts().queued).to.equal(1);
    } finally {
      await close();
    }
  });

  it("answers each kind of bad input with its specific 4xx and queues nothing", async () => {
    const fixture = await loadFixture(relayerFixture);
    const { app, queue, proofPool, close } = await serverFor(fixture);
    const [a, b, c] = fixture.prepared;
    await castPreparedBallot(fixture.zkBallot, c); // c's nullifier is now spent on-chain
    const tamperedProof = [...a.proof];
    tamperedProof[0] += 1n;
    // [name, body, status, code]; the last five need the proof, every other refusal comes before it
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
      for (const [index, [name, payload, statusCode, code]] of cases.entries()) {
        const verifiedBefore = proofPool.stats.verified;
        const response = await app.inject({ method: "POST", url: "/v1/ballots", headers: { "content-type": "application/json" }, payload: typeof payload === "string" ? payload : JSON.stringify(payload) });
        expect(response.statusCode, name).to.equal(statusCode);
        expect(proofPool.stats.verified - verifiedBefore, `${name}: proofs verified`).to.equal(index >= cases.length - 3 ? 1 : 0);
        expect(response.json<{ error: string }>().error, name).to.equal(code);
        expect(queue.counts(), name).to.deep.equal({ queued: 0, submitted: 0, included: 0, final: 0, rejected: 0 });
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

  it("/health with the node down: 503 with Retry-After and each dependency's state, not a bare 500", async () => {
    const fixture = await loadFixture(relayerFixture);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-relayer-health-"));
    const queue = new RelayQueue(path.join(dir, "queue.sqlite"));
    const deadNode = new JsonRpcProvider("http://127.0.0.1:9", 31337, { staticNetwork: true }); // nothing listens on port 9
    const proofPool = new ProofPool({ verificationKey: loadVerificationKey(), workers: 1 });
    const app = await buildRelayerServer({
      queue,
      chain: { zkBallot: ZkBallot__factory.connect(await fixture.zkBallot.getAddress(), deadNode), chainId: 31337n, contractAddress: await fixture.zkBallot.getAddress(), verificationKey: loadVerificationKey() },
      relayerAddress: fixture.voterAccount.address,
      proofPool,
      rateLimitPerMinute: 60,
    });
    try {
      const health = await app.inject({ method: "GET", url: "/health" });
      expect(health.statusCode).to.equal(503);
      expect(health.headers["retry-after"]).to.equal("10");
      const report = health.json<{ status: string; database: { ok: boolean }; node: { ok: boolean; error: string }; ballots: Record<string, number> }>();
      expect(report.status).to.equal("degraded");
      expect(report.database.ok).to.equal(true);
      expect(report.node.ok).to.equal(false);
      expect(report.node.error).to.be.a("string").and.not.equal("");
      expect(report.ballots).to.deep.equal({ queued: 0, submitted: 0, included: 0, final: 0, rejected: 0 });
      const post = await app.inject({ method: "POST", url: "/v1/ballots", payload: body(fixture.prepared[0]) });
      expect(post.statusCode).to.equal(503);
      expect(post.json<{ error: string }>().error).to.equal("CHAIN_UNAVAILABLE");
      expect(post.headers["retry-after"]).to.equal("5");
    } finally {
      await app.close();
      await proofPool.close();
      queue.close();
      deadNode.destroy();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("answers CORS only for the configured origins (preflight and request), none by default; refuses a malformed origin list", async () => {
    const fixture = await loadFixture(relayerFixture);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-relayer-cors-"));
    const queue = new RelayQueue(path.join(dir, "queue.sqlite"));
    const proofPool = new ProofPool({ verificationKey: loadVerificationKey(), workers: 1 });
    const { chainId } = await ethers.provider.getNetwork();
    const contractAddress = await fixture.zkBallot.getAddress();
    const serve = (origins?: string[]) =>
      buildRelayerServer({ queue, chain: { zkBallot: fixture.zkBallot, chainId, contractAddress, verificationKey: loadVerificationKey() }, relayerAddress: fixture.voterAccount.address, proofPool, rateLimitPerMinute: 60, corsOrigins: origins });
    const app = await serve(["https://vote.example.org", "http://localhost:5173"]);
    const closed = await serve();
    const preflight = (origin: string) => ({ method: "OPTIONS" as const, url: "/v1/ballots", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type" } });
    try {
      const allowed = await app.inject(preflight("https://vote.example.org"));
      expect(allowed.statusCode).to.equal(204);
      expect(allowed.headers["access-control-allow-origin"]).to.equal("https://vote.example.org");
      expect(String(allowed.headers["access-control-allow-methods"])).to.match(/POST/);
      expect(String(allowed.headers["access-control-allow-headers"])).to.match(/content-type/);
      expect(allowed.headers["access-control-max-age"]).to.equal("600");
      expect(allowed.headers["access-control-allow-credentials"]).to.equal(undefined);
      const other = await app.inject(preflight("https://evil.example"));
      expect(other.headers["access-control-allow-origin"]).to.equal(undefined);
      const lookup = await app.inject({ method: "GET", url: "/v1/ballots/0x" + "00".repeat(16), headers: { origin: "http://localhost:5173" } });
      expect(lookup.headers["access-control-allow-origin"]).to.equal("http://localhost:5173");
      expect(String(lookup.headers["access-control-expose-headers"])).to.match(/retry-after/);
      const byDefault = await closed.inject(preflight("https://vote.example.org"));
      expect(byDefault.headers["access-control-allow-origin"]).to.equal(undefined);
    } finally {
      await app.close();
      await closed.close();
      await proofPool.close();
      queue.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(corsOrigins(undefined)).to.deep.equal([]);
    expect(corsOrigins(" * ")).to.deep.equal(["*"]);
    expect(corsOrigins("https://vote.example.org, http://localhost:5173")).to.deep.equal(["https://vote.example.org", "http://localhost:5173"]);
    expect(() => corsOrigins("https://vote.example.org/")).to.throw(/entry "https:\/\/vote.example.org\/" is not an origin/);
    expect(() => corsOrigins("ftp://files.example.org")).to.throw(/is not an origin/);
    expect(() => corsOrigins("*,https://vote.example.org")).to.throw(/mixes "\*" with origins/);
  });

  it("two different ballots of one voter sent at once: one is accepted, the other gets 409 ALREADY_QUEUED", async () => {
    const fixture = await loadFixture(relayerFixture);
    const { app, queue, close } = await serverFor(fixture, { workers: 2 });
    try {
      const [first, second] = await Promise.all([
        app.inject({ method: "POST", url: "/v1/ballots", payload: body(fixture.prepared[0]) }),
        app.inject({ method: "POST", url: "/v1/ballots", payload: body(fixture.otherChoiceOfVoter0) }),
      ]);
      expect([first.statusCode, second.statusCode].sort()).to.deep.equal([202, 409]);
      const [winner, loser] = first.statusCode === 202 ? [first, second] : [second, first];
      expect(loser.json<{ error: string }>().error).to.equal("ALREADY_QUEUED");
      const stored = queue.findByNullifier(fixture.electionId, fixture.prepared[0].nullifier)!;
      expect(winner.json<{ ballot: string }>().ballot).to.equal(String(stored.ballot));
      expect(queue.counts().queued).to.equal(1);
    } finally {
      await close();
    }
  });

  it("limits requests per nullifier and per receipt, not per address, with Retry-After", async () => {
    const fixture = await loadFixture(relayerFixture);
    const { app, close } = await serverFor(fixture, { rateLimitPerMinute: 3 });
    try {
      const [a, b] = fixture.prepared;
      const wrong = { ...body(a), ballot: b.ballot.toString() }; // a's nullifier, a proof that does not fit
      const codes = [];
      for (let i = 0; i < 5; i++) codes.push(await app.inject({ method: "POST", url: "/v1/ballots", payload: wrong, remoteAddress: "10.0.0.1" }));
      expect(codes.map((r) => r.statusCode)).to.deep.equal([422, 422, 422, 429, 429]);
      // the same nullifier written in hex or with leading zeros is the same key
      const hex = "0x" + a.nullifier.toString(16);
      const padded = "0x" + a.nullifier.toString(16).padStart(64, "0");
      for (const nullifier of [hex, padded]) expect((await app.inject({ method: "POST", url: "/v1/ballots", payload: { ...wrong, nullifier } })).statusCode, nullifier).to.equal(429);
      expect(codes[3].json<{ error: string }>().error).to.equal("RATE_LIMITED");
      expect(Number(codes[3].headers["retry-after"])).to.be.within(1, 60);
      // another voter behind the same address is not affected
      const other = await app.inject({ method: "POST", url: "/v1/ballots", payload: body(b), remoteAddress: "10.0.0.1" });
      expect(other.statusCode).to.equal(202);
      const receiptId = other.json<{ receiptId: string }>().receiptId;
      const polls = [];
      for (let i = 0; i < 4; i++) polls.push((await app.inject({ method: "GET", url: `/v1/ballots/${receiptId}`, remoteAddress: "10.0.0.1" })).statusCode);
      expect(polls).to.deep.equal([200, 200, 200, 429]);
    } finally {
      await close();
    }
  });

  it("verifies proofs off the event loop in a bounded pool: when it is full, 503 BUSY with Retry-After", async () => {
    const fixture = await loadFixture(relayerFixture);
    const { app, queue, close } = await serverFor(fixture, { maxQueued: 2, workers: 1 });
    try {
      const a = fixture.prepared[0];
      const junk = Array.from({ length: 12 }, (_, i) => ({ ...body(a), nullifier: (1000n + BigInt(i)).toString() }));
      const answers = await Promise.all(junk.map((payload) => app.inject({ method: "POST", url: "/v1/ballots", payload })));
      const codes = answers.map((r) => r.statusCode);
      expect(codes.filter((c) => c === 422).length, codes.join(",")).to.be.at.least(2);
      const busy = answers.filter((r) => r.statusCode === 503);
      expect(busy.length, codes.join(",")).to.be.at.least(1);
      expect(busy[0].json<{ error: string }>().error).to.equal("BUSY");
      expect(busy[0].headers["retry-after"]).to.equal("1");
      expect(queue.counts().queued).to.equal(0);
      // and the pool drains: an honest ballot right after is accepted
      expect((await app.inject({ method: "POST", url: "/v1/ballots", payload: body(a) })).statusCode).to.equal(202);

      // first come, first served across retries: a ballot refused as busy is verified in the
      // priority lane on its retry, even while one-shot junk keeps the normal lane full
      const b = fixture.prepared[1];
      let honest = 0;
      for (let round = 0; round < 5 && honest !== 503; round++) {
        const burst = Array.from({ length: 6 }, (_, i) => ({ ...body(a), nullifier: (5000n + BigInt(round * 10 + i)).toString() }));
        const answers = await Promise.all([...burst, body(b)].map((payload) => app.inject({ method: "POST", url: "/v1/ballots", payload })));
        honest = answers[answers.length - 1].statusCode;
      }
      expect(honest, "the honest ballot must meet a full pool once").to.equal(503);
      const retryBurst = Array.from({ length: 6 }, (_, i) => ({ ...body(a), nullifier: (9000n + BigInt(i)).toString() }));
      const retried = await Promise.all([...retryBurst, body(b)].map((payload) => app.inject({ method: "POST", url: "/v1/ballots", payload })));
      expect(retried.map((r) => r.statusCode)).to.include(503); // the normal lane is full again
      expect(retried[retried.length - 1].statusCode, "the retry goes first").to.equal(202);
    } finally {
      await close();
    }
  });

  it("the mcl verifier agrees with snarkjs on valid, re-bound and tampered proofs", async () => {
    const fixture = await loadFixture(relayerFixture);
    const { chainId } = await ethers.provider.getNetwork();
    const election = await fixture.zkBallot.getElection(fixture.electionId);
    const scope = computeElectionScope(chainId, await fixture.zkBallot.getAddress(), fixture.electionId);
    const verify = await inThreadVerifier(loadVerificationKey());
    const [a, b] = fixture.prepared;
    const signals = (p: typeof a, over: Partial<{ nullifier: bigint; ballot: bigint; electionScope: bigint; voterRollRoot: bigint }> = {}) => ({ voterRollRoot: election.voterRollRoot, nullifier: p.nullifier, electionScope: scope, ballot: p.ballot, ...over });
    const tampered = (i: number) => a.proof.map((v, j) => (j === i ? (v + 1n) % BN254_BASE_FIELD : v));
    const cases: [string, ReturnType<typeof signals>, readonly bigint[]][] = [
      ["valid", signals(a), a.proof],
      ["valid (another voter)", signals(b), b.proof],
      ["other nullifier", signals(a, { nullifier: b.nullifier }), a.proof],
      ["other ballot", signals(a, { ballot: b.ballot }), a.proof],
      ["other scope", signals(a, { electionScope: scope + 1n }), a.proof],
      ["other root", signals(a, { voterRollRoot: election.voterRollRoot + 1n }), a.proof],
      ["B's coordinate pairs swapped", signals(a), [a.proof[0], a.proof[1], a.proof[3], a.proof[2], a.proof[5], a.proof[4], a.proof[6], a.proof[7]]],
      ["A and C swapped", signals(a), [a.proof[6], a.proof[7], ...a.proof.slice(2, 6), a.proof[0], a.proof[1]]],
      ["all zero", signals(a), Array(8).fill(0n)],
      ...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => [`coordinate ${i} + 1`, signals(a), tampered(i)] as [string, ReturnType<typeof signals>, bigint[]]),
    ];
    for (const [name, s, proof] of cases) {
      const expected = await verifyVoteProof(s, proof).catch(() => false);
      expect(verify(publicSignalsArray(s), proof), name).to.equal(expected);
    }
    expect(verify(publicSignalsArray(signals(a)), a.proof)).to.equal(true);
  });

  it("keeps per-ballot times to the minute, logs no line per ballot, and purges a closed election once every ballot is final", async () => {
    const fixture = await loadFixture(relayerFixture);
    const { app, queue, logged, dir, close } = await serverFor(fixture);
    try {
      for (const p of fixture.prepared.slice(0, 2)) expect((await app.inject({ method: "POST", url: "/v1/ballots", payload: body(p) })).statusCode).to.equal(202);
      expect(logged, "no log line per ballot").to.deep.equal([]);
      for (const receipt of fixture.prepared.slice(0, 2).map((p) => queue.findByNullifier(p.electionId, p.nullifier)!)) expect(receipt.acceptedAt % 60_000).to.equal(0);

      // settle both as included; one final: the closed election is kept until the other is final too
      const [first, second] = fixture.prepared.slice(0, 2).map((p) => queue.findByNullifier(p.electionId, p.nullifier)!);
      const txId = queue.recordTransaction(0, [first.receiptId, second.receiptId], { hash: "0x" + "11".repeat(32), raw: "0x00", maxFeePerGas: 1n, maxPriorityFeePerGas: 1n });
      queue.settleMined(txId, "0x" + "11".repeat(32), { number: 5, hash: "0x" + "22".repeat(32) }, new Map([[first.receiptId, { included: true }], [second.receiptId, { included: true }]]));
      queue.markFinal([first.receiptId]);
      expect(await purgeFinishedElections(queue, fixture.zkBallot), "election still voting").to.deep.equal([]);
      await closeElection(fixture.zkBallot, fixture.electionId);
      expect(await purgeFinishedElections(queue, fixture.zkBallot), "one ballot not final yet").to.deep.equal([]);
      queue.markFinal([second.receiptId]);
      expect(await purgeFinishedElections(queue, fixture.zkBallot)).to.deep.equal([{ electionId: fixture.electionId, deleted: 2 }]);
      expect(queue.get(first.receiptId)).to.equal(undefined);
      expect((await app.inject({ method: "GET", url: `/v1/ballots/${first.receiptId}` })).statusCode).to.equal(404);
      // gone from the file itself (VACUUM), not only from the table
      queue.close();
      const bytes = Buffer.concat(fs.readdirSync(dir).map((name) => fs.readFileSync(path.join(dir, name))));
      expect(bytes.includes(Buffer.from(first.nullifier.toString())), "nullifier still in the file").to.equal(false);
      expect(bytes.includes(Buffer.from(first.receiptId)), "receipt id still in the file").to.equal(false);
    } finally {
      await close();
    }
  });

  it("sizes and checkpoints its WAL on purpose", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-relayer-wal-"));
    const queue = new RelayQueue(path.join(dir, "queue.sqlite"));
    try {
      const wal = () => fs.statSync(path.join(dir, "queue.sqlite-wal")).size;
      const proof = Array.from({ length: 8 }, (_, i) => 10n ** 70n + BigInt(i));
      for (let i = 0; i < 2_000; i++) queue.enqueue({ electionId: 1n, ballot: 1n, nullifier: BigInt(i + 1) * 10n ** 60n, proof });
      // automatic checkpoints every 256 pages keep the log near 1 MiB, not SQLite's 4 MiB default
      expect(wal()).to.be.greaterThan(0).and.at.most(1.25 * 1024 * 1024);
      const { checkpointed } = queue.checkpoint();
      expect(checkpointed).to.be.at.least(0);
      expect(wal(), "TRUNCATE checkpoint empties the log").to.equal(0);
      expect(queue.counts().queued).to.equal(2_000);
    } finally {
      queue.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("binds its database to one chain, ZkBallot and relayer key, and refuses any other in one line", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-relayer-bind-"));
    const file = path.join(dir, "queue.sqlite");
    const binding = { chainId: 31337n, zkBallot: "0x" + "aa".repeat(20), relayer: "0x" + "bb".repeat(20) };
    const pin = { number: 1, hash: "0x" + "cc".repeat(32) };
    try {
      const first = new RelayQueue(file);
      first.bindTo(binding, pin);
      first.close();
      const refusals: [string, Parameters<RelayQueue["bindTo"]>, RegExp][] = [
        ["chain id", [{ ...binding, chainId: 11155111n }, pin], /belongs to chain 31337, the node is chain 11155111/],
        ["ZkBallot", [{ ...binding, zkBallot: "0x" + "dd".repeat(20) }, pin], /belongs to ZkBallot 0xaaaa/],
        ["relayer", [{ ...binding, relayer: "0x" + "ee".repeat(20) }, pin], /belongs to relayer 0xbbbb/],
        ["pinned block", [binding, { number: 1, hash: "0x" + "ff".repeat(32) }], /another chain with the same id: its block 1 is 0xcccc/],
        ["pinned block missing", [binding, { number: 1, hash: undefined }], /node's is missing/],
      ];
      for (const [name, args, message] of refusals) {
        const queue = new RelayQueue(file);
        try {
          expect(() => queue.bindTo(...args), name).to.throw(message);
          try {
            queue.bindTo(...args);
          } catch (error) {
            expect((error as Error).message.split("\n"), name).to.have.length(1);
            expect((error as Error).message, name).to.match(/hint: .*RELAYER_DB/);
          }
        } finally {
          queue.close();
        }
      }
      const again = new RelayQueue(file);
      expect(again.bindTo({ ...binding, zkBallot: binding.zkBallot.toUpperCase().replace("0X", "0x") }, pin).pinBlockHash).to.equal(pin.hash);
      again.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a full disk: 503 STORAGE_UNAVAILABLE with Retry-After, /health says the database cannot write, nothing acknowledged; re-opening needs no write", async function () {
    if (process.getuid?.() !== 0) this.skip(); // needs root to mount a small tmpfs
    const fixture = await loadFixture(relayerFixture);
    const mount = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-relayer-full-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mount]);
    let server: Awaited<ReturnType<typeof serverFor>> | undefined;
    try {
      server = await serverFor(fixture, { dir: mount });
      const filler = path.join(mount, "filler");
      const fd = fs.openSync(filler, "w");
      try {
        for (let i = 0; i < 4096; i++) fs.writeSync(fd, Buffer.alloc(4096));
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).to.equal("ENOSPC");
      } finally {
        fs.closeSync(fd);
      }
      const refused = await server.app.inject({ method: "POST", url: "/v1/ballots", payload: body(fixture.prepared[0]) });
      expect(refused.statusCode, refused.body).to.equal(503);
      expect(refused.json<{ error: string; message: string }>().error).to.equal("STORAGE_UNAVAILABLE");
      expect(refused.json<{ message: string }>().message).to.match(/SQLITE_FULL.*disk holding RELAYER_DB is full/);
      expect(refused.headers["retry-after"]).to.equal("30");
      const health = await server.app.inject({ method: "GET", url: "/health" });
      expect(health.statusCode).to.equal(503);
      expect(health.headers["retry-after"]).to.be.a("string");
      const report = health.json<{ status: string; database: { ok: boolean; error: string }; node: { ok: boolean }; ballots: { queued: number } }>();
      expect(report.status).to.equal("degraded");
      expect(report.database.ok).to.equal(false);
      expect(report.database.error).to.match(/SQLITE_FULL/);
      expect(report.node.ok).to.equal(true);
      expect(report.ballots.queued, "nothing was stored").to.equal(0);
      await server.close();
      server = undefined;

      // a restart on the full disk: the existing database opens and reads without writing
      const reopened = new RelayQueue(path.join(mount, "queue.sqlite"));
      try {
        expect(reopened.counts().queued).to.equal(0);
        expect(() => reopened.enqueue(fixture.prepared[0])).to.throw(StorageError, /SQLITE_FULL/);
      } finally {
        reopened.close();
      }
      // a new database on a full disk explains itself
      expect(() => new RelayQueue(path.join(mount, "new.sqlite"))).to.throw(StorageError, /disk holding RELAYER_DB is full|not writable/);

      // space again: the same ballot is accepted
      fs.rmSync(filler);
      server = await serverFor(fixture, { dir: mount });
      expect((await server.app.inject({ method: "POST", url: "/v1/ballots", payload: body(fixture.prepared[0]) })).statusCode).to.equal(202);
      expect((await server.app.inject({ method: "GET", url: "/health" })).statusCode).to.equal(200);
    } finally {
      await server?.close();
      execFileSync("umount", ["--lazy", mount]);
      fs.rmSync(mount, { recursive: true, force: true });
    }
  });

  it("the client honours Retry-After on 429/503 with bounded retries, refuses a receipt for another ballot, and names each failure's cause", async () => {
    const fixture = await loadFixture(relayerFixture);
    const prepared = fixture.prepared[0];
    const answers: { status: number; headers?: Record<string, string>; body: unknown }[] = [];
    const server = http.createServer((_request, response) => {
      const next = answers.shift() ?? { status: 500, body: {} };
      response.writeHead(next.status, { "content-type": "application/json", ...next.headers }).end(typeof next.body === "string" ? next.body : JSON.stringify(next.body));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const receipt = { receiptId: "r1", status: "queued", electionId: prepared.electionId.toString(), nullifier: prepared.nullifier.toString(), ballot: prepared.ballot.toString() };
    const waits: number[] = [];
    const retry = { sleep: async (ms: number) => void waits.push(ms), maxRetries: 3 };
    try {
      answers.push({ status: 503, headers: { "retry-after": "2" }, body: { error: "BUSY" } }, { status: 429, headers: { "retry-after": "1" }, body: { error: "RATE_LIMITED" } }, { status: 202, body: receipt });
      expect((await submitToRelayer(url, prepared, retry)).receiptId).to.equal("r1");
      expect(waits).to.deep.equal([2000, 1000]);

      waits.length = 0;
      answers.push(...Array.from({ length: 4 }, () => ({ status: 503, headers: { "retry-after": "120" }, body: { error: "BUSY", message: "full" } })));
      await expectRejection(submitToRelayer(url, prepared, { ...retry, maxWaitMs: 5_000 }), /refused the ballot: BUSY/, "RELAYER_REFUSED");
      expect(waits, "three retries, each wait capped").to.deep.equal([5000, 5000, 5000]);

      answers.push({ status: 200, body: { ...receipt, ballot: fixture.otherChoiceOfVoter0.ballot.toString() } });
      await expectRejection(submitToRelayer(url, prepared, retry), /receipt r1 is not for this ballot/, "RELAYER_BAD_ANSWER");
      answers.push({ status: 502, body: "<html>bad gateway</html>" });
      await expectRejection(submitToRelayer(url, prepared, retry), /did not answer with JSON \(HTTP 502\)/, "RELAYER_BAD_ANSWER");
      // nothing listens on port 9: unreachable, with a hint, not an invalid argument
      await expectRejection(submitToRelayer("http://127.0.0.1:9", prepared, retry), /cannot reach the relayer at .*hint: check the --relayer URL/, "RELAYER_UNREACHABLE");
      expect(retryAfterMs("Wed, 02 Dec 2026 10:00:10 GMT", Date.parse("Wed, 02 Dec 2026 10:00:00 GMT"))).to.equal(10_000);
      expect(retryAfterMs(null)).to.equal(1000);
    } finally {
      server.close();
    }
  });
});

async function expectRejection(promise: Promise<unknown>, message: RegExp, code?: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect((error as Error).message).to.match(message);
    if (code !== undefined) expect((error as { code?: string }).code, (error as Error).message).to.equal(code);
    return;
  }
  expect.fail(`expected a rejection matching ${message}`);
}
