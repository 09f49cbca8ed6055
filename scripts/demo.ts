/** npm run demo: the whole election on Hardhat's in-process network. See scripts/lib/demo.ts. */
import { ethers } from "hardhat";

import { runDemo } from "./lib/demo";
import { ZkBallotError } from "../lib/core/errors";
import { releaseSnarkjs } from "../lib/proving/prover";

async function main(): Promise<void> {
  const [operator, registrar, submitter] = await ethers.getSigners();
  await runDemo({ operator, registrar, submitter, log: (line) => console.log(line) });
}

main()
  .catch((error: unknown) => {
    console.error(error instanceof ZkBallotError ? `error: ${error.message}` : error);
    process.exitCode = 1;
  })
  .finally(() => releaseSnarkjs());
