/**
 * Decoding the audited election's logs. ethers' ABI decoder takes about 0.3 ms per uint256 of a
 * VoterCommitmentsPublished array (measured: 305 s for a 1M roll at load average 20, bench
 * audit-1m), the bulk of the old 1M audit; this file reads that one event's fixed layout
 * directly, and only when the data has exactly that layout (anything else goes to ethers).
 */
import { getAddress, type Interface, type LogDescription } from "ethers";

const WORD = 64; // hex characters

/** VoterCommitmentsPublished(electionId indexed, registrar indexed, firstIndex, uint256[] voterCommitments, bytes32 voterRollDigest). */
export function decodeCommitmentsPublished(iface: Interface, log: { topics: readonly string[]; data: string }): LogDescription | null {
  const fragment = iface.getEvent("VoterCommitmentsPublished")!;
  if (log.topics.length !== 3 || log.topics[0] !== fragment.topicHash || !/^0x[0-9a-f]*$/i.test(log.data)) return null;
  const hex = log.data.slice(2);
  const word = (i: number) => hex.slice(i * WORD, (i + 1) * WORD);
  if (hex.length < 4 * WORD || BigInt("0x" + word(1)) !== 96n) return null;
  const count = BigInt("0x" + word(3));
  if (BigInt(hex.length) !== (4n + count) * BigInt(WORD)) return null;
  if (!/^0{24}/.test(log.topics[2].slice(2))) return null;
  const voterCommitments: bigint[] = new Array(Number(count));
  for (let i = 0; i < voterCommitments.length; i++) voterCommitments[i] = BigInt("0x" + word(4 + i));
  const electionId = BigInt(log.topics[1]);
  const registrar = getAddress("0x" + log.topics[2].slice(26));
  const firstIndex = BigInt("0x" + word(0));
  const voterRollDigest = "0x" + word(2).toLowerCase();
  const args = Object.assign([electionId, registrar, firstIndex, voterCommitments, voterRollDigest], { electionId, registrar, firstIndex, voterCommitments, voterRollDigest });
  return { fragment, name: fragment.name, signature: fragment.format(), topic: fragment.topicHash, args } as unknown as LogDescription;
}

/** Any ZkBallot log: the fast path for roll batches, ethers for the rest (null: no ZkBallot event). */
export function decodeZkBallotLog(iface: Interface, log: { topics: readonly string[]; data: string }): LogDescription | null {
  return decodeCommitmentsPublished(iface, log) ?? iface.parseLog({ topics: [...log.topics], data: log.data });
}
