/**
 * The production trusted setup ceremony (lib/proving/ceremony.ts): a three-party phase 2 on a
 * tiny circuit (four public signals, like the vote circuit) over a LOCAL power-6 phase 1 (the circuit needs 2^3),
 * verified end to end; every tampering named by its step; the deploy gate on anvil with chain id
 * 11155111 (a stand-in for a testnet); the auditor's verifier-provenance verdict.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { expect } from "chai";
import { JsonRpcProvider, NonceManager, Wallet } from "ethers";

import {
  contribute,
  createLocalPtau,
  finalizeCeremony,
  initCeremony,
  readR1csInfo,
  readTranscript,
  TRANSCRIPT_FILE,
  type CeremonyTranscript,
} from "../lib/proving/ceremony";
import { readSections } from "../lib/proving/binFile";
import { installCeremony, verifyCeremony, type CeremonyVerification } from "../lib/proving/ceremonyVerify";
import { ARTIFACT_FILES, CIRCUIT_SOURCES, MANIFEST_FILE, PROJECT_ROOT, isInsecureSetup, loadManifest, sha256File, verifyArtifactHashes } from "../lib/proving/artifacts";
import { assertCeremonyVerifiedForChain, loadManifestTranscript } from "../lib/chain/ceremonyGate";
import { deployZkBallot } from "../lib/chain/election";
import { checkVerifierProvenance } from "../lib/audit/verifierProvenance";
import { releaseSnarkjs } from "../lib/proving/prover";
import { ANVIL_KEYS, runHardhatCliAsync, startAnvil, type HardhatNode } from "./helpers/processes";

/** The local phase 1's power: the tiny circuit needs 2^3; each power more doubles the prepare step. */
const LOCAL_POWER = 6;

const TINY = `pragma circom 2.1.6;
template Tiny() {
  signal input a; signal input b; signal input c; signal input d;
  signal input secret;
  signal s2; signal u; signal v;
  s2 <== secret * secret;
  u <== s2 * a + b;
  v <== u * c + d;
}
component main {public [a, b, c, d]} = Tiny();
`;

function compile(dir: string, name: string, source: string): { r1cs: string; wasm: string } {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.circom`), source);
  const result = spawnSync(process.execPath, [path.join(PROJECT_ROOT, "node_modules", "circom2", "cli.js"), path.join(dir, `${name}.circom`), "--r1cs", "--wasm", "-o", dir], { encoding: "utf8", timeout: 120_000, killSignal: "SIGKILL" }); // blocking: Mocha's timeout cannot stop it
  if (result.status !== 0) throw new Error(`circom failed${result.error ? ` (${result.error.message})` : ""}: ${result.stdout}${result.stderr}`);
  return { r1cs: path.join(dir, `${name}.r1cs`), wasm: path.join(dir, `${name}_js`, `${name}.wasm`) };
}

async function expectCode(action: () => Promise<unknown>, code: string, message: RegExp): Promise<void> {
  let caught: unknown;
  try {
    await action();
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${code}`).to.be.instanceOf(Error);
  expect((caught as { code?: string }).code, (caught as Error).message).to.equal(code);
  expect((caught as Error).message).to.match(message);
}

function editTranscript(dir: string, edit: (t: CeremonyTranscript) => void): void {
  const file = path.join(dir, TRANSCRIPT_FILE);
  const transcript = JSON.parse(fs.readFileSync(file, "utf8")) as CeremonyTranscript;
  edit(transcript);
  fs.writeFileSync(file, JSON.stringify(transcript, null, 2) + "\n");
}

function flipByte(file: string, offsetFromEnd: number): void {
  const bytes = fs.readFileSync(file);
  bytes[bytes.length - offsetFromEnd] ^= 0x01;
  fs.writeFileSync(file, bytes);
}

function failedStep(verification: CeremonyVerification): string | undefined {
  return verification.failure?.step;
}

describe("trusted setup ceremony", function () {
  this.timeout(150_000);
  let work: string;
  let ptau: string;
  let tiny: { r1cs: string; wasm: string };
  let other: { r1cs: string; wasm: string };
  let dir: string;
  let afterAlice: string;
  const hashes: string[] = [];
  const BEACON = "0x" + "ab".repeat(32);

  before(async function () {
    // The phase 1's prepare step costs about 16x more per power: power 6 is enough for the tiny circuit.
    this.timeout(600_000);
    work = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-ceremony-"));
    tiny = compile(path.join(work, "circuit"), "tiny", TINY);
    other = compile(path.join(work, "other"), "other", TINY.replace("v <== u * c + d;", "v <== u * c + d + a;"));
    ptau = path.join(work, `local${LOCAL_POWER}.ptau`);
    await createLocalPtau({ power: LOCAL_POWER, contributors: ["local one"], beaconHex: "0x" + "11".repeat(32), beaconIterationsExp: 10, out: ptau, workDir: path.join(work, "phase1") });
    dir = path.join(work, "ceremony", "vote");
    await initCeremony({ circuit: "vote", r1cs: tiny.r1cs, wasm: tiny.wasm, ptau, dir });
    fs.copyFileSync(ptau, path.join(dir, `local${LOCAL_POWER}.ptau`)); // published beside the transcript, where verify looks first
    for (const [i, name] of ["Election authority", "University", "Citizens' group"].entries()) {
      const input = path.join(dir, `vote_${String(i).padStart(4, "0")}.zkey`);
      const { contributionHash } = await contribute({ input, output: path.join(dir, `vote_${String(i + 1).padStart(4, "0")}.zkey`), name, typedEntropy: `typed ${i}`, attestation: i === 1 ? "offline laptop,\nwiped after" : undefined });
      hashes.push(contributionHash);
      if (i === 0) {
        afterAlice = path.join(work, "after-alice");
        fs.cpSync(dir, afterAlice, { recursive: true });
      }
    }
    await finalizeCeremony({ dir, beaconHex: BEACON, iterationsExp: 10, description: "block 123 of the target chain" });
  });

  after(async () => {
    await releaseSnarkjs();
    fs.rmSync(work, { recursive: true, force: true });
  });

  /** A copy of the finished ceremony to tamper with. */
  function copyCeremony(name: string): string {
    const copy = path.join(work, "tamper", name);
    fs.cpSync(dir, copy, { recursive: true });
    return copy;
  }

  it("verifies the three-party ceremony end to end and lists the contributors with their hashes", async () => {
    const verification = await verifyCeremony({ dir, checkPtau: true });
    expect(verification.ok, JSON.stringify(verification.failure)).to.equal(true);
    expect(verification.steps.map((s) => s.step)).to.deep.equal([
      "transcript", "r1cs", "ptau", "initial key",
      "contribution 1 (Election authority)", "contribution 2 (University)", "contribution 3 (Citizens' group)",
      "chain", "beacon", "verification key", "verifier",
    ]);
    expect(verification.contributors.map((c) => [c.name, c.contributionHash])).to.deep.equal([
      ["Election authority", hashes[0]], ["University", hashes[1]], ["Citizens' group", hashes[2]],
    ]);
    expect(hashes.every((h) => /^[0-9a-f]{128}$/.test(h)) && new Set(hashes).size === 3).to.equal(true);
    expect(verification.contributors[1].attestation).to.equal("offline laptop,\nwiped after");
    expect(verification.beacon).to.deep.equal({ hash: "ab".repeat(32), iterationsExp: 10 });
    const { transcript } = readTranscript(path.join(dir, TRANSCRIPT_FILE));
    expect(transcript.phase1).to.include({ origin: "local", power: LOCAL_POWER, sha256: sha256File(ptau) });
    expect(transcript.phase1.warning).to.match(/LOCAL phase 1, NOT FOR PRODUCTION/);
    expect(transcript.r1cs).to.include({ constraints: readR1csInfo(tiny.r1cs).constraints, publicSignals: 4 });
    expect(transcript.contributions[1].previousKeySha256).to.equal(transcript.contributions[0].newKeySha256);
  });

  it("never writes the entropy: no file in the ceremony holds the typed text", () => {
    for (const file of fs.readdirSync(dir)) expect(fs.readFileSync(path.join(dir, file)).includes("typed 1"), file).to.equal(false);
  });

  it("init refuses a ptau that is too small, unprepared, damaged or not a ptau, naming why", async () => {
    const small = path.join(work, "local2.ptau");
    await createLocalPtau({ power: 2, contributors: ["x"], beaconHex: "0x01", beaconIterationsExp: 10, out: small, workDir: path.join(work, "phase1-small") });
    const init = (p: string, d: string) => initCeremony({ circuit: "vote", r1cs: tiny.r1cs, ptau: p, dir: path.join(work, d) });
    await expectCode(() => init(small, "i1"), "INVALID_PTAU", /has power 2, the circuit \(\d+ constraints, 4 public signals\) needs at least 3/);
    await expectCode(() => init(path.join(work, "phase1", `local_${LOCAL_POWER}_beacon.ptau`), "i2"), "INVALID_PTAU", /not prepared for phase 2/);
    const damaged = path.join(work, "damaged.ptau");
    fs.copyFileSync(ptau, damaged);
    flipByte(damaged, 200);
    await expectCode(() => init(damaged, "i3"), "INVALID_PTAU", /fails snarkjs powersoftau verify/);
    await expectCode(() => init(tiny.r1cs, "i4"), "INVALID_PTAU", /is not a powers-of-tau file: not a ptau file/);
    await expectCode(() => initCeremony({ circuit: "vote", r1cs: tiny.r1cs, ptau, dir }), "OUTPUT_EXISTS", /already exists: this ceremony was initialised/);
  });

  it("contribute refuses to overwrite its output, to skip a key, and to go on after the beacon; finalize runs once", async () => {
    const copy = path.join(work, "refusals");
    fs.cpSync(afterAlice, copy, { recursive: true });
    await expectCode(() => contribute({ input: path.join(copy, "vote_0001.zkey"), output: path.join(copy, "vote_0001.zkey"), name: "Bob" }), "OUTPUT_EXISTS", /refusing to overwrite/);
    await expectCode(() => contribute({ input: path.join(copy, "vote_0000.zkey"), output: path.join(copy, "vote_0002.zkey"), name: "Bob" }), "CEREMONY_INVALID", /is not the latest key of the transcript/);
    await expectCode(() => contribute({ input: path.join(copy, "vote_0001.zkey"), output: path.join(copy, "vote_0002.zkey"), name: "bad\nname" }), "INVALID_ARGUMENT", /contributor name/);
    expect(fs.existsSync(path.join(copy, "vote_0002.zkey"))).to.equal(false);
    await expectCode(() => contribute({ input: path.join(dir, "vote_0003.zkey"), output: path.join(dir, "vote_0004.zkey"), name: "Late" }), "CEREMONY_INVALID", /finalised/);
    await expectCode(() => finalizeCeremony({ dir, beaconHex: BEACON }), "CEREMONY_INVALID", /already finalised/);
    await expectCode(() => finalizeCeremony({ dir: copy, beaconHex: "0xabc" }), "INVALID_ARGUMENT", /beacon must be hex/);
  });

  it("names the step of a tampered contribution key, a tampered contribution hash and a tampered final key", async () => {
    const keyFile = copyCeremony("key");
    flipByte(path.join(keyFile, "vote_0002.zkey"), 10);
    const byKey = await verifyCeremony({ dir: keyFile, checkPtau: false });
    expect(failedStep(byKey)).to.equal("contribution 2 (University)");
    expect(byKey.failure!.message).to.match(/has SHA-256 [0-9a-f]{64}, the transcript records/);

    const hash = copyCeremony("hash");
    editTranscript(hash, (t) => (t.contributions[1].contributionHash = "0".repeat(128)));
    const byHash = await verifyCeremony({ dir: hash, checkPtau: false });
    expect(failedStep(byHash)).to.equal("contribution 2 (University)");
    expect(byHash.failure!.message).to.match(/the final key's contribution 2 has hash [0-9a-f]{128}, the transcript records 0{128}/);

    // Section 10 of a zkey holds the contributions: damage the first one's transcript and
    // re-record the file's hash, so that only snarkjs can tell.
    const final = copyCeremony("final");
    const finalKey = path.join(final, "vote_final.zkey");
    const mpc = readSections(finalKey, "zkey").find((section) => section.type === 10)!;
    const bytes = fs.readFileSync(finalKey);
    bytes[mpc.offset + 64 + 4 + 64 * 3 + 128 + 2] ^= 0x01; // csHash, count, deltaAfter, g1_s, g1_sx, g2_spx, then transcript
    fs.writeFileSync(finalKey, bytes);
    editTranscript(final, (t) => (t.final!.key.sha256 = sha256File(path.join(final, "vote_final.zkey"))));
    const byFinal = await verifyCeremony({ dir: final, checkPtau: false });
    expect(byFinal.ok).to.equal(false);
    expect(failedStep(byFinal)).to.equal("contribution 1 (Election authority)");
    expect(byFinal.failure!.message).to.match(/snarkjs: INVALID\(0\): Inconsistent transcript/);
  });

  it("names the step of a skipped contribution, whether the transcript hides it or lists it", async () => {
    const dropped = copyCeremony("dropped");
    editTranscript(dropped, (t) => {
      t.contributions.splice(1, 1);
      t.contributions[1].index = 2;
    });
    const byChain = await verifyCeremony({ dir: dropped, checkPtau: false });
    expect(failedStep(byChain)).to.equal("contribution 2 (Citizens' group)");
    expect(byChain.failure!.message).to.match(/a contribution was skipped or replaced/);

    // The coordinator lets the third party contribute on the first key, then presents the
    // University's (real) contribution in the transcript anyway.
    const skipped = path.join(work, "tamper", "skipped");
    fs.cpSync(afterAlice, skipped, { recursive: true });
    await contribute({ input: path.join(skipped, "vote_0001.zkey"), output: path.join(skipped, "vote_0002.zkey"), name: "Citizens' group" });
    await finalizeCeremony({ dir: skipped, beaconHex: BEACON, iterationsExp: 10, description: "block 123 of the target chain" });
    const real = readTranscript(path.join(dir, TRANSCRIPT_FILE)).transcript;
    editTranscript(skipped, (t) => {
      const carol = { ...t.contributions[1], index: 3, previousKeySha256: real.contributions[1].newKeySha256, file: "vote_0003.zkey" };
      t.contributions = [t.contributions[0], real.contributions[1], carol];
    });
    fs.copyFileSync(path.join(dir, "vote_0002.zkey"), path.join(skipped, "vote_0003.zkey.bob"));
    fs.renameSync(path.join(skipped, "vote_0002.zkey"), path.join(skipped, "vote_0003.zkey"));
    fs.renameSync(path.join(skipped, "vote_0003.zkey.bob"), path.join(skipped, "vote_0002.zkey"));
    const byFinalKey = await verifyCeremony({ dir: skipped, checkPtau: false });
    expect(failedStep(byFinalKey)).to.equal("contribution 2 (University)");
    expect(byFinalKey.failure!.message).to.match(/the final key's contribution 2 has hash/);
  });

  it("names the step of a wrong r1cs or ptau, and of a verification key or verifier that does not match the key", async () => {
    expect(failedStep(await verifyCeremony({ dir, r1cs: other.r1cs, checkPtau: false }))).to.equal("r1cs");
    const damaged = path.join(work, "damaged.ptau");
    expect(failedStep(await verifyCeremony({ dir, ptau: damaged, checkPtau: false }))).to.equal("ptau");

    // A consistent forgery: another circuit's r1cs with its hash in the transcript. Only snarkjs can tell.
    const swapped = copyCeremony("r1cs");
    fs.copyFileSync(other.r1cs, path.join(swapped, "vote.r1cs"));
    editTranscript(swapped, (t) => (t.r1cs.sha256 = sha256File(other.r1cs)));
    const byR1cs = await verifyCeremony({ dir: swapped, checkPtau: false });
    expect(failedStep(byR1cs)).to.equal("chain");
    expect(byR1cs.failure!.message).to.match(/from the r1cs and the ptau/);

    const vkey = copyCeremony("vkey");
    const vkeyFile = path.join(vkey, "verification_key.json");
    fs.writeFileSync(vkeyFile, fs.readFileSync(vkeyFile, "utf8").replace(/"nPublic": 4/, '"nPublic": 5'));
    editTranscript(vkey, (t) => (t.final!.verificationKey.sha256 = sha256File(vkeyFile)));
    expect(failedStep(await verifyCeremony({ dir: vkey, checkPtau: false }))).to.equal("verification key");

    const verifier = copyCeremony("verifier");
    const source = path.join(verifier, "verifier.sol");
    const text = fs.readFileSync(source, "utf8");
    const constant = /uint256 constant deltax1 = (\d+);/.exec(text)![1];
    fs.writeFileSync(source, text.replace(constant, (BigInt(constant) + 1n).toString()));
    editTranscript(verifier, (t) => (t.final!.verifier.sha256 = sha256File(source)));
    const byVerifier = await verifyCeremony({ dir: verifier, checkPtau: false });
    expect(failedStep(byVerifier)).to.equal("verifier");
    expect(byVerifier.failure!.message).to.match(/is not the Solidity verifier of the final verification key/);

    const unreadable = copyCeremony("schema");
    editTranscript(unreadable, (t) => ((t.contributions[0] as unknown as Record<string, unknown>).index = 7));
    const bySchema = await verifyCeremony({ dir: unreadable, checkPtau: false });
    expect(failedStep(bySchema)).to.equal("transcript");
    expect(bySchema.failure!.message).to.match(/contributions\[0\]\.index is 7, expected 1/);
  });

  it("`npx hardhat ceremony verify` lists the contributors, and names the failing step in one line with exit code 1", async function () {
    this.timeout(240_000);
    const tampered = copyCeremony("cli");
    flipByte(path.join(tampered, "vote_0003.zkey"), 10);
    const [good, bad] = await Promise.all([
      runHardhatCliAsync(["ceremony", "verify", "--dir", dir, "--skip-ptau-check"], process.env),
      runHardhatCliAsync(["ceremony", "verify", "--dir", tampered, "--skip-ptau-check"], process.env),
    ]);
    expect(good.status, good.stderr).to.equal(0);
    expect(good.stdout).to.match(/#1 Election authority[\s\S]*#2 University[\s\S]*attests: offline laptop, \/ wiped after[\s\S]*#3 Citizens' group/);
    expect(good.stdout).to.include(hashes[2].slice(0, 8));
    expect(good.stdout).to.match(/CEREMONY VERIFIED \(transcript SHA-256 [0-9a-f]{64}\)/);
    expect(bad.status).to.equal(1);
    expect(bad.stderr.trim().split("\n").at(-1)).to.match(/^error: ceremony verification failed at step "contribution 3 \(Citizens' group\)": key vote_0003.zkey has SHA-256/);
  });

  describe("install, deploy gate and auditor on a non-local chain, against a real anvil node (chain id 11155111)", () => {
    let root: string;
    let anvil: HardhatNode;
    let provider: JsonRpcProvider;
    let wallet: NonceManager;

    /** A copy of this repository's artifacts and manifest, to install into without touching the real ones. */
    function copyRoot(name: string): string {
      const target = path.join(work, name);
      for (const file of [...Object.values(ARTIFACT_FILES), MANIFEST_FILE, ...CIRCUIT_SOURCES]) {
        fs.mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
        fs.copyFileSync(path.join(PROJECT_ROOT, file), path.join(target, file));
      }
      return target;
    }

    before(async () => {
      root = copyRoot("root");
      anvil = await startAnvil({ chainId: 11155111 });
      provider = new JsonRpcProvider(anvil.url, undefined, { staticNetwork: true, pollingInterval: 50 });
      wallet = new NonceManager(new Wallet(ANVIL_KEYS[0], provider));
    });

    after(() => anvil?.stop());

    it("install verifies, copies the ceremony's files and records it in the manifest", async () => {
      const manifest = await installCeremony({ dir, root, checkPtau: false });
      expect(manifest.setup).to.include({ kind: "ceremony", secure: true, transcript: "circuits/ceremony/vote/transcript.json", transcriptSha256: sha256File(path.join(dir, TRANSCRIPT_FILE)) });
      expect(manifest.setup.kind === "ceremony" && manifest.setup.contributors).to.deep.equal(["Election authority", "University", "Citizens' group"]);
      expect(isInsecureSetup(manifest)).to.equal(false);
      expect(isInsecureSetup(loadManifest())).to.equal(true); // the committed development setup
      expect(verifyArtifactHashes(root)).to.deep.equal([]);
      expect(sha256File(path.join(root, ARTIFACT_FILES.zkey))).to.equal(sha256File(path.join(dir, "vote_final.zkey")));
      expect(sha256File(path.join(root, "circuits/ceremony/vote/transcript.json"))).to.equal(sha256File(path.join(dir, TRANSCRIPT_FILE)));

      const bad = copyCeremony("install-bad");
      flipByte(path.join(bad, "vote_0001.zkey"), 5);
      await expectCode(() => installCeremony({ dir: bad, root: copyRoot("root-bad"), checkPtau: false }), "CEREMONY_INVALID", /failed at step "contribution 1 \(Election authority\)"/);
    });

    it("deploy refuses the development setup and accepts the verified ceremony", async () => {
      expect((await provider.getNetwork()).chainId).to.equal(11155111n);
      await expectCode(() => deployZkBallot(wallet), "INSECURE_SETUP_REFUSED", /refusing to deploy a development trusted setup to chain 11155111/);
      const logs: string[] = [];
      const zkBallot = await deployZkBallot(wallet, { root, log: (line) => logs.push(line) });
      expect(await provider.getCode(await zkBallot.VERIFIER())).to.not.equal("0x");
      expect(logs.join("\n")).to.match(/trusted setup: multi-party ceremony: 3 contribution\(s\) \(Election authority, University, Citizens' group\)/);
      const manifest = loadManifest(root);
      expect(assertCeremonyVerifiedForChain(11155111n, manifest, loadManifestTranscript(manifest, root))).to.equal("ceremony-verified");
      expect(assertCeremonyVerifiedForChain(31337n, loadManifest(), undefined)).to.equal("local");
    });

    it("deploy refuses a ceremony whose transcript changed after install, is missing, or does not match the installed files", async () => {
      const changed = copyRoot("root-changed");
      await installCeremony({ dir, root: changed, checkPtau: false });
      const transcriptFile = path.join(changed, "circuits/ceremony/vote/transcript.json");
      fs.appendFileSync(transcriptFile, " ");
      await expectCode(() => deployZkBallot(wallet, { root: changed }), "CEREMONY_UNVERIFIED", /the transcript's SHA-256 is [0-9a-f]{64}, the manifest records/);
      fs.rmSync(transcriptFile);
      await expectCode(() => deployZkBallot(wallet, { root: changed }), "CEREMONY_UNVERIFIED", /transcript circuits\/ceremony\/vote\/transcript.json, which is missing/);
      const manifest = loadManifest(root);
      const transcript = loadManifestTranscript(manifest, root);
      const otherKey = { ...manifest, files: { ...manifest.files, [ARTIFACT_FILES.verificationKey]: "0".repeat(64) } };
      await expectCode(async () => assertCeremonyVerifiedForChain(11155111n, otherKey, transcript), "CEREMONY_UNVERIFIED", /the installed verification key .* is not the ceremony's/);
      await expectCode(async () => assertCeremonyVerifiedForChain(1n, loadManifest(), undefined), "INSECURE_SETUP_REFUSED", /chain 1:/);
      expect(assertCeremonyVerifiedForChain(1n, loadManifest(), undefined, { allowInsecureDevSetup: true })).to.equal("insecure-override");
    });

    it("the auditor reports the verifier's setup: the ceremony and its contributors, or a failure off the local chains", async () => {
      const ceremonyKey = JSON.parse(fs.readFileSync(path.join(dir, "verification_key.json"), "utf8")) as Record<string, unknown>;
      const devKey = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, ARTIFACT_FILES.verificationKey), "utf8")) as Record<string, unknown>;
      const installed = loadManifest(root);
      const verified = await checkVerifierProvenance({ chainId: 11155111n, verificationKey: ceremonyKey, manifest: installed, transcripts: [path.join(dir, TRANSCRIPT_FILE)], root });
      expect(verified.provenance).to.equal("ceremony");
      expect(verified.findings).to.deep.equal([]);
      expect(verified.evidence.contributors).to.deep.equal(["Election authority", "University", "Citizens' group"]);
      expect(verified.warnings.join()).to.match(/LOCAL phase 1/); // this test's phase 1 is local

      const byHash = await checkVerifierProvenance({ chainId: 11155111n, verificationKey: ceremonyKey, manifest: installed, root });
      expect([byHash.provenance, byHash.status]).to.deep.equal(["ceremony", "warn"]);

      const mismatch = await checkVerifierProvenance({ chainId: 11155111n, verificationKey: devKey, manifest: installed, transcripts: [dir], root, checkPtau: false });
      expect(mismatch.status).to.equal("fail");
      expect(mismatch.findings.map((f) => f.code)).to.deep.equal(["UNVERIFIED_SETUP"]);
      expect(mismatch.findings[0].message).to.match(/matches no verified ceremony transcript among .* on chain 11155111/);
      const onLocal = await checkVerifierProvenance({ chainId: 31337n, verificationKey: devKey, manifest: installed, transcripts: [dir], root, checkPtau: false });
      expect([onLocal.status, onLocal.findings.length]).to.deep.equal(["warn", 0]);

      const tampered = copyCeremony("audit-bad");
      editTranscript(tampered, (t) => (t.contributions[2].name = "Someone else"));
      const invalid = await checkVerifierProvenance({ chainId: 11155111n, verificationKey: ceremonyKey, manifest: installed, transcripts: [tampered], root, checkPtau: false });
      expect(invalid.findings.map((f) => f.code)).to.deep.equal(["INVALID_TRANSCRIPT", "UNVERIFIED_SETUP"]);
      expect(invalid.findings[0].message).to.match(/fails verification at step "contribution 3 \(Someone else\)"/);
    });
  });
});
