/**
 * Verifier provenance: which trusted setup the deployed verifier's key comes from. A key that
 * matches a verified ceremony transcript passes and lists the contributors; on any chain but
 * the local development ones, a key that matches no verified transcript fails (a development
 * setup fails there already, as INSECURE_SETUP, in the verifier-integrity check).
 */
import * as path from "node:path";

import { isInsecureSetup, PROJECT_ROOT, type SetupManifest } from "../proving/artifacts";
import { sha256Hex, TRANSCRIPT_FILE } from "../proving/ceremonyTranscript";
import { verifyCeremony, type CeremonyVerification } from "../proving/ceremonyVerify";
import { loadManifestTranscript } from "../chain/ceremonyGate";
import { LOCAL_DEV_CHAIN_IDS } from "../core/constants";

export interface ProvenanceFinding {
  code: "UNVERIFIED_SETUP" | "INVALID_TRANSCRIPT";
  message: string;
}

export interface ProvenanceVerdict {
  status: "pass" | "warn" | "fail";
  /** "ceremony", "development" or "unknown". */
  provenance: string;
  evidence: Record<string, unknown>;
  findings: ProvenanceFinding[];
  warnings: string[];
}

export interface ProvenanceInput {
  chainId: bigint;
  /** The key the deployed verifier was shown to hold (the verifier-integrity check). */
  verificationKey: Record<string, unknown>;
  manifest: SetupManifest;
  /** Ceremony transcripts to verify in full (transcript.json paths or their directories). */
  transcripts?: string[];
  /** The phase-1 file, when it is not in the ceremony directory. */
  ptau?: string;
  /** Re-run snarkjs powersoftau verify on the phase-1 file (default true). */
  checkPtau?: boolean;
  root?: string;
  onProgress?: (stage: string, done: number, total: number) => void;
}

/** SHA-256 of a verification key as `ceremony finalize` writes it (and snarkjs prints it). */
export function verificationKeyFileSha256(verificationKey: Record<string, unknown>): string {
  return sha256Hex(JSON.stringify(verificationKey, null, 2) + "\n");
}

function summary(verification: CeremonyVerification, file: string): Record<string, unknown> {
  return {
    transcript: file,
    transcriptSha256: verification.transcriptSha256,
    verified: verification.ok,
    ...(verification.failure ? { failedStep: verification.failure.step } : {}),
    phase1: verification.phase1 && { sha256: verification.phase1.sha256, power: verification.phase1.power, origin: verification.phase1.origin },
    contributors: verification.contributors.map((c) => ({ index: c.index, name: c.name, contributionHash: c.contributionHash })),
    beacon: verification.beacon?.hash,
  };
}

/** Verifies the given transcripts in full; returns the verdict's evidence and the one whose key is the deployed one. */
async function verifyGiven(input: ProvenanceInput, verdict: ProvenanceVerdict): Promise<CeremonyVerification | undefined> {
  let matched: CeremonyVerification | undefined;
  const checked: Record<string, unknown>[] = [];
  for (const given of input.transcripts ?? []) {
    const dir = given.endsWith(".json") ? path.dirname(given) : given;
    const verification = await verifyCeremony({ dir, ptau: input.ptau, checkPtau: input.checkPtau, onProgress: input.onProgress });
    checked.push(summary(verification, path.join(dir, TRANSCRIPT_FILE)));
    if (!verification.ok) {
      verdict.findings.push({ code: "INVALID_TRANSCRIPT", message: `ceremony transcript ${given} fails verification at step "${verification.failure!.step}": ${verification.failure!.message}` });
    } else if (JSON.stringify(verification.verificationKey) === JSON.stringify(input.verificationKey)) matched ??= verification;
  }
  verdict.evidence.transcripts = checked;
  return matched;
}

export async function checkVerifierProvenance(input: ProvenanceInput): Promise<ProvenanceVerdict> {
  const verdict: ProvenanceVerdict = { status: "pass", provenance: "unknown", evidence: { manifestSetup: input.manifest.setup.kind }, findings: [], warnings: [] };
  const local = LOCAL_DEV_CHAIN_IDS.includes(input.chainId);
  const keySha = verificationKeyFileSha256(input.verificationKey);
  verdict.evidence.verificationKeySha256 = keySha;
  const matched = await verifyGiven(input, verdict);
  if (matched) {
    verdict.provenance = "ceremony";
    Object.assign(verdict.evidence, { ceremony: summary(matched, "verified"), contributors: matched.contributors.map((c) => c.name) });
    if (matched.phase1?.origin === "local") verdict.warnings.push(matched.phase1.warning ?? "LOCAL phase 1");
  } else if (input.manifest.setup.kind === "ceremony" && !input.transcripts?.length) {
    // No transcript given: the manifest's own, bound by hashes only (not re-verified here).
    const loaded = loadManifestTranscript(input.manifest, input.root ?? PROJECT_ROOT);
    if (loaded?.sha256 === input.manifest.setup.transcriptSha256 && loaded.transcript.final?.verificationKey.sha256 === keySha) {
      verdict.provenance = "ceremony";
      Object.assign(verdict.evidence, { contributors: loaded.transcript.contributions.map((c) => c.name), transcriptSha256: loaded.sha256 });
      verdict.warnings.push(`the key matches the installed ceremony transcript ${input.manifest.setup.transcript} by hash; pass --transcript to re-verify the ceremony itself`);
    }
  } else if (isInsecureSetup(input.manifest)) {
    verdict.provenance = "development";
  }
  if (verdict.provenance !== "ceremony" && verdict.provenance !== "development") {
    const message = `the deployed verifier's key (SHA-256 ${keySha}) matches no verified ceremony transcript${input.transcripts?.length ? ` among ${input.transcripts.join(", ")}` : " (pass --transcript)"}`;
    if (local) verdict.warnings.push(message);
    else verdict.findings.push({ code: "UNVERIFIED_SETUP", message: `${message}, on chain ${input.chainId}, which is not a local development chain` });
  }
  verdict.evidence.provenance = verdict.provenance;
  verdict.status = verdict.findings.length > 0 ? "fail" : verdict.warnings.length > 0 ? "warn" : "pass";
  return verdict;
}
