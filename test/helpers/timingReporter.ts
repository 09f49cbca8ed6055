/**
 * Mocha reporter: Mocha's `spec` output, then the wall time of every test file and of the
 * slowest tests, so a slow file shows up in every `npm test` and CI log.
 *
 * Enabled in hardhat.config.ts. `ZKBALLOT_TEST_TIMINGS=path.json` also writes the figures as
 * JSON (file and test durations in ms). A file's time is the sum of its tests' and hooks'
 * durations, so it includes before/after hooks (nodes started, circuits set up); with
 * `--parallel` the files' times overlap and add up to more than the wall time.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import type * as MochaTypes from "mocha";

// The reporter must come from the Mocha that Hardhat runs (it has its own copy).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Mocha = require(require.resolve("mocha", { paths: [path.dirname(require.resolve("hardhat/package.json"))] })) as typeof MochaTypes;

const SLOWEST_TESTS = 15;

interface FileTiming {
  file: string;
  ms: number;
  tests: number;
  failed: number;
}

interface TestTiming {
  file: string;
  title: string;
  ms: number;
}

function relative(file: string | undefined): string {
  return file === undefined ? "(no file)" : path.relative(process.cwd(), file);
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1).padStart(7) + " s";
}

class TimingReporter extends Mocha.reporters.Spec {
  private readonly files = new Map<string, FileTiming>();
  private readonly tests: TestTiming[] = [];
  private readonly runStart = Date.now();

  constructor(runner: MochaTypes.Runner, options?: MochaTypes.MochaOptions) {
    super(runner, options);
    // Durations, not clock readings: with --parallel, a worker's events arrive only when its file is done.
    runner.on("hook end", (hook: MochaTypes.Hook) => {
      this.entry(hook.file).ms += hook.duration ?? 0;
    });
    runner.on("test end", (test: MochaTypes.Test) => {
      const entry = this.entry(test.file);
      entry.tests += 1;
      entry.ms += test.duration ?? 0;
      this.tests.push({ file: relative(test.file), title: test.fullTitle(), ms: test.duration ?? 0 });
    });
    runner.on("fail", (test: MochaTypes.Runnable) => {
      this.entry(test.file).failed += 1;
    });
    runner.once("end", () => this.summary());
  }

  private entry(file: string | undefined): FileTiming {
    const key = relative(file);
    let timing = this.files.get(key);
    if (timing === undefined) {
      timing = { file: key, ms: 0, tests: 0, failed: 0 };
      this.files.set(key, timing);
    }
    return timing;
  }

  private summary(): void {
    const files = [...this.files.values()].sort((a, b) => b.ms - a.ms);
    const slowest = [...this.tests].sort((a, b) => b.ms - a.ms).slice(0, SLOWEST_TESTS);
    const wallMs = Date.now() - this.runStart;
    const lines = ["", `  time per test file (wall ${seconds(wallMs).trim()}, slowest first):`];
    for (const f of files) lines.push(`  ${seconds(f.ms)}  ${String(f.tests).padStart(4)} tests${f.failed > 0 ? `, ${f.failed} failed` : ""}  ${f.file}`);
    lines.push("", `  slowest ${slowest.length} tests:`);
    for (const t of slowest) lines.push(`  ${seconds(t.ms)}  ${t.file}: ${t.title}`);
    console.log(lines.join("\n") + "\n");
    const out = process.env.ZKBALLOT_TEST_TIMINGS;
    if (out !== undefined && out !== "") fs.writeFileSync(out, JSON.stringify({ wallMs, files, slowestTests: slowest }, null, 2) + "\n");
  }
}

export = TimingReporter;
