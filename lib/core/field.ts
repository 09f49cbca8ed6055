import { SNARK_SCALAR_FIELD } from "./constants";
import { ZkBallotError } from "./errors";

/**
 * Parses a BN254 scalar field element from a bigint, a safe integer, or a decimal or
 * 0x-hexadecimal string. Values at or above the field order are rejected, never reduced:
 * a reduced value would alias a different number (PROTOCOL.md, "Field").
 */
export function parseFieldElement(value: unknown, what: string): bigint {
  let parsed: bigint;
  if (typeof value === "bigint") {
    parsed = value;
  } else if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) {
      throw new ZkBallotError("INVALID_FIELD_ELEMENT", `${what} is not a safe integer: ${value}`, "pass large values as decimal strings");
    }
    parsed = BigInt(value);
  } else if (typeof value === "string" && /^(0x[0-9a-fA-F]{1,64}|[0-9]{1,78})$/.test(value.trim())) {
    parsed = BigInt(value.trim());
  } else {
    throw new ZkBallotError(
      "INVALID_FIELD_ELEMENT",
      `${what} is not a number: ${JSON.stringify(value)?.slice(0, 80) ?? String(value)}`,
      "use a decimal string or a 0x-prefixed hex string",
    );
  }
  if (parsed < 0n || parsed >= SNARK_SCALAR_FIELD) {
    throw new ZkBallotError(
      "INVALID_FIELD_ELEMENT",
      `${what} is outside the BN254 scalar field: ${parsed}`,
      "every value must be at least 0 and below 21888242871839275222246405745257275088548364400416034343698204186575808495617",
    );
  }
  return parsed;
}

/** Fixed-width hex form (0x + 64 digits) used in files and events. */
export function toHex32(value: bigint): string {
  return "0x" + value.toString(16).padStart(64, "0");
}
