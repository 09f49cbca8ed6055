/**
 * The web app with a sealed election (SealedZkBallot), in a real headless Chromium against a
 * real `hardhat node`: a 2-of-2 election whose key ceremony runs in the test (lib/sealed/flow).
 * The election page before the key is fixed and in voting; the Benaloh challenge ("check my
 * device") on the vote page; a sealed vote proven in the Web Worker and cast from an injected
 * EIP-1193 wallet, every request recorded and checked for the secret and the nullifier; refusals
 * (key not fixed, second vote with its block in English and Japanese, not on the roll); check my
 * ballot; then the close, both trustees' partial decryptions and the tally in the test, and the
 * page shows the proven result and the audit verdicts. axe on every page in both languages on a
 * phone viewport; screenshots app/screenshots/sealed-*.png (gitignored).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import AxeBuilder from "@axe-core/playwright";
import { expect } from "chai";
import { JsonRpcProvider, type JsonRpcSigner } from "ethers";
import type { Browser, BrowserContext, Page } from "playwright-core";

import { buildApp } from "../app/build";
import { startAppServer, type AppServer } from "../app/serve";
import { computeElectionScope } from "../lib/chain/reader";
import { encodeElectionMetadata } from "../lib/chain/metadata";
import { toHex32 } from "../lib/core/field";
import { computeNullifier, identityFromSecret, type VoterIdentity } from "../lib/core/identity";
import { VoterRoll } from "../lib/core/voterRoll";
import { releaseSnarkjs } from "../lib/proving/prover";
import { closeSealedElection, createSealedElection, deploySealedZkBallot, finalizeSealedTally, openSealedVoting, publishSealedRoll, runLocalKeyCeremony, trusteeDecryptOnce, type LocalCeremony } from "../lib/sealed/flow/election";
import type { SealedZkBallot } from "../typechain-types";
import { sealedInterface } from "../lib/audit/sealedEvents";
import { injectTestWallet, launchChromium, recordPageDiagnostics, waitForPageReady, type PageDiagnostics, loadIdentity, screenshot, SCREENSHOTS } from "./helpers/browser";
import { startHardhatNode, type HardhatNode } from "./helpers/processes";
import { dataWords, startTamperingRpc, type ReturnedLog } from "./helpers/tamperingRpc";
import { relayerConfigFromEnv } from "../lib/relayer/config";
import { startRelayer, type RunningRelayer } from "../lib/relayer/service";

const PHONE = { width: 390, height: 844 };
const OPTIONS = ["Park", "Library", "Bike lanes"];
const TITLE = "Tsukuba sealed budget 2027";
/** The relayer's account: hardhat's #19, used by no other part of this test. */
const RELAYER_KEY = "0xdf57089febbacf7ba0bc227dafbffa9fc08a93fdc68e1e42411a14efcf23656e";

/**
 * Every VoteCast log rewritten: options 0 and 1 of the first ciphertext half swapped
 * (c1[0] <-> c1[1]), as a lying node would. The negative control for the page's checks.
 */
function swapSealedCiphertexts(log: ReturnedLog): void {
  if (log.topics[0] !== sealedInterface.getEvent("VoteCast")!.topicHash) return;
  const words = dataWords(log);
  [words[0], words[1], words[2], words[3]] = [words[2], words[3], words[0], words[1]];
  log.data = "0x" + words.join("");
}

describe("web app with a sealed election in Chromium (app/)", function () {
  this.timeout(180_000);
  let node: HardhatNode;
  let provider: JsonRpcProvider;
  let admin: JsonRpcSigner;
  let registrar: JsonRpcSigner;
  let trustees: JsonRpcSigner[];
  let contract: SealedZkBallot;
  let electionId: bigint;
  let ceremony: LocalCeremony;
  let server: AppServer;
  let browser: Browser;
  let voter: VoterIdentity; // on the roll, votes from the injected wallet
  let absent: VoterIdentity; // on the roll, never votes
  let relayed: VoterIdentity; // on the roll, votes through the relayer from a browser with no wallet
  let relayer: RunningRelayer;
  let stranger: VoterIdentity; // not on the roll
  let walletAccount: string;
  let voteBlock: number;
  let distDir: string; // its own build: test/app.e2e.test.ts may build app/dist at the same time (parallel workers)

  before(async function () {
    const starting = startHardhatNode().then((started) => (node = started)); // assigned at once, so `after` stops it even if the build fails
    distDir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-app-sealed-"));
    const [report] = await Promise.all([buildApp({ outDir: distDir }), starting]);
    expect(report.files.map((f) => f.file)).to.include.members(["circuits/sealed/sealedVote.zkey", "circuits/sealed/sealedVote.vkey.json"]);
    provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true });
    [admin, registrar, ...trustees] = await Promise.all([0, 1, 2, 3].map((i) => provider.getSigner(i)));
    walletAccount = await (await provider.getSigner(7)).getAddress();
    contract = await deploySealedZkBallot(admin);
    const metadata = encodeElectionMetadata({ title: TITLE, options: OPTIONS });
    ({ electionId } = await createSealedElection(contract, {
      title: TITLE, numOptions: 3, minSelections: 1, maxSelections: 2, registrar: await registrar.getAddress(),
      trustees: await Promise.all(trustees.map((t) => t.getAddress())), threshold: 2, ...metadata,
    }));
    // A single-choice election that never gets its key: the vote page's radio buttons.
    await createSealedElection(contract, { title: "Single choice", numOptions: 2, minSelections: 1, maxSelections: 1, registrar: await registrar.getAddress(), trustees: [await trustees[0].getAddress()], threshold: 1 });
    relayer = await startRelayer(relayerConfigFromEnv({
      RELAYER_PRIVATE_KEY: RELAYER_KEY, RELAYER_RPC_URL: node.url, RELAYER_CONTRACT_KIND: "sealed", ZKBALLOT_ADDRESS: await contract.getAddress(),
      RELAYER_PORT: "0", RELAYER_DB: path.join(distDir, "relayer.sqlite"), RELAYER_INTERVAL_MS: "200", RELAYER_FINALITY: "1", RELAYER_VERIFY_WORKERS: "1",
    }));
    server = await startAppServer({ rpcUrl: node.url, relayerUrl: relayer.url, zkBallot: await contract.getAddress(), electionId, distDir });
    browser = await launchChromium();
    [voter, absent, stranger, relayed] = await Promise.all([111111n, 222222n, 333333n, 444444n].map((secret) => identityFromSecret(secret)));
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
  });

  after(async function () {
    await browser?.close();
    await server?.close();
    await relayer?.stop();
    provider?.destroy();
    node?.stop();
    await releaseSnarkjs();
    if (distDir) fs.rmSync(distDir, { recursive: true, force: true });
  });

  const diagnosticsOf = new WeakMap<Page, PageDiagnostics>();

  async function walletContext(): Promise<BrowserContext> {
    const context = await browser.newContext({ viewport: PHONE });
    await injectTestWallet(context, walletAccount);
    return context;
  }

  async function open(hash: string, lang: "en" | "ja", context?: BrowserContext, query = ""): Promise<Page> {
    const page = await (context ?? (await browser.newContext({ viewport: PHONE }))).newPage();
    const diagnostics = recordPageDiagnostics(page);
    diagnosticsOf.set(page, diagnostics);
    await page.goto(`${server.url}/?lang=${lang}${query}#${hash}`);
    await waitForPageReady(page, diagnostics, "body[data-ready=true]", 20_000);
    return page;
  }



  async function vote(page: Page, options: number[]): Promise<void> {
    for (const option of options) await page.check(`#option-${option}`);
    await page.click("#vote-submit");
    await page.waitForSelector("[data-testid=refusal], #vote-status:has-text('block')", { timeout: 120_000 });
  }

  it("detects the sealed deployment; refuses a kind that is not open or sealed, and one the contract contradicts; a single-choice election gets radio buttons", async function () {
    for (const [query, message] of [["&kind=secret", 'config kind must be "open", "sealed" or empty (detect), got "secret"'], ["&kind=open", 'config kind is "open", but the contract at']] as const) {
      const page = await (await browser.newContext({ viewport: PHONE })).newPage();
      const diagnostics = recordPageDiagnostics(page);
      await page.goto(`${server.url}/?lang=en${query}#election`);
      await waitForPageReady(page, diagnostics, "body[data-ready=true]", 20_000);
      expect(await page.textContent("[role=alert]")).to.include(message);
      await page.context().close();
    }
    const single = await open("vote", "en", undefined, "&election=2");
    expect(await single.textContent("#vote-form legend")).to.equal("Choose one option");
    expect(await single.locator("#vote-form input[name=option][type=radio]").count()).to.equal(2);
    await single.context().close();
  });

  it("shows the election before the key is fixed: registration, trustees, threshold, the ceremony's progress; voting is refused", async function () {
    const page = await open("election", "en");
    expect(await page.textContent("h1")).to.equal(`Election ${electionId}: ${TITLE}`);
    expect(await page.textContent("[data-testid=phase]")).to.match(/^Registration/);
    expect(await page.textContent("[data-testid=threshold]")).to.equal("2 of 2");
    expect(await page.locator("[data-testid=trustees] li").allTextContents()).to.deep.equal(await Promise.all(trustees.map((t) => t.getAddress())));
    expect(await page.textContent("[data-testid=key-status]")).to.equal("Election key not fixed yet (0 of 2 communication keys, 0 of 2 dealings posted)");
    expect(await page.textContent("[data-testid=rule]")).to.equal("from 1 to 2");
    await screenshot(page, "sealed-election-registration-en.png");
    await page.context().close();
    const votePage = await open("vote", "ja");
    await loadIdentity(votePage, voter);
    await vote(votePage, [0]);
    expect(await votePage.textContent("[data-testid=refusal]")).to.include("選挙鍵がまだ確定していません");
    await votePage.context().close();

    ceremony = await runLocalKeyCeremony(contract, electionId, trustees, admin);
    const commitments = [voter.voterCommitment, absent.voterCommitment, relayed.voterCommitment];
    await publishSealedRoll(contract.connect(registrar) as SealedZkBallot, electionId, commitments);
    await openSealedVoting(contract.connect(registrar) as SealedZkBallot, electionId, (await VoterRoll.build(commitments)).root);
  });

  it("shows the election in voting: key fixed, roll size, no ballots, sealed until close, the operation record", async function () {
    const page = await open("election", "en");
    expect(await page.textContent("[data-testid=phase]")).to.equal("Voting");
    expect(await page.textContent("[data-testid=key-status]")).to.equal("Election key fixed");
    expect(await page.textContent("[data-testid=roll-size]")).to.equal("3");
    expect(await page.textContent("[data-testid=ballots]")).to.equal("0");
    expect(await page.textContent("[data-testid=sealed-note]")).to.match(/^Sealed until close/);
    expect(await page.locator(".options li").allTextContents()).to.deep.equal(OPTIONS);
    expect(await page.locator("table tbody tr td:first-child").allTextContents()).to.deep.equal([
      "ElectionCreated", "CommunicationKeyPosted", "CommunicationKeyPosted", "DealingPosted", "DealingPosted", "ElectionKeyFixed", "VoterCommitmentsPublished", "VotingOpened",
    ]);
    await page.context().close();
  });

  it("checks the device (Benaloh): the revealed randomness re-encrypts the choice under the key on chain; nothing is cast", async function () {
    const page = await open("vote", "en");
    expect(await page.isChecked("#via-relayer"), "the relayer is the default").to.equal(true);
    expect(await page.textContent("#vote-form legend")).to.equal("Choose from 1 to 2 options");
    expect(await page.locator("#vote-form input[name=option][type=checkbox]").count()).to.equal(3);
    // By keyboard: Space ticks an option, Enter presses the button.
    for (const option of [0, 2]) {
      await page.focus(`#option-${option}`);
      await page.keyboard.press("Space");
    }
    await page.focus("#challenge-run");
    await page.keyboard.press("Enter");
    await page.waitForSelector("[data-testid=challenge-verdict]", { timeout: 30_000 });
    expect(await page.textContent("[data-testid=challenge-verdict]")).to.equal("Correct: this device encrypted your choice (Park, Bike lanes) under the election key on chain.");
    const first = await page.textContent("[data-testid=challenge-randomness]");
    await page.click("#challenge-run");
    await page.waitForFunction((previous) => document.querySelector("[data-testid=challenge-randomness]")?.textContent !== previous, first, { timeout: 30_000 });
    expect(await page.textContent("[data-testid=challenge-discarded]")).to.match(/discarded and will never be cast/);
    expect((await contract.getElection(electionId)).ballotsCast).to.equal(0n);
    await screenshot(page, "sealed-challenge-en.png");
    await page.context().close();
  });

  it("votes: the sealed proof is made in the Web Worker and cast from the injected wallet; no request carries the secret, nor the nullifier before submission", async function () {
    const context = await walletContext();
    const requests: { url: string; body: string }[] = [];
    context.on("request", (request) => requests.push({ url: request.url(), body: request.postData() ?? "" }));
    const page = await open("vote", "en", context);
    expect(await page.isVisible("#wallet-warning")).to.equal(false);
    await page.check("#via-wallet");
    expect(await page.isVisible("#wallet-warning"), "the linkability warning shows when the wallet is chosen").to.equal(true);
    await loadIdentity(page, voter);
    await vote(page, [0, 2]);
    expect(await page.textContent("#vote-status")).to.match(/on-chain in block \d+/);
    voteBlock = Number(/block (\d+)/.exec((await page.textContent("#vote-status"))!)![1]);
    expect(await page.textContent("[data-testid=wallet-from]")).to.equal(walletAccount);
    expect((await provider.getTransaction((await page.textContent("[data-testid=wallet-tx]"))!.trim()))!.from).to.equal(walletAccount);
    expect((await contract.getElection(electionId)).ballotsCast).to.equal(1n);

    const scope = computeElectionScope((await provider.getNetwork()).chainId, await contract.getAddress(), electionId);
    const nullifier = await computeNullifier(voter.identitySecret, scope);
    const secretForms = [voter.identitySecret.toString(), toHex32(voter.identitySecret).slice(2), voter.identitySecret.toString(16)];
    const nullifierForms = [nullifier.toString(), toHex32(nullifier).slice(2), nullifier.toString(16)];
    // The submission starts when the wallet is asked to estimate and send castVote.
    const submission = requests.findIndex((r) => /"method":"eth_(estimateGas|sendTransaction)"/.test(r.body));
    expect(submission, "the ballot was submitted through the wallet").to.be.greaterThan(0);
    expect(requests.some((r) => r.url.endsWith("circuits/sealed/sealedVote.zkey")), "the worker fetched the sealed proving key").to.equal(true);
    for (const [i, request] of requests.entries()) {
      const text = (request.url + request.body).toLowerCase();
      for (const form of secretForms) expect(text.includes(form), `request ${i} ${request.url} carries the secret`).to.equal(false);
      if (i < submission) for (const form of nullifierForms) expect(text.includes(form), `request ${i} ${request.url} carries the nullifier before submission`).to.equal(false);
      expect(request.url.startsWith(server.url + "/") || request.url.startsWith("blob:"), `third-party request ${request.url}`).to.equal(true);
    }
    expect(requests[submission].body.toLowerCase()).to.include(toHex32(nullifier).slice(2));
    await screenshot(page, "sealed-vote-receipt-en.png");
    await context.close();
  });

  it("refuses a second vote naming the block (English, Japanese) and a voter not on the roll, before proving", async function () {
    for (const [lang, pattern] of [["en", /already voted in this election, in block (\d+)/], ["ja", /ブロック (\d+) にすでに投票しています/]] as const) {
      const page = await open("vote", lang, await walletContext());
      await loadIdentity(page, voter);
      await vote(page, [1]);
      const refusal = (await page.textContent("[data-testid=refusal]"))!;
      expect(Number(pattern.exec(refusal)?.[1])).to.equal(voteBlock);
      await screenshot(page, `sealed-vote-refused-${lang}.png`);
      await page.context().close();
    }
    let page = await open("vote", "en", await walletContext());
    await loadIdentity(page, stranger);
    await vote(page, [1]);
    expect(await page.textContent("[data-testid=refusal]")).to.match(/not on this election's voter roll/);
    await page.context().close();
    expect((await contract.getElection(electionId)).ballotsCast).to.equal(1n);
  });

  it("votes through the relayer (the default) from a browser with no wallet: a receipt for these ciphertexts, cast by the relayer's account; the nullifier goes out only in the submission", async function () {
    const requests: { url: string; body: string }[] = [];
    const context = await browser.newContext({ viewport: PHONE });
    context.on("request", (request) => requests.push({ url: request.url(), body: request.postData() ?? "" }));
    const page = await open("vote", "en", context);
    expect(await page.isDisabled("#via-wallet")).to.equal(true);
    expect(await page.isChecked("#via-relayer")).to.equal(true);
    await loadIdentity(page, relayed);
    await vote(page, [1]);
    expect(await page.textContent("#vote-status")).to.match(/on-chain in block \d+/);
    expect(await page.textContent("[data-testid=receipt-id]")).to.match(/\S+/);
    const transactionHash = (await page.textContent("[data-testid=relayed-tx]"))!.trim();
    expect((await provider.getTransaction(transactionHash))!.from).to.equal(relayer.address);
    expect((await contract.getElection(electionId)).ballotsCast).to.equal(2n);

    const scope = computeElectionScope((await provider.getNetwork()).chainId, await contract.getAddress(), electionId);
    const nullifier = await computeNullifier(relayed.identitySecret, scope);
    const submission = requests.findIndex((r) => r.url.endsWith("/v1/sealed-ballots"));
    expect(submission, "the ballot was posted to the relayer").to.be.greaterThan(0);
    expect(JSON.parse(requests[submission].body).nullifier).to.equal(nullifier.toString());
    for (const [i, request] of requests.entries()) {
      const text = (request.url + request.body).toLowerCase();
      for (const form of [relayed.identitySecret.toString(), toHex32(relayed.identitySecret).slice(2)]) expect(text.includes(form), `request ${i} ${request.url} carries the secret`).to.equal(false);
      if (i < submission) for (const form of [nullifier.toString(), toHex32(nullifier).slice(2)]) expect(text.includes(form), `request ${i} ${request.url} carries the nullifier before submission`).to.equal(false);
      expect(request.url.startsWith(server.url + "/") || request.url.startsWith("blob:"), `third-party request ${request.url}`).to.equal(true);
    }
    await screenshot(page, "sealed-vote-relayed-en.png");
    await context.close();
  });

  it("checks my ballot before the tally: on chain, proof valid, in the encrypted totals, not final yet; none for a voter who did not vote", async function () {
    const page = await open("check", "en");
    await loadIdentity(page, voter);
    await page.click("#check-run");
    await page.waitForSelector("[data-testid=check-final]", { timeout: 30_000 });
    expect(await page.textContent("[data-testid=check-onchain]")).to.include(`block ${voteBlock}`);
    expect(await page.textContent("[data-testid=check-proof]")).to.equal("Proof valid (verified on this device)");
    expect(await page.textContent("[data-testid=check-included]")).to.match(/^Included in the encrypted totals \(the sum of all 2 ballots/);
    expect(await page.textContent("[data-testid=check-final]")).to.match(/not final yet/);
    await loadIdentity(page, absent);
    await page.click("#check-run");
    await page.waitForSelector("[data-testid=check-none]", { timeout: 30_000 });
    await page.context().close();
  });

  it("after the close, both trustees' partial decryptions and the tally: the proven result, my ballot's final check, every audit verdict", async function () {
    await closeSealedElection(contract, electionId);
    let page = await open("election", "en");
    expect(await page.textContent("[data-testid=sealed-note]")).to.equal("Closed: 0 of the 2 partial decryptions needed have been posted.");
    await page.context().close();
    page = await open("vote", "en", await walletContext());
    await loadIdentity(page, absent);
    await vote(page, [1]);
    expect(await page.textContent("[data-testid=refusal]")).to.equal("Refused: the election is not in the voting phase (it is in phase Closed).");
    await page.context().close();
    for (const [i, trustee] of trustees.entries()) await trusteeDecryptOnce(contract.connect(trustee) as SealedZkBallot, ceremony.keyFiles[i]);
    const { counts } = await finalizeSealedTally(contract, electionId);
    expect(counts).to.deep.equal([1, 1, 1]);

    page = await open("election", "ja");
    expect(await page.textContent("[data-testid=phase]")).to.equal("集計済み");
    expect(await page.locator(".tally li").allTextContents()).to.deep.equal(["Park: 1 票", "Library: 1 票", "Bike lanes: 1 票"]);
    expect(await page.textContent("[data-testid=proven-note]")).to.include("鍵管理人 1, 2 の部分復号");
    await page.context().close();

    page = await open("check", "en");
    await loadIdentity(page, voter);
    await page.click("#check-run");
    await page.waitForSelector("[data-testid=check-final]", { timeout: 30_000 });
    expect(await page.textContent("[data-testid=check-final]")).to.equal("After the tally: the totals decrypt with the trustees' posted partial decryptions to the proven counts [1, 1, 1]");
    await page.context().close();

    page = await open("audit", "en");
    await page.click("#audit-run");
    await page.waitForSelector("[data-testid=audit-verdict]", { timeout: 60_000 });
    expect(await page.textContent("[data-testid=audit-verdict]")).to.equal("Verdict: PASS");
    const ids = ["sealed-record", "voter-roll", "key-ceremony", "sealed-ballots", "encrypted-totals", "partial-decryptions", "sealed-tally", "artifacts"];
    for (const id of ids) expect(await page.textContent(`#audit-result [data-check=${id}] span`), id).to.equal("pass");
    expect(await page.textContent("[data-testid=audit-cli-only] [data-check=sealed-verifiers]")).to.include("needs the Solidity compiler");
    await page.context().close();
  });

  it("fails the audit and my ballot's checks when the node alters the ballot's ciphertext (a tampering RPC)", async function () {
    const tampering = await startTamperingRpc(node.url, swapSealedCiphertexts);
    const lying = await startAppServer({ rpcUrl: tampering.url, relayerUrl: "http://127.0.0.1:0", zkBallot: await contract.getAddress(), electionId, distDir });
    try {
      const page = await (await browser.newContext({ viewport: PHONE })).newPage();
      const diagnostics = recordPageDiagnostics(page);
      await page.goto(`${lying.url}/?lang=en#audit`);
      await waitForPageReady(page, diagnostics, "body[data-ready=true]", 20_000);
      await page.click("#audit-run");
      await page.waitForSelector("[data-testid=audit-verdict]", { timeout: 60_000 });
      expect(await page.textContent("[data-testid=audit-verdict]")).to.equal("Verdict: FAIL");
      for (const id of ["sealed-ballots", "encrypted-totals"]) expect(await page.textContent(`#audit-result [data-check=${id}] span`), id).to.equal("FAIL");
      expect(await page.textContent("#audit-result [data-check=sealed-record] span")).to.equal("pass");
      await page.goto(`${lying.url}/?lang=en#check`);
      await waitForPageReady(page, diagnostics, "body[data-ready=true]", 20_000);
      await loadIdentity(page, voter);
      await page.click("#check-run");
      await page.waitForSelector("[data-testid=check-final]", { timeout: 30_000 });
      expect(await page.textContent("[data-testid=check-proof]")).to.equal("Proof NOT valid");
      expect(await page.textContent("[data-testid=check-included]")).to.match(/^NOT included/);
      await page.context().close();
    } finally {
      await lying.close();
      await tampering.close();
    }
  });

  it("has no axe violations, page errors, CSP violations or failed requests on any sealed page in either language (phone viewport); writes screenshots", async function () {
    for (const lang of ["en", "ja"] as const) {
      for (const hash of ["election", "vote", "check", "audit"]) {
        const page = await open(hash, lang, await walletContext());
        if (hash === "audit") {
          await page.click("#audit-run");
          await page.waitForSelector("[data-testid=audit-verdict]", { timeout: 60_000 });
        }
        const { violations } = await new AxeBuilder({ page }).analyze();
        expect(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`), `${hash} ${lang}`).to.deep.equal([]);
        const errors = diagnosticsOf.get(page)!.lines.filter((line) => /^(pageerror|console\.error|requestfailed|http [45])/.test(line));
        expect(errors, `${hash} ${lang}: errors, CSP violations or failed requests`).to.deep.equal([]);
        await screenshot(page, `sealed-${hash}-${lang}.png`);
        await page.context().close();
      }
    }
  });
});
