/**
 * The auditor's batched Groth16 check with mcl (lib/proving/mclGroth16.ts, issue 12): on real
 * proofs (test/fixtures/relayer-ballots.json) and proofs tampered in every way, both batch
 * engines give exactly snarkjs's verdict for each proof; the fast G2 membership test agrees
 * with [r]Q = 0 on points of G2 and on twist points outside it.
 */
import { expect } from "chai";

import { computeElectionScope } from "../lib/chain/election";
import { BN254_BASE_FIELD, SNARK_SCALAR_FIELD } from "../lib/core/constants";
import { VoterRoll } from "../lib/core/voterRoll";
import { releaseBatchVerifier, verifyVoteProofsWithStats, type ProofItem } from "../lib/proving/batchVerify";
import { inThreadBatchVerifier } from "../lib/proving/mclGroth16";
import { loadVerificationKey, releaseSnarkjs, verifyVoteProof } from "../lib/proving/prover";
import fixture from "./fixtures/relayer-ballots.json";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const mcl = require("mcl-wasm") as any; // eslint-disable-line @typescript-eslint/no-explicit-any

describe("batched Groth16 verification with mcl (lib/proving/mclGroth16.ts)", function () {
  this.timeout(600_000);
  let valid: ProofItem[];

  before(async () => {
    const roll = await VoterRoll.build(fixture.voterCommitments, { depth: 20 });
    const electionScope = computeElectionScope(BigInt(fixture.chainId), fixture.zkBallot, BigInt(fixture.electionId));
    valid = fixture.ballots.map((ballot) => ({
      signals: { voterRollRoot: roll.root, nullifier: BigInt(ballot.nullifier), electionScope, ballot: BigInt(ballot.ballot) },
      proof: ballot.proof.map(BigInt),
    }));
  });

  after(async () => {
    await releaseBatchVerifier();
    await releaseSnarkjs();
  });

  function tampered(): ProofItem[] {
    const [a, b, c, d, e] = valid;
    const at = (item: ProofItem, index: number, value: bigint): ProofItem => ({ signals: item.signals, proof: item.proof.map((x, i) => (i === index ? value : x)) });
    return [
      { signals: { ...a.signals, ballot: a.signals.ballot ^ 3n }, proof: a.proof },
      { signals: { ...b.signals, nullifier: b.signals.nullifier + 1n }, proof: b.proof },
      { signals: { ...c.signals, voterRollRoot: c.signals.voterRollRoot + 5n }, proof: c.proof },
      { signals: { ...d.signals, electionScope: d.signals.electionScope + 2n }, proof: d.proof },
      at(e, 0, e.proof[0] + 1n), // A off the curve
      { signals: a.signals, proof: [...a.proof.slice(0, 6), ...b.proof.slice(6)] }, // C of another proof
      { signals: b.signals, proof: [...c.proof.slice(0, 2), ...b.proof.slice(2)] }, // A of another proof
      { signals: c.signals, proof: [c.proof[0], c.proof[1], c.proof[3], c.proof[2], c.proof[5], c.proof[4], c.proof[6], c.proof[7]] }, // B unswapped
      { signals: { ...d.signals, ballot: SNARK_SCALAR_FIELD }, proof: d.proof },
      at(e, 7, BN254_BASE_FIELD),
      { signals: e.signals, proof: e.proof.slice(0, 7) },
    ];
  }

  const snarkjsVerdicts = async (items: ProofItem[]) => {
    const key = loadVerificationKey();
    const out: boolean[] = [];
    for (const item of items) out.push(await verifyVoteProof(item.signals, item.proof, key).catch(() => false));
    return out;
  };

  it("accepts all 200 real proofs in batches on the worker threads, without snarkjs", async () => {
    const { results, stats } = await verifyVoteProofsWithStats(valid, { engine: "mcl" });
    expect(results.every(Boolean)).to.equal(true);
    expect(stats).to.deep.include({ failedBatchChecks: 0, individualChecks: 0, rejectedEarly: 0 });
    expect(stats.batchChecks).to.equal(Math.ceil(valid.length / 64));
  });

  it("gives snarkjs's verdict for every proof of a mix of valid and tampered ones, with both engines and any batch size", async () => {
    const bad = tampered();
    const items: ProofItem[] = [];
    for (let i = 0; i < 60; i++) items.push(i % 4 === 1 ? bad[i % bad.length] : valid[i]);
    const expected = await snarkjsVerdicts(items);
    expect(expected.filter(Boolean).length).to.equal(45);
    for (const engine of ["mcl", "ffjavascript"] as const) {
      for (const batchSize of [1, 7, 64]) {
        const { results } = await verifyVoteProofsWithStats(items, { engine, batchSize });
        expect(results, `${engine}, batch size ${batchSize}`).to.deep.equal(expected);
      }
    }
  });

  it("checks a batch in the calling thread as on the workers: one wrong signal fails the batch", async () => {
    const verify = await inThreadBatchVerifier(loadVerificationKey());
    expect(verify.fastG2Test).to.equal(true);
    const item = (p: ProofItem) => ({ signals: [p.signals.voterRollRoot, p.signals.nullifier, p.signals.electionScope, p.signals.ballot].map(String), proof: p.proof.map(String) });
    const batch = valid.slice(0, 16).map(item);
    expect(verify(batch)).to.deep.equal({ ok: true, uncovered: [] });
    const wrong = [...batch];
    wrong[9] = item({ signals: { ...valid[9].signals, ballot: valid[9].signals.ballot ^ 3n }, proof: valid[9].proof });
    expect(verify(wrong)).to.deep.equal({ ok: false, uncovered: [] });
    const offCurve = [...batch];
    offCurve[3] = item({ signals: valid[3].signals, proof: valid[3].proof.map((x, i) => (i === 0 ? x + 1n : x)) });
    expect(verify(offCurve)).to.deep.equal({ ok: true, uncovered: [3] }); // left to snarkjs
  });

  it("its G2 membership test agrees with [r]Q = 0 on G2 points and on twist points outside G2", async () => {
    const verify = await inThreadBatchVerifier(loadVerificationKey());
    const key = loadVerificationKey() as { vk_gamma_2: string[][] };
    const g = new mcl.G2();
    g.setStr(`1 ${key.vk_gamma_2[0][0]} ${key.vk_gamma_2[0][1]} ${key.vk_gamma_2[1][0]} ${key.vk_gamma_2[1][1]}`, 10);
    const twistB = mcl.sub(mcl.sqr(g.getY()), mcl.mul(mcl.sqr(g.getX()), g.getX()));
    const fp = (value: number) => { const x = new mcl.Fp(); x.setInt(value); return x; };
    const fp2 = (a: number, b: number) => { const x = new mcl.Fp2(); x.set_a(fp(a)); x.set_b(fp(b)); return x; };
    let outside = 0;
    for (let k = 1; outside < 8; k++) {
      const x = fp2(k, 1);
      const [isSquare, y] = mcl.squareRoot(mcl.add(mcl.mul(mcl.sqr(x), x), twistB));
      if (!isSquare) continue;
      const q = new mcl.G2();
      q.setX(x); q.setY(y); q.setZ(fp2(1, 0));
      expect(q.isValid(), `k = ${k}`).to.equal(true);
      expect(verify.inG2(q), `k = ${k}`).to.equal(q.isValidOrder());
      if (!q.isValidOrder()) outside++;
    }
    for (let k = 1; k <= 8; k++) {
      const s = new mcl.Fr(); s.setStr(String(1000003 * k + 7), 10);
      const q = mcl.mul(g, s);
      expect(verify.inG2(q)).to.equal(true);
      expect(q.isValidOrder()).to.equal(true);
    }
    for (const p of valid.slice(0, 8)) {
      const q = new mcl.G2();
      q.setStr(`1 ${p.proof[3]} ${p.proof[2]} ${p.proof[5]} ${p.proof[4]}`, 10);
      expect(verify.inG2(q)).to.equal(true);
    }
  });
});
