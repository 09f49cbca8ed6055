/**
 * The relayer serving a SealedZkBallot, against a real `hardhat node`: the real relayer
 * (startRelayer, the service `npm run relayer` runs) takes a proven sealed ballot over HTTP,
 * verifies it off-chain, queues it, sends it through castVotes and reports it included; the
 * encrypted totals change by exactly its ciphertexts. Refusals: a ciphertext word altered to
 * another curve point (the proof fails), an off-curve point (INVALID_CIPHERTEXT), a second
 * submission of a queued nullifier, a nullifier spent on chain, an unknown election, and each
 * kind of ballot posted to the other kind's relayer. The queue's version-2 database is migrated
 * keeping its rows. `npm run relayer` itself is started once with each kind. Four sealed ballots
 * are proved (a few seconds each here) and reused.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as os from "node:os";
import * as path from "node:path";

import Database from "better-sqlite3";
import { expect } from "chai";
import { JsonRpcProvider, type Signer } from "ethers";

import { createElection, deployZkBallot, openVoting, publishVoterRoll } from "../lib/chain/election";
import { identityFromSecret, type VoterIdentity } from "../lib/core/identity";
import { VoterRoll } from "../lib/core/voterRoll";
import { releaseSnarkjs } from "../lib/proving/prover";
import { relayReceipt, sealedReceiptExpectation, submitSealedToRelayer, waitForRelayedBallot } from "../lib/relayer/client";
import { relayerConfigFromEnv } from "../lib/relayer/config";
import { QUEUE_SCHEMA_VERSION, RelayQueue } from "../lib/relayer/queue";
import { purgeElectionsOnce, startRelayer, type RunningRelayer } from "../lib/relayer/service";
import { sealedTarget } from "../lib/relayer/target";
import { PROJECT_ROOT } from "../lib/proving/artifacts";
import { ciphertextDigest } from "../lib/sealed/ciphertextDigest";
import { BABYJUB_FIELD } from "../lib/sealed/babyjub";
import { castSealedBallot, castSealedBallots, createSealedElection, deploySealedZkBallot, openSealedVoting, publishSealedRoll, runLocalKeyCeremony } from "../lib/sealed/flow/election";
import { proveSealedBallot, sumCiphertextWords, type ProvenSealedBallot } from "../lib/sealed/flow/prover";
import { readSealedVotingContext } from "../lib/sealed/flow/voter";
import type { SealedZkBallot, ZkBallot } from "../typechain-types";
import { freePort, startHardhatNode, startProcess, stopProcess, TS_NODE_CLI, type HardhatNode } from "./helpers/processes";

/** Private key of account #19 of Hardhat's public test mnemonic: test funds only. */
const RELAYER_KEY = "0xdf57089febbacf7ba0bc227dafbffa9fc08a93fdc68e1e42411a14efcf23656e";
const HTTP_TIMEOUT_MS = 60_000;

type Answer = { status: number; body: Record<string, unknown> };

async function post(url: string, body: unknown): Promise<Answer> {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const sealedBody = (electionId: bigint, ballot: { nullifier: bigint; ciphertextWords: readonly bigint[]; proof: readonly bigint[] }, words = ballot.ciphertextWords) => ({
  electionId: electionId.toString(),
  nullifier: ballot.nullifier.toString(),
  ciphertexts: words.map(String),
  proof: ballot.proof.map(String),
});

/** The words with point `p` (0..15) replaced by its negation (-x, y): still on the curve, another ciphertext. */
function negatePoint(words: readonly bigint[], p: number): bigint[] {
  const altered = [...words];
  altered[2 * p] = (BABYJUB_FIELD - altered[2 * p]) % BABYJUB_FIELD;
  return altered;
}

describe("relayer, sealed ballots (hardhat node, real relayer)", function () {
  this.timeout(600_000);
  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let sealed: SealedZkBallot;
  let sealedAddress: string;
  let zkBallot: ZkBallot;
  let electionId: bigint;
  let openElectionId: bigint;
  let notOpenElectionId: bigint;
  let ballots: ProvenSealedBallot[];
  let sealedRelayer: RunningRelayer;
  let openRelayer: RunningRelayer;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-relayer-sealed-"));

  const relayerConfig = (kind: string, address: string, database: string) =>
    relayerConfigFromEnv({
      RELAYER_PRIVATE_KEY: RELAYER_KEY,
      RELAYER_RPC_URL: node.url,
      RELAYER_CONTRACT_KIND: kind,
      ZKBALLOT_ADDRESS: address,
      RELAYER_PORT: "0",
      RELAYER_DB: path.join(dir, database),
      RELAYER_INTERVAL_MS: "200",
      RELAYER_FINALITY: "1",
      RELAYER_VERIFY_WORKERS: "1",
    });

  async function openSealedElection(signers: Signer[], voters: VoterIdentity[]) {
    const [admin, , trusteeA, trusteeB] = signers;
    const created = await createSealedElection(sealed, { title: "Relayed sealed", numOptions: 3, minSelections: 1, maxSelections: 1, registrar: await admin.getAddress(), trustees: [await trusteeA.getAddress(), await trusteeB.getAddress()], threshold: 2 });
    await runLocalKeyCeremony(sealed, created.electionId, [trusteeA, trusteeB], admin);
    const commitments = voters.map((voter) => voter.voterCommitment);
    await publishSealedRoll(sealed, created.electionId, commitments);
    await openSealedVoting(sealed, created.electionId, (await VoterRoll.build(commitments)).root);
    return created.electionId;
  }

  before(async () => {
    node = await startHardhatNode();
    // No request cache: ethers reuses an identical call's answer for 250 ms, so a roll read right after it was published would be stale.
    provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    const signers = await Promise.all([0, 1, 2, 3].map((i) => provider.getSigner(i)));
    sealed = await deploySealedZkBallot(signers[0]);
    sealedAddress = await sealed.getAddress();
    const voters = await Promise.all([1, 2, 3, 4].map((i) => identityFromSecret(BigInt(7300 + i))));
    electionId = await openSealedElection(signers, voters);
    const context = await readSealedVotingContext(sealed, electionId);
    ballots = [];
    for (const [i, voter] of voters.entries()) {
      ballots.push(await proveSealedBallot({ identitySecret: voter.identitySecret, path: context.voterRoll.pathOf(voter.voterCommitment), electionScope: context.electionScope, electionKey: context.electionKey, rule: context.rule, selected: [i % 3] }));
    }
    notOpenElectionId = (await createSealedElection(sealed, { title: "Not open", numOptions: 2, minSelections: 1, maxSelections: 1, registrar: await signers[0].getAddress(), trustees: [await signers[2].getAddress()], threshold: 1 })).electionId;
    zkBallot = await deployZkBallot(signers[0]);
    openElectionId = (await createElection(zkBallot, { title: "Open", numOptions: 2, registrar: await signers[1].getAddress() })).electionId;
    await publishVoterRoll(zkBallot.connect(signers[1]), openElectionId, [voters[0].voterCommitment]);
    await openVoting(zkBallot.connect(signers[1]), openElectionId);
    sealedRelayer = await startRelayer(relayerConfig("sealed", sealedAddress, "sealed.sqlite"));
    openRelayer = await startRelayer(relayerConfig("open", await zkBallot.getAddress(), "open.sqlite"));
  });

  after(async () => {
    await sealedRelayer?.stop();
    await openRelayer?.stop();
    provider?.destroy();
    node?.stop();
    await releaseSnarkjs();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("refuses to start against the other kind of contract, and a bad or incomplete kind setting", async () => {
    await expectRejection(startRelayer(relayerConfig("sealed", await zkBallot.getAddress(), "wrong1.sqlite")), /RELAYER_CONTRACT_KIND=sealed, but the contract at 0x[0-9a-fA-F]{40} is not a SealedZkBallot/);
    await expectRejection(startRelayer(relayerConfig("open", sealedAddress, "wrong2.sqlite")), /is a SealedZkBallot, and RELAYER_CONTRACT_KIND is open/);
    await expectRejection(startRelayer(relayerConfig("sealed", "0x" + "12".repeat(20), "wrong3.sqlite")), /no contract at 0x1212.* on chain 31337/);
    expect(() => relayerConfig("both", sealedAddress, "x.sqlite")).to.throw(/RELAYER_CONTRACT_KIND must be open or sealed, got "both"/);
    expect(() => relayerConfigFromEnv({ RELAYER_PRIVATE_KEY: RELAYER_KEY, RELAYER_CONTRACT_KIND: "sealed" })).to.throw(/RELAYER_CONTRACT_KIND=sealed needs ZKBALLOT_ADDRESS/);
  });

  it("`npm run relayer` (scripts/relayer.ts) serves the SealedZkBallot with RELAYER_CONTRACT_KIND=sealed, and exits in one line with the wrong kind", async () => {
    const port = await freePort();
    const env = { ...process.env, RELAYER_PRIVATE_KEY: RELAYER_KEY, RELAYER_RPC_URL: node.url, RELAYER_PORT: String(port), RELAYER_DB: path.join(dir, "process.sqlite"), ZKBALLOT_ADDRESS: sealedAddress, RELAYER_VERIFY_WORKERS: "1" };
    const started = await startProcess(process.execPath, [TS_NODE_CLI, "scripts/relayer.ts"], { ...env, RELAYER_CONTRACT_KIND: "sealed" }, /listening on/, 120_000);
    try {
      expect(started.output()).to.match(new RegExp(`SealedZkBallot ${sealedAddress} on chain 31337`));
      const health = (await (await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) })).json()) as { contractKind: string; zkBallot: string };
      expect(health).to.deep.include({ contractKind: "sealed", zkBallot: sealedAddress });
    } finally {
      await stopProcess(started.child);
    }
    const wrongKind = await runToExit([TS_NODE_CLI, "scripts/relayer.ts"], { ...env, RELAYER_CONTRACT_KIND: "open", RELAYER_DB: path.join(dir, "process-open.sqlite") }, 120_000);
    expect(wrongKind.code).to.equal(1);
    expect(wrongKind.output.trim().split("\n")).to.have.length(1);
    expect(wrongKind.output).to.match(/^error: the contract at 0x[0-9a-fA-F]{40} is a SealedZkBallot, and RELAYER_CONTRACT_KIND is open/);
  });

  it("refuses bad sealed ballots with their specific codes before queueing anything", async () => {
    const url = `${sealedRelayer.url}/v1/sealed-ballots`;
    const [ballot] = ballots;
    const offCurve = [...ballot.ciphertextWords];
    offCurve[5] += 1n;
    const cases: [string, unknown, number, string][] = [
      ["31 ciphertext words", { ...sealedBody(electionId, ballot), ciphertexts: sealedBody(electionId, ballot).ciphertexts.slice(1) }, 400, "INVALID_CIPHERTEXT"],
      ["a word that is a number", { ...sealedBody(electionId, ballot), ciphertexts: [7, ...sealedBody(electionId, ballot).ciphertexts.slice(1)] }, 400, "INVALID_FIELD_ELEMENT"],
      ["a word outside the field", sealedBody(electionId, ballot, [BABYJUB_FIELD, ...ballot.ciphertextWords.slice(1)]), 400, "INVALID_FIELD_ELEMENT"],
      ["a point off the curve", sealedBody(electionId, ballot, offCurve), 422, "INVALID_CIPHERTEXT"],
      ["a ballot field (open shape)", { ...sealedBody(electionId, ballot), ballot: "1" }, 400, "INVALID_REQUEST"],
      ["an unknown election", sealedBody(99n, ballot), 404, "ELECTION_NOT_FOUND"],
      ["an election not open for voting", sealedBody(notOpenElectionId, ballot), 409, "ELECTION_NOT_VOTING"],
      ["a ciphertext word altered to another curve point", sealedBody(electionId, ballot, negatePoint(ballot.ciphertextWords, 9)), 422, "INVALID_PROOF"],
      ["a proof coordinate altered", { ...sealedBody(electionId, ballot), proof: sealedBody(electionId, ballot).proof.map((v, i) => (i === 7 ? (BigInt(v) + 1n).toString() : v)) }, 422, "INVALID_PROOF"],
    ];
    for (const [name, body, status, code] of cases) {
      const answer = await post(url, body);
      expect([answer.status, answer.body.error], `${name}: ${JSON.stringify(answer.body)}`).to.deep.equal([status, code]);
      expect(answer.body.message, name).to.be.a("string").and.not.equal("");
    }
    const health = (await (await fetch(`${sealedRelayer.url}/health`, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) })).json()) as { contractKind: string; ballots: Record<string, number> };
    expect(health.contractKind).to.equal("sealed");
    expect(Object.values(health.ballots).reduce((a, b) => a + b, 0), "nothing queued").to.equal(0);
  });

  it("refuses each kind of ballot at the other kind's relayer, naming the route it takes", async () => {
    const toOpen = await post(`${openRelayer.url}/v1/sealed-ballots`, sealedBody(electionId, ballots[0]));
    expect([toOpen.status, toOpen.body.error]).to.deep.equal([409, "WRONG_CONTRACT_KIND"]);
    expect(toOpen.body.message).to.match(/serves the open contract 0x[0-9a-fA-F]{40}; it takes open ballots at POST \/v1\/ballots/);
    const openShape = { electionId: openElectionId.toString(), ballot: "1", nullifier: "5", proof: Array.from({ length: 8 }, () => "1") };
    const toSealed = await post(`${sealedRelayer.url}/v1/ballots`, openShape);
    expect([toSealed.status, toSealed.body.error]).to.deep.equal([409, "WRONG_CONTRACT_KIND"]);
    expect(toSealed.body.message).to.match(/serves the sealed contract .*POST \/v1\/sealed-ballots/);
  });

  it("relays a valid sealed ballot: receipt with its ciphertext digest, castVotes, VoteCast, the encrypted totals add exactly its ciphertexts", async () => {
    const [ballot] = ballots;
    const before = [...(await sealed.encryptedTotals(electionId))];
    const accepted = await submitSealedToRelayer(sealedRelayer.url, electionId, ballot);
    expect(accepted.status).to.equal("queued");
    expect(accepted.kind).to.equal("sealed");
    expect(accepted.ciphertextDigest).to.equal(ciphertextDigest(ballot.ciphertextWords));
    // The same ballot again: the same receipt (idempotent); another ballot under the queued nullifier: refused.
    const resent = await post(`${sealedRelayer.url}/v1/sealed-ballots`, sealedBody(electionId, ballot));
    expect([resent.status, resent.body.receiptId]).to.deep.equal([200, accepted.receiptId]);
    const other = await post(`${sealedRelayer.url}/v1/sealed-ballots`, sealedBody(electionId, ballot, negatePoint(ballot.ciphertextWords, 2)));
    expect([other.status, other.body.error]).to.deep.equal([409, "ALREADY_QUEUED"]);

    const expected = sealedReceiptExpectation(electionId, ballot);
    const included = await waitForRelayedBallot(sealedRelayer.url, accepted.receiptId, expected, { timeoutMs: 120_000, intervalMs: 250, until: "final" });
    expect(included.status).to.equal("final");
    expect(included.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
    const [cast] = await sealed.queryFilter(sealed.filters.VoteCast(electionId, ballot.nullifier));
    expect(cast.transactionHash).to.equal(included.transactionHash);
    expect(cast.args.ciphertexts.map(BigInt)).to.deep.equal([...ballot.ciphertextWords]);
    const transaction = await provider.getTransaction(cast.transactionHash);
    expect(sealed.interface.parseTransaction(transaction!)?.name, "sent through castVotes").to.equal("castVotes");
    const after = [...(await sealed.encryptedTotals(electionId))];
    expect(after).to.not.deep.equal(before);
    expect(after, "the totals are the sum of the ballots cast").to.deep.equal(sumCiphertextWords([ballot.ciphertextWords]));
    expect((await sealed.getElection(electionId)).ballotsCast).to.equal(1n);
    // Counted: a later submission of its nullifier is the receipt, not a second ballot; the chain refuses any other.
    expect((await relayReceipt(sealedRelayer.url, accepted.receiptId, expected)).status).to.equal("final");
    const gas = (await provider.getTransactionReceipt(cast.transactionHash))!.gasUsed;
    console.log(`      castVotes of 1 sealed ballot through the relayer: ${gas} gas`);
  });

  it("refuses a nullifier already spent on chain, and turns a VoteSkipped into the reason the open path gives", async () => {
    const [, second] = ballots;
    const [sender] = await Promise.all([provider.getSigner(1)]);
    await castSealedBallot(sealed.connect(sender) as SealedZkBallot, electionId, second);
    const spent = await post(`${sealedRelayer.url}/v1/sealed-ballots`, sealedBody(electionId, second));
    expect([spent.status, spent.body.error]).to.deep.equal([409, "NULLIFIER_SPENT"]);
    // A batch with the spent ballot again: castVotes skips it; the submitter's decoder names the contract's error.
    const receipt = await castSealedBallots(sealed.connect(sender) as SealedZkBallot, electionId, [second]);
    const outcomes = receipt.logs.map((log) => sealedTarget(sealed, sealedAddress).decodeOutcome(log)).filter((outcome) => outcome !== undefined);
    expect(outcomes).to.have.length(1);
    expect(outcomes[0]).to.deep.include({ name: "VoteSkipped", electionId, nullifier: second.nullifier });
    expect(outcomes[0]!.reason).to.match(new RegExp(`^NullifierAlreadySpent\\(${electionId}, ${second.nullifier}, \\d+\\)$`));
  });

  it("after a restart on the same database, two sealed ballots queued together go out in one castVotes; the totals are every ballot's sum", async () => {
    await sealedRelayer.stop();
    // A long pause between rounds, so both ballots are queued before the next round sends them.
    sealedRelayer = await startRelayer({ ...relayerConfig("sealed", sealedAddress, "sealed.sqlite"), intervalMs: 4_000 });
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // the first round (nothing queued) is over
    const [, , third, fourth] = ballots;
    const accepted = await Promise.all([third, fourth].map((ballot) => submitSealedToRelayer(sealedRelayer.url, electionId, ballot)));
    const included = await Promise.all(
      [third, fourth].map((ballot, i) => waitForRelayedBallot(sealedRelayer.url, accepted[i].receiptId, sealedReceiptExpectation(electionId, ballot), { timeoutMs: 120_000, intervalMs: 250 })),
    );
    expect(included.map((receipt) => receipt.status)).to.satisfy((statuses: string[]) => statuses.every((status) => status === "included" || status === "final"));
    expect(included[0].transactionHash, "one castVotes carried both").to.equal(included[1].transactionHash);
    const batch = sealed.interface.parseTransaction((await provider.getTransaction(included[0].transactionHash!))!)!;
    expect([batch.name, batch.args[0], batch.args[1].length]).to.deep.equal(["castVotes", electionId, 2]);
    expect([...(await sealed.encryptedTotals(electionId))]).to.deep.equal(sumCiphertextWords(ballots.map((ballot) => ballot.ciphertextWords)));
    expect((await sealed.getElection(electionId)).ballotsCast).to.equal(4n);
    const gas = (await provider.getTransactionReceipt(included[0].transactionHash!))!.gasUsed;
    console.log(`      castVotes of 2 sealed ballots through the relayer: ${gas} gas`);
  });

  it("retention: once the sealed election is closed and its ballots final, purge deletes them", async () => {
    const admin = await provider.getSigner(0);
    await (await (sealed.connect(admin) as SealedZkBallot).closeElection(electionId)).wait();
    await sealedRelayer.stop();
    const purged = await purgeElectionsOnce(relayerConfig("sealed", sealedAddress, "sealed.sqlite"));
    expect(purged).to.deep.equal([{ electionId, deleted: 3 }]);
    sealedRelayer = await startRelayer(relayerConfig("sealed", sealedAddress, "sealed.sqlite"));
    const gone = await fetch(`${sealedRelayer.url}/v1/ballots/00000000-0000-0000-0000-000000000000`, { signal: AbortSignal.timeout(HTTP_TIMEOUT_MS) });
    expect(gone.status).to.equal(404);
    const closed = await post(`${sealedRelayer.url}/v1/sealed-ballots`, sealedBody(electionId, ballots[0]));
    expect([closed.status, closed.body.error]).to.deep.equal([409, "ELECTION_NOT_VOTING"]);
  });
});

describe("sealed relayer client", () => {
  it("refuses a receipt that names other ciphertexts, another nullifier or an open ballot, and a refusal with its code", async () => {
    const ballot = { nullifier: 41n, ciphertextWords: Array.from({ length: 32 }, (_, i) => BigInt(i + 1)), proof: Array.from({ length: 8 }, (_, i) => BigInt(i + 1)) };
    const answers: { status: number; body: unknown }[] = [];
    const received: unknown[] = [];
    const server = http.createServer((request, response) => {
      let text = "";
      request.on("data", (chunk: Buffer) => (text += chunk.toString()));
      request.on("end", () => {
        received.push({ url: request.url, body: JSON.parse(text) });
        const next = answers.shift() ?? { status: 500, body: {} };
        response.writeHead(next.status, { "content-type": "application/json" }).end(JSON.stringify(next.body));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const receipt = { receiptId: "r1", status: "queued", electionId: "3", nullifier: "41", kind: "sealed", ciphertextDigest: ciphertextDigest(ballot.ciphertextWords) };
    try {
      answers.push({ status: 202, body: receipt });
      expect((await submitSealedToRelayer(url, 3n, ballot)).receiptId).to.equal("r1");
      expect(received[0]).to.deep.equal({ url: "/v1/sealed-ballots", body: { electionId: "3", nullifier: "41", ciphertexts: ballot.ciphertextWords.map(String), proof: ballot.proof.map(String) } });
      const otherWords = ballot.ciphertextWords.map((word, i) => (i === 31 ? word + 1n : word));
      const wrong: [string, unknown][] = [
        ["other ciphertexts", { ...receipt, ciphertextDigest: ciphertextDigest(otherWords) }],
        ["another nullifier", { ...receipt, nullifier: "42" }],
        ["an open ballot's receipt", { receiptId: "r1", status: "queued", electionId: "3", nullifier: "41", ballot: "1" }],
      ];
      for (const [name, body] of wrong) {
        answers.push({ status: 200, body });
        await expectRejection(submitSealedToRelayer(url, 3n, ballot), /receipt r1 is not for this ballot .*ciphertext digest/, name);
      }
      answers.push({ status: 409, body: { error: "WRONG_CONTRACT_KIND", message: "this relayer serves the open contract" } });
      await expectRejection(submitSealedToRelayer(url, 3n, ballot), /refused the sealed ballot: WRONG_CONTRACT_KIND: this relayer serves the open contract/);
    } finally {
      server.close();
    }
  });
});

describe("relayer queue schema migration", () => {
  it("migrates a version-2 database in place, keeping its open ballots, and then stores sealed ones", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-relayer-migrate-"));
    const file = path.join(dir, "queue.sqlite");
    try {
      writeVersion2Database(file);
      const queue = new RelayQueue(file);
      try {
        const kept = queue.get("receipt-kept")!;
        expect(kept).to.deep.include({ kind: "open", ballot: 4n, ciphertexts: null, nullifier: 77n, electionId: 1n, status: "included", txHash: "0x" + "ab".repeat(32), blockNumber: 9 });
        expect(kept.proof).to.deep.equal([1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]);
        expect(queue.binding()?.zkBallot).to.equal("0x" + "aa".repeat(20));
        expect(queue.counts()).to.deep.include({ included: 1, queued: 0 });
        const words = Array.from({ length: 32 }, (_, i) => BigInt(i + 100));
        const { stored, created } = queue.enqueue({ electionId: 2n, nullifier: 78n, ciphertexts: words, proof: kept.proof });
        expect(created).to.equal(true);
        expect(stored).to.deep.include({ kind: "sealed", ballot: null, ciphertexts: words });
        expect(queue.nextQueued(10).map((b) => b.receiptId)).to.deep.equal([stored.receiptId]);
      } finally {
        queue.close();
      }
      const raw = new Database(file, { readonly: true });
      expect((raw.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string }).value).to.equal(String(QUEUE_SCHEMA_VERSION));
      expect(() => raw.prepare("INSERT INTO ballots (receipt_id, election_id, nullifier, kind, ballot, ciphertexts, proof, status, accepted_at, updated_at) VALUES ('x', '1', '1', 'sealed', '1', NULL, '[]', 'queued', 0, 0)").run()).to.throw();
      raw.close();
      // Reopened at version 3: no second migration, the rows stay.
      const again = new RelayQueue(file);
      expect(again.counts()).to.deep.include({ included: 1, queued: 1 });
      again.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("still refuses a database of an unknown version", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-relayer-migrate-"));
    const file = path.join(dir, "queue.sqlite");
    try {
      writeVersion2Database(file);
      const raw = new Database(file);
      raw.prepare("UPDATE meta SET value = '9' WHERE key = 'schema_version'").run();
      raw.close();
      expect(() => new RelayQueue(file)).to.throw(/has relayer schema 9, this relayer uses 3/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Runs a node script to its exit, killed after `timeoutMs`; its exit code and all its output. */
function runToExit(args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${args.join(" ")} still running after ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function expectRejection(promise: Promise<unknown>, message: RegExp, what = "the call"): Promise<void> {
  let error: Error | undefined;
  try {
    await promise;
  } catch (caught) {
    error = caught as Error;
  }
  expect(error, `${what} should have been refused`).to.not.equal(undefined);
  expect(error!.message, what).to.match(message);
}

/** A database as the version-2 relayer wrote it (its schema, verbatim), with one included open ballot. */
function writeVersion2Database(file: string): void {
  const db = new Database(file);
  db.exec(`
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE ballots (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  receipt_id   TEXT NOT NULL UNIQUE,
  election_id  TEXT NOT NULL,
  nullifier    TEXT NOT NULL,
  ballot       TEXT NOT NULL,
  proof        TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('queued', 'submitted', 'included', 'final', 'rejected')),
  reason       TEXT,
  tx_id        INTEGER REFERENCES transactions(id),
  tx_hash      TEXT,
  block_number INTEGER,
  block_hash   TEXT,
  accepted_at  INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  UNIQUE (election_id, nullifier)
);
CREATE INDEX ballots_by_status ON ballots (status);
CREATE TABLE transactions (id INTEGER PRIMARY KEY AUTOINCREMENT, nonce INTEGER NOT NULL, status TEXT NOT NULL CHECK (status IN ('pending', 'mined', 'dropped')), created_at INTEGER NOT NULL);
CREATE TABLE transaction_attempts (hash TEXT PRIMARY KEY, tx_id INTEGER NOT NULL REFERENCES transactions(id), raw TEXT NOT NULL, max_fee_per_gas TEXT NOT NULL, max_priority_fee_per_gas TEXT NOT NULL, sent_at INTEGER NOT NULL);
INSERT INTO meta (key, value) VALUES ('schema_version', '2'), ('chain_id', '31337'), ('pin_block_number', '1'), ('pin_block_hash', '0x${"cc".repeat(32)}'), ('zkballot', '0x${"aa".repeat(20)}'), ('relayer', '0x${"bb".repeat(20)}');
INSERT INTO transactions (id, nonce, status, created_at) VALUES (1, 0, 'mined', 0);
INSERT INTO ballots (receipt_id, election_id, nullifier, ballot, proof, status, tx_id, tx_hash, block_number, block_hash, accepted_at, updated_at)
  VALUES ('receipt-kept', '1', '77', '4', '["1","2","3","4","5","6","7","8"]', 'included', 1, '0x${"ab".repeat(32)}', 9, '0x${"cd".repeat(32)}', 0, 0);
`);
  db.close();
}
