/**
 * npm run demo               the whole open election on Hardhat's in-process network (scripts/lib/demo.ts)
 * npm run demo -- --sealed   a 3-of-5 sealed election: key ceremony, sealed ballots, decryption, tally (scripts/lib/sealedDemo.ts)
 */
import { ethers } from "hardhat";

import { runDemo } from "./lib/demo";
import { runSealedDemo } from "./lib/sealedDemo";
import { ZkBallotError } from "../lib/core/errors";
import { releaseSnarkjs } from "../lib/proving/prover";

async function main(argv: readonly string[]): Promise<void> {
  const unknown = argv.filter((arg) => arg !== "--sealed");
  if (unknown.length > 0) throw new ZkBallotError("INVALID_ARGUMENT", `unknown argument ${unknown.join(" ")}`, "usage: npm run demo [-- --sealed]");
  const log = (line: string) => console.log(line);
  if (argv.includes("--sealed")) {
    const [admin, submitter, ...rest] = await ethers.getSigners();
    await runSealedDemo({ admin, submitter, trustees: rest.slice(0, 5), log });
    return;
  }
  const [operator, registrar, submitter] = await ethers.getSigners();
  await runDemo({ operator, registrar, submitter, log });
}

main(process.argv.slice(2))
  .catch((error: unknown) => {
    console.error(error instanceof ZkBallotError ? `error: ${error.message}` : error);
    process.exitCode = 1;
  })
  .finally(() => releaseSnarkjs());
