/**
 * The on-chain batch verifier (contracts/verifiers/VoteBatchVerifier.sol): its constructor
 * arguments, read from snarkjs's verification_key.json, and its deployment.
 *
 * The contract takes G2 points in the pairing precompile's order, imaginary part first, exactly
 * as snarkjs's Solidity template writes them: for vk_beta_2 = [[x0, x1], [y0, y1], [1, 0]] it
 * takes [x1, x0, y1, y0]. The same swap applies to proofs (lib/proving/prover.ts, toSolidityProof).
 */
import fs from "node:fs";

import type { BlockTag, Provider, Signer } from "ethers";

import { Groth16BatchVerifier__factory, VoteBatchVerifier__factory, type Groth16BatchVerifier, type VoteBatchVerifier } from "../../typechain-types";
import { PROJECT_ROOT, artifactPath } from "./artifacts";
import { ZkBallotError } from "../core/errors";
import { BN254_BASE_FIELD, loadVerificationKey } from "./prover";
import { compileSources, maskImmutables, type CompiledContract } from "./solidity";

/** Public signals of the vote circuit: voterRollRoot, nullifier, electionScope, ballot. */
const VOTE_PUBLIC_SIGNALS = 4;

export type G1Coordinates = [bigint, bigint];
/** [x.imaginary, x.real, y.imaginary, y.real]: the precompile's order. */
export type G2Coordinates = [bigint, bigint, bigint, bigint];

/** VoteBatchVerifier.VerificationKey, the constructor's only argument. */
export interface BatchVerificationKey {
  alpha1: G1Coordinates;
  beta2: G2Coordinates;
  gamma2: G2Coordinates;
  delta2: G2Coordinates;
  /** IC0..IC4. */
  ic: [G1Coordinates, G1Coordinates, G1Coordinates, G1Coordinates, G1Coordinates];
}

function invalidKey(message: string): ZkBallotError {
  return new ZkBallotError("INVALID_ARGUMENT", `verification key: ${message}`, "pass circuits/build/verification_key.json as snarkjs wrote it");
}

function coordinate(value: unknown, what: string): bigint {
  if (typeof value !== "string" || !/^[0-9]{1,78}$/.test(value)) throw invalidKey(`${what} is not a decimal string`);
  const parsed = BigInt(value);
  if (parsed >= BN254_BASE_FIELD) throw invalidKey(`${what} is not below the BN254 base field order`);
  return parsed;
}

function tuple(value: unknown, length: number, what: string): unknown[] {
  if (!Array.isArray(value) || value.length !== length) throw invalidKey(`${what} is not an array of ${length}`);
  return value;
}

/** An affine G1 point [x, y, "1"] -> [x, y]. */
function g1(value: unknown, what: string): G1Coordinates {
  const [x, y, z] = tuple(value, 3, what);
  if (z !== "1") throw invalidKey(`${what} is not in affine form (z = ${String(z)})`);
  return [coordinate(x, `${what}.x`), coordinate(y, `${what}.y`)];
}

/** An affine G2 point [[x0, x1], [y0, y1], ["1", "0"]] -> [x1, x0, y1, y0]. */
function g2(value: unknown, what: string): G2Coordinates {
  const [x, y, z] = tuple(value, 3, what);
  const [x0, x1] = tuple(x, 2, `${what}.x`);
  const [y0, y1] = tuple(y, 2, `${what}.y`);
  const [z0, z1] = tuple(z, 2, `${what}.z`);
  if (z0 !== "1" || z1 !== "0") throw invalidKey(`${what} is not in affine form`);
  return [coordinate(x1, `${what}.x[1]`), coordinate(x0, `${what}.x[0]`), coordinate(y1, `${what}.y[1]`), coordinate(y0, `${what}.y[0]`)];
}

/** Groth16BatchVerifier.VerificationKey: any number of IC points. */
export interface Groth16BatchVerificationKey extends Omit<BatchVerificationKey, "ic"> {
  /** IC0..ICm, one more than the circuit's public signals. */
  ic: G1Coordinates[];
}

/**
 * snarkjs's verification_key.json (parsed) -> Groth16BatchVerifier's constructor arguments.
 * Refuses anything but a Groth16 BN254 key with `publicSignals` public signals (the contract
 * itself checks that every point is on its curve).
 */
export function groth16BatchVerifierConstructorArgs(verificationKey: unknown, publicSignals: number): [Groth16BatchVerificationKey] {
  if (typeof verificationKey !== "object" || verificationKey === null) throw invalidKey("not an object");
  const key = verificationKey as Record<string, unknown>;
  if (key.protocol !== "groth16") throw invalidKey(`protocol is ${String(key.protocol)}, expected groth16`);
  if (key.curve !== "bn128") throw invalidKey(`curve is ${String(key.curve)}, expected bn128`);
  if (Number(key.nPublic) !== publicSignals) throw invalidKey(`nPublic is ${String(key.nPublic)}, the circuit has ${publicSignals}`);
  const ic = tuple(key.IC, publicSignals + 1, "IC").map((point, j) => g1(point, `IC[${j}]`));
  return [{ alpha1: g1(key.vk_alpha_1, "vk_alpha_1"), beta2: g2(key.vk_beta_2, "vk_beta_2"), gamma2: g2(key.vk_gamma_2, "vk_gamma_2"), delta2: g2(key.vk_delta_2, "vk_delta_2"), ic }];
}

/**
 * snarkjs's verification_key.json (parsed) -> VoteBatchVerifier's constructor arguments.
 * Refuses anything but a Groth16 BN254 key with the vote circuit's four public signals.
 */
export function batchVerifierConstructorArgs(verificationKey: unknown): [BatchVerificationKey] {
  const [key] = groth16BatchVerifierConstructorArgs(verificationKey, VOTE_PUBLIC_SIGNALS);
  return [{ ...key, ic: key.ic as BatchVerificationKey["ic"] }];
}

/** Deploys Groth16BatchVerifier for a key with `publicSignals` public signals (the sealed vote circuit's). */
export async function deployGroth16BatchVerifier(signer: Signer, verificationKey: unknown, publicSignals: number): Promise<Groth16BatchVerifier> {
  const verifier = await new Groth16BatchVerifier__factory(signer).deploy(...groth16BatchVerifierConstructorArgs(verificationKey, publicSignals));
  await verifier.waitForDeployment();
  return verifier;
}

/**
 * Deploys VoteBatchVerifier with a verification key, by default the vote circuit's
 * (circuits/build/verification_key.json).
 */
export async function deployVoteBatchVerifier(signer: Signer, verificationKey: unknown = loadVerificationKey()): Promise<VoteBatchVerifier> {
  const verifier = await new VoteBatchVerifier__factory(signer).deploy(...batchVerifierConstructorArgs(verificationKey));
  await verifier.waitForDeployment();
  return verifier;
}

/** The batch verifier's source and the interface it imports, by the source names solc sees. */
export const BATCH_VERIFIER_SOURCES = ["contracts/verifiers/VoteBatchVerifier.sol", "contracts/verifiers/Bn254.sol", "contracts/interfaces/IVoteBatchVerifier.sol"] as const;

/** Compiles Solidity sources to one contract: compileSources, or a cached version of it (lib/audit/compileCache.ts). */
export type ContractCompiler = (sources: Record<string, string>, fileName: string, contractName: string) => CompiledContract;

export interface BatchVerifierCodeOptions {
  blockTag?: BlockTag;
  /** Repository root whose contracts/ sources are compiled (default: this one). */
  root?: string;
  /** How the sources are compiled (default: compileSources, no cache). */
  compile?: ContractCompiler;
}

/** Groth16BatchVerifier's source and what it imports, by the source names solc sees. */
export const GROTH16_BATCH_VERIFIER_SOURCES = ["contracts/verifiers/Groth16BatchVerifier.sol", "contracts/verifiers/Bn254.sol", "contracts/interfaces/IGroth16BatchVerifier.sol"] as const;

/**
 * What is wrong with the code at `address` as the batch verifier of `verificationKey`: empty
 * when it is VoteBatchVerifier compiled from this repository's source with the project's
 * settings (immutables aside) and its immutables hold exactly that key. Used by the auditor.
 */
export async function checkBatchVerifierCode(provider: Provider, address: string, verificationKey: unknown, options: BatchVerifierCodeOptions = {}): Promise<string[]> {
  const [expected] = batchVerifierConstructorArgs(verificationKey);
  return compareDeployedVerifier(provider, address, BATCH_VERIFIER_SOURCES, "VoteBatchVerifier", expected, (blockTag) => VoteBatchVerifier__factory.connect(address, provider).verificationKey({ blockTag }), options);
}

/**
 * checkBatchVerifierCode for Groth16BatchVerifier (the sealed vote circuit's batch verifier):
 * the code compiled from GROTH16_BATCH_VERIFIER_SOURCES, immutables aside, and the key it
 * stores equal to `verificationKey` with `publicSignals` public signals.
 */
export async function checkGroth16BatchVerifierCode(provider: Provider, address: string, verificationKey: unknown, publicSignals: number, options: BatchVerifierCodeOptions = {}): Promise<string[]> {
  const [expected] = groth16BatchVerifierConstructorArgs(verificationKey, publicSignals);
  const verifier = Groth16BatchVerifier__factory.connect(address, provider);
  return compareDeployedVerifier(provider, address, GROTH16_BATCH_VERIFIER_SOURCES, "Groth16BatchVerifier", expected, async (blockTag) => {
    const count = await verifier.PUBLIC_SIGNALS({ blockTag });
    if (count !== BigInt(publicSignals)) return `the batch verifier at ${address} takes ${count} public signals, the circuit has ${publicSignals}`;
    return verifier.verificationKey({ blockTag });
  }, options);
}

async function compareDeployedVerifier(
  provider: Provider,
  address: string,
  sourceNames: readonly string[],
  contractName: string,
  expected: Groth16BatchVerificationKey,
  /** The key the contract holds, or what is wrong before it can be read. */
  readKey: (blockTag: BlockTag | undefined) => Promise<Record<"alpha1" | "beta2" | "gamma2" | "delta2" | "ic", unknown> | string>,
  options: BatchVerifierCodeOptions,
): Promise<string[]> {
  const { blockTag, root = PROJECT_ROOT, compile = compileSources } = options;
  const deployed = await provider.getCode(address, blockTag);
  if (deployed === "0x") return [`no code at the batch verifier address ${address}`];
  const sources = Object.fromEntries(sourceNames.map((name) => [name, fs.readFileSync(artifactPath(name, root), "utf8")]));
  const compiled = compile(sources, sourceNames[0], contractName);
  if (maskImmutables(deployed, compiled.immutableReferences) !== maskImmutables(compiled.deployedBytecode, compiled.immutableReferences)) {
    return [`the code at ${address} is not ${contractName} as compiled from ${sourceNames[0]}`];
  }
  const stored = await readKey(blockTag);
  if (typeof stored === "string") return [stored];
  const same = (a: unknown, b: readonly unknown[]): boolean => JSON.stringify((a as unknown[]).flat(2).map(String)) === JSON.stringify(b.flat(2).map(String));
  const problems: string[] = [];
  for (const part of ["alpha1", "beta2", "gamma2", "delta2", "ic"] as const) {
    if (!same(stored[part], expected[part])) problems.push(`the batch verifier's ${part} differs from the published verification key`);
  }
  return problems;
}
