/**
 * npm run relayer: the ballot relayer service, configured by .env (see .env.example).
 * npm run relayer -- purge: delete the ballots of closed, fully final elections now (the
 * service also does it once a minute unless RELAYER_PURGE_FINISHED=false), then exit.
 */
import * as dotenv from "dotenv";

import { ZkBallotError } from "../lib/core/errors";
import { releaseSnarkjs } from "../lib/proving/prover";
import { relayerConfigFromEnv } from "../lib/relayer/config";
import { purgeElectionsOnce, startRelayer } from "../lib/relayer/service";

dotenv.config({ quiet: true });

/** Log lines carry the minute only: no line names a ballot, and coarse times do not help to link one. */
const minute = () => new Date().toISOString().slice(0, 16) + "Z";

async function main(): Promise<void> {
  const command = process.argv[2];
  if (command === "purge") {
    for (const { electionId, deleted } of await purgeElectionsOnce(relayerConfigFromEnv(), (line) => console.log(line))) console.log(`election ${electionId}: ${deleted} ballots deleted`);
    return;
  }
  if (command !== undefined) throw new ZkBallotError("INVALID_ARGUMENT", `unknown command ${JSON.stringify(command)}`, "use `npm run relayer` or `npm run relayer -- purge`");
  let stopping = false;
  const relayer = await startRelayer(relayerConfigFromEnv(), (line) => console.log(`${minute()} ${line}`), {
    onFatal: (error) => {
      console.error(`error: ${error.message}`);
      void relayer.stop().finally(() => process.exit(1));
    },
  });
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log(`${minute()} stopping`);
    await relayer.stop();
    await releaseSnarkjs();
    console.log(`${minute()} stopped`);
    process.exit(0);
  };
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
}

main()
  .then(() => {
    if (process.argv[2] === "purge") process.exit(0);
  })
  .catch(async (error: unknown) => {
    console.error(error instanceof ZkBallotError ? `error: ${error.message}` : error);
    await releaseSnarkjs();
    process.exit(1);
  });
