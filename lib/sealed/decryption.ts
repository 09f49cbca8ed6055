/**
 * Partial decryption with a proof of correct decryption, and the final count. Off-chain and for
 * auditors the proof is a Chaum-Pedersen DLEQ per option (log_G X_i = log_{c1} D_i); the
 * contract checks the same statement with a Groth16 proof of circuits/sealedDecryption.circom
 * (docs/PROTOCOL.md, "Sealed elections", for why).
 */
import { GENERATOR, assertKeyPoint, multiplyGenerator, pointsEqual, type Point } from "./babyjub";
import { CountRecoveryTable } from "./bsgs";
import { SEALED_DOMAIN, poseidonChallengeHash, proveDleq, verifyDleq, type DleqProof } from "./dleq";
import { assertCiphertext, combinePartialDecryptions, partialDecrypt, type Ciphertext, type PartialDecryption } from "./elgamal";
import { SealedError } from "./errors";

export interface ProvenPartialDecryption extends PartialDecryption {
  readonly option: number;
  readonly proof: DleqProof;
}

const decryptionContext = (electionScope: bigint, trustee: number, option: number): bigint[] => [electionScope, BigInt(trustee), BigInt(option)];

/** Trustee `trustee`'s partial decryption of every option's total, each with its DLEQ proof. */
export async function provePartialDecryptions(electionScope: bigint, trustee: number, secretShare: bigint, totals: readonly Ciphertext[]): Promise<ProvenPartialDecryption[]> {
  const shareKey = multiplyGenerator(secretShare);
  const out: ProvenPartialDecryption[] = [];
  for (const [option, total] of totals.entries()) {
    const partial = partialDecrypt(secretShare, total);
    const proof = await proveDleq(poseidonChallengeHash, SEALED_DOMAIN.decryptionProof, decryptionContext(electionScope, trustee, option), { base1: GENERATOR, image1: shareKey, base2: total.c1, image2: partial }, secretShare);
    out.push({ trustee, option, partial, proof });
  }
  return out;
}

/** True if `partial` is the trustee's share key's exponent applied to the total's c1. */
export async function verifyPartialDecryption(electionScope: bigint, shareKey: Point, total: Ciphertext, partial: ProvenPartialDecryption): Promise<boolean> {
  assertKeyPoint(shareKey, `share key of trustee ${partial.trustee}`);
  assertCiphertext(total, `total of option ${partial.option}`);
  return verifyDleq(poseidonChallengeHash, SEALED_DOMAIN.decryptionProof, decryptionContext(electionScope, partial.trustee, partial.option), { base1: GENERATOR, image1: shareKey, base2: total.c1, image2: partial.partial }, partial.proof);
}

/**
 * The counts per option from the totals and at least k partial decryptions per option, each
 * proof checked against the trustee's share key first (a bad one is refused by name). `table`
 * must cover the number of ballots cast.
 */
export async function recoverCounts(
  electionScope: bigint,
  totals: readonly Ciphertext[],
  shareKeys: readonly Point[],
  partials: readonly ProvenPartialDecryption[],
  threshold: number,
  table: CountRecoveryTable,
): Promise<number[]> {
  const counts: number[] = [];
  for (const [option, total] of totals.entries()) {
    const forOption = partials.filter((p) => p.option === option);
    for (const partial of forOption) {
      const shareKey = shareKeys[partial.trustee - 1];
      if (shareKey === undefined) throw new SealedError("BAD_PARAMETERS", `no share key for trustee ${partial.trustee}`);
      if (!(await verifyPartialDecryption(electionScope, shareKey, total, partial))) {
        throw new SealedError("BAD_PROOF", `trustee ${partial.trustee}'s partial decryption of option ${option} fails its proof`, "leave that trustee out; any k valid trustees suffice");
      }
    }
    counts.push(table.recover(combinePartialDecryptions(total, forOption, threshold)));
  }
  return counts;
}

/**
 * The tally check the contract makes: 0 <= m_j <= ballotsCast and m_j·G == c2_j − Σ λ_i·D_ij.
 * The range check is not optional: m_j + l passes the point equation (scalar multiplication
 * works mod l), so without it a submitter could record a count that is not the count.
 */
export function countsMatch(totals: readonly Ciphertext[], partials: readonly PartialDecryption[][], threshold: number, counts: readonly bigint[], ballotsCast: bigint): boolean {
  if (counts.length !== totals.length || partials.length !== totals.length) return false;
  return totals.every((total, j) => counts[j] >= 0n && counts[j] <= ballotsCast && pointsEqual(multiplyGenerator(counts[j]), combinePartialDecryptions(total, partials[j], threshold)));
}
