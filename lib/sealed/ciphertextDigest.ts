/** The digest that names a sealed ballot's ciphertexts in a relayer's receipt (browser-safe: the web app's client checks it too). */
import { AbiCoder, keccak256 } from "ethers";

import { SEALED_MAX_OPTIONS } from "./ballot";
import { SealedError } from "./errors";

/**
 * keccak256(abi.encode(uint256[32] ciphertexts)), the words in castVote's order: a sealed
 * ballot has no short `ballot` value to echo, so a relayer's receipt gives this digest and the
 * voter checks that the relayer holds exactly these ciphertexts.
 */
export function ciphertextDigest(words: readonly bigint[]): string {
  if (words.length !== 4 * SEALED_MAX_OPTIONS) throw new SealedError("BAD_PARAMETERS", `${words.length} ciphertext words, expected ${4 * SEALED_MAX_OPTIONS}`);
  return keccak256(AbiCoder.defaultAbiCoder().encode([`uint256[${4 * SEALED_MAX_OPTIONS}]`], [words]));
}
