/**
 * The sealed-election demo behind `npm run demo -- --sealed`, also run (smaller) by
 * test/sealed.demo.test.ts: a 3-of-5 key ceremony on chain, sealed ballots (one castVote, the
 * rest in castVotes batches), a Benaloh challenge, the close, a refused bad partial decryption,
 * one trustee absent, and the tally the contract checks. Every step is lib/sealed/flow/; this
 * module only orders the steps and prints progress and gas.
 */
import type { Signer } from "ethers";

import { ZkBallotError } from "../../lib/core/errors";
import { createIdentity, type VoterIdentity } from "../../lib/core/identity";
import { VoterRoll } from "../../lib/core/voterRoll";
import { describeSetup } from "../../lib/proving/artifacts";
import { loadSealedManifest } from "../../lib/proving/sealedCircuits";
import { SEALED_MAX_OPTIONS, ballotPlaintexts, encryptBallot, singleChoice } from "../../lib/sealed/ballot";
import { verifyBenalohChallenge } from "../../lib/sealed/benaloh";
import {
  castSealedBallot,
  castSealedBallots,
  closeSealedElection,
  createSealedElection,
  deploySealedZkBallot,
  deriveTrusteeShare,
  fetchEncryptedTotals,
  finalizeSealedTally,
  openSealedVoting,
  postPartialDecryption,
  proveTrusteeDecryption,
  publishSealedRoll,
  runLocalKeyCeremony,
} from "../../lib/sealed/flow/election";
import type { Point } from "../../lib/sealed/babyjub";
import { proveSealedBallot, type ProvenSealedBallot } from "../../lib/sealed/flow/prover";

export const SEALED_DEMO_OPTIONS = ["Parks", "Public transport", "Libraries", "Bike lanes"];
export const SEALED_DEMO_TRUSTEES = 5;
export const SEALED_DEMO_THRESHOLD = 3;

export interface SealedDemoOptions {
  /** Deploys and creates the election; also the registrar. */
  admin: Signer;
  /** Submits the ballots, as a relayer would. */
  submitter: Signer;
  /** The n trustees' accounts (5 for the 3-of-5 demo). */
  trustees: readonly Signer[];
  ballots?: number;
  /** Ballots per castVotes call after the first, single castVote. */
  batchSize?: number;
  /** The trustee that never shows up at decryption (1-based). */
  absentTrustee?: number;
  /** The trustee whose first partial decryption is tampered with and refused (1-based). */
  cheatingTrustee?: number;
  log?: (line: string) => void;
}

export interface SealedDemoResult {
  contractAddress: string;
  electionId: bigint;
  castOptions: number[];
  /** What the contract recorded. */
  tally: bigint[];
  /** What the cast choices add up to, counted in the clear by the demo. */
  expectedTally: bigint[];
  /** The error the contract gave the tampered partial decryption. */
  refusedShare: string;
  /** Whether the device's challenged ballot re-encrypted exactly. */
  challengeMatched: boolean;
  /** Trustees whose shares the tally combined. */
  combinedTrustees: number[];
  gas: Record<string, bigint>;
  provingMs: number[];
  /** The demo's voters, in casting order (their identities: for my-ballot checks in tests). */
  voters: VoterIdentity[];
}

/** The demo's voters choose in this repeating pattern (option index). */
const CHOICE_PATTERN = [1, 0, 1, 2, 3, 1, 0, 2, 1, 3];

type SealedContract = Awaited<ReturnType<typeof deploySealedZkBallot>>;

/** What every step of one demo run shares: the contract, the election, the log and the gas per step. */
interface DemoRun {
  options: SealedDemoOptions;
  n: number;
  contract: SealedContract;
  electionId: bigint;
  log: (line: string) => void;
  gas: Record<string, bigint>;
  elapsed: () => string;
}

const sum = (values: readonly bigint[]) => values.reduce((a, b) => a + b, 0n);

/** The options, with defaults, refused with a one-line error when they cannot make the demo. */
function demoParameters(options: SealedDemoOptions) {
  const ballots = options.ballots ?? 20;
  const batchSize = options.batchSize ?? 10;
  const absent = options.absentTrustee ?? 5;
  const cheating = options.cheatingTrustee ?? 2;
  const n = options.trustees.length;
  if (n !== SEALED_DEMO_TRUSTEES) throw new ZkBallotError("INVALID_ARGUMENT", `the sealed demo needs ${SEALED_DEMO_TRUSTEES} trustee accounts, got ${n}`);
  if (!Number.isSafeInteger(ballots) || ballots < 2) throw new ZkBallotError("INVALID_ARGUMENT", `ballots must be an integer of at least 2, got ${ballots}`);
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new ZkBallotError("INVALID_ARGUMENT", `batch size must be a positive integer, got ${batchSize}`);
  for (const [name, trustee] of [["absent", absent], ["cheating", cheating]] as const) {
    if (!Number.isSafeInteger(trustee) || trustee < 1 || trustee > n) throw new ZkBallotError("INVALID_ARGUMENT", `the ${name} trustee must be 1..${n}, got ${trustee}`);
  }
  if (absent === cheating) throw new ZkBallotError("INVALID_ARGUMENT", "the absent trustee cannot also be the cheating one");
  return { ballots, batchSize, absent, cheating, n };
}

/** Steps 1-2: the contracts and the election. */
async function deployAndCreate(options: SealedDemoOptions, n: number, log: (line: string) => void, gas: Record<string, bigint>) {
  log("1. admin deploys the two sealed verifiers and SealedZkBallot");
  const contract = await deploySealedZkBallot(options.admin, { log });
  log(`   SealedZkBallot at ${await contract.getAddress()}`);

  log(`2. admin creates a sealed election: ${SEALED_DEMO_OPTIONS.length} options, single choice, trustees 1..${n}, threshold ${SEALED_DEMO_THRESHOLD}`);
  const created = await createSealedElection(contract, {
    title: "Participatory budget 2027 (sealed)",
    numOptions: SEALED_DEMO_OPTIONS.length,
    minSelections: 1,
    maxSelections: 1,
    registrar: await options.admin.getAddress(),
    trustees: await Promise.all(options.trustees.map((t) => t.getAddress())),
    threshold: SEALED_DEMO_THRESHOLD,
  });
  gas.createElection = created.receipt.gasUsed;
  log(`   election ${created.electionId}: ${SEALED_DEMO_OPTIONS.map((name, i) => `${i}=${name}`).join(", ")} (${gas.createElection} gas)`);
  return { contract, electionId: created.electionId, electionScope: created.electionScope };
}

/** Step 3: the key ceremony; returns the election key and each trustee's checked share. */
async function keyCeremony(run: DemoRun) {
  const { contract, electionId, log, gas, options, n } = run;
  log("3. key ceremony on chain: each trustee posts a communication key, then its dealing; the admin fixes the key");
  const ceremony = await runLocalKeyCeremony(contract, electionId, options.trustees, options.admin);
  gas.communicationKeys = sum(ceremony.gas.communicationKey);
  gas.dealings = sum(ceremony.gas.dealing);
  gas.fixElectionKey = ceremony.gas.fixKey;
  log(`   communication keys: ${ceremony.gas.communicationKey.join(", ")} gas`);
  log(`   dealings (k = ${SEALED_DEMO_THRESHOLD} commitments, ${n - 1} encrypted shares each): ${ceremony.gas.dealing.join(", ")} gas`);
  const [, , , key] = await contract.getElection(electionId);
  const electionKey = { x: key[0], y: key[1] };
  log(`   election key fixed (${gas.fixElectionKey} gas): (${electionKey.x}, ${electionKey.y})`);
  const shares: bigint[] = [];
  for (let t = 1; t <= n; t++) shares.push(await deriveTrusteeShare(contract, electionId, t, ceremony.keys[t - 1], ceremony.ownShares[t - 1]));
  log(`   every trustee checked the shares it received against the dealers' commitments: all valid`);
  return { electionKey, shares };
}

/** Step 4: the voters, their roll published and frozen, voting open. */
async function registerVoters(run: DemoRun, ballots: number) {
  const { contract, electionId, log, gas } = run;
  log(`4. ${ballots} voters; the registrar publishes their commitments and opens voting`);
  const voters: VoterIdentity[] = [];
  for (let i = 0; i < ballots; i++) voters.push(await createIdentity());
  const roll = await VoterRoll.build(voters.map((v) => v.voterCommitment));
  gas.publishRoll = sum((await publishSealedRoll(contract, electionId, voters.map((v) => v.voterCommitment))).map((r) => r.gasUsed));
  gas.openVoting = (await openSealedVoting(contract, electionId, roll.root)).gasUsed;
  log(`   roll root ${roll.root}; publish ${gas.publishRoll} gas, openVoting ${gas.openVoting} gas`);
  return { voters, roll };
}

/** Step 5: voter 1's device prepares a ballot and the voter challenges it; it is never cast. */
function benalohChallenge(run: DemoRun, electionKey: Point): boolean {
  const { log } = run;
  const rule = singleChoice(SEALED_DEMO_OPTIONS.length);
  log("5. voter 1's device prepares a ballot for option 2; the voter challenges it (Benaloh)");
  const challengedPlaintexts = ballotPlaintexts({ ...rule, options: SEALED_MAX_OPTIONS }, [2]);
  const challenged = encryptBallot(electionKey, { ...rule, options: SEALED_MAX_OPTIONS }, challengedPlaintexts);
  const check = verifyBenalohChallenge({ electionKey, rule: { ...rule, options: SEALED_MAX_OPTIONS }, ciphertexts: challenged.ciphertexts, randomness: challenged.randomness, plaintexts: challengedPlaintexts });
  log(`   revealed randomness re-encrypts option 2 exactly: ${check.matches ? "yes" : `NO (options ${check.mismatchedOptions.join(", ")})`}; the challenged ballot is discarded, never cast`);
  return check.matches;
}

/** Steps 6-7: every voter proves a ballot; the submitter casts one with castVote, the rest in batches. */
async function proveAndCast(run: DemoRun, voters: readonly VoterIdentity[], roll: VoterRoll, electionScope: bigint, electionKey: Point, batchSize: number) {
  const { contract, electionId, log, gas, options, elapsed } = run;
  const rule = singleChoice(SEALED_DEMO_OPTIONS.length);
  log(`6. ${voters.length} voters encrypt and prove their ballots (roll membership, nullifier, 0/1 encryptions under the election key, exactly one 1)`);
  const castOptions: number[] = [];
  const proven: ProvenSealedBallot[] = [];
  for (const [i, voter] of voters.entries()) {
    const option = CHOICE_PATTERN[i % CHOICE_PATTERN.length];
    const ballot = await proveSealedBallot({ identitySecret: voter.identitySecret, path: roll.pathOf(voter.voterCommitment), electionScope, electionKey, rule, selected: [option] });
    castOptions.push(option);
    proven.push(ballot);
    log(`   ballot ${String(i + 1).padStart(2)}/${voters.length}: sealed, proof ${ballot.provingMs} ms (${elapsed()})`);
  }

  log(`7. the submitter casts ballot 1 with castVote and the rest with castVotes (batches of ${batchSize})`);
  const asSubmitter = contract.connect(options.submitter);
  gas.castVote = (await castSealedBallot(asSubmitter, electionId, proven[0])).gasUsed;
  log(`   castVote: ${gas.castVote} gas (the first ballot writes the 32 total words from new)`);
  const batchGas: bigint[] = [];
  for (let at = 1; at < proven.length; at += batchSize) {
    const batch = proven.slice(at, at + batchSize);
    const receipt = await castSealedBallots(asSubmitter, electionId, batch);
    batchGas.push(receipt.gasUsed);
    log(`   castVotes of ${batch.length}: ${receipt.gasUsed} gas, ${receipt.gasUsed / BigInt(batch.length)} per ballot`);
  }
  gas.castVotes = sum(batchGas);
  const [, , ballotsCast] = await contract.getElection(electionId);
  if (ballotsCast !== BigInt(voters.length)) throw new ZkBallotError("CONTRACT_REVERT", `${ballotsCast} ballots counted, ${voters.length} cast`);
  const totals = await fetchEncryptedTotals(contract, electionId);
  log(`   ${ballotsCast} ballots in the encrypted totals; on chain only points, e.g. option 0: C2 = (${totals[0].c2.x.toString().slice(0, 12)}..., ...)`);
  return { castOptions, proven };
}

/** Steps 8-9: the close, then every present trustee's proven partial decryption (the cheating one's first refused). */
async function closeAndDecrypt(run: DemoRun, shares: readonly bigint[], absent: number, cheating: number): Promise<string> {
  const { contract, electionId, log, gas, options, n } = run;
  log("8. admin closes the election");
  gas.closeElection = (await closeSealedElection(contract, electionId)).gasUsed;
  log(`   closed (${gas.closeElection} gas)`);

  const present = Array.from({ length: n }, (_, i) => i + 1).filter((t) => t !== absent);
  log(`9. trustees ${present.join(", ")} prove and post partial decryptions; trustee ${absent} is absent`);
  let refusedShare = "";
  const decryptionGas: bigint[] = [];
  for (const t of present) {
    const asTrustee = contract.connect(options.trustees[t - 1]);
    const decryption = await proveTrusteeDecryption(asTrustee, electionId, t, shares[t - 1]);
    if (t === cheating) {
      // The trustee swaps two options' partials after proving: a share that would move votes.
      const tampered = [...decryption.partialWords];
      [tampered[0], tampered[1], tampered[2], tampered[3]] = [tampered[2], tampered[3], tampered[0], tampered[1]];
      try {
        await postPartialDecryption(asTrustee, electionId, tampered, decryption.proof);
      } catch (error) {
        refusedShare = (error as Error).message;
      }
      if (refusedShare === "") throw new ZkBallotError("CONTRACT_REVERT", "the contract accepted a tampered partial decryption");
      log(`   trustee ${t} posts its partials for options 0 and 1 swapped: refused: ${refusedShare}`);
    }
    const receipt = await postPartialDecryption(asTrustee, electionId, decryption.partialWords, decryption.proof);
    decryptionGas.push(receipt.gasUsed);
    log(`   trustee ${t}: proof ${decryption.provingMs} ms, postPartialDecryption ${receipt.gasUsed} gas`);
  }
  gas.partialDecryptions = sum(decryptionGas);
  return refusedShare;
}

/** Step 10: anyone recovers the counts; the contract checks them against the totals and the shares. */
async function finalizeAndCompare(run: DemoRun, castOptions: readonly number[]) {
  const { contract, electionId, log, gas } = run;
  log(`10. anyone recovers the counts (baby-step giant-step) from ${SEALED_DEMO_THRESHOLD} shares; the contract checks them against the totals`);
  const finalized = await finalizeSealedTally(contract, electionId);
  gas.finalizeTally = finalized.receipt.gasUsed;
  const tally = [...(await contract.tallies(electionId))];
  const expectedTally = SEALED_DEMO_OPTIONS.map((_, option) => BigInt(castOptions.filter((cast) => cast === option).length));
  const combinedEvent = finalized.receipt.logs.map((l) => contract.interface.parseLog(l)).find((parsed) => parsed?.name === "TallyFinalized");
  const combinedTrustees = combinedEvent ? [...(combinedEvent.args.trustees as bigint[])].map(Number) : [];
  log(`   finalizeTally (${gas.finalizeTally} gas), shares of trustees ${combinedTrustees.join(", ")}:`);
  SEALED_DEMO_OPTIONS.forEach((name, i) => log(`   ${name.padEnd(18)} ${String(tally[i]).padStart(4)}`));
  const matches = tally.length === expectedTally.length && tally.every((count, i) => count === expectedTally[i]);
  log(`   ${matches ? "equals" : "DIFFERS FROM"} the choices the demo's voters made`);
  return { tally, expectedTally, combinedTrustees, matches };
}

export async function runSealedDemo(options: SealedDemoOptions): Promise<SealedDemoResult> {
  const { ballots, batchSize, absent, cheating, n } = demoParameters(options);
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const gas: Record<string, bigint> = {};

  const manifest = loadSealedManifest();
  log(`zkballot sealed demo: ${SEALED_DEMO_THRESHOLD}-of-${n} trustees, ${ballots} sealed ballots; circuits sealedVote ${manifest.circuits.sealedVote.constraints} and sealedDecryption ${manifest.circuits.sealedDecryption.constraints} constraints`);
  log(`NOTE: ${describeSetup(manifest.setup)}`);
  const { contract, electionId, electionScope } = await deployAndCreate(options, n, log, gas);
  const run: DemoRun = { options, n, contract, electionId, log, gas, elapsed };
  const { electionKey, shares } = await keyCeremony(run);
  const { voters, roll } = await registerVoters(run, ballots);
  const challengeMatched = benalohChallenge(run, electionKey);
  const { castOptions, proven } = await proveAndCast(run, voters, roll, electionScope, electionKey, batchSize);
  const refusedShare = await closeAndDecrypt(run, shares, absent, cheating);
  const { tally, expectedTally, combinedTrustees, matches } = await finalizeAndCompare(run, castOptions);

  log("gas per step:");
  for (const [step, used] of Object.entries(gas)) log(`   ${step.padEnd(20)} ${used}`);
  log(`sealed demo finished in ${elapsed()}`);
  if (!matches) throw new ZkBallotError("CONTRACT_REVERT", "the recorded tally differs from the cast choices");
  return { contractAddress: await contract.getAddress(), electionId, castOptions, tally, expectedTally, refusedShare, challengeMatched, combinedTrustees, gas, provingMs: proven.map((b) => b.provingMs), voters };
}
