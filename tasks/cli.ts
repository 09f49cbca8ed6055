/**
 * Shared shell of the zkballot commands: error reporting (one line, a hint, exit code 1, no
 * stack trace), signer selection and argument parsing. Library modules are imported lazily
 * inside actions because hardhat.config.ts loads this file before typechain-types exists.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import type { Signer } from "ethers";
import { TASK_COMPILE } from "hardhat/builtin-tasks/task-names";
import type { HardhatRuntimeEnvironment, TaskDefinition } from "hardhat/types";

export const EXAMPLE_NETWORK = "--network localhost";

type Action<A> = (args: A, hre: HardhatRuntimeEnvironment) => Promise<void>;

export interface CommandOptions {
  /**
   * The command talks to the contracts, so it needs artifacts/ and typechain-types/, which a
   * fresh clone does not have (default true; the identity commands need neither).
   */
  contracts?: boolean;
}

/** Wraps a task action: known failures print `error: <cause> (hint: ...)` and exit 1. */
export function command<A>(action: Action<A>, options: CommandOptions = {}): Action<A> {
  return async (args, hre) => {
    let failed = false;
    try {
      checkNetworkConfig(hre);
      if (options.contracts ?? true) await compileContracts(hre);
      await import("../lib/node/bigintPoseidon"); // a command hashes a few values: no 0.45 s circomlibjs build for them
      await action(args, hre);
    } catch (error) {
      failed = true;
      console.error(`error: ${describeError(error, hre)}`);
    } finally {
      // Only a command that used snarkjs has its worker threads to release (releaseSnarkjs checks
      // the same global): importing the prover for nothing costs every other command over a second.
      if ((globalThis as { curve_bn128?: unknown }).curve_bn128 !== undefined) {
        const { releaseSnarkjs } = await import("../lib/proving/prover");
        await releaseSnarkjs();
      }
    }
    if (failed) process.exit(1);
  };
}

/**
 * Runs Hardhat's compile task first, as `hardhat run` and `hardhat test` do: on a fresh clone it
 * generates the artifacts and the TypeChain bindings the library imports, after a `git pull` it
 * rebuilds changed contracts, and otherwise it finds nothing to do (a fraction of a second).
 * Concurrent commands take turns (a lock file), so two compilations never write the same files
 * at once. Compiler output goes to stderr: stdout is the command's own (JSON, a commitment).
 */
async function compileContracts(hre: HardhatRuntimeEnvironment): Promise<void> {
  const { withFileLock } = await import("../lib/node/files");
  const bindings = path.resolve(hre.config.paths.root, hre.config.typechain.outDir, "index.ts");
  if (!fs.existsSync(bindings)) console.error("compiling the contracts and their TypeScript bindings (first run only)");
  const log = console.log;
  console.log = console.error; // "Compiled N Solidity files" ignores quiet: keep stdout for the command's own output
  try {
    await withFileLock(path.join(hre.config.paths.cache, "zkballot-compile.lock"), () => hre.run(TASK_COMPILE, { quiet: true }));
  } finally {
    console.log = log;
  }
}

function checkNetworkConfig(hre: HardhatRuntimeEnvironment): void {
  if (hre.network.name === "testnet" && !process.env.TESTNET_RPC_URL) {
    throw new CliError("TESTNET_RPC_URL is not set", "copy .env.example to .env and fill in TESTNET_RPC_URL and TESTNET_PRIVATE_KEY");
  }
}

export class CliError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(hint ? `${message} (hint: ${hint})` : message);
  }
}

function describeError(error: unknown, hre: HardhatRuntimeEnvironment): string {
  const name = (error as { name?: string }).name;
  const message = error instanceof Error ? error.message : String(error);
  if (name === "ZkBallotError" || error instanceof CliError) return message;
  const code = (error as { code?: string }).code;
  if (/Cannot connect to the network|ECONNREFUSED|could not detect network|getaddrinfo/i.test(message) || code === "ECONNREFUSED") {
    return `cannot reach the RPC of network "${hre.network.name}" (hint: start \`npx hardhat node\`, or check the RPC URL in .env)`;
  }
  if (code === "TIMEOUT" || /timeout/i.test(message)) return `the RPC of network "${hre.network.name}" timed out (hint: retry, or use another endpoint)`;
  if (code === "INSUFFICIENT_FUNDS" || /insufficient funds/i.test(message)) return "the sending account cannot pay for gas (hint: fund it, or choose another with --account)";
  return `${message.split("\n")[0]} (hint: rerun with --show-stack-traces for details)`;
}

/** The network account at `index` (the node's unlocked accounts, or the keys from .env). */
export async function signerAt(hre: HardhatRuntimeEnvironment, index: string | undefined): Promise<Signer> {
  const position = index === undefined ? 0 : Number(index);
  const signers = await hre.ethers.getSigners();
  if (!Number.isInteger(position) || position < 0) throw new CliError(`--account must be a non-negative integer, got ${index}`);
  if (signers.length === 0) throw new CliError(`network "${hre.network.name}" has no accounts`, "set TESTNET_PRIVATE_KEY in .env");
  if (position >= signers.length) throw new CliError(`--account ${position} does not exist: network "${hre.network.name}" has ${signers.length} accounts`);
  return signers[position];
}

/** An http(s) URL for --relayer, or a one-line refusal. */
export function checkRelayerUrl(url: string): string {
  if (!/^https?:\/\/[^\s]+$/.test(url)) throw new CliError(`--relayer must be an http(s) URL, got ${url}`);
  return url;
}

export function parseElectionId(value: string | undefined): bigint {
  if (value === undefined || !/^[1-9][0-9]{0,18}$/.test(value)) {
    throw new CliError(`--election must be a positive integer, got ${JSON.stringify(value)}`, "list elections with `npx hardhat status`");
  }
  return BigInt(value);
}

/**
 * `--option` of vote (open and sealed): one option, or several separated by commas (approval),
 * each an option number or, when `names` are known, an option's name; `none` for a blank ballot. Whether the count fits the
 * election's selection rule is the library's check (encodeBallot, ballotPlaintexts).
 */
export function parseOptionList(value: string, names?: readonly string[]): number[] {
  const listing = names && `options: ${names.map((n, i) => `${i}=${n}`).join(", ")}`;
  // "none" is a blank ballot (where the election allows one), unless an option is called that.
  if (value.trim().toLowerCase() === "none" && !names?.some((name) => name.toLowerCase() === "none")) return [];
  const parts = value.split(",").map((part) => part.trim());
  const options = parts.map((part) => {
    if (/^[0-9]+$/.test(part)) {
      const option = Number(part);
      if (names && option >= names.length) throw new CliError(`option ${option} is out of range: this election has options 0 to ${names.length - 1}`, listing);
      return option;
    }
    const index = names ? names.findIndex((name) => name.toLowerCase() === part.toLowerCase()) : -1;
    if (index >= 0) return index;
    if (names) throw new CliError(`no option named ${JSON.stringify(part)}`, listing);
    throw new CliError(`--option must be option numbers separated by commas, got ${JSON.stringify(value)}`, "e.g. --option 2, or --option 0,3 in an approval election");
  });
  if (new Set(options).size !== options.length) throw new CliError(`--option names an option twice: ${JSON.stringify(value)}`, "list each chosen option once");
  return options;
}

/**
 * `--min-selections` / `--max-selections` of a create command: integers with
 * 0 <= min <= max <= options and max >= 1, or a one-line refusal naming the flag.
 */
export function parseSelectionFlags(min: string, max: string, options: number): { minSelections: number; maxSelections: number } {
  const read = (flag: string, value: string) => {
    if (!/^[0-9]{1,2}$/.test(value)) throw new CliError(`${flag} must be a whole number, got ${JSON.stringify(value)}`);
    return Number(value);
  };
  const minSelections = read("--min-selections", min);
  const maxSelections = read("--max-selections", max);
  if (maxSelections < 1 || maxSelections > options) throw new CliError(`--max-selections must be from 1 to the number of options (${options}), got ${maxSelections}`);
  if (minSelections > maxSelections) throw new CliError(`--min-selections must be at most --max-selections (${maxSelections}), got ${minSelections}`);
  return { minSelections, maxSelections };
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2));
}

/**
 * Checks the command line with Hardhat's own argument parser before Hardhat does, so that an
 * unknown flag, a missing value or an unknown command is one line naming the command's valid
 * flags (or an unknown --network, with the configured ones) instead of Hardhat's error and
 * stack trace. Called by hardhat.config.ts once every task is defined; does nothing unless this
 * process is the Hardhat CLI (tests and scripts that import hardhat have their own arguments). Uses Hardhat internals: hardhat is pinned to an exact
 * version in package.json, and test/cli.test.ts fails if they change.
 */
export function checkCommandLine(networks: string[], argv: string[] = process.argv.slice(2)): void {
  if (!/[\\/]hardhat[\\/]internal[\\/]cli[\\/](bootstrap|cli)\.js$/.test(require.main?.filename ?? "")) return;
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { ArgumentsParser } = require("hardhat/internal/cli/ArgumentsParser") as typeof import("hardhat/internal/cli/ArgumentsParser");
  const { HARDHAT_PARAM_DEFINITIONS } = require("hardhat/internal/core/params/hardhat-params") as typeof import("hardhat/internal/core/params/hardhat-params");
  const { getEnvHardhatArguments } = require("hardhat/internal/core/params/env-variables") as typeof import("hardhat/internal/core/params/env-variables");
  const { HardhatContext } = require("hardhat/internal/context") as typeof import("hardhat/internal/context");
  const { HardhatError } = require("hardhat/internal/core/errors") as typeof import("hardhat/internal/core/errors");
  /* eslint-enable @typescript-eslint/no-require-imports */
  if (!HardhatContext.isCreated()) return;
  const dsl = HardhatContext.getHardhatContext().tasksDSL;
  const parser = new ArgumentsParser();
  let commandName: string | undefined;
  let definition: TaskDefinition | undefined;
  try {
    const { hardhatArguments, scopeOrTaskName, allUnparsedCLAs } = parser.parseHardhatArguments(HARDHAT_PARAM_DEFINITIONS, getEnvHardhatArguments(HARDHAT_PARAM_DEFINITIONS, process.env), argv);
    if (hardhatArguments.help || hardhatArguments.version || scopeOrTaskName === undefined || scopeOrTaskName === "vars" || scopeOrTaskName === "init") return;
    if (hardhatArguments.network !== undefined && !networks.includes(hardhatArguments.network)) {
      throw new CliError(`unknown network ${JSON.stringify(hardhatArguments.network)}`, `use --network ${networks.join(", --network ")}`);
    }
    const { scopeName, taskName, unparsedCLAs } = parser.parseScopeAndTaskNames(allUnparsedCLAs, dsl.getTaskDefinitions(), dsl.getScopesDefinitions());
    commandName = scopeName === undefined ? taskName : `${scopeName} ${taskName}`;
    definition = dsl.getTaskDefinition(scopeName, taskName);
    if (definition === undefined || definition.isSubtask) {
      throw new CliError(`unknown command \`${commandName}\``, "`npx hardhat help` lists the commands");
    }
    parser.parseTaskArguments(definition, unparsedCLAs);
  } catch (error) {
    let line: string;
    if (error instanceof CliError) line = error.message;
    else if (HardhatError.isHardhatError(error)) {
      const cause = error.message.replace(/^HH\d+: /, "").replace(/^Unrecognized param /, "unknown flag ").replace(/\.$/, "").split("\n")[0];
      line = definition === undefined
        ? `${cause} (hint: \`npx hardhat help\` lists the commands)`
        : `${commandName}: ${cause} (hint: \`${commandName}\` takes ${describeFlags(definition)} and --network NAME; \`npx hardhat help ${commandName}\` explains them)`;
    } else return; // not an argument error: Hardhat reports it
    console.error(`error: ${line}`);
    process.exit(1);
  }
}

/** `--election <value> [--account <value>] [--json]`: required first, then optional values, then flags. */
export function describeFlags(definition: TaskDefinition): string {
  const flagName = (name: string) => "--" + name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const params = Object.values(definition.paramDefinitions);
  const required = params.filter((p) => !p.isFlag && !p.isOptional).map((p) => `${flagName(p.name)} <value>`);
  const optional = params.filter((p) => !p.isFlag && p.isOptional).map((p) => `[${flagName(p.name)} <value>]`);
  const flags = params.filter((p) => p.isFlag).map((p) => `[${flagName(p.name)}]`);
  const positional = definition.positionalParamDefinitions.map((p) => (p.isOptional ? `[${p.name}]` : p.name));
  return [...required, ...optional, ...flags, ...positional].join(" ") || "no flags";
}
