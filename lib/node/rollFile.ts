/**
 * Voter roll files: what a registrar publishes from, and what a voter of a big election can
 * download instead of reading every roll event. CSV (one commitment a line, optional header
 * `voterCommitment`, `#` comments, every line ending with a newline) or JSON (an array, or
 * `{ "voterCommitments": [...] }`). Commitments are decimal or 0x + 64 hex digits.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { ZkBallotError } from "../core/errors";
import { parseFieldElement, toHex32 } from "../core/field";
import { checkRollEntry, rollEntryError } from "../core/voterRoll";
import { writeFileAtomically } from "./files";

/** "0x" and the 64 hex digits of a 32-byte commitment: the form toHex32 writes. */
const HEX_COMMITMENT_LENGTH = 66;

export function parseVoterRollFile(text: string, source: string): bigint[] {
  const entries: { value: unknown; where: string }[] = [];
  if (/\.json$/i.test(source)) {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new ZkBallotError("INVALID_ROLL", `${source} is not valid JSON (truncated?): ${(error as Error).message}`, "re-export the roll file");
    }
    const list = Array.isArray(data) ? data : (data as { voterCommitments?: unknown } | null)?.voterCommitments;
    if (!Array.isArray(list)) throw new ZkBallotError("INVALID_ROLL", `${source} must be a JSON array of commitments or {"voterCommitments": [...]}`);
    list.forEach((value, i) => entries.push({ value, where: `${source} entry ${i}` }));
  } else {
    const lines = text.split(/\r?\n/);
    lines.forEach((raw, i) => {
      const line = raw.trim();
      if (line === "" || line.startsWith("#") || (i === 0 && /^[A-Za-z_]+$/.test(line))) return;
      // Every line written by writeVoterRollFile (and most tools) ends with a newline; an entry
      // without one is where a copy or download may have been cut, leaving a shorter number
      // that is still a valid field element (finding F3 in docs/THREATS.md).
      if (i === lines.length - 1) {
        throw new ZkBallotError(
          "INVALID_ROLL",
          `${source} line ${i + 1} does not end with a newline: the file may be cut short there (${JSON.stringify(line.slice(0, 24))}...)`,
          "get the whole file again; if it is complete, add a newline at its end",
        );
      }
      entries.push({ value: line.split(",")[0].trim(), where: `${source} line ${i + 1}` });
    });
  }
  const seen = new Map<bigint, number>();
  return entries.map(({ value, where }, index) => {
    if (typeof value === "string" && /^0x/i.test(value.trim()) && value.trim().length !== HEX_COMMITMENT_LENGTH) {
      throw new ZkBallotError(
        "INVALID_ROLL",
        `${where} has ${value.trim().length - 2} hex digits, not 64: ${JSON.stringify(value.slice(0, 70))}`,
        "hex voter commitments are written 0x + 64 digits (as `identity commitment` prints them); a shorter one is usually a cut file",
      );
    }
    let commitment: bigint;
    try {
      commitment = parseFieldElement(value, where);
    } catch (error) {
      throw new ZkBallotError("INVALID_ROLL", (error as Error).message, "every entry must be a voter commitment below the field order");
    }
    const refusal = checkRollEntry(commitment, index, seen);
    if (refusal) throw rollEntryError(refusal, index, (i) => entries[i].where);
    return commitment;
  });
}

export function readVoterRollFile(file: string): bigint[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new ZkBallotError("INVALID_ROLL", `cannot read roll file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, "check the path");
  }
  return parseVoterRollFile(text, path.basename(file));
}

/** Writes a CSV roll atomically (temporary file, then rename), so a crash never leaves half a file. */
export function writeVoterRollFile(file: string, commitments: readonly bigint[]): void {
  writeFileAtomically(file, ["voterCommitment", ...commitments.map(toHex32)].join("\n") + "\n");
}
