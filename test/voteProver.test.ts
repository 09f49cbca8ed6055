/**
 * The prover takes its artifacts as arguments (issue 12): lib/proving/voteProver.ts bundles for
 * the browser with no Node built-in, proves from bytes (as a page that fetched vote.wasm and
 * vote.zkey would) or from a loader, verifies with a parsed key, and refuses missing artifacts
 * with a typed error. The Node adapter (lib/proving/prover.ts) proves the same from files.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { expect } from "chai";
import { build } from "esbuild";

import { browserBuildOptions } from "../scripts/lib/browserBundle";
import { encodeSingleChoiceBallot } from "../lib/core/ballot";
import { identityFromSecret } from "../lib/core/identity";
import { VoterRoll } from "../lib/core/voterRoll";
import { proverArtifacts } from "../lib/proving/artifacts";
import * as nodeProver from "../lib/proving/prover";
import { proveVote, verifyVoteProof, type VerificationKey } from "../lib/proving/voteProver";
import { ZkBallotError } from "../lib/core/errors";
import { cachedFileBytes } from "../lib/node/files";
import { calculateWitness, proveGroth16 } from "../lib/proving/groth16Prove";

describe("prover with its artifacts as arguments (lib/proving/voteProver.ts)", function () {
  this.timeout(180_000);

  after(async () => nodeProver.releaseSnarkjs());

  it("bundles for the browser: no Node built-in, no Node adapter, no generated code", async () => {
    const result = await build({ ...browserBuildOptions(["lib/proving/voteProver.ts"]), format: "iife", globalName: "zkballotProver" });
    expect(result.errors, "esbuild errors").to.deep.equal([]);
    expect(result.warnings, "esbuild warnings").to.deep.equal([]);
    const ours = Object.keys(result.metafile!.inputs).filter((file) => !file.startsWith("node_modules/"));
    expect(ours).to.include("lib/proving/voteProver.ts");
    expect(ours.filter((file) => /^lib\/(node|chain|audit|relayer)\/|^lib\/proving\/(?!(voteProver|groth16Prove)\.ts$)|typechain-types/.test(file)), ours.join(" ")).to.deep.equal([]);
  });

  it("proves from bytes and from a loader, verifies with a parsed key, as the Node adapter does from files", async () => {
    const files = proverArtifacts();
    const bytes = { wasm: new Uint8Array(fs.readFileSync(files.wasm)), zkey: new Uint8Array(fs.readFileSync(files.zkey)) };
    const verificationKey = JSON.parse(fs.readFileSync(files.verificationKey, "utf8")) as VerificationKey;
    const identity = await identityFromSecret(424242n);
    const roll = await VoterRoll.build([identity.voterCommitment, identity.voterCommitment + 1n], { depth: 20 });
    const request = { identity, path: roll.pathOf(identity.voterCommitment), voterRollRoot: roll.root, electionScope: 77n, ballot: encodeSingleChoiceBallot(1, 3) };

    const fromBytes = await proveVote(request, bytes);
    let loads = 0;
    const fromLoader = await proveVote(request, async () => (loads++, bytes));
    expect(loads).to.equal(1);
    const fromFiles = await nodeProver.proveVote(request);
    for (const { publicSignals, proof } of [fromBytes, fromLoader, fromFiles]) {
      expect(publicSignals).to.deep.equal(fromFiles.publicSignals);
      expect(await verifyVoteProof(publicSignals, proof, verificationKey)).to.equal(true);
      expect(await verifyVoteProof(publicSignals, proof, () => verificationKey)).to.equal(true);
      expect(await nodeProver.verifyVoteProof(publicSignals, proof)).to.equal(true);
    }
    expect(await verifyVoteProof({ ...fromBytes.publicSignals, ballot: encodeSingleChoiceBallot(2, 3) }, fromBytes.proof, verificationKey)).to.equal(false);
  });

  it("refuses missing artifacts and a missing key with a typed error and a hint", async () => {
    const identity = await identityFromSecret(5n);
    const roll = await VoterRoll.build([identity.voterCommitment], { depth: 20 });
    const request = { identity, path: roll.pathOf(identity.voterCommitment), voterRollRoot: roll.root, electionScope: 1n, ballot: 1n };
    for (const artifacts of [{ wasm: new Uint8Array(), zkey: "x" }, { wasm: "x" } as never, undefined as never, async () => ({ zkey: "x" }) as never]) {
      const error = await proveVote(request, artifacts).then(() => undefined, (e: unknown) => e);
      expect(error).to.be.instanceOf(ZkBallotError);
      expect((error as ZkBallotError).code).to.equal("ARTIFACTS_MISSING");
      expect((error as ZkBallotError).hint).to.match(/wasm/);
    }
    const error = await verifyVoteProof(request as never, [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n], {} as VerificationKey).then(() => undefined, (e: unknown) => e);
    expect((error as ZkBallotError).code).to.equal("ARTIFACTS_MISSING");
  });

  describe("one witness calculator per circuit (lib/proving/groth16Prove.ts)", () => {
    const identities = [31n, 32n, 33n];

    it("witnesses computed at once from the same bytes are each their own input's, as computed one at a time", async () => {
      const files = proverArtifacts();
      const wasm = new Uint8Array(fs.readFileSync(files.wasm));
      const voters = await Promise.all(identities.map((secret) => identityFromSecret(secret)));
      const roll = await VoterRoll.build(voters.map((voter) => voter.voterCommitment), { depth: 20 });
      const inputs = voters.map((voter, i) => {
        const path = roll.pathOf(voter.voterCommitment);
        return { identitySecret: voter.identitySecret.toString(), pathIndices: path.pathIndices.map(String), siblings: path.siblings.map(String), electionScope: String(900 + i), ballot: String(encodeSingleChoiceBallot(i, 3)) };
      });
      const oneAtATime: Uint8Array[] = [];
      for (const input of inputs) oneAtATime.push(await calculateWitness(input, new Uint8Array(wasm)));
      // All three on the cached calculator at once: its WebAssembly memory holds one witness, so
      // the calls must queue; interleaved, a call would read another's witness.
      const together = await Promise.all(inputs.map((input) => calculateWitness(input, wasm)));
      together.forEach((witness, i) => expect(Buffer.from(witness).equals(Buffer.from(oneAtATime[i])), `witness ${i}`).to.equal(true));
      expect(Buffer.from(together[0]).equals(Buffer.from(together[1]))).to.equal(false);
    });

    it("a bad input fails its own proof, not the next one on the same calculator", async () => {
      const files = proverArtifacts();
      const bytes = nodeProver.nodeVoteProverArtifacts() as { wasm: Uint8Array; zkey: Uint8Array };
      expect(bytes.wasm).to.equal(nodeProver.nodeVoteProverArtifacts().wasm, "the Node adapter hands out the same bytes each time");
      const bad = proveGroth16({ identitySecret: "1" }, bytes.wasm, bytes.zkey).then(() => undefined, (e: unknown) => e);
      const identity = await identityFromSecret(34n);
      const roll = await VoterRoll.build([identity.voterCommitment], { depth: 20 });
      const request = { identity, path: roll.pathOf(identity.voterCommitment), voterRollRoot: roll.root, electionScope: 5n, ballot: 2n };
      const good = proveVote(request, bytes);
      expect(await bad).to.be.instanceOf(Error);
      const proof = await good;
      const verificationKey = JSON.parse(fs.readFileSync(files.verificationKey, "utf8")) as VerificationKey;
      expect(await verifyVoteProof(proof.publicSignals, proof.proof, verificationKey)).to.equal(true);
    });

    it("cachedFileBytes gives the same bytes while a file is unchanged and reads a rebuilt one anew", () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-bytes-"));
      try {
        const file = path.join(dir, "artifact.bin");
        fs.writeFileSync(file, "first");
        const first = cachedFileBytes(file);
        expect(cachedFileBytes(file)).to.equal(first);
        fs.writeFileSync(file, "rebuilt artifact");
        const rebuilt = cachedFileBytes(file);
        expect(rebuilt).to.not.equal(first);
        expect(Buffer.from(rebuilt).toString()).to.equal("rebuilt artifact");
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
