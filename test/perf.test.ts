/**
 * Correctness of the fast paths behind the benchmarks (bench/run.ts): they must give exactly
 * what the reference implementations give. No timing assertions here; `npm run bench` measures.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { expect } from "chai";
import * as snarkjs from "snarkjs";

import { g2MembershipTest, verifyVoteProofs, verifyVoteProofsWithStats, type ProofItem } from "../lib/proving/batchVerify";
import { SNARK_SCALAR_FIELD } from "../lib/core/constants";
import { PoseidonWasm } from "../lib/node/fastPoseidon";
import { buildFastRollTree, buildRollLevels, fastRollRoot, fastZeroHashes, readPackedRollFile, rollPathFromFile, terminateRollWorkers } from "../lib/node/fastRoll";
import { createIdentity } from "../lib/core/identity";
import { poseidonHasher } from "../lib/core/poseidon";
import { BN254_BASE_FIELD, proveVote, releaseSnarkjs, verifyVoteProof } from "../lib/proving/prover";
import { readVoterRollFile, writeVoterRollFile } from "../lib/node/rollFile";
import { VoterRoll, rootFromPath, zeroHashes } from "../lib/core/voterRoll";

function randomField(): bigint {
  for (;;) {
    const value = BigInt("0x" + randomBytes(32).toString("hex")) >> 2n;
    if (value !== 0n && value < SNARK_SCALAR_FIELD) return value;
  }
}

function randomLeaves(count: number): bigint[] {
  const unique = new Set<bigint>();
  while (unique.size < count) unique.add(randomField());
  return [...unique];
}

/** VoterRoll keeps its levels private; the tests compare them all. */
function levelsOf(roll: VoterRoll): bigint[][] {
  return (roll as unknown as { levels: bigint[][] }).levels;
}

async function expectSameTree(leaves: bigint[], depth: number, options: { workers?: number } = {}): Promise<void> {
  const reference = await VoterRoll.build(leaves, { depth });
  const fast = await buildFastRollTree(leaves, { depth, minLeavesForWorkers: 1, ...options });
  expect(fast.root, `root, ${leaves.length} leaves, depth ${depth}`).to.equal(reference.root);
  expect(fast.size).to.equal(reference.size);
  const expected = levelsOf(reference);
  for (let level = 0; level <= depth; level++) expect(fast.level(level), `level ${level}`).to.deep.equal(expected[level]);
  const indices = leaves.length <= 64 ? leaves.map((_, i) => i) : [0, 1, 2, leaves.length >> 1, leaves.length - 2, leaves.length - 1];
  for (const i of indices) expect(fast.pathAt(i), `path of leaf ${i}`).to.deep.equal(reference.pathAt(i));
}

describe("performance paths give the reference results", function () {
  this.timeout(600_000);

  after(async () => {
    await terminateRollWorkers();
    await releaseSnarkjs();
  });

  describe("WebAssembly Poseidon", () => {
    it("equals circomlibjs on edge and random inputs", async () => {
      const reference = await poseidonHasher();
      const p = SNARK_SCALAR_FIELD;
      const pairs: [bigint, bigint][] = [
        [0n, 0n], [0n, 1n], [1n, 0n], [1n, 2n], [p - 1n, p - 1n], [p - 1n, 0n], [0n, p - 1n],
        [(1n << 253n) - 1n, 1n << 252n], [p >> 1n, (p >> 1n) + 1n], [2n ** 29n - 1n, 2n ** 29n], [2n ** 232n, 2n ** 253n],
      ];
      for (let i = 0; i < 200; i++) pairs.push([randomField(), randomField()]);
      const fast = new PoseidonWasm();
      const got = fast.hashPairsOf(pairs);
      pairs.forEach(([a, b], i) => expect(got[i], `Poseidon(${a}, ${b})`).to.equal(reference([a, b])));
      expect(fast.hash2(3n, 4n)).to.equal(reference([3n, 4n]));
    });

    it("has VoterRoll's zero-subtree hashes", async () => {
      expect(fastZeroHashes(32).values).to.deep.equal(zeroHashes(await poseidonHasher(), 32));
    });
  });

  describe("fast roll tree", () => {
    it("matches VoterRoll for empty, one-leaf, odd and full small trees", async () => {
      for (const [depth, count] of [[1, 0], [1, 1], [1, 2], [2, 3], [3, 0], [3, 1], [3, 5], [3, 8], [4, 7], [5, 17], [5, 31], [6, 33], [8, 255], [8, 256], [10, 1000]]) {
        await expectSameTree(randomLeaves(count), depth, { workers: 0 });
      }
    });

    it("matches VoterRoll at depth 20 with a few thousand leaves, on this thread and on workers", async () => {
      const leaves = randomLeaves(3001);
      await expectSameTree(leaves, 20, { workers: 0 });
      await expectSameTree(leaves, 20, { workers: 2 }); // chunks of 2^10 leaves: 3 chunks
      await expectSameTree(leaves.slice(0, 2048), 12, { workers: 2 });
    });

    it("accepts packed big-endian leaves and gives VoterRoll's levels for integration", async () => {
      const leaves = randomLeaves(77);
      const packed = Buffer.concat(leaves.map((leaf) => Buffer.from(leaf.toString(16).padStart(64, "0"), "hex")));
      const reference = await VoterRoll.build(leaves, { depth: 9 });
      expect(await fastRollRoot(packed, { depth: 9 })).to.equal(reference.root);
      expect(await buildRollLevels(leaves, 9)).to.deep.equal(levelsOf(reference));
      expect(await buildRollLevels([], 4)).to.deep.equal(levelsOf(await VoterRoll.build([], { depth: 4 })));
    });

    it("finds leaves and refuses out-of-range indices and oversized rolls", async () => {
      const leaves = randomLeaves(9);
      const tree = await buildFastRollTree(leaves, { depth: 4 });
      expect(tree.indexOf(leaves[6])).to.equal(6);
      expect(tree.indexOf(12345n)).to.equal(undefined);
      expect(() => tree.pathAt(9)).to.throw(/outside the roll/);
      let error: unknown;
      await buildFastRollTree(randomLeaves(17), { depth: 4 }).catch((e: unknown) => (error = e));
      expect(String(error)).to.match(/depth-4 tree holds 16/);
      for (const bad of [SNARK_SCALAR_FIELD, -1n, 2n ** 256n]) {
        error = undefined;
        await buildFastRollTree([1n, bad], { depth: 4 }).catch((e: unknown) => (error = e));
        expect((error as { code?: string }).code, String(bad)).to.equal("INVALID_FIELD_ELEMENT");
      }
      error = undefined;
      await fastRollRoot(Buffer.from(SNARK_SCALAR_FIELD.toString(16).padStart(64, "0"), "hex"), { depth: 4 }).catch((e: unknown) => (error = e));
      expect((error as { code?: string }).code).to.equal("INVALID_FIELD_ELEMENT");
      expect(await fastRollRoot(Buffer.from((SNARK_SCALAR_FIELD - 1n).toString(16).padStart(64, "0"), "hex"), { depth: 4 })).to.equal(
        (await VoterRoll.build([SNARK_SCALAR_FIELD - 1n], { depth: 4 })).root,
      );
    });

    it("reads the files readVoterRollFile reads, with or without its fast path", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-perf-"));
      const hex = (value: bigint) => "0x" + value.toString(16).padStart(64, "0");
      try {
        const leaves = randomLeaves(40);
        const write = (name: string, text: string) => {
          const file = path.join(dir, name);
          fs.writeFileSync(file, text);
          return file;
        };
        const plain = path.join(dir, "plain.csv");
        writeVoterRollFile(plain, leaves);
        const crlf = write("crlf.csv", ["voterCommitment", "# published roll", ...leaves.slice(0, 20).map(hex), "", ...leaves.slice(20).map(hex)].join("\r\n") + "\r\n");
        for (const file of [plain, crlf]) {
          const packed = readPackedRollFile(file);
          expect(packed, file).to.not.equal(undefined);
          const values = Array.from({ length: packed!.length / 32 }, (_, i) => BigInt("0x" + packed!.toString("hex", 32 * i, 32 * i + 32)));
          expect(values).to.deep.equal(readVoterRollFile(file));
        }
        // Other forms go to readVoterRollFile, which accepts them...
        const accepted = [
          write("decimal.csv", leaves.map(String).join("\n") + "\n"),
          write("columns.csv", leaves.map((leaf) => `${hex(leaf)},alice`).join("\n") + "\n"),
          write("roll.json", JSON.stringify(leaves.map(hex))),
        ];
        for (const file of accepted) {
          expect(readPackedRollFile(file), file).to.equal(undefined);
          expect(() => readVoterRollFile(file), file).to.not.throw();
        }
        // ...or refuses them.
        const refused = [
          write("upper.csv", leaves.map((leaf) => hex(leaf).replace("0x", "0X")).join("\n") + "\n"),
          write("zero.csv", [...leaves.slice(0, 5).map(hex), hex(0n)].join("\n") + "\n"),
          write("duplicate.csv", [...leaves.map(hex), hex(leaves[17])].join("\n") + "\n"),
          write("field.csv", [...leaves.slice(0, 3).map(hex), hex(SNARK_SCALAR_FIELD)].join("\n") + "\n"),
          write("garbage.csv", [...leaves.slice(0, 3).map(hex), "0x" + "zz".repeat(32)].join("\n") + "\n"),
          write("short.csv", ["0x1", ...leaves.slice(1).map(hex)].join("\n") + "\n"),
          write("unterminated.csv", leaves.map(hex).join("\n")),
        ];
        for (const file of refused) {
          expect(readPackedRollFile(file), file).to.equal(undefined);
          expect(() => readVoterRollFile(file), file).to.throw();
        }
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it("reads a roll file and returns the same path and root as VoterRoll", async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-perf-"));
      try {
        const leaves = randomLeaves(1500);
        const file = path.join(dir, "roll.csv");
        writeVoterRollFile(file, leaves);
        const reference = await VoterRoll.build(leaves, { depth: 20 });
        const { root, path: merklePath, size } = await rollPathFromFile(file, leaves[1234], { depth: 20, workers: 2, minLeavesForWorkers: 1 });
        expect(size).to.equal(1500);
        expect(root).to.equal(reference.root);
        expect(merklePath).to.deep.equal(reference.pathAt(1234));
        expect(await rootFromPath(leaves[1234], merklePath)).to.equal(root);
        let error: unknown;
        await rollPathFromFile(file, 42n, { depth: 20 }).catch((e: unknown) => (error = e));
        expect((error as { code?: string }).code).to.equal("NOT_ON_ROLL");
        // A form only readVoterRollFile reads gives the same answer.
        const decimal = path.join(dir, "roll-decimal.csv");
        fs.writeFileSync(decimal, leaves.map(String).join("\n") + "\n");
        expect(await rollPathFromFile(decimal, leaves[1234], { depth: 20 })).to.deep.equal({ root, path: merklePath, size });
        error = undefined;
        fs.appendFileSync(decimal, `\n${leaves[3]}\n`);
        await rollPathFromFile(decimal, leaves[1234], { depth: 20 }).catch((e: unknown) => (error = e));
        expect((error as { code?: string }).code).to.equal("INVALID_ROLL");
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("batch proof verification", () => {
    let valid: ProofItem[] = [];

    before(async () => {
      // Five real proofs on a depth-20 roll (about a second each).
      const identities = await Promise.all([0, 1, 2, 3, 4].map(() => createIdentity()));
      const roll = await VoterRoll.build(identities.map((identity) => identity.voterCommitment), { depth: 20 });
      for (const [i, identity] of identities.entries()) {
        const { publicSignals, proof } = await proveVote({
          identity,
          path: roll.pathOf(identity.voterCommitment),
          voterRollRoot: roll.root,
          electionScope: 777n + BigInt(i % 2),
          ballot: 1n << BigInt(i % 4),
        });
        valid.push({ signals: publicSignals, proof });
      }
    });

    /** Proofs that must fail, derived from the valid ones, with what was changed. */
    function tampered(): ProofItem[] {
      const [a, b, c, d, e] = valid;
      const withCoordinate = (item: ProofItem, index: number, value: bigint): ProofItem => {
        const proof = [...item.proof];
        proof[index] = value;
        return { signals: item.signals, proof };
      };
      return [
        { signals: { ...a.signals, ballot: a.signals.ballot ^ 3n }, proof: a.proof }, // another ballot
        { signals: { ...b.signals, nullifier: b.signals.nullifier + 1n }, proof: b.proof }, // another nullifier
        { signals: { ...c.signals, voterRollRoot: d.signals.voterRollRoot + 5n }, proof: c.proof }, // another root
        { signals: { ...d.signals, electionScope: d.signals.electionScope + 2n }, proof: d.proof }, // another scope
        withCoordinate(e, 0, e.proof[0] + 1n), // A off the curve
        withCoordinate(a, 6, b.proof[6]), // C off the curve (x of another proof's C)
        { signals: a.signals, proof: [...a.proof.slice(0, 6), ...b.proof.slice(6)] }, // C of another proof: on the curve, wrong
        { signals: b.signals, proof: [...c.proof.slice(0, 2), ...b.proof.slice(2)] }, // A of another proof
        { signals: c.signals, proof: [c.proof[0], c.proof[1], c.proof[3], c.proof[2], c.proof[5], c.proof[4], c.proof[6], c.proof[7]] }, // B unswapped
        { signals: { ...d.signals, ballot: SNARK_SCALAR_FIELD }, proof: d.proof }, // signal outside the field
        { signals: { ...d.signals, ballot: d.signals.ballot + SNARK_SCALAR_FIELD }, proof: d.proof }, // same signal plus r
        withCoordinate(e, 7, BN254_BASE_FIELD), // coordinate outside the base field: verifyVoteProof throws
        { signals: e.signals, proof: e.proof.slice(0, 7) }, // seven coordinates
      ];
    }

    async function oneByOne(items: ProofItem[]): Promise<boolean[]> {
      const results: boolean[] = [];
      for (const item of items) results.push(await verifyVoteProof(item.signals, item.proof).catch(() => false));
      return results;
    }

    it("accepts every valid proof, in one batch and across batches", async () => {
      const items = [...valid, ...valid, ...valid];
      const { results, stats } = await verifyVoteProofsWithStats(items, { batchSize: 4 });
      expect(results).to.deep.equal(items.map(() => true));
      expect(stats.failedBatchChecks).to.equal(0);
      expect(stats.individualChecks).to.equal(0);
      expect(await verifyVoteProofs(valid)).to.deep.equal([true, true, true, true, true]);
      expect(await verifyVoteProofs([])).to.deep.equal([]);
    });

    it("rejects every tampered proof, as verifyVoteProof does", async () => {
      const items = tampered();
      const expected = await oneByOne(items);
      expect(expected.every((result) => !result)).to.equal(true);
      expect(await verifyVoteProofs(items)).to.deep.equal(expected);
      expect(await verifyVoteProofs(items, { batchSize: 3, individualThreshold: 1 })).to.deep.equal(expected);
    });

    it("gives one-by-one results on a mix of valid and tampered proofs, whatever the batch size", async () => {
      const bad = tampered();
      const items: ProofItem[] = [];
      for (let i = 0; i < 30; i++) items.push(i % 3 === 1 ? bad[i % bad.length] : valid[i % valid.length]);
      items.push(valid[0], bad[6], valid[1]);
      const expected = await oneByOne(items);
      expect(expected.filter(Boolean).length).to.be.greaterThan(10);
      for (const batchSize of [1, 2, 5, 16, 64]) {
        const { results, stats } = await verifyVoteProofsWithStats(items, { batchSize });
        expect(results, `batch size ${batchSize}`).to.deep.equal(expected);
        expect(stats.batchChecks).to.be.greaterThan(0);
      }
      // A single proof that is on every curve but wrong forces the bisection path.
      const one = [...valid, ...valid, bad[6], ...valid];
      const { results, stats } = await verifyVoteProofsWithStats(one, { batchSize: 64, individualThreshold: 2 });
      expect(results).to.deep.equal(await oneByOne(one));
      expect(stats.failedBatchChecks).to.be.greaterThan(1);
      expect(stats.individualChecks).to.be.lessThan(one.length);
    });

    it("lets snarkjs decide a proof whose B is on the twist but outside G2", async () => {
      const curve = (await snarkjs.curves.getCurveFromName("bn128")) as unknown as {
        G2: { F: { fromObject(a: bigint[]): Uint8Array; add(a: Uint8Array, b: Uint8Array): Uint8Array; mul(a: Uint8Array, b: Uint8Array): Uint8Array; square(a: Uint8Array): Uint8Array; isSquare(a: Uint8Array): boolean; sqrt(a: Uint8Array): Uint8Array; toObject(a: Uint8Array): bigint[] }; b: Uint8Array };
      };
      const F2 = curve.G2.F;
      let point: bigint[][] | undefined;
      for (let k = 1n; point === undefined; k++) {
        const x = F2.fromObject([k, 1n]);
        const rhs = F2.add(F2.mul(F2.square(x), x), curve.G2.b);
        if (F2.isSquare(rhs)) point = [F2.toObject(x), F2.toObject(F2.sqrt(rhs))];
      }
      const [[x0, x1], [y0, y1]] = point;
      const item: ProofItem = { signals: valid[0].signals, proof: [valid[0].proof[0], valid[0].proof[1], x1, x0, y1, y0, valid[0].proof[6], valid[0].proof[7]] };
      const items = [valid[1], item, valid[2]];
      const { results, stats } = await verifyVoteProofsWithStats(items);
      expect(results).to.deep.equal(await oneByOne(items));
      expect(results).to.deep.equal([true, false, true]);
      expect(stats.individualChecks).to.equal(1);
      expect(stats.rejectedEarly).to.equal(0);
      expect(await g2MembershipTest()).to.equal("psi"); // the fast test passed its self-check
    });
  });
});
