/**
 * The deploy gate: on any chain but the local development ones (LOCAL_DEV_CHAIN_IDS), every
 * circuit deployed must come from a verified ceremony whose transcript is the one its manifest
 * records and whose exported files are the ones installed. A development setup stays possible
 * there only through the loudly named override (throwaway testnets).
 */
import * as path from "node:path";

import { ARTIFACT_FILES, PROJECT_ROOT, artifactPath, isInsecureSetup, type SetupManifest } from "../proving/artifacts";
import { readTranscript, type LoadedTranscript } from "../proving/ceremonyTranscript";
import { LOCAL_DEV_CHAIN_IDS } from "../core/constants";
import { ZkBallotError } from "../core/errors";

export type SetupGateVerdict = "local" | "ceremony-verified" | "insecure-override";

export interface GateOptions {
  /** Deploy a development (insecure) setup to a non-local chain anyway. Never for a real election. */
  allowInsecureDevSetup?: boolean;
}

function unverified(message: string): ZkBallotError {
  return new ZkBallotError("CEREMONY_UNVERIFIED", `refusing to deploy: ${message}`, "run `npx hardhat ceremony verify` and `ceremony install` again (docs/CEREMONY.md)");
}

/** The transcript a ceremony manifest points at, read and validated; undefined for a development setup or a missing file. */
export function loadManifestTranscript(manifest: Pick<SetupManifest, "setup">, root = PROJECT_ROOT): LoadedTranscript | undefined {
  if (manifest.setup.kind !== "ceremony") return undefined;
  const file = artifactPath(manifest.setup.transcript, root);
  try {
    return readTranscript(path.resolve(file));
  } catch (error) {
    if ((error as { code?: string }).code === "INVALID_TRANSCRIPT" && /not found$/.test((error as Error).message.split(" (hint")[0])) return undefined;
    throw error;
  }
}

/** Binds a ceremony manifest to its transcript: same bytes, finalised, and the installed files are its exports. */
function checkCeremonyBinding(manifest: SetupManifest, transcript: LoadedTranscript | undefined): void {
  if (manifest.setup.kind !== "ceremony") return;
  if (transcript === undefined) throw unverified(`the manifest names ceremony transcript ${manifest.setup.transcript}, which is missing`);
  if (transcript.sha256 !== manifest.setup.transcriptSha256) {
    throw unverified(`the transcript's SHA-256 is ${transcript.sha256}, the manifest records ${manifest.setup.transcriptSha256} (changed after install?)`);
  }
  const { final, contributions, circuit } = transcript.transcript;
  if (final === undefined) throw unverified("the ceremony is not finalised (no beacon)");
  if (contributions.length === 0) throw unverified("the ceremony has no contributions");
  if (circuit !== manifest.circuit) throw unverified(`the transcript is for circuit ${circuit}, the manifest for ${manifest.circuit}`);
  const expected: [string, string, string][] = [
    [ARTIFACT_FILES.zkey, final.key.sha256, "proving key"],
    [ARTIFACT_FILES.verificationKey, final.verificationKey.sha256, "verification key"],
    [ARTIFACT_FILES.verifierContract, final.verifier.sha256, "Solidity verifier"],
  ];
  for (const [file, sha256, what] of expected) {
    if (manifest.files[file] !== sha256) throw unverified(`the installed ${what} ${file} is not the ceremony's (SHA-256 ${manifest.files[file]} vs ${sha256} in the transcript)`);
  }
  const names = contributions.map((c) => c.name).join(", ");
  if (manifest.setup.contributors.join(", ") !== names) throw unverified(`the manifest lists contributors [${manifest.setup.contributors.join(", ")}], the transcript [${names}]`);
}

/**
 * Whether `manifest`'s circuit may be deployed to `chainId`. Local chains: anything. Elsewhere:
 * a ceremony bound to `transcript` ("ceremony-verified"), or a development setup with the
 * explicit override ("insecure-override", which the caller must announce loudly). Throws
 * CEREMONY_UNVERIFIED or INSECURE_SETUP_REFUSED otherwise. Call it once per deployed circuit.
 */
export function assertCeremonyVerifiedForChain(chainId: bigint, manifest: SetupManifest, transcript: LoadedTranscript | undefined, options: GateOptions = {}): SetupGateVerdict {
  if (LOCAL_DEV_CHAIN_IDS.includes(chainId)) return "local";
  if (isInsecureSetup(manifest)) {
    if (!options.allowInsecureDevSetup) {
      throw new ZkBallotError(
        "INSECURE_SETUP_REFUSED",
        `refusing to deploy a development trusted setup to chain ${chainId}: anyone can forge proofs against it`,
        "run a real phase-2 ceremony, or pass --allow-insecure-dev-setup (library: allowInsecureDevSetup: true) for a throwaway test deployment",
      );
    }
    return "insecure-override";
  }
  checkCeremonyBinding(manifest, transcript);
  return "ceremony-verified";
}
