/**
 * Shared shell of the zkballot commands: error reporting (one line, a hint, exit code 1, no
 * stack trace), signer selection and argument parsing. Library modules are imported lazily
 * inside actions because hardhat.config.ts loads this file before typechain-types exists.
 */
import type { Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

export const EXAMPLE_NETWORK = "--network localhost";

type Action<A> = (args: A, hre: HardhatRuntimeEnvironment) => Promise<void>;

/** Wraps a task action: known failures print `error: <cause> (hint: ...)` and exit 1. */
export function command<A>(action: Action<A>): Action<A> {
  return async (args, hre) => {
    let failed = false;
    try {
      checkNetworkConfig(hre);
      await action(args, hre);
    } catch (error) {
      failed = true;
      console.error(`error: ${describeError(error, hre)}`);
    } finally {
      const { releaseSnarkjs } = await import("../lib/prover");
      await releaseSnarkjs();
    }
    if (failed) process.exit(1);
  };
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

export function parseElectionId(value: string | undefined): bigint {
  if (value === undefined || !/^[1-9][0-9]{0,18}$/.test(value)) {
    throw new CliError(`--election must be a positive integer, got ${JSON.stringify(value)}`, "list elections with `npx hardhat status`");
  }
  return BigInt(value);
}

export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2));
}
