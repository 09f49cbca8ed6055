/**
 * Typed client of the ZkBallot contract (Node): deployment, the operator's actions, preparing
 * and casting a ballot. The readers of an election's public record are browser-safe, in
 * lib/chain/reader.ts, and re-exported here.
 */
import * as fs from "node:fs";

import { ContractFactory, type BaseContract, type ContractTransactionReceipt, type Interface, type Signer } from "ethers";

import { VoteVerifier__factory, ZkBallot__factory, type ZkBallot } from "../../typechain-types";
import { deployVoteBatchVerifier } from "../proving/batchVerifierContract";
import { ARTIFACT_FILES, PROJECT_ROOT, artifactPath, describeSetup, isInsecureSetup, loadManifest, verifyArtifactHashes, type SetupManifest } from "../proving/artifacts";
import { VERIFIER_CONTRACT_NAME } from "../proving/setup";
import { compileStandalone } from "../proving/solidity";
import { assertCeremonyVerifiedForChain, loadManifestTranscript } from "./ceremonyGate";
import { zkBallotEvents } from "./zkBallotEvents";
import { computeElectionScope, computeVoterRollDigest, electionSelectionRule, fetchElectionEvents, fetchVoterRoll, type LogReadOptions, type PreparedBallot } from "./reader";
import { encodeBallot } from "../core/ballot";
import { recountBallots, talliesEqual } from "../core/tally";
import { LOCAL_DEV_CHAIN_IDS } from "../core/constants";
import { ZkBallotError } from "../core/errors";
import { computeNullifier, type VoterIdentity } from "../core/identity";
import { proveVote } from "../proving/prover";
import { VoterRoll, indexVoterCommitments } from "../core/voterRoll";
// Node: plugs the worker-thread roll hasher into VoterRoll for large rolls (the core alone uses circomlibjs).
import "../node/fastRoll";

import { checkVotingOpen, Phase, type VoteRejection } from "../core/rules";

// Reading an election (scope, roll, ballots, creation record) is browser-safe: lib/chain/reader.ts.
export * from "./reader";

export interface ElectionSpec {
  title: string;
  numOptions: number;
  /** Fewest options a ballot may choose (default 1; 0 allows a blank ballot). */
  minSelections?: number;
  /** Most options a ballot may choose (default 1: single choice; more: approval). */
  maxSelections?: number;
  metadataURI?: string;
  metadataHash?: string;
  registrar: string;
  votingStartsAt?: number;
  votingEndsAt?: number;
}

export interface DeployOptions {
  /** Deploy a development (insecure) setup to a non-local chain anyway. Never do this for a real election. */
  allowInsecureDevSetup?: boolean;
  /** Repository root whose circuits/build and contracts/verifiers are deployed (default: this one). */
  root?: string;
  log?: (line: string) => void;
}

/**
 * A development setup may go to the local Hardhat chains only, unless the operator overrides.
 * Returns "insecure-override" when the override was needed, so the caller can warn loudly.
 */
export function assertSetupAllowedOnChain(manifest: Pick<SetupManifest, "setup">, chainId: bigint, allowInsecureDevSetup: boolean): "ok" | "insecure-override" {
  if (!isInsecureSetup(manifest) || LOCAL_DEV_CHAIN_IDS.includes(chainId)) return "ok";
  if (!allowInsecureDevSetup) {
    throw new ZkBallotError(
      "INSECURE_SETUP_REFUSED",
      `refusing to deploy a development trusted setup to chain ${chainId}: anyone can forge proofs against it`,
      "run a real phase-2 ceremony, or pass --allow-insecure-dev-setup (library: allowInsecureDevSetup: true) for a throwaway test deployment",
    );
  }
  return "insecure-override";
}

/**
 * Deploys the Groth16 verifier, the batch verifier and ZkBallot. Refuses when the artifacts do not
 * match their manifest, and, on any chain but the local ones, refuses a setup that is not a
 * verified ceremony (lib/chain/ceremonyGate.ts) unless `allowInsecureDevSetup` says so for a
 * development setup.
 */
export async function deployZkBallot(deployer: Signer, options: DeployOptions = {}): Promise<ZkBallot> {
  const root = options.root ?? PROJECT_ROOT;
  const problems = verifyArtifactHashes(root);
  if (problems.length > 0) {
    throw new ZkBallotError("ARTIFACTS_MISMATCH", `circuit artifacts do not match circuits/build/manifest.json: ${problems.join("; ")}`, "run `npm run circuits`");
  }
  const manifest = loadManifest(root);
  const network = await deployer.provider?.getNetwork();
  if (network === undefined) throw new ZkBallotError("INVALID_ARGUMENT", "the deployer signer has no provider");
  const verdict = assertCeremonyVerifiedForChain(network.chainId, manifest, loadManifestTranscript(manifest, root), options);
  if (verdict === "insecure-override") options.log?.(`WARNING: ${describeSetup(manifest.setup)}`);
  if (verdict === "ceremony-verified") options.log?.(`trusted setup: ${describeSetup(manifest.setup)}`);
  const verificationKey = JSON.parse(fs.readFileSync(artifactPath(ARTIFACT_FILES.verificationKey, root), "utf8")) as unknown;
  const verifier = root === PROJECT_ROOT ? await new VoteVerifier__factory(deployer).deploy() : await deployVerifierFromSource(deployer, root);
  await verifier.waitForDeployment();
  const batchVerifier = await deployVoteBatchVerifier(deployer, verificationKey);
  const zkBallot = await new ZkBallot__factory(deployer).deploy(await verifier.getAddress(), await batchVerifier.getAddress(), manifest.rollDepth);
  await zkBallot.waitForDeployment();
  return zkBallot;
}

/** The Groth16 verifier compiled from `root`'s contracts/verifiers/VoteVerifier.sol (another checkout, an installed ceremony). */
async function deployVerifierFromSource(deployer: Signer, root: string): Promise<BaseContract> {
  const source = fs.readFileSync(artifactPath(ARTIFACT_FILES.verifierContract, root), "utf8");
  const { bytecode } = compileStandalone("VoteVerifier.sol", source, VERIFIER_CONTRACT_NAME);
  return (await new ContractFactory(VoteVerifier__factory.abi, bytecode, deployer).deploy()) as BaseContract;
}

/** The contract's custom error behind a failed call or transaction, if there is one. */
export function decodeContractRevert(error: unknown, contractInterface: Interface = ZkBallot__factory.createInterface()): { name: string; args: unknown[] } | undefined {
  const revert = (error as { revert?: { name: string; args: unknown[] } }).revert;
  if (revert !== undefined && revert !== null) return { name: revert.name, args: [...revert.args] };
  const data = findRevertData(error);
  const parsed = data === undefined ? null : contractInterface.parseError(data);
  return parsed ? { name: parsed.name, args: [...parsed.args] } : undefined;
}

/** Turns a revert into a ZkBallotError naming the contract's custom error and its arguments. */
export function explainContractError(error: unknown, contractInterface: Interface = ZkBallot__factory.createInterface()): ZkBallotError {
  const decoded = decodeContractRevert(error, contractInterface);
  if (decoded === undefined) {
    return new ZkBallotError("CONTRACT_REVERT", `transaction failed: ${(error as Error).message?.split("\n")[0] ?? String(error)}`);
  }
  if (decoded.name === "WrongPhase") {
    const [electionId, current, required] = decoded.args.map(Number);
    return new ZkBallotError("CONTRACT_REVERT", `contract refused: WrongPhase(election ${electionId} is in ${Phase[current]}, this needs ${Phase[required]})`);
  }
  if (decoded.name === "VotingNotStarted" || decoded.name === "VotingEnded") {
    const [electionId, time] = decoded.args.map((arg) => BigInt(arg as bigint));
    const what = decoded.name === "VotingNotStarted" ? "voting has not started; it starts at" : "voting ended at";
    return new ZkBallotError("CONTRACT_REVERT", `contract refused: ${decoded.name}(election ${electionId}: ${what} ${isoTime(time)})`);
  }
  const args = decoded.args.map((arg) => String(arg)).join(", ");
  return new ZkBallotError("CONTRACT_REVERT", `contract refused: ${decoded.name}(${args})`);
}

function findRevertData(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const stack: unknown[] = [error];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current !== "object" || current === null || seen.has(current)) continue;
    seen.add(current);
    const data = (current as { data?: unknown }).data;
    if (typeof data === "string" && /^0x[0-9a-fA-F]{8}/.test(data)) return data;
    for (const key of ["error", "info", "cause", "data"]) stack.push((current as Record<string, unknown>)[key]);
  }
  return undefined;
}

async function send(action: () => Promise<{ wait(): Promise<ContractTransactionReceipt | null> }>): Promise<ContractTransactionReceipt> {
  let receipt: ContractTransactionReceipt | null;
  try {
    receipt = await (await action()).wait();
  } catch (error) {
    throw explainContractError(error);
  }
  if (receipt === null || receipt.status !== 1) throw new ZkBallotError("CONTRACT_REVERT", "transaction was not mined successfully");
  return receipt;
}

/** Creates an election; returns its id, read from the ElectionCreated event. */
export async function createElection(zkBallot: ZkBallot, spec: ElectionSpec): Promise<{ electionId: bigint; receipt: ContractTransactionReceipt }> {
  const receipt = await send(() =>
    zkBallot.createElection({
      title: spec.title,
      numOptions: spec.numOptions,
      minSelections: spec.minSelections ?? 1,
      maxSelections: spec.maxSelections ?? 1,
      metadataURI: spec.metadataURI ?? "",
      metadataHash: spec.metadataHash ?? "0x" + "00".repeat(32),
      registrar: spec.registrar,
      votingStartsAt: spec.votingStartsAt ?? 0,
      votingEndsAt: spec.votingEndsAt ?? 0,
    }),
  );
  for (const log of receipt.logs) {
    const event = zkBallotEvents().decode(log);
    if (event?.name === "ElectionCreated") return { electionId: event.args.electionId, receipt };
  }
  throw new ZkBallotError("EVENT_DECODE", "createElection succeeded but emitted no ElectionCreated event");
}

export interface PublishOptions {
  batchSize?: number;
  onProgress?: (published: number, total: number) => void;
}

/**
 * Publishes a voter roll in batches. Resumes from what the chain already holds: the on-chain
 * count and digest must match a prefix of `voterCommitments`, and only the rest is sent, so no
 * commitment is published twice.
 */
export async function publishVoterRoll(zkBallot: ZkBallot, electionId: bigint, voterCommitments: readonly bigint[], options: PublishOptions = {}): Promise<ContractTransactionReceipt[]> {
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ZkBallotError("INVALID_ARGUMENT", `batch size must be a positive integer, got ${batchSize}`);
  indexVoterCommitments(voterCommitments, Number(await zkBallot.ROLL_DEPTH())); // in field, non-zero, unique, fits
  const election = await zkBallot.getElection(electionId);
  const onChain = Number(election.voterCount);
  if (onChain > voterCommitments.length || computeVoterRollDigest(voterCommitments.slice(0, onChain)) !== election.voterRollDigest) {
    throw new ZkBallotError("INVALID_ROLL", `the chain already holds ${onChain} commitments that are not a prefix of this roll`, "publish the same roll file that was used before");
  }
  const receipts: ContractTransactionReceipt[] = [];
  options.onProgress?.(onChain, voterCommitments.length);
  for (let start = onChain; start < voterCommitments.length; start += batchSize) {
    const batch = voterCommitments.slice(start, start + batchSize);
    receipts.push(await send(() => zkBallot.publishVoterCommitments(electionId, start, batch)));
    options.onProgress?.(start + batch.length, voterCommitments.length);
  }
  return receipts;
}

/** Builds the tree from the chain's own record of the roll, then freezes it at that root and opens voting. */
export async function openVoting(zkBallot: ZkBallot, electionId: bigint, options: LogReadOptions = {}): Promise<{ voterRollRoot: bigint; receipt: ContractTransactionReceipt }> {
  const roll = await VoterRoll.build(await fetchVoterRoll(zkBallot, electionId, options), { depth: Number(await zkBallot.ROLL_DEPTH()) });
  const receipt = await send(() => zkBallot.openVoting(electionId, roll.root));
  return { voterRollRoot: roll.root, receipt };
}

export async function closeElection(zkBallot: ZkBallot, electionId: bigint): Promise<{ tally: bigint[]; receipt: ContractTransactionReceipt }> {
  const receipt = await send(() => zkBallot.closeElection(electionId));
  return { tally: [...(await zkBallot.tallies(electionId))], receipt };
}

/**
 * Everything a voter does before submitting: checks the election and the roll, refuses a second
 * vote, and proves. The result can be submitted by anyone (castPreparedBallot or a relayer).
 */
export async function prepareBallot(params: {
  zkBallot: ZkBallot;
  electionId: bigint;
  identity: VoterIdentity;
  /** The chosen option (single choice), or the chosen options (approval); checked against the election's rule. */
  option: number | readonly number[];
  voterRoll: VoterRoll;
  /** Called when every check has passed and proving starts (the slow part, about a second). */
  onProving?: () => void;
  /** Where the "already voted" check starts reading VoteCast events (default: the deployment block). */
  logOptions?: LogReadOptions;
}): Promise<PreparedBallot> {
  const { zkBallot, electionId, identity, option, voterRoll } = params;
  const election = await zkBallot.getElection(electionId).catch((error: unknown) => {
    throw explainContractError(error);
  });
  assertVotingAllowed(electionId, election); // the phase; the window is the submitter's concern (a ballot may be prepared ahead)
  const ballot = encodeBallot(typeof option === "number" ? [option] : option, electionSelectionRule(election));
  if (voterRoll.root !== election.voterRollRoot) {
    throw new ZkBallotError("INVALID_ROLL", "the local voter roll's root differs from the election's frozen root", "rebuild the roll from the chain (fetchVoterRoll)");
  }
  const path = voterRoll.pathOf(identity.voterCommitment);
  const { chainId } = await zkBallot.runner!.provider!.getNetwork();
  const electionScope = computeElectionScope(chainId, await zkBallot.getAddress(), electionId);
  const nullifier = await computeNullifier(identity.identitySecret, electionScope);
  // "Already voted?" is answered from every VoteCast event of the election, compared here:
  // asking the contract (nullifierSpentInBlock) or filtering logs by the nullifier topic would
  // show the RPC provider this voter's nullifier, next to their IP address, just before the
  // ballot carrying it appears on-chain (finding F2 in docs/THREATS.md).
  const { head, events: votes } = await fetchElectionEvents(zkBallot, electionId, "VoteCast", params.logOptions);
  // The events must add up to the tally: an RPC that hides the voter's own earlier ballot fails here.
  const tally = await zkBallot.tallies(electionId, { blockTag: head });
  if (!talliesEqual(recountBallots(votes.map(({ event }) => event.args.ballot as bigint), electionSelectionRule(election)), tally)) {
    throw new ZkBallotError("EVENT_DECODE", `the RPC returned ${votes.length} VoteCast events, which do not add up to the tally ${tally.join(", ")}`, "the RPC returned incomplete logs; try another endpoint");
  }
  const earlier = votes.find(({ event }) => (event.args.nullifier as bigint) === nullifier);
  if (earlier !== undefined) {
    throw new ZkBallotError("ALREADY_VOTED", `this identity already voted in election ${electionId}, in block ${earlier.blockNumber}`, "one ballot per voter; check it with my-ballot");
  }
  params.onProving?.();
  const { proof } = await proveVote({ identity, path, voterRollRoot: election.voterRollRoot, electionScope, ballot });
  return { electionId, ballot, nullifier, proof };
}

/**
 * Refuses a ballot the contract would refuse for the election's state, naming that state:
 * Registration (not opened yet) or Closed (over), before the start time or after the end time.
 * `now` is the latest block's timestamp, the clock the contract uses; without it only the phase
 * is checked.
 */
export function assertVotingAllowed(
  electionId: bigint,
  election: { phase: bigint; votingStartsAt: bigint; votingEndsAt: bigint },
  now?: bigint,
): void {
  // Without `now` only the phase is judged: a window from 0 to 0 never refuses.
  const facts = { phase: Number(election.phase) as Phase, numOptions: 0, votingStartsAt: now === undefined ? 0n : election.votingStartsAt, votingEndsAt: now === undefined ? 0n : election.votingEndsAt };
  const rejection = checkVotingOpen(electionId, facts, now ?? 0n);
  if (rejection) throw votingRefusal(rejection, now ?? 0n);
}

/** The CLI's account of a refusal from lib/core/rules.ts: the state, and what to do next. */
function votingRefusal(rejection: VoteRejection, now: bigint): ZkBallotError {
  const id = "electionId" in rejection ? rejection.electionId : 0n;
  switch (rejection.error) {
    case "ElectionNotFound":
      return new ZkBallotError("ELECTION_STATE", `election ${id} does not exist`, "list elections with `npx hardhat status`");
    case "WrongPhase":
      return rejection.current === Phase.Registration
        ? new ZkBallotError(
            "ELECTION_STATE",
            `election ${id} is in phase Registration, not Voting: voting has not been opened yet`,
            `wait until the registrar opens voting (\`npx hardhat voting open --election ${id}\`); \`npx hardhat status --election ${id}\` shows the phase`,
          )
        : new ZkBallotError(
            "ELECTION_STATE",
            `election ${id} is in phase Closed, not Voting: voting is over and no ballot can be added`,
            `see the result with \`npx hardhat tally --election ${id}\``,
          );
    case "VotingNotStarted":
      return new ZkBallotError(
        "ELECTION_STATE",
        `voting in election ${id} has not started: it starts at ${isoTime(rejection.votingStartsAt)}, the chain's time is ${isoTime(now)}`,
        "vote after the start time",
      );
    case "VotingEnded":
      return new ZkBallotError(
        "ELECTION_STATE",
        `voting in election ${id} ended at ${isoTime(rejection.votingEndsAt)} (the chain's time is ${isoTime(now)}); the election is still in phase Voting until someone closes it`,
        `anyone may close it now with \`npx hardhat election close --election ${id}\`; then \`npx hardhat tally --election ${id}\` shows the result`,
      );
    default:
      return new ZkBallotError("ELECTION_STATE", `election ${id} refuses this ballot (${rejection.error})`);
  }
}

function isoTime(unixSeconds: bigint): string {
  return new Date(Number(unixSeconds) * 1000).toISOString().replace(".000Z", "Z");
}

export async function castPreparedBallot(zkBallot: ZkBallot, prepared: PreparedBallot): Promise<ContractTransactionReceipt> {
  return send(() => zkBallot.castVote(prepared.electionId, prepared.ballot, prepared.nullifier, prepared.proof));
}
