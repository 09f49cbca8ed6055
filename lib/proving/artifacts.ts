import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

import { ZkBallotError } from "../core/errors";
import { compileValidator, describeValue } from "../core/schema";

/** Repository root: lib/ sits directly below it. */
export const PROJECT_ROOT = path.resolve(__dirname, "..", "..");

/**
 * Where `npm run circuits` writes what users need, relative to the project root. These files
 * are committed (a trusted setup takes minutes to rebuild); manifest.json records their
 * SHA-256 and `npm run circuits:check` rebuilds them and compares byte for byte.
 */
export const ARTIFACT_FILES = {
  wasm: "circuits/build/vote.wasm",
  zkey: "circuits/build/vote.zkey",
  verificationKey: "circuits/build/verification_key.json",
  verifierContract: "contracts/verifiers/VoteVerifier.sol",
} as const;

export const MANIFEST_FILE = "circuits/build/manifest.json";

/** Circuit sources whose hashes the manifest records, so stale artifacts are detected. */
export const CIRCUIT_SOURCES = ["circuits/vote.circom"] as const;

/** `npm run circuits`: public beacons only, so INSECURE (anyone can forge proofs). */
export interface DevelopmentSetup {
  kind: "development";
  secure: false;
  warning: string;
  phase1: { power: number; beacon: string; beaconIterationsExp: number };
  phase2: { beacon: string; beaconIterationsExp: number };
}

/** `npx hardhat ceremony install`: a verified multi-party ceremony (lib/proving/ceremony.ts). */
export interface CeremonySetup {
  kind: "ceremony";
  secure: true;
  /** The transcript, relative to the project root. */
  transcript: string;
  /** SHA-256 of the transcript file's exact bytes. */
  transcriptSha256: string;
  contributors: string[];
  beacon: string;
  phase1: { sha256: string; power: number; origin: "supplied" | "local" };
  verifiedAt: string;
}

export interface SetupManifest {
  circuit: "vote";
  rollDepth: number;
  constraints: number;
  publicSignals: string[];
  setup: DevelopmentSetup | CeremonySetup;
  tools: Record<string, string>;
  sources: Record<string, string>;
  files: Record<string, string>;
}

/**
 * Whether a setup is a development one: made from public beacons only, so anyone can forge
 * proofs. The one place that decides it (deploy refuses such a setup off the local chains; the
 * auditor fails it there). A "ceremony" setup is secure only once deploy and the auditor have
 * checked its transcript (lib/chain/ceremonyGate.ts, lib/audit/verifierProvenance.ts).
 */
export function isInsecureSetup(manifest: Pick<SetupManifest, "setup">): manifest is { setup: DevelopmentSetup } {
  return manifest.setup.kind === "development" || !manifest.setup.secure;
}

/** One line saying where the setup comes from: the development warning, or the ceremony and its contributors. */
export function describeSetup(setup: DevelopmentSetup | CeremonySetup): string {
  if (setup.kind === "development") return setup.warning;
  return `multi-party ceremony: ${setup.contributors.length} contribution(s) (${setup.contributors.join(", ")}) and beacon ${setup.beacon}; transcript ${setup.transcript} (SHA-256 ${setup.transcriptSha256})`;
}

export function sha256File(filePath: string): string {
  return createHash("sha256").update(fs.readFileSync(filePath)).digest("hex");
}

export function artifactPath(relative: string, root = PROJECT_ROOT): string {
  return path.join(root, relative);
}

const SHA256_MAP = {
  type: "object",
  additionalProperties: { type: "string", pattern: "^[0-9a-f]{64}$", description: "must be a SHA-256 in lowercase hex" },
  description: "must map file paths to SHA-256 hashes",
};

/**
 * The manifest's shape. Loose where setups may differ (setup.kind and its details, tool names),
 * strict where deploy and the auditor rely on a field.
 */
const MANIFEST_SCHEMA = {
  type: "object",
  description: "must be a JSON object",
  required: ["circuit", "rollDepth", "constraints", "publicSignals", "setup", "tools", "sources", "files"],
  properties: {
    circuit: { type: "string", minLength: 1, description: "must name the circuit" },
    rollDepth: { type: "integer", minimum: 1, maximum: 32, description: "must be an integer from 1 to 32" },
    constraints: { type: "integer", minimum: 1, description: "must be a positive integer" },
    publicSignals: { type: "array", items: { type: "string" }, minItems: 1, description: "must list the public signals' names" },
    setup: {
      type: "object",
      required: ["kind", "secure"],
      properties: {
        kind: { type: "string", minLength: 1, description: "must name the kind of setup" },
        secure: { type: "boolean", description: "must be true or false" },
      },
      description: "must describe the trusted setup",
    },
    tools: { type: "object", additionalProperties: { type: "string" }, description: "must map tool names to versions" },
    sources: SHA256_MAP,
    files: SHA256_MAP,
  },
};

const validateManifest = compileValidator<SetupManifest>(MANIFEST_SCHEMA);

export function loadManifest(root = PROJECT_ROOT): SetupManifest {
  const file = artifactPath(MANIFEST_FILE, root);
  if (!fs.existsSync(file)) {
    throw new ZkBallotError("ARTIFACTS_MISSING", `${MANIFEST_FILE} not found`, "run `npm run circuits` to build the circuit and its setup");
  }
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (error) {
    throw new ZkBallotError("ARTIFACTS_MISMATCH", `${MANIFEST_FILE} is not valid JSON: ${(error as Error).message}`, "run `npm run circuits`");
  }
  const violation = validateManifest(data);
  if (violation !== undefined) {
    const got = violation.keyword === "required" ? "" : `, got ${describeValue(violation)}`;
    throw new ZkBallotError("ARTIFACTS_MISMATCH", `${MANIFEST_FILE}: ${violation.field === "" ? "the manifest" : violation.field} ${violation.problem}${got}`, "run `npm run circuits` (or restore the committed manifest)");
  }
  return data as SetupManifest;
}

/** Checks every artifact and circuit source against the manifest; returns the mismatches. */
export function verifyArtifactHashes(root = PROJECT_ROOT): string[] {
  const manifest = loadManifest(root);
  const problems: string[] = [];
  const recorded = { ...manifest.files, ...manifest.sources };
  for (const [relative, expected] of Object.entries(recorded)) {
    const file = artifactPath(relative, root);
    if (!fs.existsSync(file)) problems.push(`${relative}: missing`);
    else if (sha256File(file) !== expected) problems.push(`${relative}: SHA-256 differs from the manifest`);
  }
  return problems;
}

/** The paths of the prover's inputs, after checking that they exist. */
export function proverArtifacts(root = PROJECT_ROOT): { wasm: string; zkey: string; verificationKey: string } {
  const paths = {
    wasm: artifactPath(ARTIFACT_FILES.wasm, root),
    zkey: artifactPath(ARTIFACT_FILES.zkey, root),
    verificationKey: artifactPath(ARTIFACT_FILES.verificationKey, root),
  };
  for (const file of Object.values(paths)) {
    if (!fs.existsSync(file)) {
      throw new ZkBallotError("ARTIFACTS_MISSING", `${path.relative(root, file)} not found`, "run `npm run circuits`");
    }
  }
  return paths;
}
