/**
 * Writing files so that a crash, a full disk or a failed rename never leaves half a file or a
 * stray temporary one (finding F4 in docs/THREATS.md).
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";

/**
 * Writes `data` to a temporary file beside `file`, then renames it over `file`: readers see the
 * old content or the new, never a mix. On any failure the temporary file is removed, `file` is
 * left as it was, and the error is rethrown.
 */
export function writeFileAtomically(file: string, data: string): void {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    fs.writeFileSync(temporary, data, { flag: "wx" });
    fs.renameSync(temporary, file);
  } catch (error) {
    removeQuietly(temporary);
    throw error;
  }
}

/** Deletes a file if it is there; a failure to delete must not hide the error being reported. */
export function removeQuietly(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // already gone, or the disk refuses: the original error is the one to report
  }
}
