/**
 * zkballot benchmarks: `npm run bench [-- <name>...] [--runs N] [--quick]`.
 *
 *   prove      Groth16 proof generation for the depth-20 vote circuit, in Node
 *   gas        gasUsed of castVote on Hardhat's in-process network
 *   castvotes-gas  castVotes gas per ballot for batches of 1, 10 and 50 (bench/relayer.ts)
 *   relayer    ballots per second through the relayer service and a `hardhat node` (bench/relayer.ts)
 *   relayer-flood  200 honest voters while 20,000 junk requests arrive in 60 s (bench/relayerFlood.ts)
 *   e2e-1m     a 2^20-voter roll, 1,000 relayed ballots, close and audit on a `hardhat node` (bench/e2e.ts)
 *   roll-root  Poseidon root of a roll of 2^20 random commitments
 *   roll-path  one voter's Merkle path from a 2^20-commitment roll CSV file (read, parse, hash)
 *   audit      off-chain re-verification throughput, batched and one by one
 *   audit-1m   the 1M-voter, 1,000-ballot audit's off-chain stages on synthesised roll events (bench/auditLarge.ts)
 *   sealed-bsgs         count recovery (baby-step giant-step) up to 1,000,000 ballots (bench/sealed.ts)
 *   sealed-constraints  constraint counts of the sealed vote (8 options) and decryption circuits
 *   sealed-gas          gas of Baby Jubjub scalar multiplication and point sums in Solidity
 *   web-app             proof time in Chromium (Web Worker) vs Node, bundle size, time to interactive (bench/app.ts)
 *   sealed-election     a 3-of-5 sealed election on chain: proof time, castVote(s), DKG, decryption gas
 *
 * With no name, all run in that order (several minutes). Each metric is the median of repeated
 * runs, with min, max, mean, standard deviation and every run in bench/results.json, together
 * with the parameters, the machine (cores, CPU, Node version) and the load average before and
 * after (other processes on a 2-core machine move these numbers). Results of benchmarks not
 * run this time are kept from the previous file. These are measurements, not tests: nothing
 * here fails on a missed target; test/perf.test.ts checks that the fast paths are correct.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import * as snarkjs from "snarkjs";

import { loadManifest, proverArtifacts } from "../lib/proving/artifacts";
import { verifyVoteProofsOneByOne, verifyVoteProofsWithStats, type ProofItem } from "../lib/proving/batchVerify";
import { SNARK_SCALAR_FIELD } from "../lib/core/constants";
import { buildFastRollTree, readPackedRollFile, rollPathFromFile, terminateRollWorkers } from "../lib/node/fastRoll";
import { createIdentity, type VoterIdentity } from "../lib/core/identity";
import { poseidonHasher } from "../lib/core/poseidon";
import { progressBar } from "../lib/node/progress";
import { proveVote, releaseSnarkjs, toSolidityProof, verifyVoteProof, type ProveVoteRequest } from "../lib/proving/prover";
import { readVoterRollFile, writeVoterRollFile } from "../lib/node/rollFile";
import { VoterRoll, rootFromPath } from "../lib/core/voterRoll";

// ---------------------------------------------------------------------------------------------
// Results.

interface Stats {
  median: number;
  min: number;
  max: number;
  mean: number;
  stdev: number;
  /** (max - min) / median, in percent. */
  spreadPercent: number;
  runs: number[];
}

interface Target {
  comparison: "<=" | ">=";
  value: number;
  /** Where the target comes from. */
  source: string;
}

interface Result {
  benchmark: string;
  metric: string;
  value: number;
  unit: string;
  stats?: Stats;
  target?: Target;
  meetsTarget?: boolean;
  parameters: Record<string, unknown>;
  notes?: string;
  measuredAt: string;
  loadAverage: { before: number[]; after: number[] };
}

interface ResultsFile {
  generatedAt: string;
  machine: ReturnType<typeof machineInfo>;
  command: string;
  results: Result[];
}

function stats(runs: number[]): Stats {
  const sorted = [...runs].sort((a, b) => a - b);
  const n = sorted.length;
  const median = n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
  const mean = runs.reduce((sum, x) => sum + x, 0) / n;
  const stdev = n > 1 ? Math.sqrt(runs.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (n - 1)) : 0;
  const round = (x: number) => Number(x.toPrecision(6));
  return {
    median: round(median),
    min: round(sorted[0]),
    max: round(sorted[n - 1]),
    mean: round(mean),
    stdev: round(stdev),
    spreadPercent: round(median === 0 ? 0 : ((sorted[n - 1] - sorted[0]) / median) * 100),
    runs: runs.map(round),
  };
}

function machineInfo() {
  const cpus = os.cpus();
  return {
    cores: os.availableParallelism(),
    cpuModel: cpus[0]?.model ?? "unknown",
    ...(cpus[0]?.speed ? { cpuMHz: cpus[0].speed } : {}),
    nodeVersion: process.version,
    v8Version: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    totalMemoryGB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
  };
}

const loadAverage = () => os.loadavg().map((x) => Number(x.toFixed(2)));

class Recorder {
  readonly results: Result[] = [];
  private loadBefore = loadAverage();

  constructor(private readonly benchmark: string) {}

  add(metric: string, unit: string, measurement: number | number[], extra: { target?: Target; parameters?: Record<string, unknown>; notes?: string } = {}): Result {
    const runs = Array.isArray(measurement) ? measurement : [measurement];
    const s = stats(runs);
    const result: Result = {
      benchmark: this.benchmark,
      metric,
      value: s.median,
      unit,
      ...(runs.length > 1 ? { stats: s } : {}),
      ...(extra.target ? { target: extra.target, meetsTarget: extra.target.comparison === "<=" ? s.median <= extra.target.value : s.median >= extra.target.value } : {}),
      parameters: extra.parameters ?? {},
      ...(extra.notes ? { notes: extra.notes } : {}),
      measuredAt: new Date().toISOString(),
      loadAverage: { before: this.loadBefore, after: loadAverage() },
    };
    this.results.push(result);
    this.loadBefore = loadAverage();
    return result;
  }
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function timed<T>(action: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const value = await action();
  return [value, performance.now() - started];
}

function randomField(): bigint {
  for (;;) {
    const value = BigInt("0x" + randomBytes(32).toString("hex")) >> 2n;
    if (value !== 0n && value < SNARK_SCALAR_FIELD) return value;
  }
}

/** Distinct random commitments (random field elements; their preimages do not matter here). */
function randomCommitments(count: number): bigint[] {
  const seen = new Set<bigint>();
  const out: bigint[] = [];
  while (out.length < count) {
    const value = randomField();
    if (!seen.has(value)) {
      seen.add(value);
      out.push(value);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Shared fixture: real proofs, made by the prove benchmark or on demand.

interface ProofFixture {
  items: ProofItem[];
}

let proofFixture: ProofFixture | undefined;

async function makeProvingRequests(count: number): Promise<ProveVoteRequest[]> {
  const identities: VoterIdentity[] = [];
  for (let i = 0; i < count; i++) identities.push(await createIdentity());
  const manifest = loadManifest();
  const roll = await VoterRoll.build(identities.map((identity) => identity.voterCommitment), { depth: manifest.rollDepth });
  return identities.map((identity, i) => ({
    identity,
    path: roll.pathOf(identity.voterCommitment),
    voterRollRoot: roll.root,
    electionScope: 0x5eed_0000n + BigInt(i % 3),
    ballot: 1n << BigInt(i % 4),
  }));
}

async function ensureProofs(count: number): Promise<ProofFixture> {
  if (proofFixture && proofFixture.items.length >= count) return proofFixture;
  const requests = await makeProvingRequests(count);
  const bar = progressBar("  generating real proofs", count);
  const items: ProofItem[] = [];
  for (const request of requests) {
    const { publicSignals, proof } = await proveVote(request);
    items.push({ signals: publicSignals, proof });
    bar.update(items.length);
  }
  bar.done();
  proofFixture = { items };
  return proofFixture;
}

// ---------------------------------------------------------------------------------------------
// Benchmarks.

interface Options {
  runs?: number;
  quick: boolean;
}

async function benchProve(options: Options): Promise<Result[]> {
  const r = new Recorder("prove");
  const manifest = loadManifest();
  const runs = options.runs ?? (options.quick ? 6 : 20);
  const requests = await makeProvingRequests(runs);
  const circuit = { rollDepth: manifest.rollDepth, constraints: manifest.constraints, publicSignals: manifest.publicSignals.length, curve: "bn254", protocol: "groth16", snarkjs: manifest.tools.snarkjs };

  r.add("circuit_constraints", "constraints", manifest.constraints, { parameters: { ...circuit, source: "circuits/build/manifest.json" } });

  // proveVote as the library ships it: artifact paths, snarkjs reads and compiles them each time.
  const bar = progressBar("  proveVote", runs);
  const times: number[] = [];
  const items: ProofItem[] = [];
  for (const request of requests) {
    const [{ publicSignals, proof }, ms] = await timed(() => proveVote(request));
    times.push(ms);
    items.push({ signals: publicSignals, proof });
    bar.update(times.length);
  }
  bar.done();
  proofFixture = { items };
  r.add("proof_generation_first_ms", "ms", times[0], {
    parameters: { ...circuit, api: "proveVote" },
    notes: "first proof of the process: includes starting ffjavascript's worker threads and compiling the witness calculator",
  });
  r.add("proof_generation_ms", "ms", times.slice(1), {
    target: { comparison: "<=", value: 900, source: "issue: ~1.05 s plain -> <= 0.9 s median" },
    parameters: { ...circuit, api: "proveVote (lib/proving/prover.ts, unchanged)", runs: times.length - 1, threads: "ffjavascript default (one worker per core)" },
  });

  // What caching the artifacts in memory would give (a library change described, not made).
  const { wasm, zkey } = proverArtifacts();
  const wasmBytes = new Uint8Array(fs.readFileSync(wasm));
  const zkeyBytes = new Uint8Array(fs.readFileSync(zkey));
  const bufferRuns = Math.min(runs, options.quick ? 5 : 10);
  const bufferTimes: number[] = [];
  for (let i = 0; i < bufferRuns; i++) {
    const request = requests[i % requests.length];
    const input = {
      identitySecret: request.identity.identitySecret.toString(),
      pathIndices: request.path.pathIndices.map(String),
      siblings: request.path.siblings.map(String),
      electionScope: request.electionScope.toString(),
      ballot: request.ballot.toString(),
    };
    bufferTimes.push((await timed(() => snarkjs.groth16.fullProve(input, wasmBytes, zkeyBytes)))[1]);
  }
  r.add("proof_generation_buffers_ms", "ms", bufferTimes, {
    parameters: { ...circuit, api: "groth16.fullProve with the wasm and zkey bytes read once", runs: bufferRuns },
    notes: "the smallest change to lib/proving/prover.ts: pass cached bytes instead of paths",
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { WitnessCalculatorBuilder } = require("circom_runtime") as { WitnessCalculatorBuilder(code: Uint8Array): Promise<{ calculateWTNSBin(input: unknown, sanityCheck: number): Promise<Uint8Array> }> };
  const witnessCalculator = await WitnessCalculatorBuilder(wasmBytes);
  const groth16 = snarkjs.groth16 as unknown as {
    prove(zkey: Uint8Array, witness: { type: "mem"; data: Uint8Array }, logger?: unknown, options?: { singleThread?: boolean }): Promise<{ proof: snarkjs.Groth16Proof; publicSignals: string[] }>;
  };
  const inputOf = (request: ProveVoteRequest) => ({
    identitySecret: request.identity.identitySecret.toString(),
    pathIndices: request.path.pathIndices.map(String),
    siblings: request.path.siblings.map(String),
    electionScope: request.electionScope.toString(),
    ballot: request.ballot.toString(),
  });
  const cachedRuns = Math.min(runs, options.quick ? 5 : 10);
  const cachedTimes: number[] = [];
  const cachedBar = progressBar("  proving with cached artifacts", cachedRuns);
  for (let i = 0; i < cachedRuns; i++) {
    const request = requests[i % requests.length];
    const [result, ms] = await timed(async () => groth16.prove(zkeyBytes, { type: "mem", data: await witnessCalculator.calculateWTNSBin(inputOf(request), 0) }));
    cachedTimes.push(ms);
    if (i === 0 && !(await verifyVoteProof(items[0].signals, toSolidityProof(result.proof)))) throw new Error("cached-artifact proof does not verify");
    cachedBar.update(i + 1);
  }
  cachedBar.done();
  r.add("proof_generation_cached_artifacts_ms", "ms", cachedTimes, {
    parameters: { ...circuit, api: "witness calculator built once + groth16.prove with the zkey bytes in memory", runs: cachedRuns },
    notes: "the in-memory caching proposed for lib/proving/prover.ts",
  });

  const singleRuns = options.quick ? 2 : 4;
  const singleTimes: number[] = [];
  for (let i = 0; i < singleRuns; i++) {
    const request = requests[i % requests.length];
    const [, ms] = await timed(async () => groth16.prove(zkeyBytes, { type: "mem", data: await witnessCalculator.calculateWTNSBin(inputOf(request), 0) }, undefined, { singleThread: true }));
    singleTimes.push(ms);
  }
  r.add("proof_generation_single_thread_ms", "ms", singleTimes, {
    parameters: { ...circuit, api: "groth16.prove, singleThread: true", runs: singleRuns },
    notes: "one core only: about the ~1.05 s the issue quotes",
  });
  return r.results;
}

async function benchGas(options: Options): Promise<Result[]> {
  const r = new Recorder("gas");
  const ballots = options.runs ?? (options.quick ? 4 : 10);
  log("  loading Hardhat (in-process network) and compiling");
  const hre = (await import("hardhat")).default;
  await hre.run("compile", { quiet: true });
  const election = await import("../lib/chain/election");
  const [operator, registrar, submitter] = await hre.ethers.getSigners();
  const zkBallot = await election.deployZkBallot(operator);
  const { electionId } = await election.createElection(zkBallot, { title: "Benchmark", numOptions: 4, registrar: await registrar.getAddress() });
  const identities: VoterIdentity[] = [];
  for (let i = 0; i < ballots + 2; i++) identities.push(await createIdentity());
  const asRegistrar = zkBallot.connect(registrar);
  await election.publishVoterRoll(asRegistrar, electionId, identities.map((identity) => identity.voterCommitment));
  await election.openVoting(asRegistrar, electionId);
  const voterRoll = await VoterRoll.build(await election.fetchVoterRoll(zkBallot, electionId), { depth: Number(await zkBallot.ROLL_DEPTH()) });
  const asSubmitter = zkBallot.connect(submitter);
  const gas: number[] = [];
  const bar = progressBar("  proving and casting ballots", ballots);
  for (let i = 0; i < ballots; i++) {
    const prepared = await election.prepareBallot({ zkBallot: asSubmitter, electionId, identity: identities[i], option: i % 4, voterRoll });
    const receipt = await election.castPreparedBallot(asSubmitter, prepared);
    gas.push(Number(receipt.gasUsed));
    bar.update(i + 1);
  }
  bar.done();
  r.add("castvote_gas", "gas", gas, {
    parameters: {
      ballots,
      network: "hardhat (in-process)",
      hardfork: hre.config.networks.hardhat.hardfork,
      solidity: hre.config.solidity,
      options: 4,
      submitter: "a third account (relayer-style)",
      note: "every ballot is a fresh nullifier in the same election; min/max show first-write effects",
    },
    notes: "gasUsed of castVote receipts, including the 21,000 base and calldata; the contract is measured as it is in contracts/",
    target: { comparison: "<=", value: 265_000, source: "issue: ~284k naive -> <= 265k" },
  });
  return r.results;
}

/** castVotes gas per ballot by batch size (bench/relayer.ts measureBatchGas, with the committed fixture proofs). */
async function benchCastVotesGas(options: Options): Promise<Result[]> {
  const r = new Recorder("castvotes-gas");
  const { measureBatchGas } = await import("./relayer");
  const sizes = [1, 10, 50];
  const repeats = Math.min(3, options.runs ?? (options.quick ? 1 : 3)); // 61 fixture ballots a repeat, 200 in the fixture
  const gas = await measureBatchGas(sizes, repeats, log);
  for (const size of sizes) {
    r.add(`castvotes_gas_per_ballot_batch_${size}`, "gas/ballot", gas.get(size) ?? [], {
      parameters: { batchSize: size, repeats, network: "hardhat (in-process, reset)", proofs: "test/fixtures/relayer-ballots.json" },
      notes: "gasUsed of one castVotes transaction divided by its ballots",
      ...(size === 50 ? { target: { comparison: "<=" as const, value: 240_000, source: "issue: gas per ballot in a relayer batch of 50 <= 240k" } } : {}),
    });
  }
  return r.results;
}

/** Relayer service throughput against a real `hardhat node` (bench/relayer.ts measureRelayerThroughput). */
async function benchRelayer(options: Options): Promise<Result[]> {
  const r = new Recorder("relayer");
  const { measureRelayerThroughput } = await import("./relayer");
  const count = options.quick ? 100 : 1_000;
  const result = await measureRelayerThroughput(count, log);
  const parameters = { ballots: result.ballots, transactions: result.transactions, relayerBatchSize: 50, node: "hardhat node (separate process)", proofs: "made on all cores, cached in bench/.cache" };
  r.add("relayer_ballots_per_s", "ballots/s", result.ballotsPerSecond, { parameters, notes: "first POST to last inclusion" });
  r.add("relayer_accept_s", "s", result.acceptSeconds, { parameters, notes: "time to POST every ballot (202 Accepted)" });
  r.add("relayer_gas_per_ballot", "gas/ballot", result.gasPerBallot, { parameters });
  return r.results;
}

/** The relayer process under a flood of junk while honest voters arrive (bench/relayerFlood.ts); one run, it takes about 90 s. */
async function benchRelayerFlood(): Promise<Result[]> {
  const r = new Recorder("relayer-flood");
  const { measureRelayerFlood } = await import("./relayerFlood");
  const result = await measureRelayerFlood(log);
  const parameters = {
    honestVoters: result.honest,
    honestRatePerSecond: 7.5,
    junkSent: result.junkSent,
    junkSeconds: Number(result.junkSeconds.toFixed(1)),
    junkAnswers: result.junkAnswers,
    honestRetries: result.honestRetries,
    honestIncludedOnChain: result.honestIncluded,
    acceptMaxSeconds: Number(result.acceptMaxSeconds.toFixed(2)),
    relayer: "npm run relayer (separate process, default limits), hardhat node, loopback",
  };
  const source = "issue 16: every honest voter accepted, p99 time to acceptance <= 3 s, relayer RSS <= 400 MB";
  r.add("flood_honest_accepted", "ballots", result.honestAccepted, { target: { comparison: ">=", value: result.honest, source }, parameters });
  r.add("flood_accept_p99_s", "s", result.acceptP99Seconds, { target: { comparison: "<=", value: 3, source }, parameters, notes: "first POST to 202, retries after 429/503 included" });
  r.add("flood_accept_p50_s", "s", result.acceptP50Seconds, { parameters });
  r.add("flood_relayer_peak_rss_mb", "MB", result.relayerPeakRssMB, { target: { comparison: "<=", value: 400, source }, parameters, notes: "VmRSS of the relayer process, sampled every 250 ms" });
  r.add("flood_junk_per_s", "requests/s", result.junkSent / result.junkSeconds, { parameters });
  return r.results;
}

async function benchRollRoot(options: Options): Promise<Result[]> {
  const r = new Recorder("roll-root");
  const depth = 20;
  const size = 2 ** 20;
  const runs = options.runs ?? (options.quick ? 2 : 3);
  log(`  generating ${size} random commitments`);
  const leaves = randomCommitments(size);

  // Reference speed: circomlibjs's Poseidon, one core, as VoterRoll.build uses it.
  const reference = await poseidonHasher();
  const sample = 1 << (options.quick ? 13 : 15);
  let node = 1n;
  const [, referenceMs] = await timed(async () => {
    for (let i = 0; i < sample; i++) node = reference([node, leaves[i]]);
  });
  const referenceRate = (sample / referenceMs) * 1000;
  r.add("circomlibjs_poseidon_hashes_per_s", "hashes/s", Math.round(referenceRate), {
    parameters: { hashes: sample, threads: 1, implementation: "circomlibjs buildPoseidon (WebAssembly), as VoterRoll.build" },
    notes: `a ${size}-leaf roll (${size - 1} hashes) would take about ${((size - 1) / referenceRate).toFixed(0)} s this way`,
  });

  // Correctness spot check against VoterRoll on a prefix (tests do this thoroughly).
  const prefix = leaves.slice(0, 4096);
  const [fastPrefix, referencePrefix] = [await buildFastRollTree(prefix, { depth }), await VoterRoll.build(prefix, { depth })];
  if (fastPrefix.root !== referencePrefix.root) throw new Error("fast roll root differs from VoterRoll on a 4096-leaf prefix");

  // Single-core speed of the SIMD hasher.
  const singleLeaves = leaves.slice(0, 1 << 16);
  const [, singleMs] = await timed(() => buildFastRollTree(singleLeaves, { depth: 16, workers: 0 }));
  r.add("fast_poseidon_hashes_per_s_one_core", "hashes/s", Math.round(((singleLeaves.length - 1) / singleMs) * 1000), {
    parameters: { leaves: singleLeaves.length, threads: 1, implementation: "lib/node/fastPoseidon.ts (generated WebAssembly SIMD, 4 hashes at once)" },
  });

  const times: number[] = [];
  let root = 0n;
  for (let run = 0; run < runs; run++) {
    const bar = progressBar(`  fast roll root, run ${run + 1}/${runs}`, size - 1);
    const [tree, ms] = await timed(() => buildFastRollTree(leaves, { depth, onProgress: (done) => bar.update(done) }));
    bar.done();
    times.push(ms / 1000);
    root = tree.root;
  }
  r.add("roll_root_1m_s", "s", times, {
    target: { comparison: "<=", value: 15, source: "issue: ~77 s at circomlibjs speed -> <= 15 s" },
    parameters: {
      leaves: size,
      depth,
      hashes: size - 1,
      workers: Math.min(os.availableParallelism(), 8),
      input: "bigint[] of random field elements (conversion to bytes included)",
      implementation: "lib/node/fastRoll.ts buildFastRollTree",
      rootPrefix: `0x${root.toString(16).padStart(64, "0").slice(0, 16)}...`,
      verifiedAgainstVoterRoll: "4096-leaf prefix in this run; test/perf.test.ts for shapes and depth 20",
    },
  });
  return r.results;
}

async function benchRollPath(options: Options): Promise<Result[]> {
  const r = new Recorder("roll-path");
  const size = 2 ** 20;
  const depth = 20;
  const runs = options.runs ?? (options.quick ? 2 : 3);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zkballot-bench-"));
  try {
    log(`  writing a ${size}-commitment roll file`);
    const commitments = randomCommitments(size);
    const file = path.join(dir, "roll.csv");
    writeVoterRollFile(file, commitments);
    const bytes = fs.statSync(file).size;
    const voterIndex = 777_777;
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      log(`  path from file, run ${run + 1}/${runs}`);
      const [{ root, path: merklePath }, ms] = await timed(() => rollPathFromFile(file, commitments[voterIndex], { depth }));
      if ((await rootFromPath(commitments[voterIndex], merklePath)) !== root) throw new Error("the path does not lead to the root");
      times.push(ms / 1000);
    }
    r.add("roll_path_from_file_1m_s", "s", times, {
      target: { comparison: "<=", value: 15, source: "issue: voter's Merkle path from a published 1M roll <= 15 s, file reading included" },
      parameters: {
        commitments: size,
        depth,
        fileBytes: bytes,
        format: "CSV as writeVoterRollFile writes it (header, 0x-hex, one a line)",
        voterIndex,
        steps: "read the file, parse and check it (field, zero, duplicates: the files readVoterRollFile accepts), fast tree, path",
        implementation: "lib/node/fastRoll.ts rollPathFromFile (readPackedRollFile + buildFastRollTree)",
      },
    });
    // Where the time goes: the parse alone, fast and reference.
    const [, fastParseMs] = await timed(async () => readPackedRollFile(file));
    r.add("roll_file_parse_fast_s", "s", fastParseMs / 1000, { parameters: { commitments: size, fileBytes: bytes, implementation: "readPackedRollFile: bytes straight to packed values" } });
    const [, referenceParseMs] = await timed(async () => readVoterRollFile(file));
    r.add("roll_file_parse_reference_s", "s", referenceParseMs / 1000, { parameters: { commitments: size, fileBytes: bytes, implementation: "readVoterRollFile (lib/node/rollFile.ts): a bigint per line" } });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return r.results;
}

async function benchAudit(options: Options): Promise<Result[]> {
  const r = new Recorder("audit");
  const distinct = options.quick ? 8 : 20;
  const total = 200;
  const { items: proofs } = await ensureProofs(distinct);
  const items = Array.from({ length: total }, (_, i) => proofs[i % distinct]);
  const runs = options.runs ?? (options.quick ? 3 : 5);
  const parameters = { proofs: total, distinctRealProofs: distinct, replicated: true, cores: os.availableParallelism(), depth: loadManifest().rollDepth };

  await verifyVoteProofsWithStats(items.slice(0, 8)); // warm-up: key preparation, G2 test constants
  const batchRates: number[] = [];
  for (let run = 0; run < runs; run++) {
    const [{ results }, ms] = await timed(() => verifyVoteProofsWithStats(items));
    if (!results.every(Boolean)) throw new Error("batch verification rejected a valid proof");
    batchRates.push((total / ms) * 1000);
  }
  r.add("audit_batch_ballots_per_s", "ballots/s", batchRates, {
    target: { comparison: ">=", value: 150, source: "issue: ~33 ms a proof one at a time -> >= 150 ballots/s on 2 cores" },
    parameters: { ...parameters, runs, batchSize: 64, engine: "mcl", implementation: "lib/proving/batchVerify.ts verifyVoteProofs (random linear combination, n + 2 Miller loops a batch, mcl-wasm worker threads: lib/proving/mclGroth16.ts)" },
  });

  // The previous engine, for comparison: ffjavascript's Miller loops on snarkjs's worker threads.
  await verifyVoteProofsWithStats(items.slice(0, 8), { engine: "ffjavascript" });
  const ffjavascriptRates: number[] = [];
  for (let run = 0; run < runs; run++) {
    const [{ results }, ms] = await timed(() => verifyVoteProofsWithStats(items, { engine: "ffjavascript" }));
    if (!results.every(Boolean)) throw new Error("batch verification (ffjavascript) rejected a valid proof");
    ffjavascriptRates.push((total / ms) * 1000);
  }
  r.add("audit_batch_ffjavascript_ballots_per_s", "ballots/s", ffjavascriptRates, {
    parameters: { ...parameters, runs, batchSize: 64, engine: "ffjavascript", implementation: "lib/proving/batchVerify.ts verifyVoteProofs with engine ffjavascript (n + 3 Miller loops a batch, ffjavascript worker threads)" },
  });

  // Two invalid proofs among the 200: batches fail and are bisected.
  const withInvalid = [...items];
  for (const at of [37, 151]) withInvalid[at] = { signals: { ...items[at].signals, ballot: items[at].signals.ballot ^ 3n }, proof: items[at].proof };
  const invalidRates: number[] = [];
  for (let run = 0; run < Math.max(2, runs - 2); run++) {
    const [{ results }, ms] = await timed(() => verifyVoteProofsWithStats(withInvalid));
    if (results.filter((ok) => !ok).length !== 2 || results[37] || results[151]) throw new Error("batch verification missed the invalid proofs");
    invalidRates.push((total / ms) * 1000);
  }
  r.add("audit_batch_with_2_invalid_ballots_per_s", "ballots/s", invalidRates, { parameters: { ...parameters, invalid: 2, batchSize: 64 } });

  const oneRuns = options.quick ? 1 : 2;
  const oneRates: number[] = [];
  for (let run = 0; run < oneRuns; run++) {
    const [, ms] = await timed(() => verifyVoteProofsOneByOne(items));
    oneRates.push((total / ms) * 1000);
  }
  r.add("audit_one_by_one_ballots_per_s", "ballots/s", oneRates, {
    parameters: { ...parameters, runs: oneRuns, implementation: "verifyVoteProof (snarkjs.groth16.verify), awaited one at a time" },
  });
  return r.results;
}

/** The 1M-voter audit's off-chain stages (bench/auditLarge.ts): decode, digest, roll root, 1,000 proofs. */
async function benchAuditLarge(options: Options): Promise<Result[]> {
  const r = new Recorder("audit-1m");
  const { measureLargeAuditStages } = await import("./auditLarge");
  const rollSize = options.quick ? 65_536 : 1_048_576;
  const ballots = options.quick ? 100 : 1_000;
  const distinct = options.quick ? 8 : 20;
  const { items } = await ensureProofs(distinct);
  const proofs = Array.from({ length: ballots }, (_, i) => items[i % distinct]);
  const stages = await measureLargeAuditStages({ rollSize, proofs, log });
  const parameters = {
    rollSize, ballots, distinctRealProofs: distinct, replicated: true, eventBatchSize: 5_000,
    covers: "ABI decoding of the roll events, running keccak roll digest, Poseidon roll root, every proof (lib/audit stages)",
    notCovered: "eth_getLogs over JSON-RPC, block and transaction look-ups, verifier compilation (cached)",
  };
  r.add("decode_roll_events_s", "s", stages.decodeSeconds, { parameters });
  r.add("roll_digest_s", "s", stages.digestSeconds, { parameters: { ...parameters, implementation: "fastVoterRollDigest (one reused 64-byte buffer)" } });
  r.add("roll_digest_reference_scaled_s", "s", stages.referenceDigestSecondsScaled, { parameters: { ...parameters, implementation: "computeVoterRollDigest (ABI encoder per commitment), the old audit path", sample: stages.referenceSample }, notes: "measured on the sample, scaled to the roll" });
  r.add("roll_root_s", "s", stages.rollRootSeconds, { parameters: { ...parameters, implementation: "lib/node/fastRoll.ts fastRollRoot" } });
  r.add("proofs_s", "s", stages.proofsSeconds, { parameters: { ...parameters, implementation: "lib/proving/batchVerify.ts verifyVoteProofs" } });
  r.add("audit_ballots_per_s", "ballots/s", stages.ballotsPerSecond, { target: { comparison: ">=", value: 1_000, source: "issue 12: audit throughput >= 1,000 ballots/s" }, parameters });
  r.add("offchain_total_s", "s", stages.totalSeconds, { target: { comparison: "<=", value: 120, source: "issue 12: the 1M-voter, 1,000-ballot audit <= 120 s (off-chain stages only here)" }, parameters });
  return r.results;
}

/** The whole election at scale (bench/e2e.ts): 2^20 voters, 1,000 relayed ballots, close, audit. */
async function benchE2e(options: Options): Promise<Result[]> {
  const r = new Recorder("e2e-1m");
  const { runLargeElection } = await import("./e2e");
  const rollSize = options.quick ? 65_536 : 1_048_576;
  const ballots = options.quick ? 100 : 1_000;
  const { phases, auditOk } = await runLargeElection({ rollSize, ballots, log });
  const parameters = { rollSize, ballots, node: "hardhat node (separate process)", relayerBatchSize: 50, auditOk };
  for (const phase of phases) {
    r.add(`${phase.id}_s`, "s", phase.seconds, { parameters: { ...parameters, phase: phase.phase, gas: phase.gas }, notes: phase.phase });
  }
  r.add("total_s", "s", phases.reduce((sum, p) => sum + p.seconds, 0), { parameters });
  r.add("total_gas", "gas", phases.reduce((sum, p) => sum + p.gas, 0), { parameters, notes: "every transaction of the election: deploy, roll, open, ballots, close" });
  return r.results;
}

async function benchSealedBsgs(options: Options): Promise<Result[]> {
  const r = new Recorder("sealed-bsgs");
  const { measureBsgs } = await import("./sealed");
  const maxCount = 1_000_000;
  const optionCount = 8;
  const runs = options.runs ?? (options.quick ? 2 : 5);
  const times = measureBsgs(maxCount, optionCount, runs);
  const parameters = { maxCount, runs, implementation: "lib/sealed/bsgs.ts CountRecoveryTable (x-coordinate Map of j·G, j < ceil(sqrt(maxCount + 1)); bigint extended coordinates)" };
  r.add("bsgs_table_1m_s", "s", times.tableSeconds, { parameters });
  r.add("bsgs_recover_count_1m_s", "s", times.recoverMaxSeconds, {
    target: { comparison: "<=", value: 10, source: "issue 13: count recovery for 1,000,000 ballots <= 10 s" },
    parameters: { ...parameters, count: maxCount, notes: "worst case for the table: the largest count" },
  });
  r.add("bsgs_recover_tally_8_options_1m_s", "s", times.recoverTallySeconds, { parameters: { ...parameters, options: optionCount, counts: "maxCount - 997·j" } });
  return r.results;
}

async function benchSealedConstraints(): Promise<Result[]> {
  const r = new Recorder("sealed-constraints");
  const { measureSealedCircuits } = await import("./sealed");
  const rollDepth = loadManifest().rollDepth;
  const optionCount = 8;
  const sizes = measureSealedCircuits(rollDepth, optionCount);
  r.add("sealed_vote_constraints", "constraints", sizes.sealedVoteConstraints, { parameters: { rollDepth, options: optionCount, circuit: "circuits/sealedVote.circom", compiler: "circom2 --O2" } });
  r.add("sealed_decryption_constraints", "constraints", sizes.sealedDecryptionConstraints, { parameters: { options: optionCount, circuit: "circuits/sealedDecryption.circom", compiler: "circom2 --O2" } });
  r.add("sealed_circuits_compile_s", "s", sizes.compileSeconds, { parameters: { rollDepth, options: optionCount, outputs: "r1cs, wasm, sym" } });
  return r.results;
}

async function benchSealedGas(options: Options): Promise<Result[]> {
  const r = new Recorder("sealed-gas");
  const { measureCurveGas } = await import("./sealed");
  const runs = options.runs ?? (options.quick ? 2 : 5);
  const gas = await measureCurveGas(runs);
  const parameters = { network: "hardhat (in-process)", implementation: "contracts/sealed/BabyJubjub.sol (extended coordinates, modexp inversion), gasleft() around the library call" };
  r.add("babyjub_scalar_mul_gas", "gas", gas.mulGas, { parameters: { ...parameters, scalar: "random, < l (251 bits)" } });
  r.add("babyjub_sum_16_points_gas", "gas", gas.sum16Gas, { parameters, notes: "an 8-option ballot's 16 points added into extended totals, one inversion" });
  r.add("babyjub_add_per_point_gas", "gas", gas.perPointGas, { parameters, notes: "marginal cost of one more point in a long sum (256 vs 16 points)" });
  return r.results;
}

async function benchCeremony(): Promise<Result[]> {
  const r = new Recorder("ceremony");
  const { measureCeremony } = await import("./ceremony");
  const rollDepth = loadManifest().rollDepth;
  const f = await measureCeremony(rollDepth, 3, log);
  const parameters = { circuit: "vote", rollDepth, constraints: f.constraints, ptauPower: f.ptauPower, contributors: 3, verify: "r1cs + ptau (by hash) -> 3 contributions -> beacon -> vkey and verifier" };
  if (f.ptauSeconds !== undefined) r.add("ceremony_local_ptau_s", "s", f.ptauSeconds, { parameters: { power: f.ptauPower, contributions: 1, notes: "LOCAL phase 1 (new + contribute + beacon + prepare phase2)" } });
  r.add("ceremony_init_s", "s", f.initSeconds, { parameters: { ...parameters, includes: "snarkjs powersoftau verify + groth16 setup" } });
  r.add("ceremony_contribution_s", "s", f.contributionSeconds, { parameters });
  r.add("ceremony_finalize_s", "s", f.finalizeSeconds, { parameters: { ...parameters, beaconIterationsExp: 10 } });
  r.add("ceremony_verify_s", "s", f.verifySeconds, { parameters });
  for (const [file, bytes] of Object.entries(f.bytes)) r.add(`ceremony_${file}_bytes`, "bytes", bytes, { parameters: { ptauPower: f.ptauPower } });
  return r.results;
}

async function benchWebApp(options: Options): Promise<Result[]> {
  const r = new Recorder("web-app");
  const { measureWebApp } = await import("./app");
  const figures = await measureWebApp(options.runs ?? (options.quick ? 2 : 5), log);
  const parameters = { browser: "headless Chromium 153 (@sparticuz/chromium, playwright-core), the app's Web Worker", cores: figures.cores, circuit: "vote, depth 20" };
  r.add("browser_proof_ms", "ms", figures.browserProofMs, { target: { comparison: "<=", value: 2000, source: "issue 15: open-election proof <= 2 s in the browser" }, parameters, notes: "groth16.fullProve in the worker, artifacts already loaded" });
  r.add("browser_first_proof_ms", "ms", figures.browserFirstProofMs, { parameters });
  r.add("node_proof_ms", "ms", figures.nodeProofMs, { parameters: { implementation: "lib/proving/prover.ts proveVote" } });
  r.add("app_bundle_kb", "kB", figures.bundleBytes / 1000, { parameters: { files: "app.js + worker.js (minified esbuild)" } });
  r.add("app_time_to_interactive_ms", "ms", figures.timeToInteractiveMs, { parameters: { page: "election page rendered from a local hardhat node, phone viewport, fresh context" } });
  return r.results;
}

async function benchSealedElection(options: Options): Promise<Result[]> {
  const r = new Recorder("sealed-election");
  const { measureSealedElection } = await import("./sealed");
  const batchSize = options.quick ? 10 : 50;
  const f = await measureSealedElection(batchSize, (line) => console.log(line));
  const parameters = { network: "hardhat (in-process)", circuit: "sealedVote, 8 options, depth 20, development setup", trustees: f.trustees, threshold: f.threshold, electionOptions: 4 };
  r.add("sealed_prove_8_options_s", "s", f.proveSeconds, { target: { comparison: "<=", value: 2.5, source: "issue 13: sealed ballot proof <= 2.5 s on 2 cores for 8 options" }, parameters: { ...parameters, prover: "snarkjs groth16.fullProve in Node" } });
  r.add("sealed_castvote_gas", "gas", f.castVoteGas, { parameters, notes: "single castVote, the election's first ballot: 40-signal Groth16 verification, nullifier, 16 point additions, 32 total words written from zero" });
  r.add(`sealed_castvotes_${f.batchSize}_per_ballot_gas`, "gas", f.castVotesPerBallotGas, { target: { comparison: "<=", value: 150_000, source: "issue 13: castVotes batch of 50 <= 150k gas per sealed ballot" }, parameters: { ...parameters, batchSize: f.batchSize, notes: "the batch's proofs in one Groth16BatchVerifier call (n + 3 pairings); totals summed in memory, written once per batch" } });
  r.add("sealed_dkg_communication_key_gas", "gas", f.communicationKeyGas, { parameters });
  r.add("sealed_dkg_dealing_gas", "gas", f.dealingGas, { parameters, notes: "k = 3 commitments (3 doublings each, added into the sums), 4 encrypted shares" });
  r.add("sealed_dkg_fix_key_gas", "gas", f.fixKeyGas, { parameters });
  r.add("sealed_decryption_prove_s", "s", f.decryptionProveSeconds, { parameters: { ...parameters, circuit: "sealedDecryption, 8 options" } });
  r.add("sealed_decryption_gas", "gas", f.decryptionGas, { parameters, notes: "postPartialDecryption: share key from the commitments, 34-signal Groth16 verification, 16 words stored" });
  r.add("sealed_finalize_tally_gas", "gas", f.finalizeGas, { parameters, notes: "3 shares x 4 options Lagrange-combined on chain (251-bit scalar multiplications), count·G checked" });
  return r.results;
}

const BENCHMARKS: Record<string, (options: Options) => Promise<Result[]>> = {
  prove: benchProve,
  gas: benchGas,
  "castvotes-gas": benchCastVotesGas,
  relayer: benchRelayer,
  "relayer-flood": benchRelayerFlood,
  "e2e-1m": benchE2e,
  "roll-root": benchRollRoot,
  "roll-path": benchRollPath,
  audit: benchAudit,
  "audit-1m": benchAuditLarge,
  "sealed-bsgs": benchSealedBsgs,
  "sealed-constraints": benchSealedConstraints,
  "sealed-gas": benchSealedGas,
  ceremony: benchCeremony,
  "web-app": benchWebApp,
  "sealed-election": benchSealedElection,
};

// ---------------------------------------------------------------------------------------------

function formatNumber(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) >= 1000) return value.toLocaleString("en-US");
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

/** The results as a Markdown table, for the README (`npm run bench -- --markdown` prints it without running). */
function markdownTable(file: ResultsFile): string {
  const m = file.machine;
  const lines = [
    `Measured on ${m.cores} cores (${m.cpuModel}), ${m.totalMemoryGB} GB, Node ${m.nodeVersion}, ${m.platform}; no GPU. ` +
      "Each row is dated: a benchmark not rerun keeps its last result, and this shared machine's speed varies from day to day.",
    "",
    "| benchmark | metric | median | unit | spread (min..max, runs) | target | measured |",
    "|---|---|---:|---|---|---|---|",
  ];
  for (const result of file.results) {
    const spread = result.stats ? `${formatNumber(result.stats.min)}..${formatNumber(result.stats.max)} (n=${result.stats.runs.length})` : "single run";
    const target = result.target ? `${result.target.comparison} ${formatNumber(result.target.value)}: ${result.meetsTarget ? "met" : "**missed**"}` : "";
    lines.push(`| ${result.benchmark} | ${result.metric} | ${formatNumber(result.value)} | ${result.unit} | ${spread} | ${target} | ${result.measuredAt.slice(0, 10)} |`);
  }
  return lines.join("\n");
}

function printTable(results: Result[]): void {
  const rows = results.map((result) => [
    result.benchmark,
    result.metric,
    formatNumber(result.value),
    result.unit,
    result.stats ? `${formatNumber(result.stats.min)}..${formatNumber(result.stats.max)} (sd ${formatNumber(result.stats.stdev)}, n=${result.stats.runs.length})` : "single",
    result.target ? `${result.target.comparison} ${formatNumber(result.target.value)}` : "",
    result.target ? (result.meetsTarget ? "met" : "MISSED") : "",
  ]);
  const header = ["benchmark", "metric", "median", "unit", "spread: min..max", "target", ""];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 2 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join("  ").trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) console.log(line(row));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    console.log(`usage: npm run bench [-- <name>...] [--runs N] [--quick] [--out file] | npm run bench -- --markdown\nbenchmarks: ${Object.keys(BENCHMARKS).join(", ")}`);
    return;
  }
  const outAt = args.indexOf("--out");
  const out = outAt >= 0 ? path.resolve(args[outAt + 1]) : path.join(__dirname, "results.json");
  if (args.includes("--markdown")) {
    console.log(markdownTable(JSON.parse(fs.readFileSync(out, "utf8")) as ResultsFile));
    return;
  }
  const options: Options = { quick: args.includes("--quick") };
  const runsAt = args.indexOf("--runs");
  if (runsAt >= 0) options.runs = Number(args[runsAt + 1]);
  const names = args.filter((arg, i) => !arg.startsWith("--") && args[i - 1] !== "--runs" && args[i - 1] !== "--out");
  const unknown = names.filter((name) => !(name in BENCHMARKS));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(", ")}; choose from ${Object.keys(BENCHMARKS).join(", ")}`);
  const selected = names.length > 0 ? Object.keys(BENCHMARKS).filter((name) => names.includes(name)) : Object.keys(BENCHMARKS);
  const machine = machineInfo();
  log(`zkballot benchmarks on ${machine.cores} cores (${machine.cpuModel}), Node ${machine.nodeVersion}, load average ${loadAverage().join(" ")}`);

  const fresh: Result[] = [];
  for (const name of selected) {
    log(`\n[${name}]`);
    const started = Date.now();
    const results = await BENCHMARKS[name](options);
    fresh.push(...results);
    for (const result of results) log(`  ${result.metric}: ${formatNumber(result.value)} ${result.unit}${result.stats ? ` (min ${formatNumber(result.stats.min)}, max ${formatNumber(result.stats.max)}, n=${result.stats.runs.length})` : ""}`);
    log(`  (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  }

  let previous: Result[] = [];
  if (fs.existsSync(out)) {
    try {
      previous = (JSON.parse(fs.readFileSync(out, "utf8")) as ResultsFile).results ?? [];
    } catch {
      previous = [];
    }
  }
  const order = Object.keys(BENCHMARKS);
  const merged = [...previous.filter((result) => !selected.includes(result.benchmark)), ...fresh].sort((a, b) => order.indexOf(a.benchmark) - order.indexOf(b.benchmark));
  const file: ResultsFile = { generatedAt: new Date().toISOString(), machine, command: `npm run bench${args.length ? ` -- ${args.join(" ")}` : ""}`, results: merged };
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(file, null, 2) + "\n");
  console.log("");
  printTable(merged);
  console.log(`\nwritten to ${path.relative(process.cwd(), out)}`);
}

main()
  .then(async () => {
    await terminateRollWorkers();
    await releaseSnarkjs();
    process.exit(0);
  })
  .catch(async (error: unknown) => {
    console.error(error);
    await terminateRollWorkers().catch(() => undefined);
    process.exit(1);
  });
