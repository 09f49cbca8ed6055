/**
 * Unit tests of lib/sealed: the curve helpers against circomlibjs's babyjub, ElGamal, the
 * Chaum-Pedersen proofs (including the aliases a verifier that reduces mod l would accept),
 * the key ceremony with its complaints, partial decryption and count recovery, and Benaloh.
 */
import { expect } from "chai";

import {
  BABYJUB_FIELD,
  CountRecoveryTable,
  GENERATOR,
  IDENTITY,
  SEALED_DOMAIN,
  SUBGROUP_ORDER,
  SealedError,
  addCiphertexts,
  addPoints,
  assertDealingWellFormed,
  assertScalar,
  assertSubgroupPoint,
  ballotPlaintexts,
  clearCofactor,
  cofactorPreimage,
  combinePartialDecryptions,
  combineReceivedShares,
  countsMatch,
  createComplaint,
  createDealing,
  decryptToPoint,
  deriveElectionKey,
  encrypt,
  encryptBallot,
  generateKeyPair,
  isInSubgroup,
  isOnCurve,
  lagrangeCoefficientsAtZero,
  lagrangeCombine,
  modOrder,
  multiplyGenerator,
  multiplyPoint,
  negatePoint,
  partialDecrypt,
  pointFromJson,
  pointToJson,
  keccakChallengeHash,
  pointsEqual,
  poseidonChallengeHash,
  proveDleq,
  provePartialDecryptions,
  qualifiedDealers,
  randomScalar,
  receiveShare,
  recoverCounts,
  resolveComplaint,
  singleChoice,
  sumCiphertexts,
  tallyCiphertexts,
  verifyBenalohChallenge,
  verifyDleq,
  verifyPartialDecryption,
  type Ciphertext,
  type Dealing,
  type DkgParameters,
  type ProvenPartialDecryption,
  type KeyPair,
  type Point,
  type ReceivedShare,
  type SealedErrorReason,
} from "../lib/sealed";
import { SEALED_MAX_OPTIONS } from "../lib/sealed/ballot";
import { ciphertextWords, ciphertextsFromWords } from "../lib/sealed/flow/ballotProof";
import { checkSealedTally } from "../lib/audit/checks/sealedTally";
import type { SealedHistory } from "../lib/audit/checks/sealedRecord";
import type { SealedAuditContext } from "../lib/audit/sealedContext";

// circomlibjs ships no typings for babyjub; only what the comparison needs.
interface CircomlibBabyjub {
  F: { toObject(element: Uint8Array): bigint; e(value: bigint): Uint8Array };
  Base8: [Uint8Array, Uint8Array];
  Generator: [Uint8Array, Uint8Array];
  subOrder: bigint;
  addPoint(a: Uint8Array[], b: Uint8Array[]): Uint8Array[];
  mulPointEscalar(point: Uint8Array[], scalar: bigint): Uint8Array[];
  inSubgroup(point: Uint8Array[]): boolean;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { buildBabyjub } = require("circomlibjs") as { buildBabyjub(): Promise<CircomlibBabyjub> };

/** Runs `action` and returns the SealedError reason it threw; fails if it did not throw one. */
async function refusal(action: () => unknown): Promise<SealedErrorReason> {
  try {
    await action();
  } catch (error) {
    expect(error).to.be.instanceOf(SealedError);
    return (error as SealedError).reason;
  }
  expect.fail("expected a SealedError");
}

/** The point of order 2 and a point of full order 8·l: on the curve, outside the subgroup. */
const ORDER_TWO: Point = { x: 0n, y: BABYJUB_FIELD - 1n };

describe("sealed elections library (lib/sealed)", function () {
  this.timeout(60_000);

  let bj: CircomlibBabyjub;
  let fullOrderPoint: Point;
  const toPoint = (p: Uint8Array[]): Point => ({ x: bj.F.toObject(p[0]), y: bj.F.toObject(p[1]) });
  const toCircomlib = (p: Point): Uint8Array[] => [bj.F.e(p.x), bj.F.e(p.y)];

  before(async () => {
    bj = await buildBabyjub();
    fullOrderPoint = toPoint(bj.Generator);
  });

  describe("Baby Jubjub subgroup helpers", () => {
    it("G and l are circomlib's Base8 and subOrder", () => {
      expect(pointsEqual(toPoint(bj.Base8), GENERATOR)).to.equal(true);
      expect(BigInt(bj.subOrder.toString())).to.equal(SUBGROUP_ORDER);
      expect(pointsEqual(multiplyPoint(GENERATOR, SUBGROUP_ORDER - 1n), negatePoint(GENERATOR))).to.equal(true);
    });

    it("scalar multiplication and addition agree with circomlibjs for random scalars", () => {
      for (let i = 0; i < 5; i++) {
        const a = randomScalar();
        const b = randomScalar();
        const A = multiplyGenerator(a);
        expect(pointsEqual(A, toPoint(bj.mulPointEscalar(bj.Base8, a)))).to.equal(true);
        const B = multiplyGenerator(b);
        expect(pointsEqual(addPoints(A, B), toPoint(bj.addPoint(toCircomlib(A), toCircomlib(B))))).to.equal(true);
        expect(pointsEqual(addPoints(A, B), multiplyGenerator(modOrder(a + b)))).to.equal(true);
      }
    });

    it("the subgroup check refuses the order-2 point and a full-order point, as circomlibjs's inSubgroup does", async () => {
      for (const point of [ORDER_TWO, fullOrderPoint, addPoints(GENERATOR, ORDER_TWO)]) {
        expect(isOnCurve(point)).to.equal(true);
        expect(isInSubgroup(point)).to.equal(false);
        expect(bj.inSubgroup(toCircomlib(point))).to.equal(false);
        expect(await refusal(() => assertSubgroupPoint(point, "test point"))).to.equal("NOT_IN_SUBGROUP");
      }
      const inside = multiplyPoint(fullOrderPoint, 8n);
      expect(isInSubgroup(inside)).to.equal(true);
      expect(bj.inSubgroup(toCircomlib(inside))).to.equal(true);
    });

    it("off-curve points and non-canonical coordinates (x + p, the alias a mod-p reader would accept) are refused", async () => {
      const A = multiplyGenerator(randomScalar());
      expect(await refusal(() => assertSubgroupPoint({ x: A.x, y: A.y + 1n }, "p"))).to.equal("NOT_ON_CURVE");
      expect(await refusal(() => assertSubgroupPoint({ x: A.x + BABYJUB_FIELD, y: A.y }, "p"))).to.equal("NOT_ON_CURVE");
      expect(await refusal(() => assertSubgroupPoint({ x: A.x, y: A.y - BABYJUB_FIELD }, "p"))).to.equal("NOT_ON_CURVE");
      expect(await refusal(() => assertSubgroupPoint({ x: Number(A.x), y: A.y }, "p"))).to.equal("NOT_ON_CURVE");
      expect(await refusal(() => assertSubgroupPoint(null, "p"))).to.equal("NOT_ON_CURVE");
      expect(() => assertSubgroupPoint(A, "p")).to.not.throw();
    });

    it("scalars must be bigints in [0, l)", async () => {
      expect(() => assertScalar(SUBGROUP_ORDER - 1n, "s")).to.not.throw();
      expect(await refusal(() => assertScalar(SUBGROUP_ORDER, "s"))).to.equal("SCALAR_OUT_OF_RANGE");
      expect(await refusal(() => assertScalar(-1n, "s"))).to.equal("SCALAR_OUT_OF_RANGE");
      expect(await refusal(() => assertScalar(0n, "s", true))).to.equal("SCALAR_OUT_OF_RANGE");
      expect(await refusal(() => assertScalar(5, "s"))).to.equal("SCALAR_OUT_OF_RANGE");
    });

    it("clearing the cofactor maps any curve point into the subgroup, and the posted preimage clears back to the point", async () => {
      expect(isInSubgroup(clearCofactor(fullOrderPoint))).to.equal(true);
      expect(pointsEqual(clearCofactor(ORDER_TWO), IDENTITY)).to.equal(true);
      const A = multiplyGenerator(randomScalar());
      expect(pointsEqual(clearCofactor(cofactorPreimage(A)), A)).to.equal(true);
      // A preimage with a small-order component added clears to the same point: harmless.
      expect(pointsEqual(clearCofactor(addPoints(cofactorPreimage(A), ORDER_TWO)), A)).to.equal(true);
      expect(await refusal(() => clearCofactor({ x: 1n, y: 1n }))).to.equal("NOT_ON_CURVE");
      expect(await refusal(() => cofactorPreimage(fullOrderPoint))).to.equal("NOT_IN_SUBGROUP");
    });

    it("points round-trip through JSON, and JSON outside the subgroup is refused", async () => {
      const A = multiplyGenerator(randomScalar());
      expect(pointsEqual(pointFromJson(pointToJson(A), "A"), A)).to.equal(true);
      expect(await refusal(() => pointFromJson(pointToJson(fullOrderPoint), "A"))).to.equal("NOT_IN_SUBGROUP");
      expect(await refusal(() => pointFromJson({ x: "1e3", y: "1" }, "A"))).to.equal("NOT_ON_CURVE");
    });
  });

  describe("exponential ElGamal", () => {
    const secret = randomScalar();
    const key = multiplyGenerator(secret);

    it("decrypts to m·G and adds homomorphically", () => {
      const a = encrypt(key, 3n);
      const b = encrypt(key, 4n);
      expect(pointsEqual(decryptToPoint(secret, a), multiplyGenerator(3n))).to.equal(true);
      expect(pointsEqual(decryptToPoint(secret, addCiphertexts(a, b)), multiplyGenerator(7n))).to.equal(true);
      expect(pointsEqual(decryptToPoint(secret, sumCiphertexts([a, b, encrypt(key, 0n)])), multiplyGenerator(7n))).to.equal(true);
    });

    it("refuses r = 0 (it would publish m·G), r >= l, a negative plaintext, the identity as a key, and a ciphertext outside the subgroup", async () => {
      expect(await refusal(() => encrypt(key, 1n, 0n))).to.equal("SCALAR_OUT_OF_RANGE");
      expect(await refusal(() => encrypt(key, 1n, SUBGROUP_ORDER + 5n))).to.equal("SCALAR_OUT_OF_RANGE");
      expect(await refusal(() => encrypt(key, -1n))).to.equal("BAD_PLAINTEXT");
      expect(await refusal(() => encrypt(IDENTITY, 1n))).to.equal("IDENTITY_POINT");
      const good = encrypt(key, 1n);
      expect(await refusal(() => addCiphertexts(good, { c1: good.c1, c2: addPoints(good.c2, ORDER_TWO) }))).to.equal("NOT_IN_SUBGROUP");
    });

    it("Lagrange coefficients at 0 interpolate a random polynomial's constant term from any k points", () => {
      const coefficients = [randomScalar(), randomScalar(), randomScalar()];
      const f = (x: number) => modOrder(coefficients[0] + coefficients[1] * BigInt(x) + coefficients[2] * BigInt(x * x));
      for (const indices of [[1, 2, 3], [2, 4, 5], [5, 1, 3]]) {
        const lambdas = lagrangeCoefficientsAtZero(indices);
        expect(modOrder(indices.reduce((sum, i, n) => sum + lambdas[n] * f(i), 0n))).to.equal(coefficients[0]);
      }
      expect(() => lagrangeCoefficientsAtZero([1, 1])).to.throw(SealedError);
    });
  });

  describe("Chaum-Pedersen (DLEQ) proofs", () => {
    const x = randomScalar();
    const base2 = multiplyGenerator(randomScalar());
    const statement = { base1: GENERATOR, image1: multiplyGenerator(x), base2, image2: multiplyPoint(base2, x) };
    const domain = SEALED_DOMAIN.decryptionProof;
    const context = [12345n, 1n, 0n];

    it("an honest proof verifies; a changed statement, context or domain does not", async () => {
      const proof = await proveDleq(poseidonChallengeHash, domain, context, statement, x);
      expect(await verifyDleq(poseidonChallengeHash, domain, context, statement, proof)).to.equal(true);
      expect(await verifyDleq(poseidonChallengeHash, domain, [12345n, 1n, 1n], statement, proof)).to.equal(false);
      expect(await verifyDleq(poseidonChallengeHash, domain, [12345n, 1n], statement, proof)).to.equal(false);
      expect(await verifyDleq(poseidonChallengeHash, SEALED_DOMAIN.complaintProof, context, statement, proof)).to.equal(false);
      expect(await verifyDleq(poseidonChallengeHash, domain, context, { ...statement, image2: addPoints(statement.image2, GENERATOR) }, proof)).to.equal(false);
      expect(await verifyDleq(poseidonChallengeHash, domain, context, { ...statement, image1: addPoints(statement.image1, GENERATOR) }, proof)).to.equal(false);
      expect(await verifyDleq(poseidonChallengeHash, domain, context, { ...statement, base2: GENERATOR, image2: statement.image1 }, proof)).to.equal(false);
    });

    it("a changed challenge or response fails, and their aliases (+ l, which scalar multiplication reduces away) are refused", async () => {
      const proof = await proveDleq(poseidonChallengeHash, domain, context, statement, x);
      expect(await verifyDleq(poseidonChallengeHash, domain, context, statement, { ...proof, response: modOrder(proof.response + 1n) })).to.equal(false);
      expect(await verifyDleq(poseidonChallengeHash, domain, context, statement, { ...proof, challenge: modOrder(proof.challenge + 1n) })).to.equal(false);
      // response + l gives the same points, so only the range check stops it.
      expect(await refusal(() => verifyDleq(poseidonChallengeHash, domain, context, statement, { ...proof, response: proof.response + SUBGROUP_ORDER }))).to.equal("SCALAR_OUT_OF_RANGE");
      expect(await refusal(() => verifyDleq(poseidonChallengeHash, domain, context, statement, { ...proof, challenge: proof.challenge + SUBGROUP_ORDER }))).to.equal("SCALAR_OUT_OF_RANGE");
    });

    it("a point with a small-order component in the statement is refused, not verified", async () => {
      const proof = await proveDleq(poseidonChallengeHash, domain, context, statement, x);
      expect(await refusal(() => verifyDleq(poseidonChallengeHash, domain, context, { ...statement, image2: addPoints(statement.image2, ORDER_TWO) }, proof))).to.equal("NOT_IN_SUBGROUP");
    });

    it("a proof under one challenge hash does not verify under the other (keccak for the contract, Poseidon for circuits)", async () => {
      const proof = await proveDleq(keccakChallengeHash, domain, context, statement, x);
      expect(await verifyDleq(keccakChallengeHash, domain, context, statement, proof)).to.equal(true);
      expect(await verifyDleq(poseidonChallengeHash, domain, context, statement, proof)).to.equal(false);
    });

    it("the keccak challenge is keccak256(abi.encode(uint256...)) reduced into the field, as Solidity computes it", async () => {
      const words = [1n, 2n, BABYJUB_FIELD - 1n];
      const { AbiCoder, keccak256 } = await import("ethers");
      const expected = BigInt(keccak256(AbiCoder.defaultAbiCoder().encode(["uint256", "uint256", "uint256"], words))) % BABYJUB_FIELD;
      expect(await keccakChallengeHash(words)).to.equal(expected);
    });

    it("cannot be made for a false statement", async () => {
      expect(await refusal(() => proveDleq(poseidonChallengeHash, domain, context, { ...statement, image2: multiplyPoint(base2, x + 1n) }, x))).to.equal("BAD_PROOF");
    });
  });

  describe("key ceremony (Joint-Feldman DKG)", () => {
    const params: DkgParameters = { trustees: 5, threshold: 3, context: 0xe1ec710n };
    let keys: KeyPair[];
    let publicKeys: Point[];

    before(() => {
      keys = Array.from({ length: params.trustees }, () => generateKeyPair());
      publicKeys = keys.map((k) => k.publicKey);
    });

    /** A dealing whose share for `victim` is off by one: what a cheating dealer sends. */
    async function cheatingDealing(dealer: number, victim: number): Promise<Dealing> {
      const { dealing } = await createDealing(params, dealer, keys[dealer - 1], publicKeys);
      return {
        ...dealing,
        encryptedShares: dealing.encryptedShares.map((s) => (s.recipient === victim ? { ...s, ciphertext: modOrder(s.ciphertext + 1n) } : s)),
      };
    }

    it("honest dealings give every trustee a valid share, and the derived share keys match the combined secrets", async () => {
      const made: Awaited<ReturnType<typeof createDealing>>[] = [];
      for (let i = 1; i <= params.trustees; i++) made.push(await createDealing(params, i, keys[i - 1], publicKeys));
      const dealings = made.map((m) => m.dealing);
      const qualified = qualifiedDealers(params, dealings, []);
      expect(qualified).to.deep.equal([1, 2, 3, 4, 5]);
      const { electionKey, shareKeys } = deriveElectionKey(params, dealings, qualified);
      const secrets: bigint[] = [];
      for (let j = 1; j <= params.trustees; j++) {
        const received: ReceivedShare[] = [];
        for (const dealing of dealings) if (dealing.dealer !== j) received.push(await receiveShare(params, j, keys[j - 1], publicKeys[dealing.dealer - 1], dealing));
        expect(received.every((r) => r.valid)).to.equal(true);
        secrets.push(combineReceivedShares(params, j, qualified, received, made[j - 1].ownShare));
        expect(pointsEqual(multiplyGenerator(secrets[j - 1]), shareKeys[j - 1])).to.equal(true);
      }
      // Any 3 shares interpolate the election secret, whose public key is the election key.
      const lambdas = lagrangeCoefficientsAtZero([2, 3, 5]);
      const secret = modOrder(lambdas[0] * secrets[1] + lambdas[1] * secrets[2] + lambdas[2] * secrets[4]);
      expect(pointsEqual(multiplyGenerator(secret), electionKey)).to.equal(true);
    });

    it("a bad share is caught by its recipient, and the complaint resolves against the dealer", async () => {
      const dealing = await cheatingDealing(2, 4);
      const received = await receiveShare(params, 4, keys[3], publicKeys[1], dealing);
      expect(received.valid).to.equal(false);
      expect((await receiveShare(params, 3, keys[2], publicKeys[1], dealing)).valid).to.equal(true);
      const complaint = await createComplaint(params, 4, keys[3], 2, publicKeys[1]);
      const verdict = await resolveComplaint(params, complaint, dealing, publicKeys);
      expect(verdict.upheld).to.equal(true);
      expect(verdict.faulty).to.equal("dealer");
      expect(() => combineReceivedShares(params, 4, [2], [received], 0n)).to.throw(SealedError, /fails its commitments/);
    });

    it("a complaint about a valid share resolves against the complainer", async () => {
      const { dealing } = await createDealing(params, 1, keys[0], publicKeys);
      const complaint = await createComplaint(params, 5, keys[4], 1, publicKeys[0]);
      const verdict = await resolveComplaint(params, complaint, dealing, publicKeys);
      expect(verdict).to.deep.include({ upheld: false, faulty: "complainer", why: "share is valid" });
    });

    it("a complaint whose ECDH point is not proven (a made-up point, or another trustee's proof) is void and counts against the complainer", async () => {
      const dealing = await cheatingDealing(2, 4);
      const honest = await createComplaint(params, 4, keys[3], 2, publicKeys[1]);
      const madeUp = { ...honest, ecdhPoint: multiplyGenerator(randomScalar()) };
      expect(await resolveComplaint(params, madeUp, dealing, publicKeys)).to.deep.equal({ upheld: false, faulty: "complainer", why: "bad ECDH proof" });
      // Trustee 3 replays trustee 4's complaint as its own: the proof is bound to the complainer.
      expect(await resolveComplaint(params, { ...honest, complainer: 3 }, dealing, publicKeys)).to.deep.equal({ upheld: false, faulty: "complainer", why: "bad ECDH proof" });
      // The same complaint in another election (context) does not verify either.
      const otherElection = { ...params, context: params.context + 1n };
      const { dealing: otherDealing } = await createDealing(otherElection, 2, keys[1], publicKeys);
      expect((await resolveComplaint(otherElection, honest, otherDealing, publicKeys)).faulty).to.equal("complainer");
    });

    it("a disqualified dealer is left out of the key; the remaining qualified dealers still give a working key", async () => {
      const made: Awaited<ReturnType<typeof createDealing>>[] = [];
      for (let i = 1; i <= params.trustees; i++) made.push(await createDealing(params, i, keys[i - 1], publicKeys));
      const dealings = made.map((m) => m.dealing);
      dealings[1] = await cheatingDealing(2, 4);
      const qualified = qualifiedDealers(params, dealings, [2]);
      expect(qualified).to.deep.equal([1, 3, 4, 5]);
      const { electionKey, shareKeys } = deriveElectionKey(params, dealings, qualified);
      expect(pointsEqual(electionKey, addPoints(addPoints(dealings[0].commitments[0], dealings[2].commitments[0]), addPoints(dealings[3].commitments[0], dealings[4].commitments[0])))).to.equal(true);
      const secrets: bigint[] = [];
      for (let j = 1; j <= params.trustees; j++) {
        const received: ReceivedShare[] = [];
        for (const dealer of qualified) if (dealer !== j) received.push(await receiveShare(params, j, keys[j - 1], publicKeys[dealer - 1], dealings[dealer - 1]));
        secrets.push(combineReceivedShares(params, j, qualified, received, made[j - 1].ownShare));
        expect(pointsEqual(multiplyGenerator(secrets[j - 1]), shareKeys[j - 1])).to.equal(true);
      }
    });

    it("malformed dealings are refused and left out of the qualified set; fewer than k qualified dealers cannot fix a key", async () => {
      const { dealing } = await createDealing(params, 3, keys[2], publicKeys);
      const fewCommitments = { ...dealing, commitments: dealing.commitments.slice(0, 2) };
      const lowOrderCommitment = { ...dealing, commitments: [addPoints(dealing.commitments[0], ORDER_TWO), ...dealing.commitments.slice(1)] };
      const missingShare = { ...dealing, encryptedShares: dealing.encryptedShares.slice(1) };
      const aliasedShare = { ...dealing, encryptedShares: dealing.encryptedShares.map((s, i) => (i === 0 ? { ...s, ciphertext: s.ciphertext + SUBGROUP_ORDER } : s)) };
      expect(await refusal(() => assertDealingWellFormed(params, fewCommitments))).to.equal("BAD_DEALING");
      expect(await refusal(() => assertDealingWellFormed(params, lowOrderCommitment))).to.equal("NOT_IN_SUBGROUP");
      expect(await refusal(() => assertDealingWellFormed(params, missingShare))).to.equal("BAD_DEALING");
      expect(await refusal(() => assertDealingWellFormed(params, aliasedShare))).to.equal("BAD_DEALING");
      for (const malformed of [fewCommitments, lowOrderCommitment, missingShare, aliasedShare]) expect(qualifiedDealers(params, [malformed], [])).to.deep.equal([]);
      expect(qualifiedDealers(params, [dealing], [])).to.deep.equal([3]);
      // A malformed dealing beside a good one from the same dealer is still equivocation.
      expect(qualifiedDealers(params, [dealing, aliasedShare], [])).to.deep.equal([]);
      expect(await refusal(() => deriveElectionKey(params, [dealing], [3]))).to.equal("TOO_FEW_SHARES");
    });

    it("a dealer that publishes two dealings is disqualified, even if both are well formed", async () => {
      const first = (await createDealing(params, 2, keys[1], publicKeys)).dealing;
      const second = (await createDealing(params, 2, keys[1], publicKeys)).dealing;
      const others = [];
      for (const i of [1, 3, 4]) others.push((await createDealing(params, i, keys[i - 1], publicKeys)).dealing);
      expect(qualifiedDealers(params, [first, ...others], [])).to.deep.equal([1, 2, 3, 4]);
      expect(qualifiedDealers(params, [first, ...others, second], [])).to.deep.equal([1, 3, 4]);
    });

    it("refuses bad parameters and a dealer key that is not the published one", async () => {
      expect(await refusal(() => createDealing({ ...params, threshold: 6 }, 1, keys[0], publicKeys))).to.equal("BAD_PARAMETERS");
      expect(await refusal(() => createDealing({ ...params, threshold: 0 }, 1, keys[0], publicKeys))).to.equal("BAD_PARAMETERS");
      expect(await refusal(() => createDealing(params, 6, keys[0], publicKeys))).to.equal("BAD_PARAMETERS");
      expect(await refusal(() => createDealing(params, 1, keys[1], publicKeys))).to.equal("BAD_PARAMETERS");
      expect(await refusal(() => createDealing(params, 1, keys[0], [publicKeys[0], ...publicKeys.slice(0, 4)]))).to.equal("BAD_PARAMETERS");
    });
  });

  describe("partial decryption and the tally", () => {
    const threshold = 2;
    const scope = 777n;
    // A 2-of-3 sharing of a secret by a dealer, enough to test decryption on its own.
    const coefficients = [randomScalar(), randomScalar()];
    const shares = [1, 2, 3].map((i) => modOrder(coefficients[0] + coefficients[1] * BigInt(i)));
    const shareKeys = shares.map((s) => multiplyGenerator(s));
    const electionKey = multiplyGenerator(coefficients[0]);
    const rule = singleChoice(3);
    const choices = [0, 2, 2, 1, 2];
    let totals: Ciphertext[];

    before(() => {
      const ballots = choices.map((choice) => encryptBallot(electionKey, rule, ballotPlaintexts(rule, [choice])).ciphertexts);
      totals = tallyCiphertexts(ballots, rule.options);
    });

    it("any 2 of 3 trustees recover the exact counts; the contract's check accepts them and refuses others", async () => {
      const table = CountRecoveryTable.build(choices.length);
      for (const pair of [[1, 2], [1, 3], [3, 2]]) {
        const partials: ProvenPartialDecryption[] = [];
        for (const t of pair) partials.push(...(await provePartialDecryptions(scope, t, shares[t - 1], totals)));
        expect(await recoverCounts(scope, totals, shareKeys, partials, threshold, table)).to.deep.equal([1, 1, 3]);
        const byOption = totals.map((_, j) => partials.filter((p) => p.option === j));
        const cast = BigInt(choices.length);
        expect(countsMatch(totals, byOption, threshold, [1n, 1n, 3n], cast)).to.equal(true);
        expect(countsMatch(totals, byOption, threshold, [1n, 2n, 2n], cast)).to.equal(false);
        // The alias m + l satisfies m·G == c2 − Σ λ_i·D_i; only the range check refuses it.
        const aliased = [1n, 1n, 3n + SUBGROUP_ORDER];
        expect(pointsEqual(multiplyGenerator(aliased[2]), combinePartialDecryptions(totals[2], byOption[2], threshold))).to.equal(true);
        expect(countsMatch(totals, byOption, threshold, aliased, cast)).to.equal(false);
        expect(countsMatch(totals, byOption, threshold, [1n, 1n, 3n], 2n)).to.equal(false);
      }
    });

    it("one share is not enough: the combination is a wrong point and the library refuses it", async () => {
      const partial = { trustee: 1, partial: partialDecrypt(shares[0], totals[2]) };
      expect(pointsEqual(lagrangeCombine(totals[2].c2, [partial]), multiplyGenerator(3n))).to.equal(false);
      expect(await refusal(() => combinePartialDecryptions(totals[2], [partial, partial], threshold))).to.equal("TOO_FEW_SHARES");
    });

    it("a wrong partial decryption, or a right one with another trustee's or option's proof, is refused by name", async () => {
      const honest = await provePartialDecryptions(scope, 1, shares[0], totals);
      const wrong = { ...honest[2], partial: addPoints(honest[2].partial, GENERATOR) };
      expect(await verifyPartialDecryption(scope, shareKeys[0], totals[2], honest[2])).to.equal(true);
      expect(await verifyPartialDecryption(scope, shareKeys[0], totals[2], wrong)).to.equal(false);
      expect(await verifyPartialDecryption(scope, shareKeys[1], totals[2], { ...honest[2], trustee: 2 })).to.equal(false);
      expect(await verifyPartialDecryption(scope, shareKeys[0], totals[1], { ...honest[2], option: 1 })).to.equal(false);
      expect(await verifyPartialDecryption(scope + 1n, shareKeys[0], totals[2], honest[2])).to.equal(false);
      const second = await provePartialDecryptions(scope, 2, shares[1], totals);
      const table = CountRecoveryTable.build(choices.length);
      try {
        await recoverCounts(scope, totals, shareKeys, [...honest.slice(0, 2), wrong, ...second], threshold, table);
        expect.fail("a wrong partial decryption was accepted");
      } catch (error) {
        expect(error).to.be.instanceOf(SealedError);
        expect((error as Error).message).to.match(/trustee 1's partial decryption of option 2 fails its proof/);
      }
    });

    it("the auditor's sealed-tally check fails when a circuit option beyond the election's decrypts to other than 0", () => {
      // Totals over the circuit's 8 options; the audited election uses 3 of them. Every valid
      // proof makes options 3..7 encrypt 0, so a count there means the record is not what the
      // contract accepted. The control, with choices inside the election, passes.
      const circuitRule = singleChoice(SEALED_MAX_OPTIONS);
      const run = (chosen: number[]) => {
        const ballots = chosen.map((choice) => encryptBallot(electionKey, circuitRule, ballotPlaintexts(circuitRule, [choice])).ciphertexts);
        const words = ciphertextWords(tallyCiphertexts(ballots, SEALED_MAX_OPTIONS));
        const cts = ciphertextsFromWords(words);
        const partials = new Map([1, 2].map((t) => [t, cts.map((ct) => partialDecrypt(shares[t - 1], ct))]));
        const ctx = { state: { numOptions: 3, threshold, tally: [] } } as unknown as SealedAuditContext;
        const history = { votes: chosen.map(() => ({})), skippedBallots: 0, operations: [] } as unknown as SealedHistory;
        return checkSealedTally(ctx, history, words, partials);
      };
      const control = run([0, 2, 2]);
      expect(control.result.findings).to.deep.equal([]);
      expect(control.counts).to.deep.equal([1, 0, 2]);
      const beyond = run([0, 5, 2]);
      expect(beyond.result.status).to.equal("fail");
      expect(beyond.result.findings.map((f) => f.code)).to.deep.equal(["UNUSED_OPTION_NOT_ZERO"]);
      expect(beyond.result.findings[0].message).to.match(/option\(s\) 5 \(1\) beyond the election's 3/);
    });
  });

  describe("count recovery (baby-step giant-step)", () => {
    it("recovers every count at and around the table's step boundaries, 0 and the maximum", () => {
      const maxCount = 10_000;
      const table = CountRecoveryTable.build(maxCount);
      const s = table.stepSize;
      expect(s).to.equal(101);
      for (const m of [0, 1, 2, s - 1, s, s + 1, 2 * s - 1, 2 * s, maxCount - 1, maxCount, 4321]) {
        expect(table.recover(multiplyGenerator(BigInt(m)))).to.equal(m, `count ${m}`);
      }
    });

    it("refuses a count above the maximum, a negative count, a random point and a point outside the subgroup", async () => {
      const table = CountRecoveryTable.build(1000);
      expect(await refusal(() => table.recover(multiplyGenerator(1001n)))).to.equal("COUNT_OUT_OF_RANGE");
      // The table's last giant step reaches past maxCount: 1023 is found in the table but is out of range.
      expect(await refusal(() => table.recover(multiplyGenerator(BigInt(table.stepSize * table.stepSize - 1))))).to.equal("COUNT_OUT_OF_RANGE");
      expect(await refusal(() => table.recover(negatePoint(GENERATOR)))).to.equal("COUNT_OUT_OF_RANGE");
      expect(await refusal(() => table.recover(multiplyGenerator(randomScalar())))).to.equal("COUNT_OUT_OF_RANGE");
      expect(await refusal(() => table.recover(ORDER_TWO))).to.equal("NOT_IN_SUBGROUP");
      expect(CountRecoveryTable.build(0).recover(IDENTITY)).to.equal(0);
      expect(await refusal(() => CountRecoveryTable.build(0).recover(GENERATOR))).to.equal("COUNT_OUT_OF_RANGE");
      expect(await refusal(() => CountRecoveryTable.build(-1))).to.equal("BAD_PARAMETERS");
      expect(await refusal(() => CountRecoveryTable.build(2 ** 32 + 1))).to.equal("BAD_PARAMETERS");
    });

    it("recovers 1,000,000 (the bench measures the time)", () => {
      const table = CountRecoveryTable.build(1_000_000);
      expect(table.recover(multiplyGenerator(1_000_000n))).to.equal(1_000_000);
      expect(table.recover(multiplyGenerator(999_001n))).to.equal(999_001);
    });
  });

  describe("ballots and the Benaloh challenge", () => {
    const electionKey = multiplyGenerator(randomScalar());
    const rule = { options: 4, minSelections: 1, maxSelections: 2 };

    it("ballot plaintexts follow the selection rule", async () => {
      expect(ballotPlaintexts(rule, [1, 3])).to.deep.equal([0n, 1n, 0n, 1n]);
      expect(await refusal(() => ballotPlaintexts(rule, []))).to.equal("BAD_PLAINTEXT");
      expect(await refusal(() => ballotPlaintexts(rule, [0, 1, 2]))).to.equal("BAD_PLAINTEXT");
      expect(await refusal(() => ballotPlaintexts(rule, [1, 1]))).to.equal("BAD_PLAINTEXT");
      expect(await refusal(() => ballotPlaintexts(rule, [4]))).to.equal("BAD_PLAINTEXT");
      expect(await refusal(() => encryptBallot(electionKey, rule, [0n, 2n, 0n, 0n]))).to.equal("BAD_PLAINTEXT");
      expect(await refusal(() => ballotPlaintexts({ options: 9, minSelections: 1, maxSelections: 1 }, [0]))).to.equal("BAD_PARAMETERS");
      expect(await refusal(() => ballotPlaintexts({ options: 4, minSelections: 3, maxSelections: 2 }, [0]))).to.equal("BAD_PARAMETERS");
    });

    it("a revealed ballot re-encrypts exactly; another choice, swapped ciphertexts or other randomness do not", () => {
      const plaintexts = ballotPlaintexts(rule, [2]);
      const { ciphertexts, randomness } = encryptBallot(electionKey, rule, plaintexts);
      const challenge = { electionKey, rule, ciphertexts, randomness, plaintexts };
      expect(verifyBenalohChallenge(challenge)).to.deep.equal({ matches: true, mismatchedOptions: [] });
      expect(verifyBenalohChallenge({ ...challenge, plaintexts: ballotPlaintexts(rule, [1]) })).to.deep.equal({ matches: false, mismatchedOptions: [1, 2] });
      const swapped = [ciphertexts[0], ciphertexts[2], ciphertexts[1], ciphertexts[3]];
      expect(verifyBenalohChallenge({ ...challenge, ciphertexts: swapped }).mismatchedOptions).to.deep.equal([1, 2]);
      expect(verifyBenalohChallenge({ ...challenge, randomness: [randomness[0] + 1n, ...randomness.slice(1)] }).mismatchedOptions).to.deep.equal([0]);
      expect(verifyBenalohChallenge({ ...challenge, electionKey: multiplyGenerator(randomScalar()) }).matches).to.equal(false);
    });
  });
});

describe("lib/sealed stays browser-ready", () => {
  it("imports no Node built-in module (only circomlibjs, ethers and the project's pure modules)", async () => {
    const fs = await import("node:fs");
    const path = await import("node:path");
    const dir = path.join(__dirname, "..", "lib", "sealed");
    const files = fs.readdirSync(dir).filter((name) => name.endsWith(".ts"));
    expect(files.length).to.be.greaterThan(5);
    for (const name of files) {
      const source = fs.readFileSync(path.join(dir, name), "utf8");
      const imports = [...source.matchAll(/^import\s+(type\s+)?[^;]*?from\s+"([^"]+)";/gms)].map((m) => ({ typeOnly: Boolean(m[1]), from: m[2] }));
      for (const { typeOnly, from } of imports) {
        const allowed = from.startsWith("./") || ["../core/poseidon", "../core/errors", "../core/ballot", "ethers"].includes(from) || (typeOnly && from === "../core/voterRoll");
        expect(allowed, `${name} imports ${from}`).to.equal(true);
      }
      expect(source, name).to.not.match(/require\(|from "node:/);
    }
  });
});
