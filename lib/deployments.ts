/**
 * The address book: one JSON file per chain id in deployments/, so later commands find the
 * contracts without the user pasting addresses.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { getAddress, type Provider, type Signer } from "ethers";

import { ZkBallot__factory, type ZkBallot } from "../typechain-types";
import { MANIFEST_FILE, PROJECT_ROOT, artifactPath, sha256File } from "./artifacts";
import { ZkBallotError } from "./errors";

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
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, JSON.stringify(record, null, 2) + "\n");
  fs.renameSync(temporary, file);
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

/** The recorded ZkBallot on the runner's chain, after checking that code is there. */
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
  return { zkBallot: ZkBallot__factory.connect(record.zkBallot, runner), record };
}
