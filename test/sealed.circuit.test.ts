/**
 * Tests of the sealed circuits (circuits/sealedVote.circom, circuits/sealedDecryption.circom),
 * compiled from source into a temp dir, checked against their R1CS (test/helpers/r1cs.ts):
 *
 *  - they compile with no `--inspect` warning but the one read and accepted in lib/proving/sealedCircuits.ts,
 *    and a circuit that really leaves a signal unconstrained fails that build;
 *  - honest witnesses satisfy the R1CS, and the circuit's ciphertexts, root and nullifier are
 *    exactly the library's;
 *  - what must be refused is refused: a plaintext of 2 or -1 (by a cheating prover's circuit
 *    that skips the bit check, judged by the honest R1CS), two options in a single-choice
 *    ballot, a ciphertext under another key, swapped or altered ciphertexts, a wrong partial
 *    decryption.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { expect } from "chai";

import { PROJECT_ROOT } from "../lib/proving/artifacts";
import { DEFAULT_ROLL_DEPTH } from "../lib/core/constants";
import { computeNullifier, createIdentity, type VoterIdentity } from "../lib/core/identity";
import {
  BABYJUB_FIELD,
  GENERATOR,
  IDENTITY,
  SEALED_MAX_OPTIONS,
  SUBGROUP_ORDER,
  addPoints,
  encrypt,
  multiplyGenerator,
  multiplyPoint,
  randomScalar,
  sealedDecryptionInput,
  sealedDecryptionPublicSignalNames,
  sealedVoteInput,
  sealedVotePublicSignalNames,
  type Point,
  type SelectionRule,
} from "../lib/sealed";
import { compileSealedCircuit, type CompiledSealedCircuit } from "../lib/proving/sealedCircuits";
import { VoterRoll, type MerklePath } from "../lib/core/voterRoll";
import { SymbolMap, computeWitness, loadR1cs, modP, violations, wiresOf, witnessError, type R1cs } from "./helpers/r1cs";

const OPTIONS = SEALED_MAX_OPTIONS;
const DEPTH = DEFAULT_ROLL_DEPTH;

interface Loaded {
  compiled: CompiledSealedCircuit;
  r1cs: R1cs;
  sym: SymbolMap;
}

async function load(compiled: CompiledSealedCircuit): Promise<Loaded> {
  return { compiled, r1cs: await loadR1cs(compiled.r1cs), sym: new SymbolMap(fs.readFileSync(compiled.sym, "utf8")) };
}

/** Every wire that some constraint mentions with a non-zero coefficient. */
function constrainedWires(r1cs: R1cs): Set<number> {
  const wires = new Set<number>();
  for (const constraint of r1cs.constraints) for (const w of wiresOf(constraint)) wires.add(w);
  return wires;
}

/**
 * A copy of circuits/ with one statement of one file blanked (same length, so every other
 * signal keeps its wire index).
 */
function sourceWithout(file: string, statement: string, dir: string): string {
  fs.cpSync(path.join(PROJECT_ROOT, "circuits"), dir, { recursive: true, filter: (from) => !from.includes(`${path.sep}build`) });
  const source = fs.readFileSync(path.join(PROJECT_ROOT, "circuits", file), "utf8");
  expect(source.split(statement)).to.have.length(2, `"${statement}" must appear exactly once in ${file}`);
  fs.writeFileSync(path.join(dir, file), source.replace(statement, " ".repeat(statement.length)));
  return dir;
}

describe("sealed circuits", function () {
  this.timeout(240_000);

  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-sealed-circuit-"));
  let vote: Loaded;
  let decryption: Loaded;
  let voter: VoterIdentity;
  let voterPath: MerklePath;
  let roll: VoterRoll;
  const scope = 0x5ea1_5c0e_0001n;
  const electionSecret = randomScalar();
  const electionKey = multiplyGenerator(electionSecret);
  const singleChoice: SelectionRule = { options: OPTIONS, minSelections: 1, maxSelections: 1 };

  before(async () => {
    vote = await load(compileSealedCircuit("sealedVote", path.join(tmpDir, "vote")));
    decryption = await load(compileSealedCircuit("sealedDecryption", path.join(tmpDir, "decryption")));
    const members: VoterIdentity[] = [];
    for (let i = 0; i < 4; i++) members.push(await createIdentity());
    roll = await VoterRoll.build(members.map((m) => m.voterCommitment), { depth: DEPTH });
    voter = members[2];
    voterPath = roll.pathOf(voter.voterCommitment);
  });

  after(() => fs.rmSync(tmpDir, { recursive: true, force: true }));

  const plaintextsFor = (selected: number[]): bigint[] => Array.from({ length: OPTIONS }, (_, j) => (selected.includes(j) ? 1n : 0n));

  function voteInput(plaintexts: bigint[], rule: SelectionRule, randomness: bigint[], key: Point = electionKey) {
    return sealedVoteInput({ identitySecret: voter.identitySecret, path: voterPath, electionScope: scope, electionKey: key, rule, plaintexts, randomness }, OPTIONS);
  }

  /** The raw input, bypassing the library's checks: what a cheating client would feed the wasm. */
  function rawVoteInput(plaintexts: bigint[], rule: SelectionRule, randomness: bigint[]) {
    return { ...voteInput(plaintextsFor([0]), singleChoice, randomness), plaintexts: plaintexts.map((m) => modP(m).toString()), minSelections: String(rule.minSelections), maxSelections: String(rule.maxSelections), numOptions: String(rule.options) };
  }

  const freshRandomness = () => Array.from({ length: OPTIONS }, () => randomScalar());
  const wire = (name: string) => vote.sym.wire(`main.${name}`);

  describe("sealed vote circuit", () => {
    it(`compiles with only the accepted inspect warnings; ${OPTIONS} options at depth ${DEPTH} stay within 30,000 constraints`, () => {
      expect(vote.compiled.acceptedWarnings).to.equal(1); // EscalarMulFix's; the variable-base multiplication is ours (WindowedKeyMul)
      expect(vote.compiled.constraints).to.equal(vote.r1cs.nConstraints);
      expect(vote.r1cs.nConstraints).to.be.at.most(30_000);
      console.log(`      sealedVote(${DEPTH}, ${OPTIONS}): ${vote.r1cs.nConstraints} constraints; sealedDecryption(${OPTIONS}): ${decryption.r1cs.nConstraints}`);
    });

    it("public signals are laid out as sealedVotePublicSignalNames says: 34 outputs, then 6 public inputs, each in some constraint", () => {
      expect(vote.r1cs.nOutputs).to.equal(2 + 4 * OPTIONS);
      expect(vote.r1cs.nPubInputs).to.equal(6);
      const names = sealedVotePublicSignalNames(OPTIONS);
      names.forEach((name, i) => expect(wire(name)).to.equal(i + 1, name));
      // A public signal in no constraint could be changed freely under a valid proof.
      const constrained = constrainedWires(vote.r1cs);
      expect(names.filter((name) => !constrained.has(wire(name)))).to.deep.equal([]);
    });

    for (const [label, rule, selected] of [
      ["single choice of option 5", singleChoice, [5]],
      ["single choice of option 2 in a 3-option election", { options: 3, minSelections: 1, maxSelections: 1 }, [2]],
      ["approval of 3 options within [2, 4]", { options: OPTIONS, minSelections: 2, maxSelections: 4 }, [0, 3, 7]],
      ["approval of no option within [0, 8]", { options: OPTIONS, minSelections: 0, maxSelections: OPTIONS }, []],
      ["approval of all 8 options within [8, 8]", { options: OPTIONS, minSelections: OPTIONS, maxSelections: OPTIONS }, [0, 1, 2, 3, 4, 5, 6, 7]],
    ] as const) {
      it(`an honest ballot (${label}) satisfies the R1CS, with the library's ciphertexts, root and nullifier`, async () => {
        const randomness = freshRandomness();
        const plaintexts = plaintextsFor([...selected]);
        const witness = await computeWitness(voteInput(plaintexts, rule, randomness), vote.compiled.wasm);
        expect(violations(vote.r1cs, witness)).to.deep.equal([]);
        expect(witness[wire("voterRollRoot")]).to.equal(roll.root);
        expect(witness[wire("nullifier")]).to.equal(await computeNullifier(voter.identitySecret, scope));
        for (let j = 0; j < OPTIONS; j++) {
          const expected = encrypt(electionKey, plaintexts[j], randomness[j]);
          expect([witness[wire(`c1[${j}][0]`)], witness[wire(`c1[${j}][1]`)]]).to.deep.equal([expected.c1.x, expected.c1.y], `c1 of option ${j}`);
          expect([witness[wire(`c2[${j}][0]`)], witness[wire(`c2[${j}][1]`)]]).to.deep.equal([expected.c2.x, expected.c2.y], `c2 of option ${j}`);
        }
      });
    }

    it("r·electionKey from the shared window table equals the library's for edge randomness: 1, 2, 3, 3·4^60, 2^250 (the top bit alone), 2^250 + 3, l - 1", async () => {
      const edges = [1n, 2n, 3n, 3n * 4n ** 60n, 2n ** 250n, 2n ** 250n + 3n, SUBGROUP_ORDER - 1n, randomScalar()];
      const plaintexts = plaintextsFor([1, 4, 6]);
      const witness = await computeWitness(voteInput(plaintexts, { options: OPTIONS, minSelections: 3, maxSelections: 3 }, edges), vote.compiled.wasm);
      expect(violations(vote.r1cs, witness)).to.deep.equal([]);
      for (let j = 0; j < OPTIONS; j++) {
        const expected = encrypt(electionKey, plaintexts[j], edges[j]);
        expect([witness[wire(`c2[${j}][0]`)], witness[wire(`c2[${j}][1]`)]]).to.deep.equal([expected.c2.x, expected.c2.y], `c2 of option ${j}, r = ${edges[j]}`);
      }
    });

    it("the witness calculator refuses two options in a single-choice ballot, none, a plaintext of 2 or -1, and more than the maximum", async () => {
      const randomness = freshRandomness();
      expect(await witnessError(rawVoteInput(plaintextsFor([1, 4]), singleChoice, randomness), vote.compiled.wasm)).to.be.instanceOf(Error);
      expect(await witnessError(rawVoteInput(plaintextsFor([]), singleChoice, randomness), vote.compiled.wasm)).to.be.instanceOf(Error);
      const two = plaintextsFor([]);
      two[3] = 2n;
      expect(await witnessError(rawVoteInput(two, { options: OPTIONS, minSelections: 0, maxSelections: OPTIONS }, randomness), vote.compiled.wasm)).to.be.instanceOf(Error);
      const minusOne = plaintextsFor([1, 2]);
      minusOne[3] = -1n;
      expect(await witnessError(rawVoteInput(minusOne, singleChoice, randomness), vote.compiled.wasm)).to.be.instanceOf(Error);
      expect(await witnessError(rawVoteInput(plaintextsFor([0, 1, 2]), { options: OPTIONS, minSelections: 1, maxSelections: 2 }, randomness), vote.compiled.wasm)).to.be.instanceOf(Error);
      // The control: the same input with a valid ballot is accepted.
      expect(await witnessError(rawVoteInput(plaintextsFor([1]), singleChoice, randomness), vote.compiled.wasm)).to.equal(undefined);
    });

    it("the witness calculator refuses a selection of an option the election does not have (option 3 or 7 of 3), which would count for none", async () => {
      const randomness = freshRandomness();
      const threeOptions: SelectionRule = { options: 3, minSelections: 1, maxSelections: 1 };
      expect(await witnessError(rawVoteInput(plaintextsFor([3]), threeOptions, randomness), vote.compiled.wasm)).to.be.instanceOf(Error);
      expect(await witnessError(rawVoteInput(plaintextsFor([7]), threeOptions, randomness), vote.compiled.wasm)).to.be.instanceOf(Error);
      expect(await witnessError(rawVoteInput(plaintextsFor([0, 5]), { options: 3, minSelections: 0, maxSelections: 2 }, randomness), vote.compiled.wasm)).to.be.instanceOf(Error);
      // The control: the last option the election has is accepted.
      expect(await witnessError(rawVoteInput(plaintextsFor([2]), threeOptions, randomness), vote.compiled.wasm)).to.equal(undefined);
    });

    describe("a tampered honest witness violates the R1CS", () => {
      let honest: bigint[];
      const randomness = freshRandomness();
      const approval: SelectionRule = { options: OPTIONS, minSelections: 1, maxSelections: 2 };

      before(async () => {
        honest = await computeWitness(voteInput(plaintextsFor([2, 6]), approval, randomness), vote.compiled.wasm);
        expect(violations(vote.r1cs, honest)).to.deep.equal([]);
      });

      const tampered = (changes: Record<string, bigint>): bigint[] => {
        const witness = [...honest];
        for (const [name, value] of Object.entries(changes)) witness[wire(name)] = value;
        return witness;
      };
      const pointAt = (prefix: string): Point => ({ x: honest[wire(`${prefix}[0]`)], y: honest[wire(`${prefix}[1]`)] });

      it("two selections claimed as a single-choice ballot (maxSelections 2 -> 1) and one below the minimum (minSelections 1 -> 3)", () => {
        expect(violations(vote.r1cs, tampered({ maxSelections: 1n }))).to.not.deep.equal([]);
        expect(violations(vote.r1cs, tampered({ minSelections: 3n }))).to.not.deep.equal([]);
      });

      it("a ballot for option 6 claimed for an election of 6 options (numOptions 8 -> 6): option 6 would count for none", () => {
        expect(violations(vote.r1cs, tampered({ numOptions: 6n }))).to.not.deep.equal([]);
      });

      it("the ciphertexts claimed under another election key (the ballot was made for another election)", () => {
        const otherKey = multiplyGenerator(randomScalar());
        expect(violations(vote.r1cs, tampered({ "electionKey[0]": otherKey.x, "electionKey[1]": otherKey.y }))).to.not.deep.equal([]);
      });

      it("two options' ciphertexts swapped, as a relayer might try", () => {
        const changes: Record<string, bigint> = {};
        for (const part of ["c1", "c2"]) {
          for (const k of [0, 1]) {
            changes[`${part}[2][${k}]`] = honest[wire(`${part}[6][${k}]`)];
            changes[`${part}[6][${k}]`] = honest[wire(`${part}[2][${k}]`)];
          }
        }
        // The swap is a real change (option 2's and 6's ciphertexts differ).
        expect(changes["c2[2][0]"]).to.not.equal(honest[wire("c2[2][0]")]);
        expect(violations(vote.r1cs, tampered(changes))).to.not.deep.equal([]);
        // Swapping only c2 (keeping each c1) is refused too.
        const c2Only = Object.fromEntries(Object.entries(changes).filter(([name]) => name.startsWith("c2")));
        expect(violations(vote.r1cs, tampered(c2Only))).to.not.deep.equal([]);
      });

      it("a ciphertext altered: c2 + G (one more vote), c1 + G, the negated c2, and a coordinate + p's residue alias", () => {
        const c2 = pointAt("c2[4]");
        const moreVote = addPoints(c2, GENERATOR);
        expect(violations(vote.r1cs, tampered({ "c2[4][0]": moreVote.x, "c2[4][1]": moreVote.y }))).to.not.deep.equal([]);
        const c1 = addPoints(pointAt("c1[4]"), GENERATOR);
        expect(violations(vote.r1cs, tampered({ "c1[4][0]": c1.x, "c1[4][1]": c1.y }))).to.not.deep.equal([]);
        expect(violations(vote.r1cs, tampered({ "c2[4][0]": modP(-c2.x) }))).to.not.deep.equal([]);
        // In the field, x + p is x: the verifier contract must refuse inputs >= p (snarkjs's checkField does).
        expect(modP(c2.x + BABYJUB_FIELD)).to.equal(c2.x);
      });

      it("a plaintext changed in the witness (0 -> 1 on option 0, keeping the ciphertext) and one randomness bit flipped", () => {
        expect(violations(vote.r1cs, tampered({ "plaintexts[0]": 1n }))).to.not.deep.equal([]);
        const bitWire = [...vote.sym.indexOf.entries()].find(([name]) => /BitEncryption[^.]*\.randomnessBits\[17\]$/.test(name));
        expect(bitWire, "a randomness bit of some option").to.not.equal(undefined);
        const witness = [...honest];
        witness[bitWire![1]] = 1n - witness[bitWire![1]];
        expect(violations(vote.r1cs, witness)).to.not.deep.equal([]);
      });

      type PointWires = readonly [x: number, y: number];
      /** The wires of the point signal `prefix[0]`, `prefix[1]`: a main signal's name, or a pattern for one inside an anonymous component. */
      const pointWires = (prefix: string | RegExp): PointWires => {
        const coordinate = (k: number): number => {
          if (typeof prefix === "string") return wire(`${prefix}[${k}]`);
          const found = [...vote.sym.indexOf.entries()].find(([name]) => new RegExp(`${prefix.source}\\[${k}\\]$`).test(name));
          expect(found, `a signal matching ${prefix}[${k}]`).to.not.equal(undefined);
          return found![1];
        };
        return [coordinate(0), coordinate(1)];
      };
      const pointOf = ([x, y]: PointWires): Point => ({ x: honest[x], y: honest[y] });
      const withPoint = ([x, y]: PointWires, point: Point): bigint[] => {
        const witness = [...honest];
        witness[x] = point.x;
        witness[y] = point.y;
        return witness;
      };
      const refused = (witness: bigint[]) => expect(violations(vote.r1cs, witness)).to.not.deep.equal([]);
      /** A signal of option 3's variable-base multiplication. */
      const inOption3 = (inner: string) => new RegExp(`^main\\.BitEncryption[^.]*\\[3\\]\\.WindowedKeyMul[^.]*\\.${inner}`);

      it("the election key's window table has no free entry: 3·4^7·K moved by G or replaced by 2·4^7·K, and the top bit's 4^125·K moved by G", () => {
        const entry = pointWires("keyMultiples[7][2]");
        refused(withPoint(entry, addPoints(pointOf(entry), GENERATOR)));
        refused(withPoint(entry, pointOf(pointWires("keyMultiples[7][1]"))));
        const top = pointWires("keyTopMultiple");
        refused(withPoint(top, addPoints(pointOf(top), GENERATOR)));
      });

      it("a window cannot select another entry than its bits name, nor choose within the other half of the table, and the running sum has no free step", () => {
        const selected = pointWires(inOption3("selected\\[7\\]"));
        const honestSelection = pointOf(selected);
        const other = [0, 1, 2].map((k) => pointOf(pointWires(`keyMultiples[7][${k}]`))).find((p) => p.x !== honestSelection.x) ?? IDENTITY;
        expect(other).to.not.deep.equal(honestSelection);
        refused(withPoint(selected, other));
        // The choice within the table's upper half (2· or 3·) moved to the lower half's 1·.
        const high = pointWires(inOption3("WindowSelect[^.]*\\[7\\]\\.high"));
        const lowerHalf = pointOf(pointWires("keyMultiples[7][0]"));
        expect(lowerHalf).to.not.deep.equal(pointOf(high));
        refused(withPoint(high, lowerHalf));
        const sum = pointWires(inOption3("sums\\[7\\]"));
        refused(withPoint(sum, addPoints(pointOf(sum), GENERATOR)));
      });

      it("the election scope changed (the nullifier is for another election)", () => {
        expect(violations(vote.r1cs, tampered({ electionScope: scope + 1n }))).to.not.deep.equal([]);
      });
    });

    describe("a cheating prover's circuit without the plaintext bit check", () => {
      let cheating: Loaded;
      before(async () => {
        const source = sourceWithout("sealedVote.circom", "plaintext * (plaintext - 1) === 0;", path.join(tmpDir, "cheating"));
        cheating = await load(compileSealedCircuit("sealedVote", path.join(source, "out"), {}, source));
        // The honest R1CS can judge the cheating witness only if every signal has the same wire.
        for (const [name, index] of vote.sym.indexOf) expect(cheating.sym.indexOf.get(name)).to.equal(index, name);
        expect(cheating.r1cs.nConstraints).to.equal(vote.r1cs.nConstraints - OPTIONS);
      });

      /** The cheating witness satisfies its own R1CS; the honest one refuses it at the bit check of `option` only. */
      async function expectRefusedAtBitCheck(plaintexts: bigint[], rule: SelectionRule, option: number) {
        const witness = await computeWitness(rawVoteInput(plaintexts, rule, freshRandomness()), cheating.compiled.wasm);
        expect(violations(cheating.r1cs, witness)).to.deep.equal([]);
        const bad = violations(vote.r1cs, witness);
        expect(bad).to.have.length(1);
        expect(wiresOf(vote.r1cs.constraints[bad[0]]).has(wire(`plaintexts[${option}]`))).to.equal(true);
      }

      it("a plaintext of 2 (two votes from one ballot) is refused by the honest R1CS", async () => {
        const plaintexts = plaintextsFor([]);
        plaintexts[3] = 2n;
        await expectRefusedAtBitCheck(plaintexts, { options: OPTIONS, minSelections: 0, maxSelections: OPTIONS }, 3);
      });

      it("a plaintext of -1 with two 1s, which sums to a valid single choice (moving a vote), is refused by the honest R1CS", async () => {
        const plaintexts = plaintextsFor([1, 5]);
        plaintexts[0] = -1n;
        await expectRefusedAtBitCheck(plaintexts, singleChoice, 0);
      });
    });
  });

  describe("partial decryption circuit", () => {
    const share = randomScalar();
    const shareKey = multiplyGenerator(share);
    let totals: Point[];
    let honest: bigint[];
    const dwire = (name: string) => decryption.sym.wire(`main.${name}`);

    before(async () => {
      totals = Array.from({ length: OPTIONS }, (_, j) => (j === 7 ? IDENTITY : multiplyGenerator(randomScalar())));
      honest = await computeWitness(sealedDecryptionInput({ share, shareKey, c1Totals: totals, partials: totals.map((c1) => multiplyPoint(c1, share)) }), decryption.compiled.wasm);
    });

    it("compiles with only the accepted inspect warnings; public signals are shareKey, c1Totals, partials", () => {
      expect(decryption.compiled.acceptedWarnings).to.equal(2);
      expect(decryption.r1cs.nOutputs).to.equal(0);
      expect(decryption.r1cs.nPubInputs).to.equal(2 + 4 * OPTIONS);
      sealedDecryptionPublicSignalNames(OPTIONS).forEach((name, i) => expect(dwire(name)).to.equal(i + 1, name));
    });

    it("an honest partial decryption satisfies the R1CS, an empty total (the identity) included", () => {
      expect(violations(decryption.r1cs, honest)).to.deep.equal([]);
      expect([honest[dwire("partials[7][0]")], honest[dwire("partials[7][1]")]]).to.deep.equal([0n, 1n]);
    });

    it("a wrong partial decryption, another trustee's share key, or another total is refused", async () => {
      const wrong = addPoints({ x: honest[dwire("partials[2][0]")], y: honest[dwire("partials[2][1]")] }, GENERATOR);
      const tamper = (changes: Record<string, bigint>) => {
        const witness = [...honest];
        for (const [name, value] of Object.entries(changes)) witness[dwire(name)] = value;
        return violations(decryption.r1cs, witness);
      };
      expect(tamper({ "partials[2][0]": wrong.x, "partials[2][1]": wrong.y })).to.not.deep.equal([]);
      const otherKey = multiplyGenerator(randomScalar());
      expect(tamper({ "shareKey[0]": otherKey.x, "shareKey[1]": otherKey.y })).to.not.deep.equal([]);
      const otherTotal = multiplyGenerator(randomScalar());
      expect(tamper({ "c1Totals[2][0]": otherTotal.x, "c1Totals[2][1]": otherTotal.y })).to.not.deep.equal([]);
      // And the witness calculator refuses a partial made with another share.
      const otherShare = randomScalar();
      const input = sealedDecryptionInput({ share, shareKey, c1Totals: totals, partials: totals.map((c1) => multiplyPoint(c1, otherShare)) });
      expect(await witnessError(input, decryption.compiled.wasm)).to.be.instanceOf(Error);
    });

    it("every public signal takes part in some constraint; a copy that drops the share-key check fails the build on its inspect warning", () => {
      const publicWires = sealedDecryptionPublicSignalNames(OPTIONS).map(dwire);
      const constrained = constrainedWires(decryption.r1cs);
      expect(publicWires.filter((w) => !constrained.has(w))).to.deep.equal([]);
      const source = sourceWithout("sealedDecryption.circom", "derivedKey === shareKey;", path.join(tmpDir, "unchecked"));
      expect(() => compileSealedCircuit("sealedDecryption", path.join(source, "out"), {}, source)).to.throw(/inspect reported warnings[\s\S]*CA01[\s\S]*shareKey/);
    });
  });
});
