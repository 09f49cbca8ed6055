/**
 * Check "verifier-integrity": the code at VERIFIER is the verifier compiled from the published
 * verification key, the code at BATCH_VERIFIER is VoteBatchVerifier compiled from this
 * repository's source holding that same key, the key has the protocol's four public signals,
 * the circuit's depth is the contract's, and the setup's security label (insecureSetup.ts).
 * Compiled output comes from the compile cache (compileCache.ts) when its key matches.
 */
import { createHash } from "node:crypto";

import { keccak256, type BlockTag, type Provider } from "ethers";

import { loadManifest, proverArtifacts, sha256File } from "../../proving/artifacts";
import { checkBatchVerifierCode } from "../../proving/batchVerifierContract";
import { loadVerificationKey } from "../../proving/prover";
import { VERIFIER_CONTRACT_NAME, renderVerifierSource } from "../../proving/setup";
import { stripBytecodeMetadata } from "../../proving/solidity";
import { cachingCompiler, compileCacheDirectory, compileCached } from "../compileCache";
import type { AuditContext } from "../context";
import { CheckBuilder, type CheckResult } from "../types";
import { checkInsecureSetup } from "./insecureSetup";
import { checkVerifierProvenance } from "../verifierProvenance";

/** What is wrong with the batch verifier at `address` (lib/proving/batchVerifierContract.ts), compiled through the compile cache. */
async function batchVerifierProblems(provider: Provider, address: string, verificationKey: unknown, blockTag: BlockTag, cacheDir: string | undefined): Promise<{ problems: string[]; cacheHit: boolean }> {
  const compiler = cachingCompiler(cacheDir);
  const problems = await checkBatchVerifierCode(provider, address, verificationKey, { blockTag, compile: compiler.compile });
  return { problems, cacheHit: compiler.allHits() };
}

/** Runs the check; returns the verification key the ballots are verified with. */
export async function checkVerifierIntegrity(ctx: AuditContext): Promise<{ result: CheckResult; verificationKey: Record<string, unknown> }> {
  const { options, rpc, head, verifierAddress, batchVerifierAddress } = ctx;
  const verifier = new CheckBuilder("verifier-integrity");
  const verificationKey = options.verificationKey ?? (loadVerificationKey() as Record<string, unknown>);
  // The published file's SHA-256 (as in manifest.json) when the key is the committed one.
  const verificationKeyHash =
    options.verificationKey === undefined
      ? sha256File(proverArtifacts().verificationKey)
      : (options.verificationKeySha256 ?? createHash("sha256").update(JSON.stringify(options.verificationKey)).digest("hex"));
  const manifest = options.manifest ?? loadManifest();
  const cacheDir = compileCacheDirectory(options.compileCacheDir);
  ctx.progress("compiling the verifiers from the verification key", 0, 2);
  const expected = compileCached({ "VoteVerifier.sol": renderVerifierSource(verificationKey) }, "VoteVerifier.sol", VERIFIER_CONTRACT_NAME, cacheDir);
  const deployed = await rpc("eth_getCode", () => ctx.provider.getCode(verifierAddress, head));
  ctx.progress("compiling the verifiers from the verification key", 1, 2);
  // castVotes checks proofs with the batch verifier: it must hold the same key.
  const batch = await rpc("batch verifier", () => batchVerifierProblems(ctx.provider, batchVerifierAddress, verificationKey, head, cacheDir)).catch(
    (error: unknown) => ({ problems: [`the batch verifier at ${batchVerifierAddress} cannot be read: ${(error as Error).message.split("\n")[0]}`], cacheHit: false }),
  );
  ctx.progress("compiling the verifiers from the verification key", 2, 2);
  for (const problem of batch.problems) verifier.fail(problem);
  Object.assign(verifier.evidence, {
    verifier: verifierAddress,
    batchVerifier: batchVerifierAddress,
    deployedCodeBytes: (deployed.length - 2) / 2,
    icPoints: (verificationKey.IC as unknown[] | undefined)?.length,
    verifierCodeHash: keccak256(deployed),
    batchVerifierCodeHash: keccak256(await rpc("eth_getCode", () => ctx.provider.getCode(batchVerifierAddress, head))),
    verificationKeySha256: verificationKeyHash,
    setup: manifest.setup.kind,
    setupSecure: manifest.setup.secure,
    compiledFromCache: expected.cacheHit && batch.cacheHit,
  });
  if (deployed === "0x") verifier.fail(`no code at the verifier address ${verifierAddress}`);
  else if (stripBytecodeMetadata(deployed) !== stripBytecodeMetadata(expected.compiled.deployedBytecode)) {
    verifier.fail(`the code at ${verifierAddress} is not the verifier compiled from the published verification key`);
  }
  if (Number(verificationKey.nPublic) !== 4) verifier.fail(`the verification key has ${String(verificationKey.nPublic)} public signals, the protocol has 4`);
  if (ctx.rollDepth !== manifest.rollDepth) verifier.fail(`the contract's ROLL_DEPTH ${ctx.rollDepth} differs from the circuit's depth ${manifest.rollDepth}`);
  checkInsecureSetup(verifier, manifest, ctx.chainId);
  // Which setup the key comes from (lib/audit/verifierProvenance.ts): a verified ceremony, or a failure off the local chains.
  const provenance = await checkVerifierProvenance({ chainId: ctx.chainId, verificationKey, manifest, transcripts: options.transcripts, ptau: options.ptau, onProgress: ctx.progress });
  verifier.evidence.provenance = { ...provenance.evidence, status: provenance.status };
  for (const finding of provenance.findings) verifier.fail(finding.message, undefined, finding.code);
  verifier.warnings.push(...provenance.warnings);
  return { result: verifier.result(), verificationKey };
}
