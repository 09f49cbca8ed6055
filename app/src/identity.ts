/**
 * The voter's identity in the browser: created by the core (lib/core/identity.ts: the Web Crypto
 * random source through ethers, rejection-sampled below the field order), or read from an
 * identity file (the CLI's format, checked by the core). Kept in memory only.
 */
import { createIdentity, parseIdentity, serializeIdentity, type VoterIdentity } from "../../lib/core/identity";

export { createIdentity, parseIdentity, serializeIdentity, type VoterIdentity };

/** A download link for the identity file; the object URL is local to this page. */
export function identityDownload(identity: VoterIdentity): { href: string; filename: string } {
  const blob = new Blob([serializeIdentity(identity)], { type: "application/json" });
  return { href: URL.createObjectURL(blob), filename: `zkballot-${identity.voterCommitment.toString(16).slice(0, 8)}.identity.json` };
}
