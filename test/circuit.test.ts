/**
 * Tests of the vote circuit itself (circuits/vote.circom), below the library:
 *
 *  - the committed artifacts match the manifest and the zkey's verification key;
 *  - the witness the circuit computes agrees with the TypeScript library (root, nullifier);
 *  - real Groth16 proofs verify, and every public signal and proof coordinate is bound;
 *  - the R1CS, recompiled from the source, rejects tampered witnesses. The R1CS checker below
 *    is written here (r1csfile only parses the file) and is first shown to accept the honest
 *    witness, so none of the rejections can pass vacuously.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { expect } from "chai";
import * as snarkjs from "snarkjs";

import { ARTIFACT_FILES, PROJECT_ROOT, artifactPath, loadManifest, sha256File, verifyArtifactHashes } from "../lib/proving/artifacts";
import { DEFAULT_ROLL_DEPTH, SNARK_SCALAR_FIELD } from "../lib/core/constants";
import { computeNullifier, createIdentity, type VoterIdentity } from "../lib/core/identity";
import { poseidonHasher } from "../lib/core/poseidon";
import {
  BN254_BASE_FIELD,
  proveVote,
  releaseSnarkjs,
  toSolidityProof,
  verifyVoteProof,
  type SolidityProof,
  type VoteProof,
  type VotePublicSignals,
} from "../lib/proving/prover";
import { PUBLIC_SIGNAL_NAMES, compileVoteCircuit, mainComponentSource } from "../lib/proving/setup";
import { VoterRoll, rootFromPath, type MerklePath } from "../lib/core/voterRoll";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const p = SNARK_SCALAR_FIELD;
const mod = (x: bigint): bigint => ((x % p) + p) % p;
const DEPTH = DEFAULT_ROLL_DEPTH;

/** A random field element that fits in 31 bytes (always below the field order). */
function randomScalar(): bigint {
  return BigInt("0x" + randomBytes(31).toString("hex"));
}

type CircuitInput = Record<string, string | string[]>;

function circuitInput(identitySecret: bigint, merklePath: MerklePath, electionScope: bigint, ballot: bigint): CircuitInput {
  return {
    identitySecret: identitySecret.toString(),
    pathIndices: merklePath.pathIndices.map(String),
    siblings: merklePath.siblings.map(String),
    electionScope: electionScope.toString(),
    ballot: ballot.toString(),
  };
}

/** The full witness (index 0 is the constant 1) computed by a circuit's wasm, in memory. */
async function computeWitness(input: CircuitInput, wasm: string): Promise<bigint[]> {
  const wtns: { type: "mem"; data?: Uint8Array } = { type: "mem" };
  await snarkjs.wtns.calculate(input, wasm, wtns);
  return (await snarkjs.wtns.exportJson(wtns)).map((value) => BigInt(value));
}

/** Runs the witness calculator expecting it to refuse; returns the error (its console noise is muted). */
async function witnessError(input: CircuitInput, wasm: string): Promise<Error | undefined> {
  const consoleError = console.error;
  console.error = () => undefined;
  try {
    await computeWitness(input, wasm);
    return undefined;
  } catch (error) {
    return error as Error;
  } finally {
    console.error = consoleError;
  }
}

// --- R1CS -------------------------------------------------------------------------------------

/** One linear combination as r1csfile returns it: wire index -> coefficient. */
type LinearCombination = Record<string, bigint>;
type Constraint = [LinearCombination, LinearCombination, LinearCombination];

interface R1cs {
  n8: number;
  prime: bigint;
  nVars: number;
  nOutputs: number;
  nPubInputs: number;
  nPrvInputs: number;
  nConstraints: number;
  constraints: Constraint[];
}

// r1csfile ships no typings (it is a dependency of snarkjs).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { readR1cs } = require("r1csfile") as { readR1cs(file: string, options: Record<string, unknown>): Promise<R1cs> };

/**
 * Loads an R1CS with plain bigint coefficients. The file stores them in standard (not
 * Montgomery) little-endian form; this minimal field just decodes them, so the checker's
 * arithmetic is all in this file and creates no worker threads.
 */
async function loadR1cs(file: string): Promise<R1cs> {
  const field = {
    p,
    fromRprLE(buff: Uint8Array, offset = 0): bigint {
      let value = 0n;
      for (let i = 31; i >= 0; i--) value = (value << 8n) | BigInt(buff[offset + i]);
      return value;
    },
  };
  // `F` makes r1csfile check the file's prime against ours ("Different Prime" otherwise).
  const r1cs = await readR1cs(file, { loadConstraints: true, loadMap: false, loadCustomGates: false, F: field });
  expect(r1cs.prime).to.equal(p);
  expect(r1cs.n8).to.equal(32);
  expect(r1cs.constraints).to.have.length(r1cs.nConstraints);
  return r1cs;
}

function evalLc(lc: LinearCombination, witness: readonly bigint[]): bigint {
  let sum = 0n;
  for (const [wire, coefficient] of Object.entries(lc)) {
    const value = witness[Number(wire)];
    if (value === undefined) throw new Error(`wire ${wire} is outside the witness of ${witness.length}`);
    sum += coefficient * value;
  }
  return mod(sum);
}

function satisfies(constraint: Constraint, witness: readonly bigint[]): boolean {
  const [a, b, c] = constraint;
  return mod(evalLc(a, witness) * evalLc(b, witness) - evalLc(c, witness)) === 0n;
}

/** Indices of the constraints `witness` violates; [] means it satisfies the whole system. */
function violations(r1cs: R1cs, witness: readonly bigint[]): number[] {
  expect(witness).to.have.length(r1cs.nVars, "witness length must match the R1CS");
  expect(witness[0]).to.equal(1n, "wire 0 is the constant 1");
  const bad: number[] = [];
  r1cs.constraints.forEach((constraint, i) => {
    if (!satisfies(constraint, witness)) bad.push(i);
  });
  return bad;
}

/** The wires a constraint mentions with a non-zero coefficient. */
function wiresOf(constraint: Constraint): Set<number> {
  const wires = new Set<number>();
  for (const lc of constraint) {
    for (const [wire, coefficient] of Object.entries(lc)) if (mod(coefficient) !== 0n) wires.add(Number(wire));
  }
  return wires;
}

// --- .sym -------------------------------------------------------------------------------------

/** Signal names -> witness index, from circom's .sym (`labelIdx,varIdx,componentIdx,name`). */
class SymbolMap {
  readonly indexOf = new Map<string, number>();
  readonly namesAt = new Map<number, string[]>();
  readonly removed = new Set<string>();

  constructor(text: string) {
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      const match = /^(\d+),(-?\d+),(-?\d+),(.+)$/.exec(line);
      if (!match) throw new Error(`unexpected .sym line: ${line}`);
      const varIdx = Number(match[2]);
      const name = match[4];
      if (varIdx < 0) {
        this.removed.add(name); // eliminated by the optimizer
        continue;
      }
      this.indexOf.set(name, varIdx);
      this.namesAt.set(varIdx, [...(this.namesAt.get(varIdx) ?? []), name]);
    }
  }

  /** Witness index of a signal given by its exact name. */
  wire(name: string): number {
    const index = this.indexOf.get(name);
    if (index === undefined) throw new Error(`signal ${name} is not in the witness${this.removed.has(name) ? " (removed by the optimizer)" : ""}`);
    return index;
  }

  /** The one kept signal whose name matches `pattern`. */
  find(pattern: RegExp): { name: string; wire: number } {
    const hits = [...this.indexOf.entries()].filter(([name]) => pattern.test(name));
    if (hits.length !== 1) throw new Error(`${pattern} matches ${hits.length} witness signals: ${hits.map(([n]) => n).slice(0, 5).join(", ")}`);
    return { name: hits[0][0], wire: hits[0][1] };
  }

  describe(constraint: Constraint): string {
    return [...wiresOf(constraint)].map((wire) => (wire === 0 ? "1" : this.namesAt.get(wire)?.[0] ?? `w${wire}`)).join(", ");
  }
}

/**
 * Witness index of the running Merkle node at `level`. The optimizer merges node[0] into the
 * voter commitment and node[depth] into the root output, so those two are found by those names.
 */
function merkleNodeWire(sym: SymbolMap, level: number): number {
  if (level === 0) return sym.wire("main.voterCommitment");
  if (level === DEPTH) return sym.wire("main.voterRollRoot");
  return sym.find(new RegExp(`VoterRollMembership[^.]*\\.node\\[${level}\\]$`)).wire;
}

// --- compilation ----------------------------------------------------------------------------

interface Compiled {
  r1cs: R1cs;
  wasm: string;
  sym: SymbolMap;
  symText: string;
}

const BINARY_CHECK = "pathIndices[i] * (1 - pathIndices[i]) === 0;";

/**
 * What a cheating prover would run: circuits/vote.circom with the path-bit check blanked out
 * (same length, so every template's name and every signal's index stay the same). It computes
 * a fully consistent witness for a path bit of 2, Poseidon internals included, which the honest
 * R1CS can then be asked to judge.
 */
function compileWithoutBinaryCheck(dir: string): { r1cs: string; wasm: string; sym: string } {
  fs.mkdirSync(dir, { recursive: true });
  const source = fs.readFileSync(path.join(PROJECT_ROOT, "circuits", "vote.circom"), "utf8");
  expect(source.split(BINARY_CHECK)).to.have.length(2, "the binary path-bit check must appear exactly once in vote.circom");
  fs.writeFileSync(path.join(dir, "vote.circom"), source.replace(BINARY_CHECK, " ".repeat(BINARY_CHECK.length)));
  fs.writeFileSync(path.join(dir, "vote_main.circom"), mainComponentSource(DEPTH));
  // circom2 runs under WASI and only reaches files below its working directory, so the
  // cheating build gets its own copy of circomlib's circuits.
  fs.cpSync(path.join(PROJECT_ROOT, "node_modules", "circomlib", "circuits"), path.join(dir, "lib", "circomlib", "circuits"), { recursive: true });
  const result = spawnSync(
    process.execPath,
    [path.join(PROJECT_ROOT, "node_modules", "circom2", "cli.js"), "vote_main.circom", "--r1cs", "--wasm", "--sym", "--O2", "-l", "lib", "-o", "."],
    { encoding: "utf8", cwd: dir, timeout: 240_000, killSignal: "SIGKILL" }, // a blocking call: Mocha's timeout cannot stop it
  );
  if (result.status !== 0) throw new Error(`circom failed on the modified circuit${result.error ? ` (${result.error.message})` : ""}:\n${result.stdout}\n${result.stderr}`);
  return {
    r1cs: path.join(dir, "vote_main.r1cs"),
    wasm: path.join(dir, "vote_main_js", "vote_main.wasm"),
    sym: path.join(dir, "vote_main.sym"),
  };
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

describe("vote circuit", function () {
  this.timeout(180_000);

  const committedWasm = artifactPath(ARTIFACT_FILES.wasm);
  const committedZkey = artifactPath(ARTIFACT_FILES.zkey);
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-circuit-test-"));

  let members: VoterIdentity[];
  let roll: VoterRoll;
  /** The voter under test: index 3, so the path starts with bits 1, 1, 0, ... */
  let voter: VoterIdentity;
  let voterPath: MerklePath;
  let scope: bigint;
  const ballot = 1n << 2n; // single choice of option 2

  let compiledPromise: Promise<Compiled> | undefined;
  /** Compiles circuits/vote.circom once (depth 20) into the temp dir. */
  function compiled(): Promise<Compiled> {
    compiledPromise ??= (async () => {
      const out = compileVoteCircuit(DEPTH, path.join(tmpDir, "honest"));
      const symText = fs.readFileSync(out.sym, "utf8");
      return { r1cs: await loadR1cs(out.r1cs), wasm: out.wasm, sym: new SymbolMap(symText), symText };
    })();
    return compiledPromise;
  }

  before(async () => {
    members = [];
    for (let i = 0; i < 5; i++) members.push(await createIdentity());
    roll = await VoterRoll.build(members.map((member) => member.voterCommitment), { depth: DEPTH });
    voter = members[3];
    voterPath = roll.pathOf(voter.voterCommitment);
    scope = randomScalar();
    expect(voterPath.pathIndices.slice(0, 3)).to.deep.equal([1, 1, 0]);
  });

  after(async () => {
    await releaseSnarkjs();
    fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  describe("committed artifacts", () => {
    it("match the manifest's SHA-256 hashes", () => {
      expect(verifyArtifactHashes()).to.deep.equal([]);
      const manifest = loadManifest();
      expect(manifest.rollDepth).to.equal(DEFAULT_ROLL_DEPTH);
      expect(manifest.publicSignals).to.deep.equal(PUBLIC_SIGNAL_NAMES);
    });

    it("verification_key.json is exactly the key exported from the committed zkey", async () => {
      const fromZkey = await snarkjs.zKey.exportVerificationKey(committedZkey);
      const committed = JSON.parse(fs.readFileSync(artifactPath(ARTIFACT_FILES.verificationKey), "utf8")) as Record<string, unknown>;
      expect(fromZkey).to.deep.equal(committed);
      expect(fromZkey.protocol).to.equal("groth16");
      expect(fromZkey.nPublic).to.equal(PUBLIC_SIGNAL_NAMES.length);
    });

    it("recompiling circuits/vote.circom gives the committed wasm byte for byte, with the manifest's constraint count", async () => {
      const { r1cs, wasm } = await compiled();
      expect(sha256File(wasm)).to.equal(sha256File(committedWasm));
      expect(r1cs.nConstraints).to.equal(loadManifest().constraints);
    });
  });

  describe("witness vs. the TypeScript library", () => {
    it("public signals are laid out as PUBLIC_SIGNAL_NAMES says: 2 outputs, then 2 public inputs", async () => {
      const { r1cs, sym } = await compiled();
      expect(r1cs.nOutputs).to.equal(2);
      expect(r1cs.nPubInputs).to.equal(2);
      PUBLIC_SIGNAL_NAMES.forEach((name, i) => expect(sym.wire(`main.${name}`)).to.equal(i + 1));
    });

    it("every roll member's witness has voterRollRoot == roll.root and nullifier == computeNullifier(secret, scope)", async () => {
      const { sym } = await compiled();
      for (const member of members) {
        const memberPath = roll.pathOf(member.voterCommitment);
        const witness = await computeWitness(circuitInput(member.identitySecret, memberPath, scope, ballot), committedWasm);
        expect(witness[sym.wire("main.voterCommitment")]).to.equal(member.voterCommitment);
        expect(witness[sym.wire("main.voterRollRoot")]).to.equal(roll.root);
        expect(witness[sym.wire("main.nullifier")]).to.equal(await computeNullifier(member.identitySecret, scope));
        expect(witness[sym.wire("main.electionScope")]).to.equal(scope);
        expect(witness[sym.wire("main.ballot")]).to.equal(ballot);
      }
    });

    it("intermediate Merkle nodes match the library's hashing level by level", async () => {
      const { sym } = await compiled();
      const witness = await computeWitness(circuitInput(voter.identitySecret, voterPath, scope, ballot), committedWasm);
      const hash = await poseidonHasher();
      let node = voter.voterCommitment;
      for (let level = 0; level < DEPTH; level++) {
        const sibling = voterPath.siblings[level];
        const [left, right] = voterPath.pathIndices[level] === 1 ? [sibling, node] : [node, sibling];
        expect(witness[sym.find(new RegExp(`\\.left\\[${level}\\]$`)).wire]).to.equal(left, `left[${level}]`);
        node = hash([left, right]);
        expect(witness[merkleNodeWire(sym, level + 1)]).to.equal(node, `node[${level + 1}]`);
      }
      expect(node).to.equal(roll.root);
    });

    it("a different scope gives a different nullifier for the same voter, and different voters differ in the same scope", async () => {
      const { sym } = await compiled();
      const otherScope = randomScalar();
      const a = await computeWitness(circuitInput(voter.identitySecret, voterPath, scope, ballot), committedWasm);
      const b = await computeWitness(circuitInput(voter.identitySecret, voterPath, otherScope, ballot), committedWasm);
      const nullifier = sym.wire("main.nullifier");
      expect(b[nullifier]).to.equal(await computeNullifier(voter.identitySecret, otherScope));
      expect(b[nullifier]).to.not.equal(a[nullifier]);
      expect(b[sym.wire("main.voterRollRoot")]).to.equal(roll.root);
      const other = members[0];
      const c = await computeWitness(circuitInput(other.identitySecret, roll.pathOf(other.voterCommitment), scope, ballot), committedWasm);
      expect(c[nullifier]).to.not.equal(a[nullifier]);
    });
  });

  describe("Groth16 proofs", () => {
    let vote: VoteProof;

    /** True only if the verifier says true; a verifier that throws on garbage counts as a refusal. */
    async function accepted(signals: VotePublicSignals, proof: readonly bigint[]): Promise<boolean> {
      try {
        return (await verifyVoteProof(signals, proof)) === true;
      } catch {
        return false;
      }
    }

    before(async () => {
      vote = await proveVote({ identity: voter, path: voterPath, voterRollRoot: roll.root, electionScope: scope, ballot });
    });

    it("an honest proof verifies with the expected public signals", async () => {
      expect(vote.publicSignals).to.deep.equal({
        voterRollRoot: roll.root,
        nullifier: await computeNullifier(voter.identitySecret, scope),
        electionScope: scope,
        ballot,
      });
      expect(await verifyVoteProof(vote.publicSignals, vote.proof)).to.equal(true);
    });

    for (const name of ["voterRollRoot", "nullifier", "electionScope", "ballot"] as const) {
      it(`changing ${name} (+1, -1, or aliased by adding the field order) makes verification fail`, async () => {
        const value = vote.publicSignals[name];
        for (const tampered of [mod(value + 1n), mod(value - 1n), value + SNARK_SCALAR_FIELD]) {
          const signals = { ...vote.publicSignals, [name]: tampered };
          expect(await accepted(signals, vote.proof), `${name} = ${tampered}`).to.equal(false);
        }
        // The untampered signals still verify, so the refusals above are about the change.
        expect(await accepted(vote.publicSignals, vote.proof)).to.equal(true);
      });
    }

    it("changing any proof coordinate makes verification fail", async () => {
      for (let i = 0; i < 8; i++) {
        const tampered = [...vote.proof] as SolidityProof;
        tampered[i] = (tampered[i] + 1n) % BN254_BASE_FIELD;
        expect(await accepted(vote.publicSignals, tampered), `coordinate ${i} + 1`).to.equal(false);
      }
      // Valid curve points, wrong proof: -A (y -> q - y), A and C swapped, B's G2 limbs swapped.
      const [ax, ay, bx1, bx0, by1, by0, cx, cy] = vote.proof;
      const variants: [string, SolidityProof][] = [
        ["-A", [ax, BN254_BASE_FIELD - ay, bx1, bx0, by1, by0, cx, cy]],
        ["A <-> C", [cx, cy, bx1, bx0, by1, by0, ax, ay]],
        ["B limbs swapped", [ax, ay, bx0, bx1, by0, by1, cx, cy]],
      ];
      for (const [label, proof] of variants) expect(await accepted(vote.publicSignals, proof), label).to.equal(false);
    });

    it("a proof for one ballot does not verify for another ballot, nor one for one scope in another scope", async () => {
      const otherScope = randomScalar();
      const otherBallot = 1n << 0n;
      const other = await proveVote({ identity: voter, path: voterPath, voterRollRoot: roll.root, electionScope: otherScope, ballot: otherBallot });
      // Both proofs are valid for their own statements...
      expect(await accepted(other.publicSignals, other.proof)).to.equal(true);
      expect(await accepted(vote.publicSignals, vote.proof)).to.equal(true);
      // ...and for nothing else, even when the other signals are the honest ones for that statement.
      expect(await accepted({ ...vote.publicSignals, ballot: otherBallot }, vote.proof)).to.equal(false);
      expect(await accepted({ ...other.publicSignals, ballot }, other.proof)).to.equal(false);
      const inOtherScope = { ...vote.publicSignals, electionScope: otherScope, nullifier: other.publicSignals.nullifier };
      expect(await accepted(inOtherScope, vote.proof)).to.equal(false);
      expect(await accepted({ ...inOtherScope, ballot: otherBallot }, vote.proof)).to.equal(false);
      expect(await accepted(vote.publicSignals, other.proof)).to.equal(false);
    });

    it("a path with left/right swapped at one level proves a different root, which does not verify against the roll", async () => {
      const level = 0;
      const flipped: MerklePath = { ...voterPath, pathIndices: voterPath.pathIndices.map((bit, i) => (i === level ? 1 - bit : bit)) };
      const wrongRoot = await rootFromPath(voter.voterCommitment, flipped);
      expect(wrongRoot).to.not.equal(roll.root);
      const { proof, publicSignals } = await snarkjs.groth16.fullProve(circuitInput(voter.identitySecret, flipped, scope, ballot), committedWasm, committedZkey);
      const signals = { ...vote.publicSignals, voterRollRoot: BigInt(publicSignals[0]) };
      expect(publicSignals.map(BigInt)).to.deep.equal([wrongRoot, vote.publicSignals.nullifier, scope, ballot]);
      const proofAsSolidity = toSolidityProof(proof);
      expect(await accepted(signals, proofAsSolidity)).to.equal(true);
      expect(await accepted({ ...signals, voterRollRoot: roll.root }, proofAsSolidity)).to.equal(false);
    });
  });

  describe("witness calculator", () => {
    it("refuses a path bit of 2 (or -1) at any level", async () => {
      for (const [level, value] of [[0, "2"], [7, "2"], [DEPTH - 1, "2"], [4, (p - 1n).toString()]] as const) {
        const input = circuitInput(voter.identitySecret, voterPath, scope, ballot);
        input.pathIndices = [...(input.pathIndices as string[])];
        input.pathIndices[level] = value;
        const error = await witnessError(input, committedWasm);
        expect(error, `pathIndices[${level}] = ${value}`).to.be.instanceOf(Error);
        expect(error?.message).to.match(/Assert Failed/);
      }
      // The same input with the honest bits goes through.
      await computeWitness(circuitInput(voter.identitySecret, voterPath, scope, ballot), committedWasm);
    });

    it("computes the outputs itself: an identity that is not on the roll gets a root that is not the roll's", async () => {
      const { sym } = await compiled();
      const outsider = await createIdentity();
      const witness = await computeWitness(circuitInput(outsider.identitySecret, voterPath, scope, ballot), committedWasm);
      expect(witness[sym.wire("main.voterRollRoot")]).to.not.equal(roll.root);
      expect(witness[sym.wire("main.nullifier")]).to.equal(await computeNullifier(outsider.identitySecret, scope));
    });
  });

  describe("R1CS against tampered witnesses", () => {
    let r1cs: R1cs;
    let sym: SymbolMap;
    let honest: bigint[];
    const bitWire = (level: number) => sym.wire(`main.pathIndices[${level}]`);
    const siblingWire = (level: number) => sym.wire(`main.siblings[${level}]`);
    const leftWire = (level: number) => sym.find(new RegExp(`VoterRollMembership[^.]*\\.left\\[${level}\\]$`)).wire;
    const nodeWire = (level: number) => merkleNodeWire(sym, level);

    function tamper(changes: [number, bigint][]): bigint[] {
      const witness = [...honest];
      for (const [wire, value] of changes) witness[wire] = mod(value);
      return witness;
    }

    /** Constraints that mention only the constant and pathIndices[level], and are exactly b * (1 - b) = 0 on b in {0, 1, 2, random}. */
    function binaryConstraintsOf(level: number): number[] {
      const bit = bitWire(level);
      const found: number[] = [];
      r1cs.constraints.forEach((constraint, i) => {
        const wires = wiresOf(constraint);
        if (!wires.has(bit) || [...wires].some((wire) => wire !== 0 && wire !== bit)) return;
        const holds = (b: bigint) => satisfies(constraint, tamper([[bit, b]]));
        if (holds(0n) && holds(1n) && !holds(2n) && !holds(p - 1n) && !holds(randomScalar())) found.push(i);
      });
      return found;
    }

    before(async () => {
      ({ r1cs, sym } = await compiled());
      honest = await computeWitness(circuitInput(voter.identitySecret, voterPath, scope, ballot), (await compiled()).wasm);
    });

    it("the checker accepts the honest witness (so the rejections below are not vacuous)", () => {
      expect(violations(r1cs, honest)).to.deep.equal([]);
      // ...and it is not trivially satisfied: every constraint mentions some signal.
      expect(r1cs.constraints.every((constraint) => [...wiresOf(constraint)].some((wire) => wire !== 0))).to.equal(true);
    });

    it("a. every one of the 20 path bits has its own b * (1 - b) = 0 constraint", () => {
      const all = new Set<number>();
      for (let level = 0; level < DEPTH; level++) {
        const found = binaryConstraintsOf(level);
        expect(found, `binary constraint for pathIndices[${level}]`).to.have.length(1);
        all.add(found[0]);
      }
      expect(all.size).to.equal(DEPTH);
    });

    it("a. a path bit of 2 with every downstream signal recomputed consistently breaks ONLY the binary constraint", async () => {
      const cheat = compileWithoutBinaryCheck(path.join(tmpDir, "cheat"));
      // Same signals at the same witness indices, and exactly the DEPTH binary checks fewer.
      expect(fs.readFileSync(cheat.sym, "utf8")).to.equal((await compiled()).symText);
      const cheatR1cs = await loadR1cs(cheat.r1cs);
      expect(cheatR1cs.nConstraints).to.equal(r1cs.nConstraints - DEPTH);

      for (const level of [0, 2, DEPTH - 1]) {
        const input = circuitInput(voter.identitySecret, voterPath, scope, ballot);
        input.pathIndices = [...(input.pathIndices as string[])];
        input.pathIndices[level] = "2";
        const forged = await computeWitness(input, cheat.wasm);

        // The forged witness is internally consistent: it satisfies the cheat's constraints,
        // and left = 2 * sibling - node (a blend of node and sibling, neither of them).
        expect(violations(cheatR1cs, forged)).to.deep.equal([]);
        expect(forged[bitWire(level)]).to.equal(2n);
        expect(forged[leftWire(level)]).to.equal(mod(2n * forged[siblingWire(level)] - forged[nodeWire(level)]));
        expect(forged[sym.wire("main.voterRollRoot")]).to.not.equal(roll.root);

        // The real circuit rejects it, and only through pathIndices[level] * (1 - pathIndices[level]) === 0.
        const broken = violations(r1cs, forged);
        const described = `violated: ${broken.map((i) => sym.describe(r1cs.constraints[i])).join(" | ")}`;
        expect(broken, described).to.have.length(1);
        expect(broken, described).to.deep.equal(binaryConstraintsOf(level));
      }
    });

    it("a. changing just a path bit in the honest witness (to 2, or flipping it) violates constraints", () => {
      for (const level of [0, 2, 11]) {
        const binary = binaryConstraintsOf(level);
        expect(binary).to.have.length(1);
        const toTwo = violations(r1cs, tamper([[bitWire(level), 2n]]));
        expect(toTwo).to.include(binary[0]);
        expect(toTwo.length).to.be.greaterThan(1); // the mux constraint for left[level] breaks too
        const flipped = violations(r1cs, tamper([[bitWire(level), 1n - honest[bitWire(level)]]]));
        expect(flipped).to.not.deep.equal([]);
        expect(flipped.some((i) => wiresOf(r1cs.constraints[i]).has(leftWire(level))), "the mux constraint of left[level] breaks").to.equal(true);
        expect(flipped).to.not.include(binary[0]); // 0 <-> 1 is a legal bit: the mux constraint catches it
      }
    });

    it("b. a nullifier of a different secret, or of a different scope, violates constraints", async () => {
      const nullifierWire = sym.wire("main.nullifier");
      const other = members[0];
      const otherScope = randomScalar();
      for (const forgedNullifier of [await computeNullifier(other.identitySecret, scope), await computeNullifier(voter.identitySecret, otherScope)]) {
        expect(forgedNullifier).to.not.equal(honest[nullifierWire]);
        const broken = violations(r1cs, tamper([[nullifierWire, forgedNullifier]]));
        expect(broken).to.not.deep.equal([]);
        expect(broken.some((i) => wiresOf(r1cs.constraints[i]).has(nullifierWire)), "a violated constraint involves main.nullifier").to.equal(true);
      }
      // The other scope's nullifier together with the other scope as public input is still refused
      // (the Poseidon internals were computed for the real scope).
      const both = violations(r1cs, tamper([[nullifierWire, await computeNullifier(voter.identitySecret, otherScope)], [sym.wire("main.electionScope"), otherScope]]));
      expect(both).to.not.deep.equal([]);
    });

    it("c. the ballot changed without ballotSquare (or ballotSquare alone) breaks ballotSquare <== ballot * ballot", () => {
      const ballotWire = sym.wire("main.ballot");
      const square = sym.find(/\.ballotSquare$/);
      expect(honest[square.wire]).to.equal(mod(ballot * ballot));
      const squareConstraints = r1cs.constraints
        .map((constraint, i) => ({ i, wires: wiresOf(constraint) }))
        .filter(({ wires }) => wires.has(ballotWire) && wires.has(square.wire))
        .map(({ i }) => i);
      expect(squareConstraints).to.have.length(1);

      expect(violations(r1cs, tamper([[ballotWire, 1n << 0n]]))).to.deep.equal(squareConstraints);
      expect(violations(r1cs, tamper([[square.wire, ballot * ballot + 1n]]))).to.deep.equal(squareConstraints);
      // Recomputing ballotSquare makes any ballot acceptable to the R1CS: the circuit does not
      // range-check the ballot (the contract does); it only makes it part of the statement.
      expect(violations(r1cs, tamper([[ballotWire, 3n], [square.wire, 9n]]))).to.deep.equal([]);
    });

    it("d. a changed voterRollRoot violates constraints", async () => {
      const rootWire = sym.wire("main.voterRollRoot");
      const otherRoll = await VoterRoll.build(members.slice(0, 4).map((member) => member.voterCommitment), { depth: DEPTH });
      for (const forgedRoot of [roll.root + 1n, otherRoll.root, 0n]) {
        expect(mod(forgedRoot)).to.not.equal(honest[rootWire]);
        const broken = violations(r1cs, tamper([[rootWire, forgedRoot]]));
        expect(broken).to.not.deep.equal([]);
        expect(broken.some((i) => wiresOf(r1cs.constraints[i]).has(rootWire)), "a violated constraint involves main.voterRollRoot").to.equal(true);
      }
    });

    it("e. siblings swapped left/right at a level violate constraints", () => {
      for (const level of [0, 2, 15]) {
        const node = honest[nodeWire(level)];
        const sibling = honest[siblingWire(level)];
        const left = honest[leftWire(level)];
        const right = mod(sibling + node - left); // right[level] is eliminated by the optimizer
        expect(left).to.not.equal(right);
        // left[level] set to what right[level] was (the hash inputs in the other order).
        expect(violations(r1cs, tamper([[leftWire(level), right]]))).to.not.deep.equal([]);
        // Node and sibling values exchanged, bit unchanged.
        expect(violations(r1cs, tamper([[siblingWire(level), node], [nodeWire(level), sibling]]))).to.not.deep.equal([]);
        // Two siblings of different levels exchanged.
        const other = siblingWire(level + 1);
        if (honest[other] !== sibling) {
          expect(violations(r1cs, tamper([[siblingWire(level), honest[other]], [other, sibling]]))).to.not.deep.equal([]);
        }
      }
    });

    it("a different identity secret under the honest outputs violates constraints", () => {
      const broken = violations(r1cs, tamper([[sym.wire("main.identitySecret"), members[0].identitySecret]]));
      expect(broken).to.not.deep.equal([]);
    });
  });
});
