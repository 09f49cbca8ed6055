/**
 * The JSON Schemas (ajv) of the files the library reads: election specs, the build manifest,
 * deployment records. For each rule, a file that breaks it and the error that names the field;
 * and the committed files pass.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { expect } from "chai";

import { parseElectionSpec } from "../lib/chain/electionSpec";
import { deploymentFile, readDeployment } from "../lib/chain/deployments";
import { ZkBallotError, type ZkBallotErrorCode } from "../lib/core/errors";
import { compileValidator } from "../lib/core/schema";
import { MANIFEST_FILE, PROJECT_ROOT, artifactPath, loadManifest } from "../lib/proving/artifacts";

function refusal(action: () => unknown, code: ZkBallotErrorCode, message: RegExp): void {
  try {
    action();
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(ZkBallotError);
    expect((error as ZkBallotError).code).to.equal(code);
    expect((error as Error).message).to.match(message);
    return;
  }
  expect.fail(`expected ${code} ${message}`);
}

describe("schemas (ajv)", () => {
  describe("the violation translator", () => {
    const validate = compileValidator<{ a: number[] }>({
      type: "object",
      additionalProperties: false,
      required: ["a"],
      properties: { a: { type: "array", items: { type: "integer", description: "must be whole" }, maxItems: 2, problems: { maxItems: "has too many entries" } } },
    });

    it("names the field as a path, with the value and the schema's own sentence", () => {
      expect(validate({ a: [1, 2.5] })).to.deep.include({ field: "a[1]", value: 2.5, problem: "must be whole", keyword: "type" });
      expect(validate({ a: [1, 2, 3] })).to.deep.include({ field: "a", problem: "has too many entries", keyword: "maxItems" });
      expect(validate({})).to.deep.include({ field: "a", problem: "is missing", keyword: "required" });
      expect(validate({ a: [], b: 1 })).to.deep.include({ field: "b", problem: "is not a known field (known: a)", keyword: "additionalProperties" });
      expect(validate({ a: [1] })).to.equal(undefined);
      expect(validate.guard({ a: [1] })).to.equal(true);
      expect(validate.guard({ a: ["1"] })).to.equal(false);
    });
  });

  describe("election spec", () => {
    const spec = (fields: Record<string, unknown>) => JSON.stringify({ title: "Council", options: ["Yes", "No"], ...fields });
    const refused = (text: string, message: RegExp) => refusal(() => parseElectionSpec(text, "e.json"), "INVALID_ARGUMENT", message);

    it("accepts a full spec and returns it trimmed, with times in unix seconds", () => {
      const parsed = parseElectionSpec(spec({ title: " Council ", description: "d", registrar: "0x70997970c51812dc3a010c7d01b50e0d17dc79c8", votingStartsAt: "2027-03-01T08:00:00Z", votingEndsAt: 1_900_000_000 }), "e.json");
      expect(parsed).to.deep.equal({ title: "Council", description: "d", options: ["Yes", "No"], minSelections: 1, maxSelections: 1, registrar: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", votingStartsAt: 1_803_888_000, votingEndsAt: 1_900_000_000 });
    });

    it("refuses each broken rule, naming the field", () => {
      refused("[1]", /^e\.json: the spec must be an object, got \[1\]/);
      refused(JSON.stringify({ options: ["a", "b"] }), /^e\.json: title is missing \(it must be a non-empty string\)/);
      refused(spec({ colour: "red" }), /colour is not a known field \(known: title, description, options, minSelections, maxSelections, registrar, votingStartsAt, votingEndsAt\)/);
      refused(spec({ title: "  " }), /title must be a non-empty string, got "  "/);
      refused(spec({ title: "x".repeat(201) }), /title must be at most 200 characters/);
      refused(spec({ description: 5 }), /description must be a string, got 5/);
      refused(spec({ options: "Yes" }), /options must be a list of option names, got "Yes"/);
      refused(spec({ options: ["Yes"] }), /options must have 2 to 32 entries, got 1/);
      refused(spec({ options: Array.from({ length: 33 }, (_, i) => `o${i}`) }), /options must have 2 to 32 entries, got 33/);
      refused(spec({ options: ["Yes", ""] }), /options\[1\] must be a non-empty string/);
      refused(spec({ options: ["Yes", "y".repeat(101)] }), /options\[1\] must be at most 100 characters/);
      refused(spec({ options: ["Yes", " yes "] }), /options\[1\] duplicates an earlier option/);
      refused(spec({ registrar: "0x1234" }), /registrar must be an Ethereum address, got "0x1234"/);
      refused(spec({ registrar: "0x70997970C51812dc3A010C7d01b50e0d17dc79c8" }), /registrar must be an Ethereum address \(its mixed-case checksum is wrong\)/);
      refused(spec({ votingStartsAt: -1 }), /votingStartsAt must be unix seconds or an ISO 8601 date, got -1/);
      refused(spec({ votingStartsAt: 1.5 }), /votingStartsAt must be unix seconds or an ISO 8601 date, got 1.5/);
      refused(spec({ votingEndsAt: "soon" }), /votingEndsAt must be unix seconds or an ISO 8601 date, got "soon"/);
      refused(spec({ votingStartsAt: 200, votingEndsAt: 100 }), /votingEndsAt must be after votingStartsAt/);
      refused(spec({ maxSelections: 0 }), /maxSelections must be a whole number from 1 to 32, got 0/);
      refused(spec({ minSelections: 1.5 }), /minSelections must be a whole number from 0 to 32, got 1.5/);
      refused(spec({ maxSelections: 3 }), /^e\.json: maxSelections must be at most the number of options \(2\), got 3/);
      refused(spec({ minSelections: 2 }), /^e\.json: minSelections must be at most maxSelections \(1, the default\), got 2/);
      refused(spec({ options: ["a", "b", "c"], minSelections: 3, maxSelections: 2 }), /minSelections must be at most maxSelections \(2\), got 3/);
    });

    it("an approval range: minSelections and maxSelections, each defaulting to 1", () => {
      expect(parseElectionSpec(spec({ options: ["a", "b", "c"], maxSelections: 3 }), "e.json")).to.include({ minSelections: 1, maxSelections: 3 });
      expect(parseElectionSpec(spec({ minSelections: 0, maxSelections: 2 }), "e.json")).to.include({ minSelections: 0, maxSelections: 2 });
      expect(parseElectionSpec(spec({}), "e.json")).to.include({ minSelections: 1, maxSelections: 1 });
    });
  });

  describe("build manifest and deployment record", () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-schemas-"));
    });
    afterEach(() => {
      fs.rmSync(dir, { recursive: true, force: true });
      delete process.env.ZKBALLOT_DEPLOYMENTS_DIR;
    });

    it("the committed manifest passes; a manifest that breaks the schema is ARTIFACTS_MISMATCH naming the field", () => {
      const committed = loadManifest();
      expect(committed.rollDepth).to.be.a("number");
      const writeManifest = (change: (manifest: Record<string, unknown>) => void) => {
        const manifest = JSON.parse(fs.readFileSync(artifactPath(MANIFEST_FILE, PROJECT_ROOT), "utf8")) as Record<string, unknown>;
        change(manifest);
        fs.mkdirSync(path.dirname(artifactPath(MANIFEST_FILE, dir)), { recursive: true });
        fs.writeFileSync(artifactPath(MANIFEST_FILE, dir), JSON.stringify(manifest));
      };
      const cases: [string, (manifest: Record<string, unknown>) => void, RegExp][] = [
        ["rollDepth a string", (m) => (m.rollDepth = "20"), /manifest\.json: rollDepth must be an integer from 1 to 32, got "20"/],
        ["rollDepth 33", (m) => (m.rollDepth = 33), /rollDepth must be an integer from 1 to 32, got 33/],
        ["no files", (m) => delete m.files, /manifest\.json: files is missing/],
        ["a bad hash", (m) => ((m.files as Record<string, string>)["circuits/build/vote.zkey"] = "abc"), /files\.circuits\/build\/vote\.zkey must be a SHA-256 in lowercase hex, got "abc"/],
        ["setup.secure not a boolean", (m) => ((m.setup as Record<string, unknown>).secure = "no"), /setup\.secure must be true or false, got "no"/],
      ];
      for (const [what, change, message] of cases) {
        writeManifest(change);
        try {
          refusal(() => loadManifest(dir), "ARTIFACTS_MISMATCH", message);
        } catch (error) {
          expect.fail(`${what}: ${(error as Error).message}`);
        }
      }
      fs.writeFileSync(artifactPath(MANIFEST_FILE, dir), "{");
      refusal(() => loadManifest(dir), "ARTIFACTS_MISMATCH", /is not valid JSON/);
    });

    it("a deployment record that breaks the schema is refused naming the field; an old one without batchVerifier gets a hint", () => {
      process.env.ZKBALLOT_DEPLOYMENTS_DIR = dir;
      const address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
      const good = { chainId: "31337", zkBallot: address, verifier: address, batchVerifier: address, deployBlock: 3, rollDepth: 20, setupSecure: false, manifestSha256: "ab".repeat(32), deployedAt: "2026-12-02T00:00:00.000Z" };
      const write = (record: Record<string, unknown>) => fs.writeFileSync(deploymentFile(31337n), JSON.stringify(record));
      write(good);
      expect(readDeployment(31337n)).to.deep.equal(good);
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ batchVerifier: undefined }, /is corrupted: it has no batchVerifier: it was written by an older zkballot.*\(hint: add "batchVerifier": "<address>" with the address that `BATCH_VERIFIER\(\)`/],
        [{ verifier: undefined }, /is corrupted: verifier is missing/],
        [{ zkBallot: "0x12" }, /is corrupted: zkBallot "0x12" is not an address/],
        [{ zkBallot: "0x70997970C51812dc3A010C7d01b50e0d17dc79c8" }, /is corrupted: zkBallot "0x70997970C51812dc3A010C7d01b50e0d17dc79c8" is not an address \(its mixed-case checksum is wrong\)/],
        [{ deployBlock: -1 }, /is corrupted: deployBlock -1 is not a block number/],
        [{ rollDepth: 0 }, /is corrupted: rollDepth 0 is not a positive integer/],
        [{ chainId: 31337 }, /is corrupted: chainId 31337 is not a chain id/],
        [{ chainId: "1" }, /records chain 1, not 31337/],
      ];
      for (const [change, message] of cases) {
        write({ ...good, ...change });
        refusal(() => readDeployment(31337n), "INVALID_ARGUMENT", message);
      }
      fs.writeFileSync(deploymentFile(31337n), "not json");
      refusal(() => readDeployment(31337n), "INVALID_ARGUMENT", /is corrupted: Unexpected token/);
      expect(readDeployment(1n)).to.equal(undefined);
    });
  });
});
