/**
 * Deterministic ballots for the relayer's process-level test: a fresh Hardhat chain (node or
 * in-process) with the default accounts deploys ZkBallot at the same address, so proofs made
 * once for that address, chain and election stay valid, and the test need not prove 200
 * ballots on every run. `npm run fixtures` rebuilds the file; the test checks it still fits.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { keccak256, toUtf8Bytes, type Signer } from "ethers";

import { PROJECT_ROOT } from "../../lib/proving/artifacts";
import { createElection, deployZkBallot, openVoting, prepareBallot, publishVoterRoll } from "../../lib/chain/election";
import { identityFromSecret, type VoterIdentity } from "../../lib/core/identity";
import { VoterRoll } from "../../lib/core/voterRoll";

export const RELAY_FIXTURE_FILE = path.join(PROJECT_ROOT, "test", "fixtures", "relayer-ballots.json");

export interface RelayFixture {
  chainId: string;
  zkBallot: string;
  electionId: string;
  title: string;
  numOptions: number;
  voterCommitments: string[];
  ballots: { option: number; ballot: string; nullifier: string; proof: string[] }[];
}

export const RELAY_FIXTURE_ELECTION = { title: "Relayer load test", numOptions: 4 };

/** Voter i's identity: a public, fixed secret (test data only). */
export function fixtureVoter(i: number): Promise<VoterIdentity> {
  return identityFromSecret(BigInt(keccak256(toUtf8Bytes(`zkballot relayer fixture voter ${i}`))) >> 4n);
}

/** Deploys and opens the fixture election on a fresh chain; returns the contract. */
export async function openFixtureElection(operator: Signer, registrar: Signer, voterCommitments: bigint[]) {
  const zkBallot = await deployZkBallot(operator);
  const { electionId } = await createElection(zkBallot, { ...RELAY_FIXTURE_ELECTION, registrar: await registrar.getAddress() });
  await publishVoterRoll(zkBallot.connect(registrar), electionId, voterCommitments, { batchSize: 256 });
  await openVoting(zkBallot.connect(registrar), electionId);
  return { zkBallot, electionId };
}

export async function makeRelayFixture(operator: Signer, registrar: Signer, count: number, log: (line: string) => void): Promise<RelayFixture> {
  const voters: VoterIdentity[] = [];
  for (let i = 0; i < count + 16; i++) voters.push(await fixtureVoter(i));
  const voterCommitments = voters.map((voter) => voter.voterCommitment);
  const { zkBallot, electionId } = await openFixtureElection(operator, registrar, voterCommitments);
  const voterRoll = await VoterRoll.build(voterCommitments);
  const ballots: RelayFixture["ballots"] = [];
  for (let i = 0; i < count; i++) {
    const option = (i * 7) % RELAY_FIXTURE_ELECTION.numOptions;
    const prepared = await prepareBallot({ zkBallot, electionId, identity: voters[i], option, voterRoll });
    ballots.push({ option, ballot: prepared.ballot.toString(), nullifier: prepared.nullifier.toString(), proof: prepared.proof.map(String) });
    if ((i + 1) % 20 === 0) log(`proved ${i + 1}/${count}`);
  }
  const { chainId } = await operator.provider!.getNetwork();
  return { chainId: chainId.toString(), zkBallot: await zkBallot.getAddress(), electionId: electionId.toString(), ...RELAY_FIXTURE_ELECTION, voterCommitments: voterCommitments.map(String), ballots };
}

export function loadRelayFixture(): RelayFixture {
  return JSON.parse(fs.readFileSync(RELAY_FIXTURE_FILE, "utf8")) as RelayFixture;
}
