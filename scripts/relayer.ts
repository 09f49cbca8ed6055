/** npm run relayer: the ballot relayer service, configured by .env (see .env.example). */
import * as dotenv from "dotenv";

import { ZkBallotError } from "../lib/errors";
import { releaseSnarkjs } from "../lib/prover";
import { relayerConfigFromEnv } from "../lib/relayer/config";
import { startRelayer } from "../lib/relayer/service";

dotenv.config({ quiet: true });

async function main(): Promise<void> {
  const relayer = await startRelayer(relayerConfigFromEnv(), (line) => console.log(`${new Date().toISOString()} ${line}`));
  const shutdown = async () => {
    await relayer.stop();
    await releaseSnarkjs();
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

main().catch(async (error: unknown) => {
  console.error(error instanceof ZkBallotError ? `error: ${error.message}` : error);
  await releaseSnarkjs();
  process.exit(1);
});
