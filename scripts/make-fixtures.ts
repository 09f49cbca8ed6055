/** npm run fixtures: rebuilds test/fixtures/relayer-ballots.json (200 real proofs, a few minutes). */
import * as fs from "node:fs";

import { ethers } from "hardhat";

import { releaseSnarkjs } from "../lib/proving/prover";
import { RELAY_FIXTURE_FILE, makeRelayFixture } from "../test/helpers/relayFixtures";

async function main(): Promise<void> {
  const [operator, registrar] = await ethers.getSigners();
  const fixture = await makeRelayFixture(operator, registrar, 200, (line) => console.log(line));
  fs.writeFileSync(RELAY_FIXTURE_FILE, JSON.stringify(fixture) + "\n");
  console.log(`wrote ${fixture.ballots.length} ballots for ZkBallot ${fixture.zkBallot} to ${RELAY_FIXTURE_FILE}`);
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => releaseSnarkjs());
