import * as path from "node:path";

// The plugins of @nomicfoundation/hardhat-toolbox that zkballot uses. hardhat-verify and Ignition
// are left out (nothing here uses them) and the gas reporter loads only when REPORT_GAS=true: that
// saves about 1 s of CPU on every Hardhat start (each CLI command, each test process).
import "@nomicfoundation/hardhat-chai-matchers";
import "@nomicfoundation/hardhat-ethers";
import "@typechain/hardhat";
import "solidity-coverage";
import * as dotenv from "dotenv";
import { extendEnvironment, subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, TASK_TEST_GET_TEST_FILES } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";

import { retryReadsOnStaleSockets } from "./lib/node/rpcRetry";
import { SEALED_BALLOT_SETTINGS, SOLIDITY_SETTINGS, SOLIDITY_VERSION } from "./lib/proving/solidity";
import "./tasks";
import { checkCommandLine } from "./tasks/cli";

dotenv.config({ quiet: true });


// Hardhat normally downloads solc; this machine (and CI) has no internet, so use solc-js
// from node_modules when the versions match.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLIDITY_VERSION) return runSuper();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { version(): string };
  return {
    compilerPath: path.join(path.dirname(require.resolve("solc/package.json")), "soljson.js"),
    isSolcJs: true,
    version: args.solcVersion,
    longVersion: solc.version(),
  };
});

// eslint-disable-next-line @typescript-eslint/no-require-imports
if (process.env.REPORT_GAS === "true") require("hardhat-gas-reporter");

// A read that meets a connection the node just closed is sent again (lib/node/rpcRetry.ts).
extendEnvironment((hre) => {
  if ("url" in hre.network.config) retryReadsOnStaleSockets(hre.network.provider);
});

// `hardhat test` without file arguments runs test/**/*.test.ts (not the helpers), longest first
// (test/helpers/suiteOrder.ts), so that parallel workers finish together.
subtask(TASK_TEST_GET_TEST_FILES, async (args: { testFiles: string[] }, hre, runSuper) => {
  const files = (await runSuper(args)) as string[];
  if (args.testFiles.length > 0) return files;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { orderByDuration, readTimings } = require("./test/helpers/suiteOrder") as typeof import("./test/helpers/suiteOrder");
  const tests = files.filter((file) => file.endsWith(".test.ts"));
  return orderByDuration(tests, readTimings(path.join(hre.config.paths.tests, "timings.json")), hre.config.paths.root);
});

/** Mocha workers for `hardhat test` (ZKBALLOT_TEST_JOBS; 1 runs every file in one process, in order). */
const TEST_JOBS = Math.max(1, Number(process.env.ZKBALLOT_TEST_JOBS ?? 2));

const config: HardhatUserConfig = {
  solidity: {
    compilers: [{ version: SOLIDITY_VERSION, settings: SOLIDITY_SETTINGS }],
    overrides: { "contracts/sealed/SealedZkBallot.sol": { version: SOLIDITY_VERSION, settings: SEALED_BALLOT_SETTINGS } },
  },
  networks: {
    // The in-process network (and `hardhat node`) runs osaka, the hardfork public chains run, pinned
    // so that a Hardhat upgrade cannot move it under the gas figures (tests that assert gas check it:
    // test/helpers/hardfork.ts). The contracts are compiled for cancun (lib/proving/solidity.ts).
    hardhat: { hardfork: "osaka" },
    // `npx hardhat node` (or any local node); LOCALHOST_RPC_URL lets tests use another port.
    localhost: { url: process.env.LOCALHOST_RPC_URL ?? "http://127.0.0.1:8545" },
    // A public testnet, from .env (see .env.example). Keys are never printed or written.
    testnet: {
      url: process.env.TESTNET_RPC_URL ?? "http://testnet-rpc-url-is-not-set.invalid",
      accounts: process.env.TESTNET_PRIVATE_KEY ? [process.env.TESTNET_PRIVATE_KEY] : [],
    },
  },
  mocha: {
    // A test that takes longer fails by name (a file's own this.timeout() may allow more).
    timeout: 300_000,
    // Test files run in TEST_JOBS worker processes, each with its own in-process Hardhat network.
    parallel: TEST_JOBS > 1,
    jobs: TEST_JOBS,
    // Spec output, then the time per test file and the slowest tests (test/helpers/timingReporter.ts).
    reporter: path.join(__dirname, "test", "helpers", "timingReporter.ts"),
  },
};

// Every task is defined now: an unknown flag or command becomes one line with the valid flags.
checkCommandLine([...new Set(["hardhat", ...Object.keys(config.networks ?? {})])]);

export default config;
