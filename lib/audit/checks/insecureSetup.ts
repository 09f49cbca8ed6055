/**
 * Named check "insecure setup", reported within "verifier-integrity": a setup labelled insecure
 * (made from public beacons: anyone can forge proofs) is a warning on a local development chain
 * and a failure (INSECURE_SETUP) anywhere else.
 */
import { isInsecureSetup, type SetupManifest } from "../../proving/artifacts";
import { LOCAL_DEV_CHAIN_IDS } from "../../core/constants";
import type { CheckBuilder } from "../types";

export function checkInsecureSetup(verifier: CheckBuilder, manifest: Pick<SetupManifest, "setup">, chainId: bigint): void {
  if (!isInsecureSetup(manifest)) return;
  if (LOCAL_DEV_CHAIN_IDS.includes(chainId)) {
    verifier.warnings.push(`INSECURE trusted setup: ${manifest.setup.warning}`);
    return;
  }
  verifier.fail(
    `INSECURE trusted setup on chain ${chainId}, which is not a local development chain: anyone can forge proofs, so no ballot count can be trusted. ${manifest.setup.warning}`,
    undefined,
    "INSECURE_SETUP",
  );
}
