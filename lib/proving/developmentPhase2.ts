/**
 * `snarkjs powersoftau prepare phase2`, byte for byte, for the development phase 1 only.
 *
 * The development phase 1 is a fresh accumulator (every point a generator) with one public
 * beacon contribution, so its toxic waste (tau, alpha, beta) is public: it is what snarkjs derives
 * from the beacon (sha256 iterated 2^exp times seeds a ChaCha stream; tau, alpha and beta are
 * its first three field elements). Knowing tau, each Lagrange point snarkjs obtains by an
 * inverse FFT over the curve is one scalar multiplication of the generator by a scalar computed
 * in the field:
 *
 *   L_i(tau) = (tau^n - 1) / n * w^i / (tau - w^i)     (domain of size n = 2^p, root of unity w)
 *
 * Measured on this 2-core machine for the vote circuit's 2^13 powers (load ~2.5): snarkjs's
 * prepare phase2 took 392 s in CI's rebuild; this takes about a fifth of it. The derived secrets
 * are checked against the file's own points before anything is written, and
 * test/developmentPhase2.test.ts compares the output with snarkjs's byte for byte.
 *
 * It refuses any other file: a real phase 1 (a ceremony's ptau) has no known trapdoor and goes
 * through snarkjs's prepare phase2 (lib/proving/ceremony.ts).
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import * as snarkjs from "snarkjs";

import { ZkBallotError } from "../core/errors";
import { readPtauInfo, readSections } from "./binFile";

/** The field and group operations used here, from the ffjavascript that snarkjs itself runs. */
interface FieldElements {
  one: Uint8Array;
  w: Uint8Array[];
  e(value: number | bigint): Uint8Array;
  sub(a: Uint8Array, b: Uint8Array): Uint8Array;
  mul(a: Uint8Array, b: Uint8Array): Uint8Array;
  inv(a: Uint8Array): Uint8Array;
  exp(a: Uint8Array, e: number | bigint): Uint8Array;
  isZero(a: Uint8Array): boolean;
  fromRng(rng: unknown): Uint8Array;
}
interface Group {
  g: Uint8Array;
  timesFr(point: Uint8Array, scalar: Uint8Array): Uint8Array;
  toAffine(point: Uint8Array): Uint8Array;
  eq(a: Uint8Array, b: Uint8Array): boolean;
}
interface Curve {
  Fr: FieldElements;
  G1: Group;
  G2: Group;
  q: bigint;
}

const PTAU_MAGIC = "ptau";
const G1_AFFINE_BYTES = 64;
const G2_AFFINE_BYTES = 128;
const FIELD_BYTES = 32;
/** Sections of a prepared ptau: header, the six phase-1 sections copied, four Lagrange sections. */
const COPIED_SECTIONS = [2, 3, 4, 5, 6, 7] as const;
const PREPARED_SECTION_COUNT = 11;
const SECTION_TAU_G1 = 2;
const SECTION_ALPHA_TAU_G1 = 4;
const SECTION_BETA_TAU_G1 = 5;
/** onProgress is called every this many points (five lines for the vote circuit's 2^13) and at the end. */
const PROGRESS_EVERY_POINTS = 1 << 14;

export interface PublicBeacon {
  /** The beacon value, hex, as passed to `snarkjs powersoftau beacon`. */
  hash: string;
  iterationsExp: number;
}

interface PtauFile {
  bytes: Buffer;
  /** Section id -> [offset of the data, size]. */
  sections: Map<number, [number, number]>;
  power: number;
}

function readPtau(file: string): PtauFile {
  const { power } = readPtauInfo(file);
  const sections = new Map<number, [number, number]>();
  for (const { type, offset, size } of readSections(file, PTAU_MAGIC)) {
    if (sections.has(type)) throw new ZkBallotError("INVALID_PTAU", `${file}: section ${type} appears twice`);
    sections.set(type, [offset, size]);
  }
  return { bytes: fs.readFileSync(file), sections, power };
}

function sectionBytes(ptau: PtauFile, id: number): Buffer {
  const section = ptau.sections.get(id);
  if (section === undefined) throw new ZkBallotError("INVALID_PTAU", `the ptau has no section ${id}`);
  return ptau.bytes.subarray(section[0], section[0] + section[1]);
}

/** tau, alpha and beta of a beacon contribution, exactly as snarkjs derives them (keyFromBeacon). */
function beaconSecrets(curve: Curve, beacon: PublicBeacon): { tau: Uint8Array; alpha: Uint8Array; beta: Uint8Array } {
  let hash: Buffer = Buffer.from(beacon.hash, "hex");
  for (let i = 0; i < 2 ** beacon.iterationsExp; i++) hash = createHash("sha256").update(hash).digest();
  const seed = Array.from({ length: 8 }, (_, i) => hash.readUInt32BE(i * 4));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { ChaCha } = require(require.resolve("ffjavascript", { paths: [path.dirname(require.resolve("snarkjs"))] })) as { ChaCha: new (seed: number[]) => unknown };
  const rng = new ChaCha(seed);
  return { tau: curve.Fr.fromRng(rng), alpha: curve.Fr.fromRng(rng), beta: curve.Fr.fromRng(rng) };
}

/**
 * The scalars whose multiples of the generator are snarkjs's Lagrange points for a domain of
 * 2^p: the inverse DFT of (tau^0, ..., tau^(n-1)), with its last entry zeroed when `lastIsZero`
 * (snarkjs pads tauG1's 2^(power+1) - 1 points with the point at infinity).
 */
function lagrangeScalars(Fr: FieldElements, tau: Uint8Array, p: number, lastIsZero: boolean): Uint8Array[] {
  const n = 2 ** p;
  const w = Fr.w[p];
  const nInverse = Fr.inv(Fr.e(n));
  const c = Fr.mul(Fr.sub(Fr.exp(tau, n), Fr.one), nInverse);
  const lastTerm = Fr.mul(Fr.exp(tau, n - 1), nInverse);
  const scalars: Uint8Array[] = [];
  let wi = Fr.one;
  for (let i = 0; i < n; i++) {
    const difference = Fr.sub(tau, wi);
    if (Fr.isZero(difference)) throw new ZkBallotError("INVALID_PTAU", "tau is a root of unity of the domain: no Lagrange basis at it");
    let scalar = Fr.mul(Fr.mul(c, wi), Fr.inv(difference));
    if (lastIsZero) scalar = Fr.sub(scalar, Fr.mul(lastTerm, wi));
    scalars.push(scalar);
    wi = Fr.mul(wi, w);
  }
  return scalars;
}

/** A Lagrange section: for each power p in `powers`, the points factor * L_i(tau) * G. */
function lagrangeSection(curve: Curve, group: Group, tau: Uint8Array, factor: Uint8Array, lastPower: number, padLast: boolean, onPoint: () => void): Buffer {
  const pointBytes = group === curve.G1 ? G1_AFFINE_BYTES : G2_AFFINE_BYTES;
  const chunks: Buffer[] = [];
  for (let p = 0; p <= lastPower; p++) {
    const scalars = lagrangeScalars(curve.Fr, tau, p, padLast && p === lastPower);
    const chunk = Buffer.alloc(scalars.length * pointBytes);
    scalars.forEach((scalar, i) => {
      chunk.set(group.toAffine(group.timesFr(group.g, curve.Fr.mul(scalar, factor))), i * pointBytes);
      onPoint();
    });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function sectionRecord(id: number, data: Buffer): Buffer {
  const head = Buffer.alloc(12);
  head.writeUInt32LE(id, 0);
  head.writeBigUInt64LE(BigInt(data.length), 4);
  return Buffer.concat([head, data]);
}

/** The header section snarkjs writes (writePTauHeader): n8, the base field prime, power, power. */
function headerSection(curve: Curve, power: number): Buffer {
  const data = Buffer.alloc(4 + FIELD_BYTES + 8);
  data.writeUInt32LE(FIELD_BYTES, 0);
  let q = curve.q;
  for (let i = 0; i < FIELD_BYTES; i++, q >>= 8n) data[4 + i] = Number(q & 0xffn);
  data.writeUInt32LE(power, 4 + FIELD_BYTES);
  data.writeUInt32LE(power, 8 + FIELD_BYTES);
  return sectionRecord(1, data);
}

function checkSecrets(curve: Curve, ptau: PtauFile, secrets: { tau: Uint8Array; alpha: Uint8Array; beta: Uint8Array }): void {
  const tauG1 = sectionBytes(ptau, SECTION_TAU_G1).subarray(G1_AFFINE_BYTES, 2 * G1_AFFINE_BYTES);
  const alphaG1 = sectionBytes(ptau, SECTION_ALPHA_TAU_G1).subarray(0, G1_AFFINE_BYTES);
  const betaG1 = sectionBytes(ptau, SECTION_BETA_TAU_G1).subarray(0, G1_AFFINE_BYTES);
  const matches = (point: Uint8Array, secret: Uint8Array) => curve.G1.eq(curve.G1.timesFr(curve.G1.g, secret), new Uint8Array(point));
  if (!matches(tauG1, secrets.tau) || !matches(alphaG1, secrets.alpha) || !matches(betaG1, secrets.beta)) {
    throw new ZkBallotError(
      "INVALID_PTAU",
      "the ptau is not a fresh accumulator with this one public beacon: its toxic waste is not the beacon's",
      "only the development phase 1 (lib/proving/setup.ts) can be prepared this way; use snarkjs.powersOfTau.preparePhase2 for any other file",
    );
  }
}

/**
 * Writes `preparedPtau`, the file `snarkjs powersoftau prepare phase2 beaconedPtau preparedPtau`
 * writes, for a ptau made by newAccumulator and one beacon contribution of `beacon`.
 * `onProgress(done, total)` counts the points computed.
 */
export async function prepareDevelopmentPhase2(beaconedPtau: string, preparedPtau: string, beacon: PublicBeacon, onProgress?: (done: number, total: number) => void): Promise<void> {
  const ptau = readPtau(beaconedPtau);
  // snarkjs's own curve (a shared instance that its next calls reuse: not terminated here).
  const curve = (await snarkjs.curves.getCurveFromName("bn128")) as unknown as Curve;
  const secrets = beaconSecrets(curve, beacon);
  checkSecrets(curve, ptau, secrets);
  const power = ptau.power;
  const total = 2 ** (power + 2) - 1 + 3 * (2 ** (power + 1) - 1);
  let done = 0;
  const onPoint = () => {
    done += 1;
    if (done % PROGRESS_EVERY_POINTS === 0 || done === total) onProgress?.(done, total);
  };
  const { tau, alpha, beta } = secrets;
  const lagrange = [
    sectionRecord(12, lagrangeSection(curve, curve.G1, tau, curve.Fr.one, power + 1, true, onPoint)),
    sectionRecord(13, lagrangeSection(curve, curve.G2, tau, curve.Fr.one, power, false, onPoint)),
    sectionRecord(14, lagrangeSection(curve, curve.G1, tau, alpha, power, false, onPoint)),
    sectionRecord(15, lagrangeSection(curve, curve.G1, tau, beta, power, false, onPoint)),
  ];
  const fileHead = Buffer.alloc(12);
  fileHead.write(PTAU_MAGIC, 0, "latin1");
  fileHead.writeUInt32LE(1, 4);
  fileHead.writeUInt32LE(PREPARED_SECTION_COUNT, 8);
  const copied = COPIED_SECTIONS.map((id) => sectionRecord(id, sectionBytes(ptau, id)));
  fs.writeFileSync(preparedPtau, Buffer.concat([fileHead, headerSection(curve, power), ...copied, ...lagrange]));
}
