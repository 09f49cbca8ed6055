/**
 * The end-to-end demo behind `npm run demo`, also run (smaller) by the end-to-end test.
 */
import type { Signer } from "ethers";

import { describeSetup, loadManifest } from "../../lib/proving/artifacts";
import { ZkBallotError } from "../../lib/core/errors";
import {
  castPreparedBallot,
  closeElection,
  computeElectionScope,
  createElection,
  deployZkBallot,
  fetchVoteRecords,
  fetchVoterRoll,
  openVoting,
  prepareBallot,
  publishVoterRoll,
  type VoteRecord,
} from "../../lib/chain/election";
import { createIdentity, type VoterIdentity } from "../../lib/core/identity";
import { verifyVoteProof } from "../../lib/proving/prover";
import { recountTally, talliesEqual } from "../../lib/core/tally";
import { VoterRoll } from "../../lib/core/voterRoll";

export interface DemoOptions {
  operator: Signer;
  registrar: Signer;
  /** Submits ballots on the voters' behalf, as a relayer would. */
  submitter: Signer;
  voters?: number;
  ballots?: number;
  log?: (line: string) => void;
}

export interface DemoResult {
  electionId: bigint;
  contractAddress: string;
  options: string[];
  castOptions: number[];
  tally: bigint[];
  gasPerVote: bigint[];
  doubleVoteRefusals: string[];
  verifiedOffChain: number;
}

export const DEMO_OPTIONS = ["Parks", "Public transport", "Libraries", "Bike lanes"];

function median(values: bigint[]): bigint {
  const sorted = [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted[Math.floor(sorted.length / 2)];
}

type Log = (line: string) => void;
type DemoZkBallot = Awaited<ReturnType<typeof deployZkBallot>>;

/** Steps 1-4: deploy, create the election, publish the roll, open voting. */
async function setUpElection(options: DemoOptions, voters: number, log: Log): Promise<{ zkBallot: DemoZkBallot; contractAddress: string; electionId: bigint; identities: VoterIdentity[] }> {
  log("1. operator deploys the verifier and ZkBallot");
  const zkBallot = await deployZkBallot(options.operator, { log });
  const contractAddress = await zkBallot.getAddress();
  log(`   ZkBallot at ${contractAddress}, verifier at ${await zkBallot.VERIFIER()}`);

  log(`2. operator creates an election with ${DEMO_OPTIONS.length} options`);
  const { electionId } = await createElection(zkBallot, {
    title: "Participatory budget 2027",
    numOptions: DEMO_OPTIONS.length,
    metadataURI: "ipfs://example-metadata",
    registrar: await options.registrar.getAddress(),
  });
  log(`   election ${electionId}: ${DEMO_OPTIONS.map((name, i) => `${i}=${name}`).join(", ")}`);

  log(`3. ${voters} voters create identities; the registrar publishes their commitments`);
  const identities: VoterIdentity[] = [];
  for (let i = 0; i < voters; i++) identities.push(await createIdentity());
  const asRegistrar = zkBallot.connect(options.registrar);
  const receipts = await publishVoterRoll(asRegistrar, electionId, identities.map((identity) => identity.voterCommitment), {
    batchSize: Math.ceil(voters / 2),
    onProgress: (done, total) => log(`   published ${done}/${total}`),
  });
  const rollGas = receipts.reduce((sum, receipt) => sum + receipt.gasUsed, 0n);
  log(`   roll published in ${receipts.length} batches, ${rollGas} gas (${rollGas / BigInt(voters)} per voter)`);

  log("4. registrar freezes the roll at its Poseidon root and opens voting");
  const { voterRollRoot } = await openVoting(asRegistrar, electionId);
  log(`   frozen root ${voterRollRoot}`);
  return { zkBallot, contractAddress, electionId, identities };
}

/** Steps 5-6: ballots proved and cast by a third account, then a second vote refused by the client and by the contract. */
async function castBallots(asSubmitter: DemoZkBallot, electionId: bigint, identities: VoterIdentity[], voterRoll: VoterRoll, ballots: number, log: Log) {
  const castOptions: number[] = [];
  const gasPerVote: bigint[] = [];
  const firstBallots = [];
  for (let i = 0; i < ballots; i++) {
    const option = [0, 1, 1, 2, 3, 1, 0, 2][i % 8];
    const proveStarted = Date.now();
    const prepared = await prepareBallot({ zkBallot: asSubmitter, electionId, identity: identities[i], option, voterRoll });
    const proveMs = Date.now() - proveStarted;
    const receipt = await castPreparedBallot(asSubmitter, prepared);
    castOptions.push(option);
    gasPerVote.push(receipt.gasUsed);
    firstBallots.push(prepared);
    log(`   ballot ${String(i + 1).padStart(2)}/${ballots}: option ${option} (${DEMO_OPTIONS[option]}), proof ${proveMs} ms, ${receipt.gasUsed} gas, block ${receipt.blockNumber}`);
  }

  log("6. voter 1 tries to vote again");
  const doubleVoteRefusals: string[] = [];
  try {
    await prepareBallot({ zkBallot: asSubmitter, electionId, identity: identities[0], option: 3, voterRoll });
  } catch (error) {
    doubleVoteRefusals.push((error as Error).message);
    log(`   refused by the client: ${(error as Error).message}`);
  }
  try {
    await castPreparedBallot(asSubmitter, firstBallots[0]);
  } catch (error) {
    doubleVoteRefusals.push((error as Error).message);
    log(`   replaying the first proof, refused by the contract: ${(error as Error).message}`);
  }
  return { castOptions, gasPerVote, doubleVoteRefusals };
}

/** Step 8: every VoteCast proof re-verified off-chain, and the recount of those compared with the tally. */
async function reverifyFromChain(options: DemoOptions, zkBallot: DemoZkBallot, contractAddress: string, electionId: bigint, tally: bigint[], log: Log) {
  log("8. anyone re-verifies every ballot from the chain's VoteCast events");
  const { chainId } = await options.operator.provider!.getNetwork();
  const electionScope = computeElectionScope(chainId, contractAddress, electionId);
  const election = await zkBallot.getElection(electionId);
  const verified: VoteRecord[] = [];
  for (const record of await fetchVoteRecords(zkBallot, electionId)) {
    const valid = await verifyVoteProof({ voterRollRoot: election.voterRollRoot, nullifier: record.nullifier, electionScope, ballot: record.ballot }, record.proof);
    if (valid && record.selections !== undefined) verified.push(record);
  }
  const recountMatches = talliesEqual(recountTally(verified, DEMO_OPTIONS.length), tally);
  log(`   ${verified.length} proofs verified off-chain; recount ${recountMatches ? "matches" : "DOES NOT MATCH"} the on-chain tally`);
  return { verifiedOffChain: verified.length, recountMatches };
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const voters = options.voters ?? 64;
  const ballots = options.ballots ?? 20;
  const log = options.log ?? (() => undefined);
  if (ballots > voters) throw new ZkBallotError("INVALID_ARGUMENT", `cannot cast ${ballots} ballots with ${voters} voters`);
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;

  const manifest = loadManifest();
  log(`zkballot demo: circuit depth ${manifest.rollDepth} (${manifest.constraints} constraints)`);
  log(`NOTE: ${describeSetup(manifest.setup)}`);
  const { zkBallot, contractAddress, electionId, identities } = await setUpElection(options, voters, log);

  log(`5. ${ballots} voters prove membership and cast ballots (submitted by a third account)`);
  const voterRoll = await VoterRoll.build(await fetchVoterRoll(zkBallot, electionId), { depth: manifest.rollDepth });
  const { castOptions, gasPerVote, doubleVoteRefusals } = await castBallots(zkBallot.connect(options.submitter), electionId, identities, voterRoll, ballots, log);

  log("7. admin closes the election");
  const { tally } = await closeElection(zkBallot, electionId);
  DEMO_OPTIONS.forEach((name, i) => log(`   ${name.padEnd(18)} ${String(tally[i]).padStart(4)}`));

  const { verifiedOffChain, recountMatches } = await reverifyFromChain(options, zkBallot, contractAddress, electionId, tally, log);
  const sortedGas = [...gasPerVote].sort((a, b) => (a < b ? -1 : 1));
  log(`gas per castVote: min ${sortedGas[0]}, median ${median(gasPerVote)}, max ${sortedGas[sortedGas.length - 1]}`);
  log(`demo finished in ${elapsed()}`);
  if (!recountMatches) throw new ZkBallotError("CONTRACT_REVERT", "the off-chain recount differs from the on-chain tally");
  return { electionId, contractAddress, options: DEMO_OPTIONS, castOptions, tally, gasPerVote, doubleVoteRefusals, verifiedOffChain };
}
