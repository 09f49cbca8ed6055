/**
 * The voter's identity in the browser: created from the Web Crypto random source, or read
 * from an identity file (the CLI's format, checked by lib/core/identity). Kept in memory only.
 */
import { SNARK_SCALAR_FIELD } from "../../lib/core/constants";
import { identityFromSecret, parseIdentity, serializeIdentity, type VoterIdentity } from "../../lib/core/identity";

/** A uniformly random non-zero field element: 64 random bytes reduced mod r (bias below 2^-250). */
export function randomFieldElementBrowser(): bigint {
  const bytes = crypto.getRandomValues(new Uint8Array(64));
  const value = BigInt("0x" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")) % SNARK_SCALAR_FIELD;
  return value === 0n ? randomFieldElementBrowser() : value;
}

export function createBrowserIdentity(): Promise<VoterIdentity> {
  return identityFromSecret(randomFieldElementBrowser());
}

export { parseIdentity, serializeIdentity, type VoterIdentity };

/** A download link for the identity file; the object URL is local to this page. */
export function identityDownload(identity: VoterIdentity): { href: string; filename: string } {
  const blob = new Blob([serializeIdentity(identity)], { type: "application/json" });
  return { href: URL.createObjectURL(blob), filename: `zkballot-${identity.voterCommitment.toString(16).slice(0, 8)}.identity.json` };
}
