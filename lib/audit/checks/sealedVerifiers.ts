/**
 * Check "sealed-verifiers": the code at VOTE_VERIFIER and DECRYPTION_VERIFIER of a
 * SealedZkBallot is the verifier compiled from the committed verification key of
 * circuits/sealedVote.circom and circuits/sealedDecryption.circom (snarkjs's template, as
 * `npm run circuits -- --sealed` renders it; compiled through the audit's compile cache), each
 * key has the protocol's public signals; the code at BATCH_VERIFIER is Groth16BatchVerifier
 * compiled from this repository and holds the sealed vote key; and the setup's label
 * (insecureSetup.ts: a warning on the local chain, a failure elsewhere).
 */
import { keccak256 } from "ethers";

import { SEALED_VERIFIER_CONTRACTS, loadSealedManifest, sealedArtifactFiles, type SealedCircuitName } from "../../proving/sealedCircuits";
import { renderVerifierSource } from "../../proving/setup";
import { stripBytecodeMetadata } from "../../proving/solidity";
import { sha256File, artifactPath } from "../../proving/artifacts";
import { sealedVerificationKey } from "../../sealed/flow/prover";
import { checkGroth16BatchVerifierCode } from "../../proving/batchVerifierContract";
import { cachingCompiler, compileCacheDirectory, compileCached } from "../compileCache";
import type { SealedAuditContext } from "../sealedContext";
import { CheckBuilder, type CheckResult } from "../types";
import { checkInsecureSetup } from "./insecureSetup";

async function checkOne(ctx: SealedAuditContext, name: SealedCircuitName, address: string, check: CheckBuilder, cacheDir: string | undefined): Promise<boolean> {
  const verificationKey = sealedVerificationKey(name);
  const contractName = SEALED_VERIFIER_CONTRACTS[name];
  const expected = compileCached({ [`${contractName}.sol`]: renderVerifierSource(verificationKey, [], contractName) }, `${contractName}.sol`, contractName, cacheDir);
  const deployed = await ctx.rpc("eth_getCode", () => ctx.provider.getCode(address, ctx.head));
  const manifest = loadSealedManifest();
  const signals = manifest.circuits[name].publicSignals.length;
  Object.assign(check.evidence, {
    [`${name}Verifier`]: address,
    [`${name}VerifierCodeHash`]: keccak256(deployed),
    [`${name}VerificationKeySha256`]: sha256File(artifactPath(sealedArtifactFiles(name).verificationKey)),
  });
  if (deployed === "0x") check.fail(`no code at the ${name} verifier address ${address}`);
  else if (stripBytecodeMetadata(deployed) !== stripBytecodeMetadata(expected.compiled.deployedBytecode)) check.fail(`the code at ${address} is not the ${contractName} compiled from the published ${name} verification key`, undefined, "VERIFIER_MISMATCH");
  if (Number(verificationKey.nPublic) !== signals) check.fail(`the ${name} verification key has ${String(verificationKey.nPublic)} public signals, the protocol has ${signals}`);
  return expected.cacheHit;
}

export async function checkSealedVerifiers(ctx: SealedAuditContext): Promise<CheckResult> {
  const check = new CheckBuilder("sealed-verifiers");
  const cacheDir = compileCacheDirectory(ctx.options.compileCacheDir);
  ctx.progress("compiling the sealed verifiers from the verification keys", 0, 3);
  const voteHit = await checkOne(ctx, "sealedVote", ctx.voteVerifierAddress, check, cacheDir);
  ctx.progress("compiling the sealed verifiers from the verification keys", 1, 3);
  const decryptionHit = await checkOne(ctx, "sealedDecryption", ctx.decryptionVerifierAddress, check, cacheDir);
  ctx.progress("compiling the sealed verifiers from the verification keys", 2, 3);
  const manifest = loadSealedManifest();
  const compiler = cachingCompiler(cacheDir);
  const batchProblems = await checkGroth16BatchVerifierCode(ctx.provider, ctx.batchVerifierAddress, sealedVerificationKey("sealedVote"), manifest.circuits.sealedVote.publicSignals.length, { blockTag: ctx.head, compile: compiler.compile });
  for (const problem of batchProblems) check.fail(problem, undefined, "VERIFIER_MISMATCH");
  ctx.progress("compiling the sealed verifiers from the verification keys", 3, 3);
  Object.assign(check.evidence, { batchVerifier: ctx.batchVerifierAddress, setup: manifest.setup.kind, setupSecure: manifest.setup.secure, compiledFromCache: voteHit && decryptionHit && compiler.allHits() });
  if (ctx.rollDepth !== manifest.rollDepth) check.fail(`the contract's ROLL_DEPTH ${ctx.rollDepth} differs from the sealed circuit's depth ${manifest.rollDepth}`);
  checkInsecureSetup(check, manifest, ctx.chainId);
  return check.result();
}
