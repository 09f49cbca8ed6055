/**
 * The committed development setup of the sealed circuits (circuits/build/sealed/): every file
 * matches the sealed manifest, the manifest says what the setup is, and a development setup is
 * refused off the local chains. The full byte-for-byte rebuild (`npm run circuits -- --sealed
 * --check`) takes tens of minutes on 2 cores, so CI runs this fast check instead.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { expect } from "chai";

import { assertSetupAllowedOnChain } from "../lib/chain/election";
import { isInsecureSetup, PROJECT_ROOT, sha256File } from "../lib/proving/artifacts";
import { DEV_SETUP_WARNING } from "../lib/proving/setup";
import {
  SEALED_CIRCUIT_NAMES,
  SEALED_MANIFEST_FILE,
  SEALED_PTAU_POWER,
  SEALED_VERIFIER_CONTRACTS,
  loadSealedManifest,
  sealedArtifactFiles,
  verifySealedArtifactHashes,
} from "../lib/proving/sealedCircuits";
import { sealedDecryptionPublicSignalNames, sealedVotePublicSignalNames } from "../lib/sealed/circuitInput";

describe("sealed circuits: committed development setup", function () {
  it("every artifact and circuit source matches the sealed manifest", function () {
    expect(verifySealedArtifactHashes()).to.deep.equal([]);
    const manifest = loadSealedManifest();
    for (const name of SEALED_CIRCUIT_NAMES) {
      for (const file of Object.values(sealedArtifactFiles(name))) expect(manifest.files[file], file).to.equal(sha256File(path.join(PROJECT_ROOT, file)));
    }
  });

  it("records the setup kind, beacons, tool versions and public signals", function () {
    const manifest = loadSealedManifest();
    expect(manifest.setup.kind).to.equal("development");
    expect(manifest.setup.secure).to.equal(false);
    if (!isInsecureSetup(manifest)) throw new Error("the committed sealed setup must be the development one");
    expect(manifest.setup.warning).to.equal(DEV_SETUP_WARNING);
    expect(manifest.setup.phase1.power).to.equal(SEALED_PTAU_POWER);
    expect(manifest.setup.phase1.beacon).to.match(/^[0-9a-f]{64}$/);
    expect(manifest.setup.phase2.beacon).to.match(/^[0-9a-f]{64}$/);
    expect(manifest.tools).to.have.keys("circom2", "snarkjs", "circomlib");
    expect(manifest.circuits.sealedVote.publicSignals).to.deep.equal(sealedVotePublicSignalNames(8));
    expect(manifest.circuits.sealedDecryption.publicSignals).to.deep.equal(sealedDecryptionPublicSignalNames(8));
    expect(manifest.circuits.sealedVote.constraints).to.be.lessThanOrEqual(2 ** SEALED_PTAU_POWER);
    for (const name of SEALED_CIRCUIT_NAMES) {
      const source = fs.readFileSync(path.join(PROJECT_ROOT, sealedArtifactFiles(name).verifierContract), "utf8");
      expect(source).to.contain(`contract ${SEALED_VERIFIER_CONTRACTS[name]} {`);
      expect(source).to.contain("INSECURE DEVELOPMENT SETUP");
      const vkey = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, sealedArtifactFiles(name).verificationKey), "utf8")) as { nPublic: number };
      expect(vkey.nPublic).to.equal(manifest.circuits[name].publicSignals.length);
    }
  });

  it("detects a changed artifact", function () {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "sealed-manifest-"));
    try {
      const manifest = loadSealedManifest();
      for (const file of [...Object.keys(manifest.files), ...Object.keys(manifest.sources), SEALED_MANIFEST_FILE]) {
        fs.mkdirSync(path.dirname(path.join(copy, file)), { recursive: true });
        fs.copyFileSync(path.join(PROJECT_ROOT, file), path.join(copy, file));
      }
      const vkey = sealedArtifactFiles("sealedDecryption").verificationKey;
      fs.appendFileSync(path.join(copy, vkey), " ");
      expect(verifySealedArtifactHashes(copy)).to.deep.equal([`${vkey}: SHA-256 differs from the sealed manifest`]);
    } finally {
      fs.rmSync(copy, { recursive: true, force: true });
    }
  });

  it("is insecure, so refused off the local chains unless overridden", function () {
    const manifest = loadSealedManifest();
    expect(isInsecureSetup(manifest)).to.equal(true);
    expect(assertSetupAllowedOnChain(manifest, 31337n, false)).to.equal("ok");
    expect(() => assertSetupAllowedOnChain(manifest, 11155111n, false)).to.throw(/refusing to deploy a development trusted setup/);
    expect(assertSetupAllowedOnChain(manifest, 11155111n, true)).to.equal("insecure-override");
  });
});
