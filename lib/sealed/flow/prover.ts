/**
 * Groth16 proving for sealed elections (Node: reads the committed circuits/build/sealed/
 * artifacts). The pure shaping of witnesses is lib/sealed/circuitInput.ts; the ballot's
 * encryption and proof, browser-safe, are lib/sealed/flow/ballotProof.ts (this module gives it
 * the committed files); the trustees' decryption proof is here.
 */
import * as fs from "node:fs";

import { cachedFileBytes } from "../../node/files";
import { artifactPath } from "../../proving/artifacts";
import { proveGroth16 } from "../../proving/groth16Prove";
import { verifyGroth16Proofs, type BatchVerifyOptions, type Groth16ProofItem } from "../../proving/batchVerify";
import { toSolidityProof, type SolidityProof } from "../../proving/prover";
import { verifySealedProofWithKey } from "./proofCheck";
import { proveSealedBallotWith, type ProvenSealedBallot, type SealedBallotRequest } from "./ballotProof";
import { sealedArtifactFiles, type SealedCircuitName } from "../../proving/sealedCircuits";
import { multiplyGenerator, pointsEqual, type Point } from "../babyjub";
import { sealedDecryptionInput } from "../circuitInput";
import { partialDecrypt, type Ciphertext } from "../elgamal";
import { SealedError } from "../errors";

function circuitFiles(name: SealedCircuitName): { wasm: string; zkey: string; verificationKey: string } {
  const files = sealedArtifactFiles(name);
  const paths = { wasm: artifactPath(files.wasm), zkey: artifactPath(files.zkey), verificationKey: artifactPath(files.verificationKey) };
  for (const file of Object.values(paths)) {
    if (!fs.existsSync(file)) throw new SealedError("BAD_PARAMETERS", `${file} not found`, "run `npm run circuits -- --sealed`");
  }
  return paths;
}

export { ciphertextWords, ciphertextsFromWords, sumCiphertextWords, type ProvenSealedBallot, type SealedBallotRequest } from "./ballotProof";

/** Encrypts the choice (all 8 circuit options; the unused ones encrypt 0) and proves the ballot with the committed artifacts. */
export function proveSealedBallot(request: SealedBallotRequest): Promise<ProvenSealedBallot> {
  const { wasm, zkey } = circuitFiles("sealedVote");
  return proveSealedBallotWith(request, { wasm: cachedFileBytes(wasm), zkey: cachedFileBytes(zkey) });
}

export interface ProvenDecryption {
  /** D_ij for the 8 options, option order. */
  readonly partials: readonly Point[];
  /** The 16 words postPartialDecryption takes. */
  readonly partialWords: readonly bigint[];
  readonly proof: SolidityProof;
  readonly provingMs: number;
}

/** Trustee's partial decryption of the 8 c1 totals with its Groth16 proof against shareKey. */
export async function proveSealedDecryption(share: bigint, shareKey: Point, c1Totals: readonly Point[]): Promise<ProvenDecryption> {
  if (!pointsEqual(multiplyGenerator(share), shareKey)) throw new SealedError("BAD_SHARE", "the secret share does not match the trustee's share key on chain", "use this election's trustee key file");
  const partials = c1Totals.map((c1) => partialDecrypt(share, { c1, c2: c1 }));
  const input = sealedDecryptionInput({ share, shareKey, c1Totals, partials });
  const { wasm, zkey } = circuitFiles("sealedDecryption");
  const started = Date.now();
  const { proof } = await proveGroth16(input, cachedFileBytes(wasm), cachedFileBytes(zkey));
  return { partials, partialWords: partials.flatMap((p) => [p.x, p.y]), proof: toSolidityProof(proof), provingMs: Date.now() - started };
}

const verificationKeys = new Map<SealedCircuitName, Record<string, unknown>>();

/** The committed verification key of a sealed circuit (read once). */
export function sealedVerificationKey(name: SealedCircuitName): Record<string, unknown> {
  let key = verificationKeys.get(name);
  if (key === undefined) {
    key = JSON.parse(fs.readFileSync(circuitFiles(name).verificationKey, "utf8")) as Record<string, unknown>;
    verificationKeys.set(name, key);
  }
  return key;
}

/**
 * snarkjs's verdict on a sealed proof in the contract's encoding (8 words) with the given public
 * signals (lib/sealed/circuitInput.ts sealedVoteSignals, sealedDecryptionSignals); a malformed
 * proof is false, not an exception.
 */
export function verifySealedProof(name: SealedCircuitName, signals: readonly bigint[], proof: readonly bigint[], verificationKey: Record<string, unknown> = sealedVerificationKey(name)): Promise<boolean> {
  return verifySealedProofWithKey(verificationKey, signals, proof);
}

/**
 * verifySealedProof for many proofs of one sealed circuit at once (the auditor's sealed-ballots
 * check, the relayer): the randomised batch check of lib/proving/batchVerify.ts, about one
 * pairing a proof instead of four; every false is still snarkjs's verdict.
 */
export async function verifySealedProofs(name: SealedCircuitName, items: readonly Groth16ProofItem[], options: Omit<BatchVerifyOptions, "verificationKey"> = {}): Promise<boolean[]> {
  return (await verifyGroth16Proofs(items, sealedVerificationKey(name), options)).results;
}
