/**
 * The order in which `hardhat test` hands test files to Mocha. With `--parallel`, each worker
 * takes the next file when it is free, so the longest files go first and the short ones fill
 * the gaps at the end (longest-processing-time-first scheduling): the run then ends when the
 * longest file does, not a long file started last.
 *
 * Durations come from test/timings.json, written by the timing reporter
 * (`ZKBALLOT_TEST_TIMINGS=test/timings.json npm test` refreshes it). A file not listed there (a
 * new test) is taken as long and goes first, so a slow new file never ends a run alone.
 *
 * Loaded lazily by hardhat.config.ts, only by `hardhat test`: node built-ins only.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export interface TimingsFile {
  files: { file: string; ms: number }[];
}

/** Reads the recorded per-file durations (ms), keyed by path relative to `root`; empty if absent or unreadable. */
export function readTimings(timingsFile: string): Map<string, number> {
  try {
    const parsed = JSON.parse(fs.readFileSync(timingsFile, "utf8")) as TimingsFile;
    return new Map(parsed.files.filter((f) => typeof f.file === "string" && Number.isFinite(f.ms)).map((f) => [f.file, f.ms]));
  } catch {
    return new Map();
  }
}

/** `files` (absolute paths) ordered longest first; unknown files first of all, in their given order. */
export function orderByDuration(files: string[], timings: Map<string, number>, root: string): string[] {
  const duration = (file: string) => timings.get(path.relative(root, file).split(path.sep).join("/")) ?? Number.POSITIVE_INFINITY;
  return files
    .map((file, index) => ({ file, index, ms: duration(file) }))
    .sort((a, b) => b.ms - a.ms || a.index - b.index)
    .map((entry) => entry.file);
}
