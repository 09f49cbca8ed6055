import * as path from "node:path";

import "@nomicfoundation/hardhat-toolbox";
import * as dotenv from "dotenv";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import type { HardhatUserConfig } from "hardhat/config";

import { SOLIDITY_SETTINGS, SOLIDITY_VERSION } from "./lib/proving/solidity";
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

const config: HardhatUserConfig = {
  solidity: {
    version: SOLIDITY_VERSION,
    settings: SOLIDITY_SETTINGS,
  },
  networks: {
    // `npx hardhat node` (or any local node); LOCALHOST_RPC_URL lets tests use another port.
    localhost: { url: process.env.LOCALHOST_RPC_URL ?? "http://127.0.0.1:8545" },
    // A public testnet, from .env (see .env.example). Keys are never printed or written.
    testnet: {
      url: process.env.TESTNET_RPC_URL ?? "http://testnet-rpc-url-is-not-set.invalid",
      accounts: process.env.TESTNET_PRIVATE_KEY ? [process.env.TESTNET_PRIVATE_KEY] : [],
    },
  },
  mocha: {
    timeout: 300_000,
  },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
  },
};

// Every task is defined now: an unknown flag or command becomes one line with the valid flags.
checkCommandLine(["hardhat", ...Object.keys(config.networks ?? {})]);

export default config;
