/**
 * Private keys handed to the tools through the environment (or .env), never on the command
 * line, where they would land in shell history and in every process listing.
 */
import { Wallet, type Provider } from "ethers";

import { ZkBallotError } from "../core/errors";

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PRIVATE_KEY = /^0x[0-9a-fA-F]{64}$/;

/**
 * The wallet whose private key is in environment variable `variable`. Errors name the variable,
 * never its value.
 */
export function walletFromEnv(variable: string, provider: Provider, env: NodeJS.ProcessEnv = process.env): Wallet {
  if (/^(0x)?[0-9a-fA-F]{64}$/.test(variable)) {
    // Do not echo it: it is most likely the key itself.
    throw new ZkBallotError("INVALID_ARGUMENT", "--private-key-env takes the name of an environment variable, and this looks like a private key", "put the key in .env (VOTER_PRIVATE_KEY=0x...) and pass --private-key-env VOTER_PRIVATE_KEY; a key on the command line lands in your shell history");
  }
  if (!ENV_NAME.test(variable)) {
    throw new ZkBallotError("INVALID_ARGUMENT", `${JSON.stringify(variable)} is not an environment variable name`, "name the variable that holds the key, e.g. --private-key-env VOTER_PRIVATE_KEY");
  }
  const value = env[variable];
  if (value === undefined || value === "") {
    throw new ZkBallotError("INVALID_ARGUMENT", `environment variable ${variable} is not set`, `put ${variable}=0x... (the voter account's private key) in .env, or export it in this shell`);
  }
  if (!PRIVATE_KEY.test(value.trim())) {
    throw new ZkBallotError("INVALID_ARGUMENT", `environment variable ${variable} is not a private key (0x and 64 hex digits)`, `check ${variable} in .env`);
  }
  try {
    return new Wallet(value.trim(), provider);
  } catch {
    throw new ZkBallotError("INVALID_ARGUMENT", `environment variable ${variable} is not a valid secp256k1 private key`, `check ${variable} in .env`);
  }
}
