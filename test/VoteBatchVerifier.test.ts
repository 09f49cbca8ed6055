/**
 * VoteBatchVerifier: n Groth16 proofs checked with n + 3 pairings, Fiat–Shamir coefficients.
 * Real proofs (six, made once with the library's prover) and their tampered variants, each
 * compared with the snarkjs-generated VoteVerifier item by item.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { expect } from "chai";
import { ethers } from "hardhat";

import { encodeSingleChoiceBallot } from "../lib/core/ballot";
import { batchVerifierConstructorArgs, deployVoteBatchVerifier, type BatchVerificationKey } from "../lib/proving/batchVerifierContract";
import { SNARK_SCALAR_FIELD } from "../lib/core/constants";
import { computeElectionScope } from "../lib/chain/election";
import { createIdentity } from "../lib/core/identity";
import { BN254_BASE_FIELD, loadVerificationKey, proveVote, publicSignalsArray, releaseSnarkjs } from "../lib/proving/prover";
import { VoterRoll } from "../lib/core/voterRoll";
import { VoteVerifier__factory, VoteBatchVerifier__factory, type VoteVerifier, type VoteBatchVerifier } from "../typechain-types";
import { expectGasHardfork } from "./helpers/hardfork";
import { G1_GENERATOR, g1Add, negG1, twistPointOutsideSubgroup } from "./helpers/bn254";

const R = SNARK_SCALAR_FIELD;
const Q = BN254_BASE_FIELD;
const ROLL_DEPTH = 20;
const NUM_OPTIONS = 4;
const PROOFS = 6;

/** voterRollRoot, nullifier, electionScope, ballot. */
type Signals = [bigint, bigint, bigint, bigint];
type Proof = bigint[];
interface Item {
  signals: Signals;
  proof: Proof;
}
interface Tamper {
  name: string;
  apply(item: Item): Item;
}

// ------------------------------------------------------------------------------------ the suite

describe("VoteBatchVerifier", function () {
  let batchVerifier: VoteBatchVerifier;
  let voteVerifier: VoteVerifier;
  let valid: Item[];

  before(async function () {
    const [deployer] = await ethers.getSigners();
    voteVerifier = await new VoteVerifier__factory(deployer).deploy();
    batchVerifier = await deployVoteBatchVerifier(deployer);

    const identities = [];
    for (let i = 0; i < PROOFS; i++) identities.push(await createIdentity());
    const roll = await VoterRoll.build(identities.map((identity) => identity.voterCommitment), { depth: ROLL_DEPTH });
    const electionScope = computeElectionScope(31337n, await batchVerifier.getAddress(), 1n);
    valid = [];
    for (const [i, identity] of identities.entries()) {
      const { publicSignals, proof } = await proveVote({
        identity,
        path: roll.pathOf(identity.voterCommitment),
        voterRollRoot: roll.root,
        electionScope,
        ballot: encodeSingleChoiceBallot(i % NUM_OPTIONS, NUM_OPTIONS),
      });
      valid.push({ signals: publicSignalsArray(publicSignals) as Signals, proof: [...proof] });
    }
  });

  after(() => releaseSnarkjs());

  const verifyBatch = (items: Item[]) =>
    batchVerifier.verifyBatch(
      items.map((item) => item.signals),
      items.map((item) => item.proof),
    );
  const verifyOne = ({ signals, proof }: Item) =>
    voteVerifier.verifyProof([proof[0], proof[1]], [[proof[2], proof[3]], [proof[4], proof[5]]], [proof[6], proof[7]], signals);
  const withSignal = (item: Item, j: number, value: bigint): Item => ({ signals: item.signals.map((s, k) => (k === j ? value : s)) as Signals, proof: item.proof });
  const withProof = (item: Item, changes: Record<number, bigint>): Item => ({ signals: item.signals, proof: item.proof.map((c, k) => changes[k] ?? c) });

  /** Every single-item change that must make a proof invalid. */
  const TAMPERS: Tamper[] = [
    ...["voterRollRoot", "nullifier", "electionScope", "ballot"].flatMap((name, j): Tamper[] => [
      { name: `${name} changed (+1 mod r)`, apply: (item) => withSignal(item, j, (item.signals[j] + 1n) % R) },
      { name: `${name} + r (aliases the same field element)`, apply: (item) => withSignal(item, j, item.signals[j] + R) },
    ]),
    ...[0, 1, 2, 3, 4, 5, 6, 7].flatMap((k): Tamper[] => [
      { name: `proof coordinate ${k} + 1`, apply: (item) => withProof(item, { [k]: (item.proof[k] + 1n) % Q }) },
      { name: `proof coordinate ${k} + q`, apply: (item) => withProof(item, { [k]: item.proof[k] + Q }) },
    ]),
    { name: "A negated (still on the curve)", apply: (item) => withProof(item, { 1: Q - item.proof[1] }) },
    { name: "C negated (still on the curve)", apply: (item) => withProof(item, { 7: Q - item.proof[7] }) },
    { name: "B negated (still in G2)", apply: (item) => withProof(item, { 4: Q - item.proof[4], 5: Q - item.proof[5] }) },
    { name: "C + generator (still on the curve)", apply: (item) => withProof(item, Object.fromEntries(g1Add([item.proof[6], item.proof[7]], G1_GENERATOR).map((c, k) => [6 + k, c]))) },
    { name: "A = (1, 3), not on the curve", apply: (item) => withProof(item, { 0: 1n, 1: 3n }) },
    { name: "C = (1, 3), not on the curve", apply: (item) => withProof(item, { 6: 1n, 7: 3n }) },
    { name: "B = (1, 1), not on the twist", apply: (item) => withProof(item, { 2: 0n, 3: 1n, 4: 0n, 5: 1n }) },
    { name: "B on the twist, outside G2's subgroup", apply: (item) => withProof(item, Object.fromEntries(twistPointOutsideSubgroup().map((c, k) => [2 + k, c]))) },
    { name: "A and C the identity", apply: (item) => withProof(item, { 0: 0n, 1: 0n, 6: 0n, 7: 0n }) },
    { name: "all-zero proof", apply: (item) => withProof(item, { 0: 0n, 1: 0n, 2: 0n, 3: 0n, 4: 0n, 5: 0n, 6: 0n, 7: 0n }) },
  ];

  it("stores verification_key.json's key, in VoteVerifier's coordinate order", async function () {
    const vk = loadVerificationKey() as { vk_alpha_1: string[]; vk_beta_2: string[][]; vk_gamma_2: string[][]; vk_delta_2: string[][]; IC: string[][] };
    const g2 = (p: string[][]) => [p[0][1], p[0][0], p[1][1], p[1][0]].map(BigInt);
    const stored = await batchVerifier.verificationKey();
    expect(stored.alpha1).to.deep.equal(vk.vk_alpha_1.slice(0, 2).map(BigInt));
    expect(stored.beta2).to.deep.equal(g2(vk.vk_beta_2));
    expect(stored.gamma2).to.deep.equal(g2(vk.vk_gamma_2));
    expect(stored.delta2).to.deep.equal(g2(vk.vk_delta_2));
    expect(stored.ic.map((point) => [...point])).to.deep.equal(vk.IC.map((point) => point.slice(0, 2).map(BigInt)));

    // The same numbers as the constants of the snarkjs-generated VoteVerifier.sol.
    const source = fs.readFileSync(path.join(__dirname, "../contracts/verifiers/VoteVerifier.sol"), "utf8");
    const constant = (name: string) => BigInt(new RegExp(`uint256 constant ${name}\\s*=\\s*(\\d+);`).exec(source)![1]);
    expect(stored.alpha1).to.deep.equal([constant("alphax"), constant("alphay")]);
    for (const [name, point] of [["beta", stored.beta2], ["gamma", stored.gamma2], ["delta", stored.delta2]] as const) {
      expect(point).to.deep.equal(["x1", "x2", "y1", "y2"].map((part) => constant(`${name}${part}`)));
    }
    stored.ic.forEach((point, j) => expect([...point]).to.deep.equal([constant(`IC${j}x`), constant(`IC${j}y`)]));
  });

  it("refuses a verification key with a point off its curve or a coordinate >= q", async function () {
    const [deployer] = await ethers.getSigners();
    const factory = new VoteBatchVerifier__factory(deployer);
    const [key] = batchVerifierConstructorArgs(loadVerificationKey());
    const broken: BatchVerificationKey[] = [
      { ...key, alpha1: [key.alpha1[0], key.alpha1[1] + 1n] },
      { ...key, delta2: [key.delta2[0], key.delta2[1], key.delta2[2] + 1n, key.delta2[3]] },
      { ...key, ic: [...key.ic.slice(0, 4), [key.ic[4][0] + Q, key.ic[4][1]]] as BatchVerificationKey["ic"] },
    ];
    for (const vk of broken) await expect(factory.deploy(vk)).to.be.revertedWithCustomError(factory, "InvalidVerificationKey");
    expect(() => batchVerifierConstructorArgs({ ...(loadVerificationKey() as object), nPublic: 5 })).to.throw(/nPublic is 5/);
  });

  it("accepts batches of 1, 2 and 6 valid proofs, in any order", async function () {
    for (const item of valid) expect(await verifyOne(item)).to.equal(true);
    expect(await verifyBatch(valid.slice(0, 1))).to.equal(true);
    expect(await verifyBatch(valid.slice(3, 5))).to.equal(true);
    expect(await verifyBatch(valid)).to.equal(true);
    expect(await verifyBatch([...valid].reverse())).to.equal(true);
    expect(await verifyBatch([valid[2], valid[2], valid[0]])).to.equal(true); // a repeated proof is still valid
  });

  it("rejects the batch when any single item is tampered with, at any position", async function () {
    for (const tamper of TAMPERS) {
      for (const position of [0, 3, PROOFS - 1]) {
        const items = valid.map((item, i) => (i === position ? tamper.apply(item) : item));
        expect(await verifyBatch(items), `${tamper.name}, at position ${position} of ${PROOFS}`).to.equal(false);
      }
      expect(await verifyBatch([tamper.apply(valid[1])]), `${tamper.name}, alone`).to.equal(false);
    }
  });

  it("rejects swaps between two valid proofs: A and C, A alone, B alone, public signals", async function () {
    const [p, q] = [valid[0], valid[1]];
    const swaps: [string, Item, Item][] = [
      ["A and C", withProof(p, { 0: q.proof[0], 1: q.proof[1], 6: q.proof[6], 7: q.proof[7] }), withProof(q, { 0: p.proof[0], 1: p.proof[1], 6: p.proof[6], 7: p.proof[7] })],
      ["A", withProof(p, { 0: q.proof[0], 1: q.proof[1] }), withProof(q, { 0: p.proof[0], 1: p.proof[1] })],
      ["B", withProof(p, { 2: q.proof[2], 3: q.proof[3], 4: q.proof[4], 5: q.proof[5] }), withProof(q, { 2: p.proof[2], 3: p.proof[3], 4: p.proof[4], 5: p.proof[5] })],
      ["public signals", { signals: q.signals, proof: p.proof }, { signals: p.signals, proof: q.proof }],
      ["ballots", withSignal(p, 3, q.signals[3]), withSignal(q, 3, p.signals[3])],
    ];
    expect(p.signals[3]).to.not.equal(q.signals[3]);
    for (const [name, first, second] of swaps) {
      expect(await verifyBatch([first, second]), `${name} swapped`).to.equal(false);
      expect(await verifyBatch([first, ...valid.slice(2), second]), `${name} swapped, in a batch of ${PROOFS}`).to.equal(false);
      expect(await verifyOne(first)).to.equal(false);
      expect(await verifyOne(second)).to.equal(false);
    }
  });

  it("rejects two invalid proofs whose errors cancel in an unweighted sum (why the coefficients are random)", async function () {
    // C_0 + G and C_1 - G: Σ C_i is unchanged, so a batch with every r_i = 1 would accept both.
    const shift = (item: Item, point: [bigint, bigint]) => withProof(item, Object.fromEntries(g1Add([item.proof[6], item.proof[7]], point).map((c, k) => [6 + k, c])));
    const first = shift(valid[0], G1_GENERATOR);
    const second = shift(valid[1], negG1(G1_GENERATOR));
    expect(await verifyOne(first)).to.equal(false);
    expect(await verifyOne(second)).to.equal(false);
    expect(await verifyBatch([first, second])).to.equal(false);
    expect(await verifyBatch([first, ...valid.slice(2), second])).to.equal(false);
  });

  it("returns false for an empty batch and reverts LengthMismatch for unequal lengths", async function () {
    expect(await batchVerifier.verifyBatch([], [])).to.equal(false);
    await expect(batchVerifier.verifyBatch([valid[0].signals, valid[1].signals], [valid[0].proof]))
      .to.be.revertedWithCustomError(batchVerifier, "LengthMismatch")
      .withArgs(2n, 1n);
    await expect(batchVerifier.verifyBatch([], [valid[0].proof]))
      .to.be.revertedWithCustomError(batchVerifier, "LengthMismatch")
      .withArgs(0n, 1n);
  });

  it("agrees with VoteVerifier.verifyProof item by item, valid and invalid", async function () {
    const items = [...valid, ...TAMPERS.map((tamper) => tamper.apply(valid[2]))];
    const names = [...valid.map((_, i) => `valid proof ${i}`), ...TAMPERS.map((tamper) => tamper.name)];
    const single: boolean[] = [];
    for (const [i, item] of items.entries()) {
      single.push(await verifyOne(item));
      expect(await verifyBatch([item]), names[i]).to.equal(single[i]);
    }
    expect(single.filter(Boolean)).to.have.length(PROOFS);
    // A mixed batch is true exactly when every item is.
    expect(await verifyBatch(items.slice(0, PROOFS + 1))).to.equal(false);
    expect(await verifyBatch(items.slice(0, PROOFS))).to.equal(true);
  });

  it("relies on the pairing precompile to refuse a B outside G2's subgroup (EIP-197)", async function () {
    // e(G1 generator, B): the precompile must fail rather than return a result.
    const input = ethers.AbiCoder.defaultAbiCoder().encode(Array(6).fill("uint256"), [...G1_GENERATOR, ...twistPointOutsideSubgroup()]);
    const call = ethers.provider.call({ to: "0x0000000000000000000000000000000000000008", data: input });
    const outcome = await call.then((result) => `returned ${result}`, () => "failed");
    expect(outcome).to.equal("failed");
  });

  it("measures gas for n = 1, 10, 50 (eth_estimateGas of verifyBatch as a transaction)", async function () {
    /** What the transaction's calldata costs (16 gas a non-zero byte, 4 a zero byte), part of every estimate. */
    const calldataGas = (data: string) => ethers.getBytes(data).reduce((sum, byte) => sum + (byte === 0 ? 4n : 16n), 0n);
    const { proof, signals } = valid[0];
    const singleArgs: [[bigint, bigint], [[bigint, bigint], [bigint, bigint]], [bigint, bigint], Signals] = [[proof[0], proof[1]], [[proof[2], proof[3]], [proof[4], proof[5]]], [proof[6], proof[7]], signals];
    const single = await voteVerifier.verifyProof.estimateGas(...singleArgs);
    const singleCalldata = calldataGas(voteVerifier.interface.encodeFunctionData("verifyProof", singleArgs));
    console.log(`      VoteVerifier.verifyProof, 1 proof: ${single} gas (transaction total: 21000 base + ${singleCalldata} calldata + execution)`);
    const perProof: Record<number, bigint> = {};
    for (const n of [1, 10, 50]) {
      const items = Array.from({ length: n }, (_, i) => valid[i % PROOFS]);
      const args: [Signals[], Proof[]] = [items.map((item) => item.signals), items.map((item) => item.proof)];
      expect(await batchVerifier.verifyBatch(...args)).to.equal(true);
      const gas = await batchVerifier.verifyBatch.estimateGas(...args);
      const calldata = calldataGas(batchVerifier.interface.encodeFunctionData("verifyBatch", args));
      perProof[n] = gas / BigInt(n);
      console.log(
        `      verifyBatch, n = ${String(n).padStart(2)}: ${String(gas).padStart(8)} gas, ${perProof[n]} per proof ` +
          `(${((Number(perProof[n]) / Number(single)) * 100).toFixed(0)}% of verifyProof; calldata ${calldata / BigInt(n)} per proof)`,
      );
    }
    expectGasHardfork();
    expect(perProof[50] < 100_000n).to.equal(true);
  });
});
