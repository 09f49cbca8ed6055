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
import { writeFileAtomically } from "../node/files";

export interface DeploymentRecord {
  chainId: string;
  zkBallot: string;
  verifier: string;
  deployBlock: number;
  rollDepth: number;
  setupSecure: boolean;
  manifestSha256: string;
  deployedAt: string;
}

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

export function readDeployment(chainId: bigint): DeploymentRecord | undefined {
  const file = deploymentFile(chainId);
  if (!fs.existsSync(file)) return undefined;
  let record: DeploymentRecord;
  try {
    record = JSON.parse(fs.readFileSync(file, "utf8")) as DeploymentRecord;
    getAddress(record.zkBallot);
    getAddress(record.verifier);
    if (!Number.isInteger(record.rollDepth) || record.rollDepth < 1) throw new Error(`rollDepth ${JSON.stringify(record.rollDepth)} is not a positive integer`);
    if (!Number.isSafeInteger(record.deployBlock) || record.deployBlock < 0) throw new Error(`deployBlock ${JSON.stringify(record.deployBlock)} is not a block number`);
  } catch (error) {
    throw new ZkBallotError("INVALID_ARGUMENT", `${file} is corrupted: ${(error as Error).message}`, "delete it and deploy again");
  }
  if (record.chainId !== chainId.toString()) {
    throw new ZkBallotError("INVALID_ARGUMENT", `${file} records chain ${record.chainId}, not ${chainId}`, "delete it and deploy again");
  }
  return record;
}

export function newDeploymentRecord(chainId: bigint, zkBallot: string, verifier: string, deployBlock: number, rollDepth: number, setupSecure: boolean): DeploymentRecord {
  return {
    chainId: chainId.toString(),
    zkBallot,
    verifier,
    deployBlock,
    rollDepth,
    setupSecure,
    manifestSha256: sha256File(artifactPath(MANIFEST_FILE)),
    deployedAt: new Date().toISOString(),
  };
}

/**
 * The recorded ZkBallot on the runner's chain, after checking that it is there and is the one
 * recorded: code at the address, answering ROLL_DEPTH() and VERIFIER() as the record says.
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
  let onChain: { rollDepth: bigint; verifier: string };
  try {
    // Every command connects first: ask both at once, one round trip to a remote RPC.
    const [rollDepth, verifier] = await Promise.all([zkBallot.ROLL_DEPTH(), zkBallot.VERIFIER()]);
    onChain = { rollDepth, verifier };
  } catch (error) {
    throw mismatch(`it does not answer ROLL_DEPTH() and VERIFIER() (${(error as Error).message.split("\n")[0].slice(0, 120)})`);
  }
  if (onChain.rollDepth !== BigInt(record.rollDepth)) throw mismatch(`its roll depth is ${onChain.rollDepth}, the record says ${record.rollDepth}`);
  if (getAddress(onChain.verifier) !== getAddress(record.verifier)) throw mismatch(`its verifier is ${onChain.verifier}, the record says ${record.verifier}`);
  return { zkBallot, record };
}
