/**
 * Distributed key generation with no dealer (Joint-Feldman, after Pedersen 1991 and Gennaro,
 * Jarecki, Krawczyk and Rabin 1999), for n trustees with threshold k. docs/PROTOCOL.md,
 * "Sealed elections", gives the message flow; this module is the arithmetic and the checks.
 *
 * 1. Each trustee i publishes a fresh communication key E_i = e_i·G for this election.
 * 2. Dealing: trustee i picks a secret polynomial f_i of degree k−1, publishes Feldman
 *    commitments A_it = a_it·G (t = 0..k−1), and for every other trustee j the share f_i(j)
 *    encrypted as f_i(j) + pad mod l, pad = keccak256(tag, context, i, j, K_ij) mod l with the
 *    ECDH point K_ij = e_i·E_j = e_j·E_i. (keccak, not Poseidon: no circuit ever opens a share,
 *    and the contract must recompute the pad to resolve a complaint.)
 * 3. Each recipient decrypts and checks f_i(j)·G == Σ_t j^t·A_it. If not, it complains by
 *    revealing K_ij with a DLEQ proof that K_ij = e_j·E_i (log_G E_j = log_{E_i} K_ij). Anyone
 *    (the contract, an auditor) then decrypts the share and runs the same check: a share that
 *    fails disqualifies the dealer; a share that passes makes the complaint false.
 * 4. The qualified set Q is every dealer with a well-formed dealing and no upheld complaint.
 *    The election key is K = Σ_{i∈Q} A_i0; trustee j's share is x_j = Σ_{i∈Q} f_i(j), and its
 *    public share key X_j = x_j·G = Σ_{i∈Q} Σ_t j^t·A_it is computable by anyone.
 */
import {
  BABYJUB_FIELD,
  GENERATOR,
  SUBGROUP_ORDER,
  assertKeyPoint,
  assertScalar,
  assertSubgroupPoint,
  isIdentity,
  modOrder,
  multiplyGenerator,
  multiplyPoint,
  pointsEqual,
  randomScalar,
  sumPoints,
  type Point,
} from "./babyjub";
import { SEALED_DOMAIN, keccakChallengeHash, proveDleq, verifyDleq, type DleqProof } from "./dleq";
import { assertTrusteeIndex } from "./elgamal";
import { SealedError } from "./errors";

/** Largest ceremony the library accepts; the contract's limit is a separate, smaller choice. */
export const MAX_TRUSTEES = 64;

export interface DkgParameters {
  /** n: trustees are numbered 1..n (their x in every sharing polynomial). */
  readonly trustees: number;
  /** k: any k trustees can decrypt, k − 1 learn nothing. */
  readonly threshold: number;
  /** Binds every pad and proof to one election: the election scope. */
  readonly context: bigint;
}

export function assertDkgParameters(params: DkgParameters): void {
  const { trustees, threshold, context } = params ?? ({} as DkgParameters);
  if (!Number.isSafeInteger(trustees) || trustees < 1 || trustees > MAX_TRUSTEES) {
    throw new SealedError("BAD_PARAMETERS", `number of trustees ${String(trustees)} is not an integer in [1, ${MAX_TRUSTEES}]`);
  }
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > trustees) {
    throw new SealedError("BAD_PARAMETERS", `threshold ${String(threshold)} is not an integer in [1, ${trustees}]`);
  }
  if (typeof context !== "bigint" || context < 0n || context >= BABYJUB_FIELD) {
    throw new SealedError("BAD_PARAMETERS", "the DKG context is not a field element", "use the election scope");
  }
}

export interface KeyPair {
  readonly secret: bigint;
  readonly publicKey: Point;
}

/** A fresh key pair (a trustee's per-election communication key, or any other). */
export function generateKeyPair(secret: bigint = randomScalar()): KeyPair {
  assertScalar(secret, "secret key", true);
  return { secret, publicKey: multiplyGenerator(secret) };
}

export interface EncryptedShare {
  readonly recipient: number;
  /** f_i(recipient) + pad mod l. */
  readonly ciphertext: bigint;
}

/** What trustee `dealer` publishes in the dealing step. */
export interface Dealing {
  readonly dealer: number;
  /** A_it = a_it·G, t = 0..k−1. */
  readonly commitments: readonly Point[];
  /** One per other trustee, in recipient order. */
  readonly encryptedShares: readonly EncryptedShare[];
}

/** f(x) = Σ a_t x^t mod l (Horner). */
export function evaluatePolynomial(coefficients: readonly bigint[], x: number): bigint {
  let value = 0n;
  for (let t = coefficients.length - 1; t >= 0; t--) value = modOrder(value * BigInt(x) + coefficients[t]);
  return value;
}

/** Σ_t x^t·A_t: the point f(x)·G must equal, for Feldman commitments A_t. */
export function committedShareKey(commitments: readonly Point[], x: number): Point {
  const terms: Point[] = [];
  let power = 1n;
  for (const commitment of commitments) {
    terms.push(multiplyPoint(commitment, power));
    power = modOrder(power * BigInt(x));
  }
  return sumPoints(terms);
}

/** True if `share` is the value at `recipient` of the polynomial behind `commitments`. */
export function verifyShare(commitments: readonly Point[], recipient: number, share: bigint): boolean {
  if (typeof share !== "bigint" || share < 0n || share >= SUBGROUP_ORDER) return false;
  return pointsEqual(multiplyGenerator(share), committedShareKey(commitments, recipient));
}

async function sharePad(params: DkgParameters, dealer: number, recipient: number, ecdhPoint: Point): Promise<bigint> {
  const words = [SEALED_DOMAIN.shareEncryption, params.context, BigInt(dealer), BigInt(recipient), ecdhPoint.x, ecdhPoint.y];
  return (await keccakChallengeHash(words)) % SUBGROUP_ORDER;
}

function assertCommunicationKeys(params: DkgParameters, keys: readonly Point[]): void {
  if (!Array.isArray(keys) || keys.length !== params.trustees) {
    throw new SealedError("BAD_PARAMETERS", `expected ${params.trustees} communication keys (trustee 1 first), got ${Array.isArray(keys) ? keys.length : "none"}`);
  }
  keys.forEach((key, i) => assertKeyPoint(key, `communication key of trustee ${i + 1}`));
  const seen = new Set(keys.map((key) => `${key.x},${key.y}`));
  if (seen.size !== keys.length) throw new SealedError("BAD_PARAMETERS", "two trustees published the same communication key", "each trustee makes its own fresh key");
}

/**
 * Trustee `dealer`'s dealing: a random polynomial (or the given coefficients, for tests and
 * reproducible fixtures), its commitments and every other trustee's encrypted share. Returns
 * the polynomial too: the dealer keeps f(dealer) as its own share and discards the rest.
 */
export async function createDealing(
  params: DkgParameters,
  dealer: number,
  dealerKey: KeyPair,
  communicationKeys: readonly Point[],
  coefficients: readonly bigint[] = Array.from({ length: params.threshold }, () => randomScalar()),
): Promise<{ dealing: Dealing; ownShare: bigint }> {
  assertDkgParameters(params);
  assertTrusteeIndex(dealer, params.trustees, "dealer");
  assertCommunicationKeys(params, communicationKeys);
  if (!pointsEqual(multiplyGenerator(dealerKey.secret), communicationKeys[dealer - 1])) {
    throw new SealedError("BAD_PARAMETERS", `the dealer's key is not trustee ${dealer}'s published communication key`);
  }
  if (coefficients.length !== params.threshold) throw new SealedError("BAD_PARAMETERS", `a polynomial for threshold ${params.threshold} has ${params.threshold} coefficients, got ${coefficients.length}`);
  coefficients.forEach((a, t) => assertScalar(a, `coefficient ${t}`, t === 0));
  const encryptedShares: EncryptedShare[] = [];
  for (let recipient = 1; recipient <= params.trustees; recipient++) {
    if (recipient === dealer) continue;
    const ecdh = multiplyPoint(communicationKeys[recipient - 1], dealerKey.secret);
    const pad = await sharePad(params, dealer, recipient, ecdh);
    encryptedShares.push({ recipient, ciphertext: modOrder(evaluatePolynomial(coefficients, recipient) + pad) });
  }
  return {
    dealing: { dealer, commitments: coefficients.map((a) => multiplyGenerator(a)), encryptedShares },
    ownShare: evaluatePolynomial(coefficients, dealer),
  };
}

/**
 * Checks a dealing's form: the right dealer index, k commitments in the subgroup, exactly one
 * share ciphertext in [0, l) for each other trustee in order. A dealing that fails is not a
 * dealing: anyone can see it and the dealer is disqualified without a complaint.
 */
export function assertDealingWellFormed(params: DkgParameters, dealing: Dealing): void {
  assertDkgParameters(params);
  const fail = (why: string): never => {
    throw new SealedError("BAD_DEALING", `dealing of trustee ${String(dealing?.dealer)}: ${why}`, "the dealer is disqualified");
  };
  if (dealing === null || typeof dealing !== "object") fail("not an object");
  assertTrusteeIndex(dealing.dealer, params.trustees, "dealer");
  if (!Array.isArray(dealing.commitments) || dealing.commitments.length !== params.threshold) fail(`expected ${params.threshold} commitments`);
  dealing.commitments.forEach((commitment, t) => assertSubgroupPoint(commitment, `commitment ${t} of trustee ${dealing.dealer}`));
  const recipients = Array.from({ length: params.trustees }, (_, i) => i + 1).filter((j) => j !== dealing.dealer);
  if (!Array.isArray(dealing.encryptedShares) || dealing.encryptedShares.length !== recipients.length) fail(`expected ${recipients.length} encrypted shares`);
  dealing.encryptedShares.forEach((share, i) => {
    if (share?.recipient !== recipients[i]) fail(`share ${i} is for ${String(share?.recipient)}, expected trustee ${recipients[i]}`);
    if (typeof share.ciphertext !== "bigint" || share.ciphertext < 0n || share.ciphertext >= SUBGROUP_ORDER) fail(`the share for trustee ${share.recipient} is not a scalar in [0, l)`);
  });
}

function shareFor(dealing: Dealing, recipient: number): EncryptedShare {
  const share = dealing.encryptedShares.find((s) => s.recipient === recipient);
  if (!share) throw new SealedError("BAD_DEALING", `dealing of trustee ${dealing.dealer} has no share for trustee ${recipient}`);
  return share;
}

/** The recipient's view of a share: its value, and whether it matches the dealer's commitments. */
export interface ReceivedShare {
  readonly dealer: number;
  readonly share: bigint;
  readonly valid: boolean;
}

export async function receiveShare(params: DkgParameters, recipient: number, recipientKey: KeyPair, dealerKey: Point, dealing: Dealing): Promise<ReceivedShare> {
  assertDealingWellFormed(params, dealing);
  assertTrusteeIndex(recipient, params.trustees, "recipient");
  assertKeyPoint(dealerKey, `communication key of trustee ${dealing.dealer}`);
  if (recipient === dealing.dealer) throw new SealedError("BAD_PARAMETERS", "a dealer does not receive its own share");
  const ecdh = multiplyPoint(dealerKey, recipientKey.secret);
  const share = modOrder(shareFor(dealing, recipient).ciphertext - (await sharePad(params, dealing.dealer, recipient, ecdh)));
  return { dealer: dealing.dealer, share, valid: verifyShare(dealing.commitments, recipient, share) };
}

/** A public complaint: the ECDH point of (dealer, complainer), proven correct. */
export interface Complaint {
  readonly dealer: number;
  readonly complainer: number;
  readonly ecdhPoint: Point;
  readonly proof: DleqProof;
}

const complaintContext = (params: DkgParameters, dealer: number, complainer: number): bigint[] => [params.context, BigInt(dealer), BigInt(complainer)];

export async function createComplaint(params: DkgParameters, complainer: number, complainerKey: KeyPair, dealer: number, dealerKey: Point): Promise<Complaint> {
  assertDkgParameters(params);
  assertTrusteeIndex(complainer, params.trustees, "complainer");
  assertTrusteeIndex(dealer, params.trustees, "dealer");
  assertKeyPoint(dealerKey, `communication key of trustee ${dealer}`);
  const ecdhPoint = multiplyPoint(dealerKey, complainerKey.secret);
  const proof = await proveDleq(
    keccakChallengeHash,
    SEALED_DOMAIN.complaintProof,
    complaintContext(params, dealer, complainer),
    { base1: GENERATOR, image1: complainerKey.publicKey, base2: dealerKey, image2: ecdhPoint },
    complainerKey.secret,
  );
  return { dealer, complainer, ecdhPoint, proof };
}

export type ComplaintVerdict =
  /** The revealed share does not match the commitments: the dealer is disqualified. */
  | { readonly upheld: true; readonly faulty: "dealer"; readonly share: bigint }
  /** The revealed share is correct: the complaint is false, the complainer misbehaved. */
  | { readonly upheld: false; readonly faulty: "complainer"; readonly share: bigint; readonly why: "share is valid" }
  /** The ECDH point's proof fails: the complaint is void, the complainer misbehaved. */
  | { readonly upheld: false; readonly faulty: "complainer"; readonly why: "bad ECDH proof" };

/**
 * What the contract or any auditor decides from public data alone: the dealing, both
 * communication keys, the complaint. Needs neither party's secret, nor either to be online.
 */
export async function resolveComplaint(params: DkgParameters, complaint: Complaint, dealing: Dealing, communicationKeys: readonly Point[]): Promise<ComplaintVerdict> {
  assertDealingWellFormed(params, dealing);
  assertCommunicationKeys(params, communicationKeys);
  assertTrusteeIndex(complaint?.complainer, params.trustees, "complainer");
  if (complaint.dealer !== dealing.dealer) throw new SealedError("BAD_PARAMETERS", `the complaint is against trustee ${complaint.dealer}, the dealing is trustee ${dealing.dealer}'s`);
  if (complaint.complainer === complaint.dealer) throw new SealedError("BAD_PARAMETERS", "a trustee cannot complain about its own dealing");
  assertSubgroupPoint(complaint.ecdhPoint, "complaint ECDH point");
  const dealerKey = communicationKeys[complaint.dealer - 1];
  const complainerKey = communicationKeys[complaint.complainer - 1];
  const proven = await verifyDleq(
    keccakChallengeHash,
    SEALED_DOMAIN.complaintProof,
    complaintContext(params, complaint.dealer, complaint.complainer),
    { base1: GENERATOR, image1: complainerKey, base2: dealerKey, image2: complaint.ecdhPoint },
    complaint.proof,
  );
  if (!proven) return { upheld: false, faulty: "complainer", why: "bad ECDH proof" };
  const pad = await sharePad(params, complaint.dealer, complaint.complainer, complaint.ecdhPoint);
  const share = modOrder(shareFor(dealing, complaint.complainer).ciphertext - pad);
  return verifyShare(dealing.commitments, complaint.complainer, share)
    ? { upheld: false, faulty: "complainer", share, why: "share is valid" }
    : { upheld: true, faulty: "dealer", share };
}

/**
 * The qualified dealers: every trustee with exactly one dealing, well formed, and no upheld
 * complaint against it. Malformed dealings and missing dealers are left out; a dealer that
 * published two dealings (equivocation: different recipients could be shown different
 * polynomials) is disqualified, whichever of the two is well formed.
 */
export function qualifiedDealers(params: DkgParameters, dealings: readonly Dealing[], dealersWithUpheldComplaints: readonly number[]): number[] {
  const disqualified = new Set<number>(dealersWithUpheldComplaints);
  const seen = new Set<unknown>();
  for (const dealing of dealings) {
    const dealer = (dealing as Partial<Dealing> | null)?.dealer;
    if (seen.has(dealer)) disqualified.add(dealer as number);
    seen.add(dealer);
  }
  const qualified = new Set<number>();
  for (const dealing of dealings) {
    try {
      assertDealingWellFormed(params, dealing);
    } catch {
      continue;
    }
    if (!disqualified.has(dealing.dealer)) qualified.add(dealing.dealer);
  }
  return [...qualified].sort((a, b) => a - b);
}

export interface ElectionKeyResult {
  /** The qualified dealers, ascending. */
  readonly qualified: readonly number[];
  /** K = Σ_{i∈Q} A_i0. */
  readonly electionKey: Point;
  /** X_j = x_j·G for j = 1..n (index 0 is trustee 1): checks every partial decryption. */
  readonly shareKeys: readonly Point[];
}

/**
 * The election key and every trustee's public share key from the qualified dealings. Refuses
 * fewer than k qualified dealers (the ceremony must be rerun: with fewer, k − 1 colluding
 * dealers could be the whole set) and an identity key.
 */
export function deriveElectionKey(params: DkgParameters, dealings: readonly Dealing[], qualified: readonly number[]): ElectionKeyResult {
  assertDkgParameters(params);
  const chosen = [...new Set(qualified)].sort((a, b) => a - b);
  if (chosen.length < params.threshold) {
    throw new SealedError("TOO_FEW_SHARES", `${chosen.length} qualified dealers, the threshold is ${params.threshold}`, "rerun the key ceremony");
  }
  const byDealer = new Map<number, Dealing>();
  for (const dealer of chosen) {
    const dealing = dealings.find((d) => d.dealer === dealer);
    if (!dealing) throw new SealedError("BAD_PARAMETERS", `no dealing from qualified dealer ${dealer}`);
    assertDealingWellFormed(params, dealing);
    byDealer.set(dealer, dealing);
  }
  const combined = Array.from({ length: params.threshold }, (_, t) => sumPoints(chosen.map((dealer) => byDealer.get(dealer)!.commitments[t])));
  const electionKey = combined[0];
  if (isIdentity(electionKey)) throw new SealedError("IDENTITY_POINT", "the qualified commitments sum to the identity", "rerun the key ceremony");
  const shareKeys = Array.from({ length: params.trustees }, (_, j) => committedShareKey(combined, j + 1));
  return { qualified: chosen, electionKey, shareKeys };
}

/**
 * Trustee j's secret share x_j = Σ_{i∈Q} f_i(j) from the shares it received (and its own).
 * Every share must be present and valid: a trustee that lacks one complains instead.
 */
export function combineReceivedShares(params: DkgParameters, recipient: number, qualified: readonly number[], shares: readonly ReceivedShare[], ownShare: bigint): bigint {
  assertDkgParameters(params);
  assertTrusteeIndex(recipient, params.trustees, "recipient");
  let sum = 0n;
  for (const dealer of qualified) {
    if (dealer === recipient) {
      assertScalar(ownShare, "own share");
      sum += ownShare;
      continue;
    }
    const received = shares.find((s) => s.dealer === dealer);
    if (!received) throw new SealedError("BAD_SHARE", `trustee ${recipient} has no share from qualified dealer ${dealer}`);
    if (!received.valid) throw new SealedError("BAD_SHARE", `trustee ${recipient}'s share from dealer ${dealer} fails its commitments`, "publish a complaint");
    sum += received.share;
  }
  const result = modOrder(sum);
  if (result === 0n) throw new SealedError("BAD_SHARE", "the combined share is zero", "rerun the key ceremony");
  return result;
}
