/** The trustees' posted partial decryptions, read from the chain's events; browser-safe (the web app and my-ballot read them). */
import type { SealedZkBallot } from "../../../typechain-types";
import type { Point } from "../babyjub";

/** The trustees with posted partial decryptions and their shares, from the events. */
export async function fetchPartialDecryptions(contract: SealedZkBallot, electionId: bigint): Promise<Map<number, Point[]>> {
  const byTrustee = new Map<number, Point[]>();
  for (const event of await contract.queryFilter(contract.filters.PartialDecryptionPosted(electionId))) {
    const words = event.args.partials;
    byTrustee.set(Number(event.args.trustee), Array.from({ length: 8 }, (_, j) => ({ x: words[2 * j], y: words[2 * j + 1] })));
  }
  return byTrustee;
}
