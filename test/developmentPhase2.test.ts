/**
 * The development phase 1's Lagrange sections from its public toxic waste
 * (lib/proving/developmentPhase2.ts) are exactly the bytes snarkjs's prepare phase2 writes.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { expect } from "chai";
import * as snarkjs from "snarkjs";

import { prepareDevelopmentPhase2 } from "../lib/proving/developmentPhase2";
import { BEACON_ITERATIONS_EXP, PHASE1_BEACON_LABEL, beaconHash } from "../lib/proving/setup";

describe("development phase 1, prepared for phase 2 from its public toxic waste", function () {
  this.timeout(120_000);
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  const beacon = { hash: beaconHash(PHASE1_BEACON_LABEL), iterationsExp: BEACON_ITERATIONS_EXP };

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-phase2-"));
    const curve = await snarkjs.curves.getCurveFromName("bn128");
    await snarkjs.powersOfTau.newAccumulator(curve, 5, file("fresh.ptau"));
    await snarkjs.powersOfTau.beacon(file("fresh.ptau"), file("beacon.ptau"), "test beacon", beacon.hash, beacon.iterationsExp);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("writes the very file snarkjs's prepare phase2 writes", async () => {
    await snarkjs.powersOfTau.preparePhase2(file("beacon.ptau"), file("snarkjs.ptau"));
    const progress: number[] = [];
    await prepareDevelopmentPhase2(file("beacon.ptau"), file("ours.ptau"), beacon, (done, total) => progress.push(done / total));
    const ours = fs.readFileSync(file("ours.ptau"));
    const theirs = fs.readFileSync(file("snarkjs.ptau"));
    expect(ours.length).to.equal(theirs.length);
    expect(ours.equals(theirs), "bytes differ").to.equal(true);
    expect(progress.at(-1)).to.equal(1);
  });

  it("refuses a ptau whose toxic waste is not the beacon's, and writes nothing", async () => {
    const otherBeacon = { hash: beaconHash("another beacon"), iterationsExp: BEACON_ITERATIONS_EXP };
    let error: unknown;
    try {
      await prepareDevelopmentPhase2(file("beacon.ptau"), file("refused.ptau"), otherBeacon);
    } catch (e) {
      error = e;
    }
    expect(String(error)).to.match(/not a fresh accumulator with this one public beacon/);
    expect(fs.existsSync(file("refused.ptau"))).to.equal(false);
  });
});
