/**
 * Election metadata (title, description, option names), browser-safe. It is stored on-chain as
 * a data: URI with its keccak256 hash, so anyone can read the option names from the chain alone
 * and check them. Spec files, which become this metadata, are read by lib/chain/electionSpec.ts.
 */
import { decodeBase64, encodeBase64, keccak256, toUtf8Bytes, toUtf8String } from "ethers";

export interface ElectionMetadata {
  title: string;
  description: string;
  options: string[];
}

const DATA_URI_PREFIX = "data:application/json;base64,";

/** The metadata as canonical JSON, its on-chain data: URI and its keccak256 hash. */
export function encodeElectionMetadata(spec: { title: string; description?: string; options: string[] }): { metadataURI: string; metadataHash: string } {
  const metadata: ElectionMetadata = { title: spec.title, description: spec.description ?? "", options: spec.options };
  const json = JSON.stringify(metadata);
  return { metadataURI: DATA_URI_PREFIX + encodeBase64(toUtf8Bytes(json)), metadataHash: keccak256(toUtf8Bytes(json)) };
}

/** Reads option names back from the chain's metadata URI; undefined unless the hash and option count check out. */
export function decodeElectionMetadata(metadataURI: string, metadataHash: string, numOptions: number): ElectionMetadata | undefined {
  if (!metadataURI.startsWith(DATA_URI_PREFIX)) return undefined;
  try {
    const bytes = decodeBase64(metadataURI.slice(DATA_URI_PREFIX.length));
    if (keccak256(bytes) !== metadataHash) return undefined;
    const metadata = JSON.parse(toUtf8String(bytes)) as ElectionMetadata;
    if (!Array.isArray(metadata.options) || metadata.options.length !== numOptions || !metadata.options.every((o) => typeof o === "string")) return undefined;
    return metadata;
  } catch {
    return undefined;
  }
}
