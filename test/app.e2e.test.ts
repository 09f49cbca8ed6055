/**
 * The web app in a real headless Chromium (@sparticuz/chromium via playwright-core) against a
 * real `hardhat node` and the real relayer: create an identity, vote (proof in a Web Worker,
 * through the relayer, or from an injected EIP-1193 wallet after the linkability warning), refusals (double vote with its block, not on the roll, not in the voting
 * phase, relayer unreachable) in both languages, an approval election (checkboxes, too many options
 * refused before proving, two options relayed and both counted), check my ballot, audit, results; every request
 * recorded and checked for the secret and the nullifier; axe on every page in both languages on
 * a phone viewport; screenshots into app/screenshots/ (gitignored).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import AxeBuilder from "@axe-core/playwright";
import { expect } from "chai";
import { JsonRpcProvider, keccak256, Wallet, type JsonRpcSigner } from "ethers";
import type { Browser, BrowserContext, Page } from "playwright-core";

import { buildApp } from "../app/build";
import { startAppServer, type AppServer } from "../app/serve";
import { checkBallots } from "../lib/audit/checks/ballots";
import { checkElectionRecord } from "../lib/audit/checks/electionRecord";
import { checkTally } from "../lib/audit/checks/tally";
import { checkVoterRoll } from "../lib/audit/checks/voterRoll";
import { loadAuditContext } from "../lib/audit/context";
import { CheckBuilder, type CheckResult } from "../lib/audit/types";
import { closeElection, computeElectionScope, createElection, deployZkBallot, openVoting, publishVoterRoll } from "../lib/chain/election";
import { encodeElectionMetadata } from "../lib/chain/electionSpec";
import { toHex32 } from "../lib/core/field";
import { computeNullifier, identityFromSecret, parseIdentity, type VoterIdentity } from "../lib/core/identity";
import { loadVerificationKey, releaseSnarkjs } from "../lib/proving/prover";
import { relayerConfigFromEnv } from "../lib/relayer/config";
import { startRelayer, type RunningRelayer } from "../lib/relayer/service";
import type { ZkBallot } from "../typechain-types";
import { injectTestWallet, launchChromium, recordPageDiagnostics, waitForPageReady, type PageDiagnostics, loadIdentity, screenshot, SCREENSHOTS } from "./helpers/browser";
import { startHardhatNode, type HardhatNode } from "./helpers/processes";
import { dataWords, startTamperingRpc } from "./helpers/tamperingRpc";

const RELAYER_KEY = "0xdf57089febbacf7ba0bc227dafbffa9fc08a93fdc68e1e42411a14efcf23656e"; // hardhat node account 19
const PHONE = { width: 390, height: 844 };
const OPTIONS = ["Alice", "Bob", "Carol"];
const PARKS = ["Doho Park", "Akatsuka Park", "Matsushiro Park", "Central Park"]; // election 3: approval, choose 1 to 2

interface RecordedRequest {
  url: string;
  body: string;
}

describe("web app in Chromium (app/)", function () {
  this.timeout(120_000);
  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let operator: JsonRpcSigner;
  let registrar: JsonRpcSigner;
  let zkBallot: ZkBallot;
  let relayer: RunningRelayer;
  let server: AppServer;
  let deadRelayerServer: AppServer;
  let browser: Browser;
  let tmp: string;
  let voter: VoterIdentity; // created in the browser
  let voterFile: string;
  let other: VoterIdentity; // on the roll, votes through the dead relayer
  let stranger: VoterIdentity; // not on the roll
  let walletVoter: VoterIdentity; // on the roll, votes from an injected wallet
  let approvalVoter: VoterIdentity; // on election 3's roll
  let voteBlock: number;

  before(async function () {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-app-"));
    // Built into this test's own directory: app/dist is npm run app's (test/app.cli.test.ts), and
    // two builds into one directory at once collide.
    const distDir = path.join(tmp, "dist");
    const [report, started] = await Promise.all([buildApp({ outDir: distDir }), startHardhatNode()]);
    expect(report.bundleBytes).to.be.greaterThan(0);
    node = started;
    provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    operator = await provider.getSigner(0);
    registrar = await provider.getSigner(1);
    zkBallot = await deployZkBallot(operator);
    const address = await zkBallot.getAddress();
    const metadata = encodeElectionMetadata({ title: "Tsukuba city budget 2027", options: OPTIONS });
    await createElection(zkBallot, { title: "Tsukuba city budget 2027", numOptions: 3, ...metadata, registrar: await registrar.getAddress() });
    await createElection(zkBallot, { title: "Not open yet", numOptions: 2, registrar: await registrar.getAddress() });
    const approvalMetadata = encodeElectionMetadata({ title: "Park renewals 2027", options: PARKS });
    await createElection(zkBallot, { title: "Park renewals 2027", numOptions: PARKS.length, minSelections: 1, maxSelections: 2, ...approvalMetadata, registrar: await registrar.getAddress() });
    relayer = await startRelayer(relayerConfigFromEnv({
      RELAYER_RPC_URL: node.url, RELAYER_PRIVATE_KEY: RELAYER_KEY, RELAYER_PORT: "0", RELAYER_DB: path.join(tmp, "relayer.sqlite"),
      ZKBALLOT_ADDRESS: address, RELAYER_INTERVAL_MS: "200", RELAYER_FINALITY: "1", RELAYER_VERIFY_WORKERS: "1",
    }));
    const common = { rpcUrl: node.url, zkBallot: address, electionId: 1n, distDir };
    server = await startAppServer({ ...common, relayerUrl: relayer.url });
    // Port 0: no server can listen there, so every connection to this "relayer" is refused.
    deadRelayerServer = await startAppServer({ ...common, relayerUrl: "http://127.0.0.1:0" });
    browser = await launchChromium();
    other = await identityFromSecret(123456789n);
    stranger = await identityFromSecret(987654321n);
    walletVoter = await identityFromSecret(555555555n);
    approvalVoter = await identityFromSecret(246813579n);
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
  });

  after(async function () {
    await browser?.close();
    await server?.close();
    await deadRelayerServer?.close();
    await relayer?.stop();
    provider?.destroy();
    node?.stop();
    await releaseSnarkjs();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const diagnosticsOf = new WeakMap<Page, PageDiagnostics>();

  async function open(hash: string, lang: "en" | "ja", options: { base?: string; query?: string; context?: BrowserContext } = {}): Promise<Page> {
    const context = options.context ?? (await browser.newContext({ viewport: PHONE, acceptDownloads: true }));
    const page = await context.newPage();
    const diagnostics = recordPageDiagnostics(page);
    diagnosticsOf.set(page, diagnostics);
    await page.goto(`${options.base ?? server.url}/?lang=${lang}${options.query ?? ""}#${hash}`);
    await waitForPageReady(page, diagnostics, "body[data-ready=true]", 20_000);
    return page;
  }



  async function vote(page: Page, option: number): Promise<void> {
    await page.check(`#option-${option}`);
    await page.click("#vote-submit");
    await page.waitForSelector("[data-testid=receipt-id], [data-testid=wallet-tx], [data-testid=refusal]", { timeout: 60_000 });
  }

  it("serves every response with a strict Content-Security-Policy and refuses a bad config", async function () {
    const response = await fetch(`${server.url}/`);
    expect(response.headers.get("content-security-policy")).to.include("default-src 'none'").and.include("connect-src 'self'");
    const page = await browser.newPage();
    const diagnostics = recordPageDiagnostics(page);
    await page.goto(`${server.url}/?zkBallot=0x1234`);
    await waitForPageReady(page, diagnostics, "[role=alert]", 20_000);
    expect(await page.textContent("[role=alert]")).to.match(/config zkBallot is not an address/);
    await page.close();
  });

  it("creates an identity in the browser, with a warning and a backup download", async function () {
    const page = await open("vote", "en");
    await page.click("#identity-create");
    expect(await page.textContent("#identity-created [role=alert]")).to.match(/download the backup/i);
    const [download] = await Promise.all([page.waitForEvent("download", { timeout: 10_000 }), page.click("#identity-download")]);
    voterFile = path.join(tmp, "voter.identity.json");
    await download.saveAs(voterFile);
    voter = await parseIdentity(fs.readFileSync(voterFile, "utf8"));
    expect(await page.textContent("#identity-commitment")).to.equal(voter.voterCommitment.toString());
    await page.context().close();
    // The registrar puts the browser's commitment on the roll and opens voting.
    await publishVoterRoll(zkBallot.connect(registrar), 1n, [voter.voterCommitment, other.voterCommitment, walletVoter.voterCommitment]);
    await openVoting(zkBallot.connect(registrar), 1n);
  });

  it("shows the election: phase, roll size, ballots, options and the operation record", async function () {
    const page = await open("election", "en");
    expect(await page.textContent("h1")).to.equal("Election 1: Tsukuba city budget 2027");
    expect(await page.textContent("[data-testid=phase]")).to.equal("Voting");
    expect(await page.textContent("[data-testid=roll-size]")).to.equal("3");
    expect(await page.textContent("[data-testid=ballots]")).to.equal("0");
    expect(await page.locator("table tbody tr td:first-child").allTextContents()).to.deep.equal(["ElectionCreated", "VoterCommitmentsPublished", "VotingOpened"]);
    expect(await page.locator(".tally li").allTextContents()).to.deep.equal(["Alice: 0 votes", "Bob: 0 votes", "Carol: 0 votes"]);
    await page.context().close();
  });

  it("votes: the proof is made in a Web Worker and the ballot goes through the relayer; no request carries the secret or the nullifier before submission", async function () {
    const context = await browser.newContext({ viewport: PHONE });
    const requests: RecordedRequest[] = [];
    context.on("request", (request) => requests.push({ url: request.url(), body: request.postData() ?? "" }));
    const page = await open("vote", "en", { context });
    expect(await page.isDisabled("#via-wallet"), "no wallet in this browser: the wallet path is off").to.equal(true);
    expect(await page.isChecked("#via-relayer")).to.equal(true);
    await loadIdentity(page, voter);
    await vote(page, 1);
    expect(await page.textContent("#vote-status")).to.match(/on-chain in block \d+/);
    voteBlock = Number(/block (\d+)/.exec((await page.textContent("#vote-status"))!)![1]);
    expect((await zkBallot.tallies(1n)).map(Number)).to.deep.equal([0, 1, 0]);

    const scope = computeElectionScope((await provider.getNetwork()).chainId, await zkBallot.getAddress(), 1n);
    const nullifier = await computeNullifier(voter.identitySecret, scope);
    const secretForms = [voter.identitySecret.toString(), toHex32(voter.identitySecret).slice(2), voter.identitySecret.toString(16)];
    const nullifierForms = [nullifier.toString(), toHex32(nullifier).slice(2), nullifier.toString(16)];
    const submission = requests.findIndex((r) => r.url.endsWith("/v1/ballots") && r.body !== "");
    expect(submission, "the ballot was submitted").to.be.greaterThan(0);
    expect(requests.some((r) => r.url.endsWith("circuits/vote.zkey")), "the worker fetched the proving key").to.equal(true);
    for (const [i, request] of requests.entries()) {
      const text = (request.url + request.body).toLowerCase();
      for (const form of secretForms) expect(text.includes(form), `request ${i} ${request.url} carries the secret`).to.equal(false);
      if (i < submission) for (const form of nullifierForms) expect(text.includes(form), `request ${i} ${request.url} carries the nullifier before submission`).to.equal(false);
      expect(request.url.startsWith(server.url + "/") || request.url.startsWith("blob:"), `third-party request ${request.url}`).to.equal(true);
    }
    expect(requests[submission].body).to.include(nullifier.toString());
    await screenshot(page, "vote-receipt-en.png");
    await context.close();
  });

  it("refuses a double vote, naming the block, in English and in Japanese", async function () {
    for (const [lang, pattern] of [["en", /already voted in this election, in block (\d+)/], ["ja", /ブロック (\d+) にすでに投票しています/]] as const) {
      const page = await open("vote", lang);
      await loadIdentity(page, voter);
      await vote(page, 0);
      const refusal = (await page.textContent("[data-testid=refusal]"))!;
      expect(refusal).to.match(pattern);
      expect(Number(pattern.exec(refusal)![1])).to.equal(voteBlock);
      await screenshot(page, `vote-refused-${lang}.png`);
      await page.context().close();
    }
    expect((await zkBallot.tallies(1n)).map(Number)).to.deep.equal([0, 1, 0]);
  });

  it("refuses a voter who is not on the roll, and an election not in the voting phase", async function () {
    let page = await open("vote", "ja");
    await loadIdentity(page, stranger);
    await vote(page, 0);
    expect(await page.textContent("[data-testid=refusal]")).to.include("名簿にありません");
    await page.context().close();
    page = await open("vote", "en", { query: "&election=2" });
    await loadIdentity(page, voter);
    await vote(page, 0);
    expect(await page.textContent("[data-testid=refusal]")).to.equal("Refused: the election is not in the voting phase (it is in phase Registration).");
    await page.context().close();
  });

  it("refuses when the relayer cannot be reached, after proving, and sends nothing on-chain", async function () {
    const page = await open("vote", "en", { base: deadRelayerServer.url });
    await loadIdentity(page, other);
    await vote(page, 2);
    expect(await page.textContent("[data-testid=refusal]")).to.match(/relayer cannot be reached/);
    expect((await zkBallot.tallies(1n)).map(Number)).to.deep.equal([0, 1, 0]);
    await page.context().close();
  });

  it("votes from an injected wallet (EIP-1193) after the linkability warning; the wallet's account sends the transaction", async function () {
    const walletAccount = await (await provider.getSigner(7)).getAddress();
    const context = await browser.newContext({ viewport: PHONE });
    await injectTestWallet(context, walletAccount);
    const page = await open("vote", "en", { context });
    expect(await page.isVisible("#wallet-warning")).to.equal(false);
    await page.check("#via-wallet");
    expect(await page.textContent("#wallet-warning")).to.match(/that account is then publicly linked to the ballot's transaction/);
    await loadIdentity(page, walletVoter);
    await vote(page, 0);
    expect(await page.textContent("#vote-status")).to.match(/on-chain in block \d+/);
    expect(await page.textContent("[data-testid=wallet-from]")).to.equal(walletAccount);
    const hash = (await page.textContent("[data-testid=wallet-tx]"))!.trim();
    expect((await provider.getTransaction(hash))!.from).to.equal(walletAccount);
    expect((await zkBallot.tallies(1n)).map(Number)).to.deep.equal([1, 1, 0]);
    await screenshot(page, "vote-wallet-en.png");
    await context.close();
  });

  async function expectNoAxeViolations(page: Page, label: string): Promise<void> {
    const { violations } = await new AxeBuilder({ page }).analyze();
    expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`), label).to.deep.equal([]);
  }

  it("approval election (choose 1 to 2 of 4): checkboxes; a third option is refused before proving, naming the range; two options go through the relayer, the receipt names both, the tally counts both, and check my ballot finds it counted", async function () {
    await publishVoterRoll(zkBallot.connect(registrar), 3n, [approvalVoter.voterCommitment, stranger.voterCommitment]);
    await openVoting(zkBallot.connect(registrar), 3n);
    const context = await browser.newContext({ viewport: PHONE });
    const requests: string[] = [];
    context.on("request", (request) => requests.push(request.url()));
    const page = await open("vote", "ja", { query: "&election=3", context });
    expect(await page.locator("#vote-form input[name=option]").evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).type))).to.deep.equal(["checkbox", "checkbox", "checkbox", "checkbox"]);
    expect(await page.textContent("#vote-form legend")).to.equal("選択肢を 1 個から 2 個まで選んでください");
    await loadIdentity(page, approvalVoter);
    for (const option of [0, 2, 3]) await page.check(`#option-${option}`);
    await page.click("#vote-submit");
    await page.waitForSelector("[data-testid=refusal]", { timeout: 60_000 });
    expect(await page.textContent("[data-testid=refusal]")).to.equal("拒否: 選んだ選択肢は 3 個です。この選挙で選べるのは 1 個から 2 個までです。");
    expect(requests.filter((url) => /worker\.js|vote\.(wasm|zkey)|\/v1\/ballots/.test(url)), "no worker, proving key or submission: no proof was made").to.deep.equal([]);
    await expectNoAxeViolations(page, "approval vote ja");
    await screenshot(page, "vote-approval-refused-ja.png");
    await context.close();

    const en = await open("vote", "en", { query: "&election=3" });
    expect(await en.textContent("#vote-form legend")).to.equal("Choose from 1 to 2 options");
    await loadIdentity(en, approvalVoter);
    for (const option of [0, 2, 3]) await en.check(`#option-${option}`);
    await en.click("#vote-submit");
    await en.waitForSelector("[data-testid=refusal]", { timeout: 60_000 });
    expect(await en.textContent("[data-testid=refusal]")).to.equal("Refused: you chose 3 options; this election takes from 1 to 2.");
    await en.uncheck("#option-3");
    await en.click("#vote-submit");
    await en.waitForSelector("[data-testid=receipt-id], [data-testid=refusal]", { timeout: 60_000 });
    expect(await en.textContent("#vote-status")).to.match(/on-chain in block \d+/);
    expect(await en.textContent("[data-testid=ballot-choice]")).to.equal("Doho Park, Matsushiro Park");
    expect((await zkBallot.tallies(3n)).map(Number)).to.deep.equal([1, 0, 1, 0]);
    const hash = (await en.textContent("[data-testid=relayed-tx]"))!.trim();
    expect((await provider.getTransaction(hash))!.from, "sent by the relayer's account").to.equal(new Wallet(RELAYER_KEY).address);
    await expectNoAxeViolations(en, "approval receipt en");
    await screenshot(en, "vote-approval-receipt-en.png");
    // Check my ballot, with the identity still loaded: counted, both options recounted from the events.
    await en.evaluate(() => (location.hash = "#check"));
    await en.click("#check-run");
    await en.waitForSelector("[data-testid=check-counted]", { timeout: 30_000 });
    expect(await en.textContent("[data-testid=check-proof]")).to.equal("Proof valid (verified on this device)");
    expect(await en.textContent("[data-testid=check-counted]")).to.equal("Counted in the tally");
    await en.context().close();

    for (const lang of ["en", "ja"] as const) {
      const election = await open("election", lang, { query: "&election=3" });
      expect(await election.textContent("[data-testid=rule]")).to.equal(lang === "en" ? "Choose from 1 to 2 options" : "選択肢を 1 個から 2 個まで選んでください");
      expect(await election.textContent("[data-testid=ballots]"), "one ballot, two votes").to.equal("1");
      const votes = lang === "en" ? ["1 votes", "0 votes", "1 votes", "0 votes"] : ["1 票", "0 票", "1 票", "0 票"];
      expect(await election.locator(".tally li").allTextContents()).to.deep.equal(PARKS.map((park, i) => `${park}: ${votes[i]}`));
      await expectNoAxeViolations(election, `approval election ${lang}`);
      await screenshot(election, `election-approval-${lang}.png`);
      await election.context().close();
    }
  });

  it("checks my ballot: on-chain, proof valid, counted; and says so when there is none", async function () {
    const page = await open("check", "en");
    await page.setInputFiles("#identity-file", voterFile);
    await page.waitForSelector(`#identity-status:has-text("${voter.voterCommitment.toString()}")`, { timeout: 10_000 });
    await page.click("#check-run");
    await page.waitForSelector("[data-testid=check-counted]", { timeout: 30_000 });
    expect(await page.textContent("[data-testid=check-onchain]")).to.include(`block ${voteBlock}`);
    expect(await page.textContent("[data-testid=check-proof]")).to.equal("Proof valid (verified on this device)");
    expect(await page.textContent("[data-testid=check-counted]")).to.equal("Counted in the tally");
    await loadIdentity(page, other);
    await page.click("#check-run");
    await page.waitForSelector("[data-testid=check-none]", { timeout: 30_000 });
    await page.context().close();
  });

  /** What the CLI auditor's own modules (Node context: fast roll tree, batched proof check) say of the open checks. */
  async function cliOpenChecks(): Promise<CheckResult[]> {
    const unexplained = new CheckBuilder("unexplained");
    const ctx = await loadAuditContext({ provider, contractAddress: await zkBallot.getAddress(), electionId: 1n }, unexplained);
    const record = await checkElectionRecord(ctx, unexplained);
    const roll = await checkVoterRoll(ctx, record.history);
    const ballots = await checkBallots(ctx, record.history, roll.voterRollRoot, loadVerificationKey() as Record<string, unknown>);
    return [record.result, roll.result, ballots.result, checkTally(ctx, record.history, ballots.counted)];
  }

  const evidenceText = (check: CheckResult) => `Evidence: ${JSON.stringify(check.evidence).slice(0, 600)}`;

  it("audits in the browser with the CLI auditor's own checks: election-record, voter-roll, ballots pass and tally passes with its not-final note, with the CLI's evidence; artifacts pass; the CLI-only checks are named with the verifier code hashes", async function () {
    const page = await open("audit", "en");
    await page.click("#audit-run");
    await page.waitForSelector("[data-testid=audit-verdict]", { timeout: 30_000 });
    expect(await page.textContent("[data-testid=audit-verdict]")).to.equal("Verdict: PASS");
    const cli = await cliOpenChecks();
    expect(cli.map((check) => check.id)).to.deep.equal(["election-record", "voter-roll", "ballots", "tally"]);
    // Voting is still open: the CLI's tally passes with its note that the tally is not final, and so does the page.
    expect(cli.map((check) => check.status)).to.deep.equal(["pass", "pass", "pass", "warn"]);
    expect(await page.textContent("#audit-result [data-check=tally]")).to.include("the election is not closed: this tally is not final");
    for (const check of cli) {
      expect(await page.textContent(`#audit-result [data-check=${check.id}] > span`), check.id).to.equal(check.status === "warn" ? "pass, with a note" : "pass");
      expect(await page.textContent(`#audit-result [data-check=${check.id}] .mono`), check.id).to.equal(evidenceText(check));
    }
    expect(cli[2].evidence).to.include({ voteCastEvents: 2, verified: 2 });
    expect(await page.textContent("#audit-result [data-check=artifacts] > span")).to.equal("pass");
    expect(await page.locator("#audit-result [data-check]").count()).to.equal(5); // no unexplained findings among the election's logs
    expect(await page.textContent("[data-testid=audit-cli-only] [data-check=verifier-integrity]")).to.include("needs the Solidity compiler");
    expect(await page.textContent("[data-testid=audit-cli-only] [data-check=unexplained]")).to.include("every one of its logs");
    const verifier = await zkBallot.VERIFIER();
    expect(await page.textContent("[data-testid=verifier-code-hash]")).to.include(`VERIFIER ${keccak256(await provider.getCode(verifier))}`);
    await page.context().close();
  });

  it("fails ballots and tally on the audit page when the RPC alters a VoteCast's ballot (the election record still passes)", async function () {
    const voteCast = zkBallot.interface.getEvent("VoteCast").topicHash;
    // The first word of VoteCast's data is the ballot (2^option): the lie moves the vote to the next option.
    const tampering = await startTamperingRpc(node.url, (log) => {
      if (log.topics[0] !== voteCast) return;
      const words = dataWords(log);
      const ballot = BigInt("0x" + words[0]);
      words[0] = (ballot === 4n ? 1n : ballot * 2n).toString(16).padStart(64, "0");
      log.data = "0x" + words.join("");
    });
    const lying = await startAppServer({ rpcUrl: tampering.url, zkBallot: await zkBallot.getAddress(), electionId: 1n, relayerUrl: "http://127.0.0.1:0", distDir: path.join(tmp, "dist") });
    try {
      const page = await open("audit", "en", { base: lying.url });
      await page.click("#audit-run");
      await page.waitForSelector("[data-testid=audit-verdict]", { timeout: 30_000 });
      expect(await page.textContent("[data-testid=audit-verdict]")).to.equal("Verdict: FAIL");
      for (const id of ["ballots", "tally"]) expect(await page.textContent(`#audit-result [data-check=${id}] > span`), id).to.equal("FAIL");
      expect(await page.textContent("#audit-result [data-check=ballots]")).to.include("does not verify against the verification key");
      expect(await page.textContent("#audit-result [data-check=tally]")).to.include("differs from the recount of verified ballots [0, 0, 0]");
      for (const id of ["election-record", "voter-roll", "artifacts"]) expect(await page.textContent(`#audit-result [data-check=${id}] > span`), id).to.equal("pass");
      await page.context().close();
    } finally {
      await lying.close();
      await tampering.close();
    }
  });

  it("shows the results once the election is closed", async function () {
    await closeElection(zkBallot, 1n);
    const page = await open("election", "ja");
    expect(await page.textContent("[data-testid=phase]")).to.equal("締め切り済み");
    expect(await page.locator(".tally li").allTextContents()).to.deep.equal(["Alice: 1 票", "Bob: 1 票", "Carol: 0 票"]);
    await page.context().close();
  });

  it("is usable by keyboard: skip link, navigation and the language switch", async function () {
    const page = await open("election", "en");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.className)).to.equal("skip");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => location.hash === "#vote", undefined, { timeout: 20_000 });
    // The hash changes before the hashchange handler renders the page, header and language
    // select included: focusing before that focused the old select, which the render then
    // replaced, so the key press changed nothing (the flake of two fresh-clone CIs).
    await page.waitForSelector('nav a[href="#vote"][aria-current=page]', { timeout: 20_000 });
    await page.focus("#language");
    await page.keyboard.press("ArrowDown");
    await page.waitForFunction(() => document.documentElement.lang === "ja", undefined, { timeout: 20_000 });
    expect(await page.textContent("h1")).to.equal("投票");
    await page.context().close();
  });

  it("has no axe violations, page errors, CSP violations or failed requests on any page in either language (phone viewport); writes screenshots", async function () {
    for (const lang of ["en", "ja"] as const) {
      for (const hash of ["election", "vote", "check", "audit"]) {
        const page = await open(hash, lang);
        if (hash === "audit") {
          await page.click("#audit-run");
          await page.waitForSelector("[data-testid=audit-verdict]", { timeout: 30_000 });
        }
        await expectNoAxeViolations(page, `${hash} ${lang}`);
        const errors = diagnosticsOf.get(page)!.lines.filter((line) => /^(pageerror|console\.error|requestfailed|http [45])/.test(line));
        expect(errors, `${hash} ${lang}: errors, CSP violations or failed requests`).to.deep.equal([]);
        await screenshot(page, `${hash}-${lang}.png`);
        await page.context().close();
      }
    }
  });
});
