import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { expect } from "chai";
import { ZeroHash } from "ethers";

import { decodeBallot, decodeSingleChoiceBallot, describeSelectionRule, encodeBallot, encodeSingleChoiceBallot, singleChoice } from "../lib/core/ballot";
import { COMMITMENT_DOMAIN, NULLIFIER_DOMAIN, SNARK_SCALAR_FIELD } from "../lib/core/constants";
import { assertSetupAllowedOnChain, computeVoterRollDigest, explainContractError } from "../lib/chain/election";
import { ZkBallotError, type ZkBallotErrorCode } from "../lib/core/errors";
import { parseFieldElement, toHex32 } from "../lib/core/field";
import {
  computeNullifier,
  createIdentity,
  identityFromSecret,
  parseIdentity,
  serializeIdentity,
} from "../lib/core/identity";
import { loadIdentity, saveIdentity } from "../lib/node/identityFile";
import { QUICK_POSEIDON_MAX_HASHES, loadPoseidon, poseidonHasher } from "../lib/core/poseidon";
import { bigintPoseidon } from "../lib/node/bigintPoseidon";
import { BN254_BASE_FIELD, fromSolidityProof, parseSolidityProof, toSolidityProof } from "../lib/proving/prover";
import { VoterRoll, rootFromPath, zeroHashes } from "../lib/core/voterRoll";
import { ZkBallot__factory } from "../typechain-types";

async function expectError(action: () => unknown, code: ZkBallotErrorCode, message?: RegExp): Promise<ZkBallotError> {
  try {
    await action();
  } catch (error) {
    expect(error).to.be.instanceOf(ZkBallotError);
    expect((error as ZkBallotError).code).to.equal(code);
    if (message) expect((error as Error).message).to.match(message);
    return error as ZkBallotError;
  }
  expect.fail(`expected a ${code} error`);
}

describe("library", () => {
  describe("field elements", () => {
    it("parses decimal, hex, bigint and safe integers", () => {
      expect(parseFieldElement("42", "x")).to.equal(42n);
      expect(parseFieldElement("0x2a", "x")).to.equal(42n);
      expect(parseFieldElement(42n, "x")).to.equal(42n);
      expect(parseFieldElement(42, "x")).to.equal(42n);
      expect(parseFieldElement((SNARK_SCALAR_FIELD - 1n).toString(), "x")).to.equal(SNARK_SCALAR_FIELD - 1n);
      expect(toHex32(42n)).to.equal("0x" + "0".repeat(62) + "2a");
    });

    it("rejects values at or above the field order instead of reducing them", async () => {
      await expectError(() => parseFieldElement(SNARK_SCALAR_FIELD, "nullifier"), "INVALID_FIELD_ELEMENT", /nullifier is outside the BN254 scalar field/);
      await expectError(() => parseFieldElement((SNARK_SCALAR_FIELD + 5n).toString(), "x"), "INVALID_FIELD_ELEMENT");
      await expectError(() => parseFieldElement(-1n, "x"), "INVALID_FIELD_ELEMENT");
    });

    it("rejects things that are not integers", async () => {
      for (const bad of ["", "1.5", "-3", "0x", "12abc", " ", null, undefined, {}, [], 1.5, 2 ** 60, "9".repeat(79)]) {
        await expectError(() => parseFieldElement(bad, "x"), "INVALID_FIELD_ELEMENT");
      }
    });
  });

  describe("identity", () => {
    let dir: string;
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-identity-"));
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("derives the commitment and nullifier with the protocol's domain tags", async () => {
      const identity = await createIdentity();
      const poseidon = await loadPoseidon();
      expect(identity.voterCommitment).to.equal(poseidon.F.toObject(poseidon([COMMITMENT_DOMAIN, identity.identitySecret])));
      const scope = 12345n;
      const nullifier = await computeNullifier(identity.identitySecret, scope);
      expect(nullifier).to.equal(poseidon.F.toObject(poseidon([NULLIFIER_DOMAIN, scope, identity.identitySecret])));
      expect(nullifier).to.not.equal(await computeNullifier(identity.identitySecret, scope + 1n));
      expect(nullifier).to.not.equal(identity.voterCommitment);
    });

    it("creates distinct non-zero secrets below the field", async () => {
      const secrets = new Set<bigint>();
      for (let i = 0; i < 20; i++) {
        const { identitySecret } = await createIdentity();
        expect(identitySecret > 0n && identitySecret < SNARK_SCALAR_FIELD).to.equal(true);
        secrets.add(identitySecret);
      }
      expect(secrets.size).to.equal(20);
      await expectError(() => identityFromSecret(0n), "INVALID_IDENTITY");
    });

    it("saves with mode 0600, loads back, and refuses to overwrite", async () => {
      const identity = await createIdentity();
      const file = path.join(dir, "voter.json");
      saveIdentity(identity, file);
      expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
      expect(await loadIdentity(file)).to.deep.equal(identity);

      const before = fs.readFileSync(file, "utf8");
      await expectError(async () => saveIdentity(await createIdentity(), file), "IDENTITY_FILE_EXISTS");
      expect(fs.readFileSync(file, "utf8")).to.equal(before);
      expect(fs.readdirSync(dir)).to.deep.equal(["voter.json"]); // no temporary file left behind
    });

    it("rejects corrupted identity files with a specific reason", async () => {
      const identity = await createIdentity();
      const good = JSON.parse(serializeIdentity(identity)) as Record<string, unknown>;
      const cases: [string, RegExp][] = [
        ["{not json", /not valid JSON/],
        ["[]", /not a JSON object/],
        [JSON.stringify({ ...good, format: "other" }), /has format "other"/],
        [JSON.stringify({ ...good, version: 2 }), /has version 2/],
        [JSON.stringify({ ...good, identitySecret: "0xzz" }), /identitySecret is not a number/],
        [JSON.stringify({ ...good, identitySecret: toHex32(SNARK_SCALAR_FIELD) }), /outside the BN254 scalar field/],
        [JSON.stringify({ ...good, identitySecret: toHex32(identity.identitySecret + 1n) }), /corrupted: its voterCommitment does not match/],
        [serializeIdentity(identity).slice(0, 60), /not valid JSON/],
      ];
      for (const [text, message] of cases) await expectError(() => parseIdentity(text), "INVALID_IDENTITY", message);
      await expectError(() => loadIdentity(path.join(dir, "missing.json")), "IDENTITY_FILE_UNREADABLE", /ENOENT/);
    });
  });

  describe("ballot encoding", () => {
    it("encodes a single choice as one bit and decodes it back", () => {
      for (let option = 0; option < 4; option++) {
        const ballot = encodeSingleChoiceBallot(option, 4);
        expect(ballot).to.equal(1n << BigInt(option));
        expect(decodeSingleChoiceBallot(ballot, 4)).to.equal(option);
      }
      expect(decodeSingleChoiceBallot(1n << 31n, 32)).to.equal(31);
    });

    it("rejects out-of-range options and malformed ballots", async () => {
      await expectError(() => encodeSingleChoiceBallot(4, 4), "INVALID_BALLOT", /option 4 is out of range/);
      await expectError(() => encodeSingleChoiceBallot(-1, 4), "INVALID_BALLOT");
      await expectError(() => encodeSingleChoiceBallot(1.5, 4), "INVALID_BALLOT");
      await expectError(() => encodeSingleChoiceBallot(0, 1), "INVALID_ARGUMENT");
      await expectError(() => encodeSingleChoiceBallot(0, 33), "INVALID_ARGUMENT");
      for (const bad of [0n, 3n, 16n, 6n, -2n]) await expectError(() => decodeSingleChoiceBallot(bad, 4), "INVALID_BALLOT");
    });

    it("approval: encodes a list of options as a bit set under the election's rule and decodes it back", async () => {
      const rule = { options: 5, minSelections: 1, maxSelections: 3 };
      expect(encodeBallot([4, 0, 2], rule)).to.equal(0b10101n);
      expect(decodeBallot(0b10101n, rule)).to.deep.equal([0, 2, 4]);
      expect(encodeBallot([3], singleChoice(4))).to.equal(encodeSingleChoiceBallot(3, 4));
      expect(encodeBallot([], { ...rule, minSelections: 0 })).to.equal(0n); // a blank ballot where min is 0
      expect(decodeBallot(0n, { ...rule, minSelections: 0 })).to.deep.equal([]);
      expect(describeSelectionRule(rule)).to.equal("choose 1 to 3 of 5");
      expect(describeSelectionRule(singleChoice(3))).to.equal("choose 1 of 3");
      expect(describeSelectionRule({ ...rule, minSelections: 0 })).to.equal("choose up to 3 of 5");
      await expectError(() => encodeBallot([0, 1, 2, 3], rule), "INVALID_BALLOT", /^4 options chosen, this election allows 1 to 3 \(hint: choose 1 to 3 of 5 options\)/);
      await expectError(() => encodeBallot([], rule), "INVALID_BALLOT", /^0 options chosen, this election allows 1 to 3/);
      await expectError(() => encodeBallot([1, 1], rule), "INVALID_BALLOT", /option chosen twice/);
      await expectError(() => encodeBallot([5], rule), "INVALID_BALLOT", /option 5 is out of range/);
      for (const bad of [0n, 0b1111n, 0b100000n, -1n]) await expectError(() => decodeBallot(bad, rule), "INVALID_BALLOT", /is not valid for an election where you choose 1 to 3 of 5 options/);
      for (const [min, max] of [[2, 1], [0, 0], [1, 6], [-1, 2]]) {
        await expectError(() => encodeBallot([0], { options: 5, minSelections: min, maxSelections: max }), "INVALID_ARGUMENT", /selection range .* is not within 0 <= min <= max, 1 <= max <= 5 options/);
      }
    });
  });

  describe("poseidon", () => {
    it("the quick BigInt Poseidon equals circomlibjs's for 1 to 16 inputs (0, p - 1, random, at or above p), and small jobs get it", async () => {
      const poseidon = await loadPoseidon();
      const random = (k: number) => Array.from({ length: k }, (_, i) => (BigInt(k) * 0x9e3779b97f4a7c15n ** BigInt(i + 3) + BigInt(i)) % SNARK_SCALAR_FIELD);
      for (let k = 1; k <= 16; k++) {
        for (const inputs of [new Array<bigint>(k).fill(0n), new Array<bigint>(k).fill(SNARK_SCALAR_FIELD - 1n), random(k), random(k).map((x, i) => x + BigInt(i % 3) * SNARK_SCALAR_FIELD)]) {
          expect(bigintPoseidon(inputs), `${k} inputs: ${inputs.join(", ")}`).to.equal(poseidon.F.toObject(poseidon(inputs)));
        }
      }
      expect(() => bigintPoseidon([])).to.throw(RangeError);
      expect(() => bigintPoseidon(new Array<bigint>(17).fill(1n))).to.throw(/1 to 16 inputs, got 17/);
      expect(await poseidonHasher(QUICK_POSEIDON_MAX_HASHES)).to.equal(bigintPoseidon);
      expect(await poseidonHasher(QUICK_POSEIDON_MAX_HASHES + 1)).to.not.equal(bigintPoseidon);
      expect(await poseidonHasher()).to.not.equal(bigintPoseidon);
    });
  });

  describe("voter roll tree", () => {
    it("matches a naive full binary tree and yields a valid path for every leaf", async () => {
      const hash = await poseidonHasher();
      const leaves = [11n, 22n, 33n, 44n, 55n];
      const depth = 3;
      let level = [...leaves, ...new Array<bigint>(2 ** depth - leaves.length).fill(0n)];
      while (level.length > 1) {
        const next: bigint[] = [];
        for (let i = 0; i < level.length; i += 2) next.push(hash([level[i], level[i + 1]]));
        level = next;
      }
      const roll = await VoterRoll.build(leaves, { depth });
      expect(roll.root).to.equal(level[0]);
      for (let i = 0; i < leaves.length; i++) {
        const merklePath = roll.pathAt(i);
        expect(merklePath.pathIndices).to.deep.equal([i & 1, (i >> 1) & 1, (i >> 2) & 1]);
        expect(await rootFromPath(leaves[i], merklePath)).to.equal(roll.root);
        expect(await rootFromPath(leaves[i] + 1n, merklePath)).to.not.equal(roll.root);
      }
      expect(roll.pathOf(44n).leafIndex).to.equal(3);
    });

    it("gives an empty roll the all-zero root", async () => {
      const hash = await poseidonHasher();
      expect((await VoterRoll.build([], { depth: 20 })).root).to.equal(zeroHashes(hash, 20)[20]);
    });

    it("rejects zero, out-of-field, duplicate and overflowing rolls", async () => {
      await expectError(() => VoterRoll.build([1n, 0n], { depth: 3 }), "INVALID_ROLL", /entry 1 is zero/);
      await expectError(() => VoterRoll.build([1n, 2n, 1n], { depth: 3 }), "INVALID_ROLL", /entry 2 duplicates entry 0/);
      await expectError(() => VoterRoll.build([SNARK_SCALAR_FIELD], { depth: 3 }), "INVALID_FIELD_ELEMENT", /roll entry 0/);
      await expectError(() => VoterRoll.build([1n, 2n, 3n], { depth: 1 }), "INVALID_ROLL", /holds 2/);
      await expectError(() => VoterRoll.build([1n], { depth: 0 }), "INVALID_ARGUMENT");
      const roll = await VoterRoll.build([1n, 2n], { depth: 2 });
      await expectError(() => roll.pathOf(3n), "NOT_ON_ROLL");
      await expectError(() => roll.pathAt(2), "INVALID_ARGUMENT");
    });

    it("chains the roll digest one commitment at a time, whatever the batches", () => {
      expect(computeVoterRollDigest([])).to.equal(ZeroHash);
      const all = [5n, 6n, 7n, 8n];
      const split = computeVoterRollDigest(all.slice(2), computeVoterRollDigest(all.slice(0, 2)));
      expect(split).to.equal(computeVoterRollDigest(all));
      expect(computeVoterRollDigest([5n, 7n, 6n, 8n])).to.not.equal(computeVoterRollDigest(all));
    });
  });

  describe("proof encoding", () => {
    const snarkjsProof = {
      pi_a: ["1", "2", "1"],
      pi_b: [["3", "4"], ["5", "6"], ["1", "0"]],
      pi_c: ["7", "8", "1"],
      protocol: "groth16",
      curve: "bn128",
    };

    it("swaps the G2 coordinates for Solidity and back", () => {
      const solidity = toSolidityProof(snarkjsProof);
      expect(solidity).to.deep.equal([1n, 2n, 4n, 3n, 6n, 5n, 7n, 8n]);
      expect(fromSolidityProof(solidity)).to.deep.equal(snarkjsProof);
    });

    it("rejects proofs of the wrong shape or outside the base field", async () => {
      await expectError(() => parseSolidityProof([1n, 2n]), "INVALID_PROOF", /8 coordinates, got 2/);
      await expectError(() => parseSolidityProof([1n, 2n, 3n, 4n, 5n, 6n, 7n, BN254_BASE_FIELD]), "NON_CANONICAL_PROOF", /coordinate 7 \(C\.y\) .* not below the BN254 base field order q/);
      // Refused, never reduced: the A.y alias the generated verifier would accept on-chain.
      await expectError(() => parseSolidityProof([1n, 2n + (1n << 256n) - BN254_BASE_FIELD, 3n, 4n, 5n, 6n, 7n, 8n]), "NON_CANONICAL_PROOF", /coordinate 1 \(A\.y\)/);
      await expectError(() => parseSolidityProof([1n, 2n, 3n, 4n, 5n, 6n, "x", 8n]), "INVALID_PROOF", /coordinate 6 is not a number/);
      await expectError(() => parseSolidityProof([1n, 2n, 3n, 4n, 5n, 6n, 7n, -1n]), "INVALID_PROOF");
    });
  });

  describe("deployment guard", () => {
    const devManifest = { setup: { secure: false } } as Parameters<typeof assertSetupAllowedOnChain>[0];

    it("allows a development setup on the local Hardhat chain only", async () => {
      expect(assertSetupAllowedOnChain(devManifest, 31337n, false)).to.equal("ok");
      await expectError(() => assertSetupAllowedOnChain(devManifest, 11155111n, false), "INSECURE_SETUP_REFUSED", /chain 11155111/);
      await expectError(() => assertSetupAllowedOnChain(devManifest, 1n, false), "INSECURE_SETUP_REFUSED");
    });

    it("lets an explicit override through, flagged, and never needs it for a real setup", () => {
      expect(assertSetupAllowedOnChain(devManifest, 11155111n, true)).to.equal("insecure-override");
      const realManifest = { setup: { secure: true } } as unknown as typeof devManifest;
      expect(assertSetupAllowedOnChain(realManifest, 1n, false)).to.equal("ok");
    });
  });

  describe("contract errors", () => {
    it("names the custom error and its arguments", () => {
      const contractInterface = ZkBallot__factory.createInterface();
      const data = contractInterface.encodeErrorResult("NullifierAlreadySpent", [1n, 99n, 7n]);
      const explained = explainContractError({ message: "execution reverted", info: { error: { data } } }, contractInterface);
      expect(explained.code).to.equal("CONTRACT_REVERT");
      expect(explained.message).to.equal("contract refused: NullifierAlreadySpent(1, 99, 7)");
      expect(explainContractError(new Error("socket hang up")).message).to.match(/transaction failed: socket hang up/);
      const wrongPhase = contractInterface.encodeErrorResult("WrongPhase", [3n, 2, 1]);
      expect(explainContractError({ data: wrongPhase }, contractInterface).message).to.equal("contract refused: WrongPhase(election 3 is in Voting, this needs Registration)");
    });
  });
});
