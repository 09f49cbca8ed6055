/**
 * The address book: one JSON file per chain id in deployments/, so later commands find the
 * contracts without the user pasting addresses.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { getAddress, type Provider, type Signer } from "ethers";

import { ZkBallot__factory, type ZkBallot } from "../../typechain-types";
import { MANIFEST_FILE, PROJECT_ROOT, artifactPath, sha256File } from "../proving/artifacts";
import { ZkBallotError } from "../core/errors";
import { compileValidator, describeValue } from "../core/schema";
import { writeFileAtomically } from "../node/files";

export interface DeploymentRecord {
  chainId: string;
  zkBallot: string;
  verifier: string;
  /** The VoteBatchVerifier that ZkBallot's castVotes uses (BATCH_VERIFIER()). */
  batchVerifier: string;
  deployBlock: number;
  rollDepth: number;
  setupSecure: boolean;
  manifestSha256: string;
  deployedAt: string;
}

const ADDRESS = { type: "string", pattern: "^0x[0-9a-fA-F]{40}$", description: "is not an address" };

/** The shape of deployments/<chainId>.json. */
const DEPLOYMENT_SCHEMA = {
  type: "object",
  description: "is not a JSON object",
  required: ["chainId", "zkBallot", "verifier", "batchVerifier", "deployBlock", "rollDepth", "setupSecure", "manifestSha256", "deployedAt"],
  properties: {
    chainId: { type: "string", pattern: "^[0-9]+$", description: "is not a chain id (decimal digits in a string)" },
    zkBallot: ADDRESS,
    verifier: ADDRESS,
    batchVerifier: { ...ADDRESS, description: "is not an address (the VoteBatchVerifier that ZkBallot's BATCH_VERIFIER() returns)" },
    deployBlock: { type: "integer", minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: "is not a block number" },
    rollDepth: { type: "integer", minimum: 1, description: "is not a positive integer" },
    setupSecure: { type: "boolean", description: "is not true or false" },
    manifestSha256: { type: "string", pattern: "^[0-9a-f]{64}$", description: "is not a SHA-256 in hex" },
    deployedAt: { type: "string", description: "is not a date string" },
  },
};

const validateDeployment = compileValidator<DeploymentRecord>(DEPLOYMENT_SCHEMA);

export function deploymentsDir(): string {
  return process.env.ZKBALLOT_DEPLOYMENTS_DIR ?? path.join(PROJECT_ROOT, "deployments");
}

export function deploymentFile(chainId: bigint): string {
  return path.join(deploymentsDir(), `${chainId}.json`);
}

export function saveDeployment(record: DeploymentRecord): string {
  const file = deploymentFile(BigInt(record.chainId));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomically(file, JSON.stringify(record, null, 2) + "\n");
  return file;
}

/** Why a parsed record is not a DeploymentRecord, or undefined when it is one. */
function deploymentProblem(data: unknown): { problem: string; hint?: string } | undefined {
  const violation = validateDeployment(data);
  if (violation === undefined) {
    const record = data as DeploymentRecord;
    for (const field of ["zkBallot", "verifier", "batchVerifier"] as const) {
      try {
        getAddress(record[field]);
      } catch {
        return { problem: `${field} ${JSON.stringify(record[field])} is not an address (its mixed-case checksum is wrong)` };
      }
    }
    return undefined;
  }
  if (violation.keyword === "required" && violation.field === "batchVerifier") {
    return {
      problem: "it has no batchVerifier: it was written by an older zkballot, before the batch verifier was recorded",
      hint: 'add "batchVerifier": "<address>" with the address that `BATCH_VERIFIER()` of the recorded ZkBallot returns, or deploy again with --force',
    };
  }
  const field = violation.field === "" ? "the record" : violation.field;
  return { problem: violation.keyword === "required" ? `${field} ${violation.problem}` : `${field} ${describeValue(violation)} ${violation.problem}` };
}

export function readDeployment(chainId: bigint): DeploymentRecord | undefined {
  const file = deploymentFile(chainId);
  if (!fs.existsSync(file)) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new ZkBallotError("INVALID_ARGUMENT", `${file} is corrupted: ${(error as Error).message}`, "delete it and deploy again");
  }
  const problem = deploymentProblem(data);
  if (problem !== undefined) throw new ZkBallotError("INVALID_ARGUMENT", `${file} is corrupted: ${problem.problem}`, problem.hint ?? "delete it and deploy again");
  const record = data as DeploymentRecord;
  if (record.chainId !== chainId.toString()) {
    throw new ZkBallotError("INVALID_ARGUMENT", `${file} records chain ${record.chainId}, not ${chainId}`, "delete it and deploy again");
  }
  return record;
}

export function newDeploymentRecord(chainId: bigint, zkBallot: string, verifier: string, batchVerifier: string, deployBlock: number, rollDepth: number, setupSecure: boolean): DeploymentRecord {
  return {
    chainId: chainId.toString(),
    zkBallot,
    verifier,
    batchVerifier,
    deployBlock,
    rollDepth,
    setupSecure,
    manifestSha256: sha256File(artifactPath(MANIFEST_FILE)),
    deployedAt: new Date().toISOString(),
  };
}

/**
 * The recorded ZkBallot on the runner's chain, after checking that it is there and is the one
 * recorded: code at the address, answering ROLL_DEPTH(), VERIFIER() and BATCH_VERIFIER() as the
 * record says.
 */
export async function connectDeployment(runner: Signer | Provider): Promise<{ zkBallot: ZkBallot; record: DeploymentRecord }> {
  const provider = "provider" in runner && runner.provider ? runner.provider : (runner as Provider);
  const { chainId } = await provider.getNetwork();
  const record = readDeployment(chainId);
  if (record === undefined) {
    throw new ZkBallotError("INVALID_ARGUMENT", `zkballot is not deployed on chain ${chainId} (no ${path.relative(PROJECT_ROOT, deploymentFile(chainId))})`, "run `npx hardhat deploy --network <name>` first, or check --network");
  }
  if ((await provider.getCode(record.zkBallot)) === "0x") {
    throw new ZkBallotError("INVALID_ARGUMENT", `no contract at the recorded ZkBallot address ${record.zkBallot} on chain ${chainId}`, "a local node forgets everything when restarted: deploy again");
  }
  const zkBallot = ZkBallot__factory.connect(record.zkBallot, runner);
  // A record copied from another network, or a node restarted and redeployed in another order,
  // can name an address that holds some other contract: say so, rather than fail later with an
  // ABI decoding error or, worse, talk to the wrong contract (finding F5 in docs/THREATS.md).
  const mismatch = (what: string) =>
    new ZkBallotError(
      "DEPLOYMENT_MISMATCH",
      `the contract at ${record.zkBallot} on chain ${chainId} is not the ZkBallot recorded in ${path.relative(PROJECT_ROOT, deploymentFile(chainId))}: ${what}`,
      "the record belongs to another deployment: deploy again (`npx hardhat deploy`), or restore the right record",
    );
  let onChain: { rollDepth: bigint; verifier: string; batchVerifier: string };
  try {
    // Every command connects first: ask all at once, one round trip to a remote RPC.
    const [rollDepth, verifier, batchVerifier] = await Promise.all([zkBallot.ROLL_DEPTH(), zkBallot.VERIFIER(), zkBallot.BATCH_VERIFIER()]);
    onChain = { rollDepth, verifier, batchVerifier };
  } catch (error) {
    throw mismatch(`it does not answer ROLL_DEPTH() and VERIFIER() (${(error as Error).message.split("\n")[0].slice(0, 120)})`);
  }
  if (onChain.rollDepth !== BigInt(record.rollDepth)) throw mismatch(`its roll depth is ${onChain.rollDepth}, the record says ${record.rollDepth}`);
  if (getAddress(onChain.verifier) !== getAddress(record.verifier)) throw mismatch(`its verifier is ${onChain.verifier}, the record says ${record.verifier}`);
  if (getAddress(onChain.batchVerifier) !== getAddress(record.batchVerifier)) throw mismatch(`its batch verifier is ${onChain.batchVerifier}, the record says ${record.batchVerifier}`);
  return { zkBallot, record };
}
