/**
 * The independent auditor: re-verifies a whole election from chain data alone, trusting
 * nobody, as a list of named checks (modelled on ElectionGuard's verifier and Helios's
 * universal verifiability). Each check passes or fails with evidence; every failure names
 * the offending block and transaction.
 */
import { createHash } from "node:crypto";

import { getAddress, keccak256, type LogDescription, type Provider } from "ethers";

import { ZkBallot__factory } from "../../typechain-types";
import { isInsecureSetup, loadManifest, proverArtifacts, sha256File, type SetupManifest } from "../proving/artifacts";
import { decodeSingleChoiceBallot } from "../core/ballot";
import { EMPTY_LEAF, LOCAL_DEV_CHAIN_IDS, SNARK_SCALAR_FIELD } from "../core/constants";
import { toHex32 } from "../core/field";
import { computeElectionScope, computeVoterRollDigest, Phase } from "../chain/election";
import { ZkBallotError } from "../core/errors";
import { verifyVoteProofs } from "../proving/batchVerify";
import { findNonCanonicalCoordinate, loadVerificationKey, type VotePublicSignals } from "../proving/prover";
import { fetchContractLogs, findDeploymentBlock, withRetries } from "../chain/chainLogs";
import { renderVerifierSource } from "../proving/setup";
import { compileStandalone, stripBytecodeMetadata } from "../proving/solidity";
import { checkBatchVerifierCode } from "../proving/batchVerifierContract";
import { VoterRoll } from "../core/voterRoll";
import { checkVerifierProvenance } from "./verifierProvenance";

export type CheckStatus = "pass" | "fail" | "warn";

export interface Finding {
  /** A stable name for findings a reader may want to match, e.g. "NON_CANONICAL_PROOF". */
  code?: string;
  message: string;
  blockNumber?: number;
  transactionHash?: string;
}

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  evidence: Record<string, unknown>;
  findings: Finding[];
  warnings: string[];
}

export interface OperatorAction {
  action: string;
  blockNumber: number;
  transactionHash: string;
  /** The acting address, read from the event (the contract's msg.sender): a Safe, not its signer. */
  actor: string;
  /** Who sent the transaction (tx.from), for information only: a multisig's executor, a relayer. */
  transactionFrom: string;
  details: Record<string, string>;
}

/** One counted ballot as the chain records it, for a voter to find their own (by nullifier). */
export interface BallotEntry {
  nullifier: string;
  ballot: string;
  /** The option it decodes to, or null when it does not decode. */
  option: number | null;
  blockNumber: number;
  transactionHash: string;
  /** It passed every rule and its proof re-verified. */
  verified: boolean;
}

export interface AuditReport {
  tool: "zkballot-audit";
  reportVersion: 2;
  generatedAt: string;
  chainId: string;
  contract: string;
  electionId: string;
  blocks: { from: number; to: number };
  election: Record<string, unknown>;
  operations: OperatorAction[];
  ballots: BallotEntry[];
  checks: CheckResult[];
  result: { ok: boolean; passed: number; failed: number; warned: number };
}

export interface AuditOptions {
  provider: Provider;
  contractAddress: string;
  electionId: bigint;
  /** The verification key the election claims; default: circuits/build/verification_key.json. */
  verificationKey?: Record<string, unknown>;
  /** SHA-256 of the file `verificationKey` was read from (shown as evidence); default: of its JSON text. */
  verificationKeySha256?: string;
  /** Its setup label; default: circuits/build/manifest.json. */
  manifest?: SetupManifest;
  /** Ceremony transcripts (transcript.json or its directory) to verify and match the deployed key against. */
  transcripts?: string[];
  /** The ceremony's phase-1 file, when it is not beside the transcript. */
  ptau?: string;
  fromBlock?: number;
  toBlock?: number;
  /** Largest block range per eth_getLogs call; halved automatically when the RPC refuses. */
  blockRange?: number;
  maxRetries?: number;
  /** Directory for a resumable cache of fetched logs. */
  cacheDir?: string;
  /** Blocks behind the head that are cached (reorg safety). */
  cacheConfirmations?: number;
  onProgress?: (stage: string, done: number, total: number) => void;
}

const CHECK_TITLES = {
  "election-record": "Election record and operation log",
  "voter-roll": "Voter roll rebuilt from published commitments",
  "verifier-integrity": "Verifiers (single and batch) match the published verification key",
  ballots: "Every ballot re-verified",
  tally: "Tally recomputed from verified ballots",
  unexplained: "Nothing on-chain left unexplained",
} as const;

type CheckId = keyof typeof CHECK_TITLES;

class CheckBuilder {
  readonly findings: Finding[] = [];
  readonly warnings: string[] = [];
  readonly evidence: Record<string, unknown> = {};
  constructor(readonly id: CheckId) {}
  fail(message: string, at?: { blockNumber?: number; transactionHash?: string }, code?: string): void {
    this.findings.push({ ...(code ? { code } : {}), message, ...(at?.blockNumber !== undefined ? { blockNumber: at.blockNumber } : {}), ...(at?.transactionHash ? { transactionHash: at.transactionHash } : {}) });
  }
  result(): CheckResult {
    const status: CheckStatus = this.findings.length > 0 ? "fail" : this.warnings.length > 0 ? "warn" : "pass";
    return { id: this.id, title: CHECK_TITLES[this.id], status, evidence: this.evidence, findings: this.findings, warnings: this.warnings };
  }
}

interface DecodedLog {
  blockNumber: number;
  transactionHash: string;
  index: number;
  event: LogDescription;
}

const at = (log: { blockNumber: number; transactionHash: string }) => ({ blockNumber: log.blockNumber, transactionHash: log.transactionHash });

/** The field of each operator event that holds the acting address (msg.sender); docs/PROTOCOL.md, "Events". */
const ACTOR_FIELD: Record<string, string> = {
  ElectionCreated: "admin",
  AdminTransferred: "previousAdmin",
  RegistrarChanged: "admin",
  VoterCommitmentsPublished: "registrar",
  VotingOpened: "registrar",
  ElectionClosed: "closedBy",
};

function actorOf(event: LogDescription): string | undefined {
  const field = ACTOR_FIELD[event.name];
  return field === undefined ? undefined : getAddress(event.args[field] as string);
}

export async function auditElection(options: AuditOptions): Promise<AuditReport> {
  const { provider, electionId } = options;
  const contract = getAddress(options.contractAddress);
  const progress = options.onProgress ?? (() => undefined);
  const maxRetries = options.maxRetries ?? 5;
  const rpc = <T>(what: string, call: () => Promise<T>) => withRetries(what, maxRetries, call);
  const { chainId } = await rpc("eth_chainId", () => provider.getNetwork());
  if ((await rpc("eth_getCode", () => provider.getCode(contract))) === "0x") {
    throw new ZkBallotError("INVALID_ARGUMENT", `no contract at ${contract} on chain ${chainId}`, "check the address and --network");
  }
  const zkBallot = ZkBallot__factory.connect(contract, provider);
  const iface = zkBallot.interface;
  // One snapshot: every state read and every log is taken at the same block, so a ballot or a
  // close landing during the audit cannot make state and events disagree.
  const head = options.toBlock ?? (await rpc("eth_getBlockByNumber", () => provider.getBlock("latest")))?.number;
  if (head === undefined || head === null) throw new ZkBallotError("EVENT_DECODE", "the RPC returned no latest block");
  const atHead = { blockTag: head };
  const state = await rpc("getElection", () => zkBallot.getElection(electionId, atHead)).catch((error: unknown) => {
    throw new ZkBallotError("INVALID_ARGUMENT", `election ${electionId} cannot be read from ${contract}: ${(error as Error).message.split("\n")[0]}`, "check the election id");
  });
  const onChainTally = [...(await rpc("tallies", () => zkBallot.tallies(electionId, atHead)))];
  const verifierAddress = await rpc("VERIFIER", () => zkBallot.VERIFIER(atHead));
  const batchVerifierAddress = await rpc("BATCH_VERIFIER", () => zkBallot.BATCH_VERIFIER(atHead));
  const rollDepth = Number(await rpc("ROLL_DEPTH", () => zkBallot.ROLL_DEPTH(atHead)));
  const electionCount = await rpc("electionCount", () => zkBallot.electionCount(atHead));
  const fromBlock = options.fromBlock ?? (await findDeploymentBlock(provider, contract, head));
  const numOptions = Number(state.numOptions);

  const rawLogs = await fetchContractLogs({
    provider, contract, chainId, fromBlock, toBlock: head,
    blockRange: options.blockRange ?? 5_000, maxRetries,
    cacheDir: options.cacheDir, cacheConfirmations: options.cacheConfirmations ?? 12,
    onProgress: (done, total) => progress("fetching logs", done, total),
  });

  const unexplained = new CheckBuilder("unexplained");
  const mine: DecodedLog[] = [];
  let electionsCreated = 0n;
  for (const log of rawLogs) {
    const event = iface.parseLog({ topics: log.topics, data: log.data });
    if (event === null) {
      unexplained.fail(`log with unknown topic ${log.topics[0] ?? "(none)"} emitted by the contract`, at(log));
      continue;
    }
    if (event.name === "ElectionCreated") electionsCreated++;
    if ((event.args[0] as bigint) === electionId) mine.push({ ...log, event });
  }
  unexplained.evidence.logsFetched = rawLogs.length;
  unexplained.evidence.logsOfThisElection = mine.length;
  if (options.fromBlock === undefined && electionsCreated !== electionCount) {
    unexplained.fail(`the contract counts ${electionCount} elections but ${electionsCreated} ElectionCreated events exist`);
  }

  // Transaction senders of operator actions (shown, never trusted as the actor) and timestamps
  // of blocks, fetched once each.
  const senders = new Map<string, string>();
  const senderOf = async (hash: string) => {
    if (!senders.has(hash)) {
      const tx = await rpc("eth_getTransactionByHash", () => provider.getTransaction(hash));
      senders.set(hash, tx ? getAddress(tx.from) : "(unknown)");
    }
    return senders.get(hash)!;
  };
  const timestamps = new Map<number, number>();
  const timestampOf = async (blockNumber: number) => {
    if (!timestamps.has(blockNumber)) {
      const block = await rpc("eth_getBlockByNumber", () => provider.getBlock(blockNumber));
      if (!block) throw new ZkBallotError("EVENT_DECODE", `the RPC has no block ${blockNumber}`);
      timestamps.set(blockNumber, block.timestamp);
    }
    return timestamps.get(blockNumber)!;
  };

  // ------------------------------------------------------------------ 1. election record
  const record = new CheckBuilder("election-record");
  const operations: OperatorAction[] = [];
  const created = mine.filter((log) => log.event.name === "ElectionCreated");
  let admin: string | undefined;
  let registrar: string | undefined;
  let window = { startsAt: 0n, endsAt: 0n };
  let phase = Phase.None;
  let openedAt: DecodedLog | undefined;
  let closedAt: DecodedLog | undefined;
  const rollBatches: DecodedLog[] = [];
  const votes: DecodedLog[] = [];
  let skippedBallots = 0;
  if (created.length !== 1) record.fail(`expected one ElectionCreated event for election ${electionId}, found ${created.length}`);
  for (const log of mine) {
    const args = log.event.args;
    const name = log.event.name;
    if (name === "VoteSkipped") {
      skippedBallots++; // a batch entry castVotes refused: no state change to explain
      continue;
    }
    if (name === "VoteCast") {
      if (phase !== Phase.Voting) unexplained.fail(`VoteCast while the election was ${Phase[phase]}`, at(log));
      votes.push(log);
      continue;
    }
    // The acting address is the event's own field (the contract's msg.sender), so an operator
    // that is a contract (a Safe) is seen as itself, not as whoever sent the transaction.
    const actor = actorOf(log.event);
    if (actor === undefined) {
      unexplained.fail(`unexpected event ${name} for this election`, at(log));
      continue;
    }
    const transactionFrom = await senderOf(log.transactionHash);
    const details: Record<string, string> = {};
    switch (name) {
      case "ElectionCreated": {
        if (phase !== Phase.None) unexplained.fail("a second ElectionCreated for this election", at(log));
        admin = actor;
        registrar = getAddress(args.registrar as string);
        window = { startsAt: args.votingStartsAt as bigint, endsAt: args.votingEndsAt as bigint };
        phase = Phase.Registration;
        Object.assign(details, { title: args.title as string, numOptions: String(args.numOptions), registrar, votingStartsAt: String(window.startsAt), votingEndsAt: String(window.endsAt) });
        const fields: [string, unknown, unknown][] = [
          ["title", args.title, state.title], ["numOptions", args.numOptions, state.numOptions], ["metadataURI", args.metadataURI, state.metadataURI],
          ["metadataHash", args.metadataHash, state.metadataHash], ["votingStartsAt", args.votingStartsAt, state.votingStartsAt], ["votingEndsAt", args.votingEndsAt, state.votingEndsAt],
        ];
        for (const [field, logged, stored] of fields) {
          if (String(logged) !== String(stored)) record.fail(`${field} in storage (${String(stored)}) differs from ElectionCreated (${String(logged)})`, at(log));
        }
        break;
      }
      case "AdminTransferred":
        if (actor !== admin) record.fail(`admin transferred by ${actor}, who was not the admin (${admin})`, at(log));
        if (phase === Phase.Closed) unexplained.fail("AdminTransferred after the election closed", at(log));
        admin = getAddress(args.newAdmin as string);
        details.newAdmin = admin;
        break;
      case "RegistrarChanged":
        if (actor !== admin) record.fail(`registrar changed by ${actor}, who was not the admin (${admin})`, at(log));
        if (phase !== Phase.Registration) unexplained.fail(`RegistrarChanged while the election was ${Phase[phase]}`, at(log));
        registrar = getAddress(args.newRegistrar as string);
        details.newRegistrar = registrar;
        break;
      case "VoterCommitmentsPublished":
        if (actor !== registrar) record.fail(`commitments published by ${actor}, who was not the registrar (${registrar})`, at(log));
        if (phase !== Phase.Registration) unexplained.fail(`roll changed while the election was ${Phase[phase]} (after the freeze)`, at(log));
        rollBatches.push(log);
        Object.assign(details, { firstIndex: String(args.firstIndex), count: String((args.voterCommitments as bigint[]).length) });
        break;
      case "VotingOpened":
        if (actor !== registrar) record.fail(`voting opened by ${actor}, who was not the registrar (${registrar})`, at(log));
        if (phase !== Phase.Registration) unexplained.fail(`VotingOpened while the election was ${Phase[phase]}`, at(log));
        phase = Phase.Voting;
        openedAt = log;
        Object.assign(details, { voterRollRoot: String(args.voterRollRoot), voterCount: String(args.voterCount) });
        break;
      case "ElectionClosed": {
        if (phase !== Phase.Voting) unexplained.fail(`ElectionClosed while the election was ${Phase[phase]}`, at(log));
        if (actor !== admin && (window.endsAt === 0n || BigInt(await timestampOf(log.blockNumber)) < window.endsAt)) {
          record.fail(`closed by ${actor}, who is not the admin, before the end of the voting window`, at(log));
        }
        phase = Phase.Closed;
        closedAt = log;
        details.tally = (args.tally as bigint[]).join(",");
        break;
      }
      default:
        unexplained.fail(`unexpected event ${name} for this election`, at(log));
    }
    operations.push({ action: name, blockNumber: log.blockNumber, transactionHash: log.transactionHash, actor, transactionFrom, details });
  }
  if (phase !== Number(state.phase)) unexplained.fail(`the contract says phase ${Phase[Number(state.phase)]} but its events lead to ${Phase[phase]}`);
  if (admin !== undefined && admin !== getAddress(state.admin)) unexplained.fail(`the contract's admin ${state.admin} is not the one the events lead to (${admin})`);
  if (registrar !== undefined && registrar !== getAddress(state.registrar)) unexplained.fail(`the contract's registrar ${state.registrar} is not the one the events lead to (${registrar})`);
  Object.assign(record.evidence, { title: state.title, numOptions, phase: Phase[Number(state.phase)], admin: state.admin, registrar: state.registrar, operatorActions: operations.length });

  // ------------------------------------------------------------------ 2. voter roll
  const roll = new CheckBuilder("voter-roll");
  const commitments: bigint[] = [];
  let digest = "0x" + "00".repeat(32);
  const seen = new Map<bigint, number>();
  for (const log of rollBatches) {
    const batch = log.event.args.voterCommitments as bigint[];
    if (Number(log.event.args.firstIndex) !== commitments.length) {
      roll.fail(`batch starts at index ${log.event.args.firstIndex}, expected ${commitments.length}`, at(log));
    }
    for (const commitment of batch) {
      if (commitment === EMPTY_LEAF || commitment >= SNARK_SCALAR_FIELD) roll.fail(`commitment ${commitments.length} (${commitment}) is not a valid field element`, at(log));
      const earlier = seen.get(commitment);
      if (earlier !== undefined) roll.fail(`commitment ${commitments.length} duplicates commitment ${earlier}`, at(log));
      seen.set(commitment, commitments.length);
      commitments.push(commitment);
    }
    digest = computeVoterRollDigest(batch, digest);
    if (digest !== log.event.args.voterRollDigest) roll.fail("the batch's stated roll digest does not match its commitments", at(log));
  }
  if (BigInt(commitments.length) !== state.voterCount) roll.fail(`the contract counts ${state.voterCount} voters, the events publish ${commitments.length}`);
  if (digest !== state.voterRollDigest) roll.fail(`the contract's roll digest ${state.voterRollDigest} differs from the digest of the published commitments ${digest}`);
  let voterRollRoot: bigint | undefined;
  if (commitments.length > 2 ** rollDepth) {
    roll.fail(`${commitments.length} commitments do not fit a depth-${rollDepth} tree`);
  } else {
    const tree = await VoterRoll.build(commitments.filter((c) => c > 0n && c < SNARK_SCALAR_FIELD), { depth: rollDepth, onProgress: (done, total) => progress("rebuilding the roll tree", done, total) }).catch(() => undefined);
    roll.evidence.recomputedRoot = tree?.root.toString();
    if (openedAt) {
      voterRollRoot = openedAt.event.args.voterRollRoot as bigint;
      roll.evidence.frozenRoot = voterRollRoot.toString();
      if (tree === undefined || tree.root !== voterRollRoot) roll.fail(`the frozen root ${voterRollRoot} is not the Poseidon root of the published commitments (${tree?.root ?? "tree not buildable"})`, at(openedAt));
      if (voterRollRoot !== state.voterRollRoot) roll.fail(`the contract's root ${state.voterRollRoot} differs from the one announced in VotingOpened`, at(openedAt));
      if (openedAt.event.args.voterCount !== BigInt(commitments.length) || openedAt.event.args.voterRollDigest !== digest) {
        roll.fail("VotingOpened states a count or digest that differs from the published roll", at(openedAt));
      }
    } else {
      roll.warnings.push("the roll is not frozen yet (voting has not opened)");
    }
  }
  Object.assign(roll.evidence, {
    voterCount: commitments.length,
    onChainVoterCount: Number(state.voterCount),
    voterRollDigest: digest,
    onChainVoterRollDigest: state.voterRollDigest,
    batches: rollBatches.length,
    rollDepth,
  });

  // ------------------------------------------------------------------ 3. verifier integrity
  const verifier = new CheckBuilder("verifier-integrity");
  const verificationKey = options.verificationKey ?? (loadVerificationKey() as Record<string, unknown>);
  // The published file's SHA-256 (as in manifest.json) when the key is the committed one.
  const verificationKeyHash =
    options.verificationKey === undefined
      ? sha256File(proverArtifacts().verificationKey)
      : (options.verificationKeySha256 ?? createHash("sha256").update(JSON.stringify(options.verificationKey)).digest("hex"));
  const manifest = options.manifest ?? loadManifest();
  progress("compiling the verifiers from the verification key", 0, 2);
  const expected = compileStandalone("VoteVerifier.sol", renderVerifierSource(verificationKey), "Groth16Verifier");
  const deployed = await rpc("eth_getCode", () => provider.getCode(verifierAddress, head));
  progress("compiling the verifiers from the verification key", 1, 2);
  // castVotes checks proofs with the batch verifier: it must hold the same key.
  const batchVerifierProblems = await rpc("batch verifier", () => checkBatchVerifierCode(provider, batchVerifierAddress, verificationKey, head)).catch(
    (error: unknown) => [`the batch verifier at ${batchVerifierAddress} cannot be read: ${(error as Error).message.split("\n")[0]}`],
  );
  progress("compiling the verifiers from the verification key", 2, 2);
  for (const problem of batchVerifierProblems) verifier.fail(problem);
  Object.assign(verifier.evidence, {
    verifier: verifierAddress,
    batchVerifier: batchVerifierAddress,
    deployedCodeBytes: (deployed.length - 2) / 2,
    icPoints: (verificationKey.IC as unknown[] | undefined)?.length,
    verifierCodeHash: keccak256(deployed),
    batchVerifierCodeHash: keccak256(await rpc("eth_getCode", () => provider.getCode(batchVerifierAddress, head))),
    verificationKeySha256: verificationKeyHash,
    setup: manifest.setup.kind,
    setupSecure: manifest.setup.secure,
  });
  if (deployed === "0x") verifier.fail(`no code at the verifier address ${verifierAddress}`);
  else if (stripBytecodeMetadata(deployed) !== stripBytecodeMetadata(expected.deployedBytecode)) {
    verifier.fail(`the code at ${verifierAddress} is not the verifier compiled from the published verification key`);
  }
  if (Number(verificationKey.nPublic) !== 4) verifier.fail(`the verification key has ${String(verificationKey.nPublic)} public signals, the protocol has 4`);
  if (rollDepth !== manifest.rollDepth) verifier.fail(`the contract's ROLL_DEPTH ${rollDepth} differs from the circuit's depth ${manifest.rollDepth}`);
  if (isInsecureSetup(manifest)) {
    if (LOCAL_DEV_CHAIN_IDS.includes(chainId)) verifier.warnings.push(`INSECURE trusted setup: ${manifest.setup.warning}`);
    else {
      verifier.fail(
        `INSECURE trusted setup on chain ${chainId}, which is not a local development chain: anyone can forge proofs, so no ballot count can be trusted. ${manifest.setup.warning}`,
        undefined,
        "INSECURE_SETUP",
      );
    }
  }

  // Which setup the key comes from (lib/audit/verifierProvenance.ts): a verified ceremony, or a failure off the local chains.
  const provenance = await checkVerifierProvenance({ chainId, verificationKey, manifest, transcripts: options.transcripts, ptau: options.ptau, onProgress: progress });
  verifier.evidence.provenance = { ...provenance.evidence, status: provenance.status };
  for (const finding of provenance.findings) verifier.fail(finding.message, undefined, finding.code);
  verifier.warnings.push(...provenance.warnings);

  // ------------------------------------------------------------------ 4. ballots
  const ballots = new CheckBuilder("ballots");
  const electionScope = computeElectionScope(chainId, contract, electionId);
  const recount = new Array<bigint>(numOptions).fill(0n);
  const nullifierFirstSeen = new Map<bigint, DecodedLog>();
  let nonCanonicalProofs = 0;
  // Every rule but the proof, ballot by ballot; then all proofs at once, batched across both
  // cores (lib/proving/batchVerify.ts gives exactly snarkjs's verdict for each proof).
  const checked: { log: DecodedLog; option: number | undefined; valid: boolean; signals?: VotePublicSignals; proof: bigint[] }[] = [];
  for (const log of votes) {
    const nullifier = log.event.args.nullifier as bigint;
    const ballot = log.event.args.ballot as bigint;
    let valid = true;
    const first = nullifierFirstSeen.get(nullifier);
    if (first) {
      ballots.fail(`nullifier ${nullifier} was already used in block ${first.blockNumber} (tx ${first.transactionHash}): a double vote`, at(log));
      valid = false;
    } else nullifierFirstSeen.set(nullifier, log);
    if (nullifier >= SNARK_SCALAR_FIELD) {
      ballots.fail(`nullifier ${nullifier} is outside the field`, at(log));
      valid = false;
    }
    let option: number | undefined;
    try {
      option = decodeSingleChoiceBallot(ballot, numOptions);
    } catch {
      ballots.fail(`ballot ${ballot} is not a valid single choice among ${numOptions} options`, at(log));
      valid = false;
    }
    const timestamp = BigInt(await timestampOf(log.blockNumber));
    if (timestamp < window.startsAt || (window.endsAt !== 0n && timestamp >= window.endsAt)) {
      ballots.fail(`ballot cast at ${timestamp}, outside the voting window [${window.startsAt}, ${window.endsAt === 0n ? "none" : window.endsAt})`, at(log));
      valid = false;
    }
    const proof = [...(log.event.args.proof as bigint[])];
    const nonCanonical = findNonCanonicalCoordinate(proof);
    if (nonCanonical) {
      // The verifier this contract calls reduces A.y, so a re-encoded copy of a genuine ballot
      // can be counted on-chain; no off-chain verifier accepts it (docs/THREATS.md).
      ballots.fail(
        `non-canonical proof encoding: coordinate ${nonCanonical.index} (${nonCanonical.name}) is ${nonCanonical.value}, not below the base field order q; the contract counted a proof that no off-chain verifier accepts (a re-encoded copy, which a ZkBallot that refuses coordinates >= q rejects)`,
        at(log),
        "NON_CANONICAL_PROOF",
      );
      nonCanonicalProofs++;
      valid = false;
    }
    const signals = voterRollRoot === undefined || nonCanonical ? undefined : { voterRollRoot, nullifier, electionScope, ballot };
    checked.push({ log, option, valid: valid && signals !== undefined, signals, proof });
  }
  const toVerify = checked.filter((entry) => entry.signals !== undefined);
  const verdicts = await verifyVoteProofs(
    toVerify.map((entry) => ({ signals: entry.signals!, proof: entry.proof })),
    { verificationKey, onProgress: (done, total) => progress("re-verifying ballots", done, total) },
  );
  toVerify.forEach((entry, i) => {
    if (!verdicts[i]) {
      ballots.fail("the ballot's Groth16 proof does not verify against the verification key, the frozen root and the election scope", at(entry.log));
      entry.valid = false;
    }
  });
  let verified = 0;
  const ballotList: BallotEntry[] = [];
  for (const entry of checked) {
    const countsHere = entry.valid && entry.option !== undefined;
    if (countsHere) {
      verified++;
      recount[entry.option!]++;
    }
    ballotList.push({
      nullifier: toHex32(entry.log.event.args.nullifier as bigint),
      ballot: String(entry.log.event.args.ballot),
      option: entry.option ?? null,
      blockNumber: entry.log.blockNumber,
      transactionHash: entry.log.transactionHash,
      verified: countsHere,
    });
  }
  Object.assign(ballots.evidence, { voteCastEvents: votes.length, verified, nonCanonicalProofs, skippedInBatches: skippedBallots, electionScope: electionScope.toString() });

  // ------------------------------------------------------------------ 5. tally
  const tally = new CheckBuilder("tally");
  Object.assign(tally.evidence, { recount: recount.map(String), onChain: onChainTally.map(String) });
  if (recount.some((count, i) => count !== onChainTally[i])) {
    tally.fail(`the on-chain tally [${onChainTally.join(", ")}] differs from the recount of verified ballots [${recount.join(", ")}]`);
  }
  if (closedAt) {
    const finalTally = [...(closedAt.event.args.tally as bigint[])];
    tally.evidence.final = finalTally.map(String);
    if (finalTally.length !== numOptions || finalTally.some((count, i) => count !== recount[i])) {
      tally.fail(`the final tally in ElectionClosed [${finalTally.join(", ")}] differs from the recount [${recount.join(", ")}]`, at(closedAt));
    }
  } else if (Number(state.phase) !== Phase.Closed) {
    tally.warnings.push("the election is not closed: this tally is not final");
  }

  const checks = [record, roll, verifier, ballots, tally, unexplained].map((check) => check.result());
  const failed = checks.filter((check) => check.status === "fail").length;
  return {
    tool: "zkballot-audit",
    reportVersion: 2,
    generatedAt: new Date().toISOString(),
    chainId: chainId.toString(),
    contract,
    electionId: electionId.toString(),
    blocks: { from: fromBlock, to: head },
    election: {
      title: state.title,
      numOptions,
      metadataURI: state.metadataURI,
      metadataHash: state.metadataHash,
      phase: Phase[Number(state.phase)],
      admin: state.admin,
      registrar: state.registrar,
      voterCount: Number(state.voterCount),
      voterRollRoot: state.voterRollRoot.toString(),
      votingStartsAt: Number(state.votingStartsAt),
      votingEndsAt: Number(state.votingEndsAt),
      verifier: verifierAddress,
      batchVerifier: batchVerifierAddress,
      tally: onChainTally.map(String),
    },
    operations,
    ballots: ballotList,
    checks,
    result: { ok: failed === 0, passed: checks.filter((c) => c.status === "pass").length, failed, warned: checks.filter((c) => c.status === "warn").length },
  };
}

/** The human summary: one line per check, then each finding with its block and transaction. */
export function formatAuditSummary(report: AuditReport): string {
  const lines = [`zkballot audit of election ${report.electionId} ("${String(report.election.title)}") at ${report.contract} on chain ${report.chainId}, blocks ${report.blocks.from}-${report.blocks.to}`];
  for (const check of report.checks) {
    lines.push(`  [${check.status.toUpperCase().padEnd(4)}] ${check.id.padEnd(18)} ${check.title}`);
    for (const finding of check.findings) {
      const where = finding.blockNumber !== undefined ? ` (block ${finding.blockNumber}${finding.transactionHash ? `, tx ${finding.transactionHash}` : ""})` : "";
      lines.push(`         - ${finding.code ? `${finding.code}: ` : ""}${finding.message}${where}`);
    }
    for (const warning of check.warnings) lines.push(`         ! ${warning}`);
  }
  lines.push(report.result.ok ? `RESULT: PASS (${report.result.passed} passed, ${report.result.warned} with warnings)` : `RESULT: FAIL (${report.result.failed} checks failed)`);
  return lines.join("\n");
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The comparisons a reader checks by eye: each value the auditor recomputed next to the one the chain states. */
function evidenceRows(report: AuditReport): [string, string, string][] {
  const evidence = (id: string) => report.checks.find((check) => check.id === id)?.evidence ?? {};
  const text = (value: unknown) => (value === undefined || value === null ? "(none)" : Array.isArray(value) ? value.join(", ") : String(value));
  const roll = evidence("voter-roll");
  const verifier = evidence("verifier-integrity");
  const ballots = evidence("ballots");
  const tally = evidence("tally");
  return [
    ["voter roll root", `recomputed from the published commitments: ${text(roll.recomputedRoot)}`, `frozen in VotingOpened: ${text(roll.frozenRoot)}`],
    ["voters on the roll", `published in events: ${text(roll.voterCount)} (in ${text(roll.batches)} batches)`, `contract: ${text(roll.onChainVoterCount)}`],
    ["roll digest", `recomputed: ${text(roll.voterRollDigest)}`, `contract: ${text(roll.onChainVoterRollDigest)}`],
    ["vote verifier", `code hash (keccak256 of the code at ${text(verifier.verifier)}): ${text(verifier.verifierCodeHash)}`, "compared with the verifier compiled from the verification key"],
    ["batch verifier", `code hash (keccak256 of the code at ${text(verifier.batchVerifier)}): ${text(verifier.batchVerifierCodeHash)}`, "compared with VoteBatchVerifier and the key it returns"],
    ["verification key", `SHA-256: ${text(verifier.verificationKeySha256)}`, `setup: ${text(verifier.setup)}${verifier.setupSecure === true ? "" : " (INSECURE: anyone can forge proofs)"}`],
    ["ballots", `VoteCast events: ${text(ballots.voteCastEvents)}; re-verified: ${text(ballots.verified)}; non-canonical: ${text(ballots.nonCanonicalProofs)}`, `skipped in batches (not counted): ${text(ballots.skippedInBatches)}`],
    ["tally", `recount of verified ballots: ${text(tally.recount)}`, `on-chain: ${text(tally.onChain)}${tally.final === undefined ? "" : `; final (ElectionClosed): ${text(tally.final)}`}`],
  ];
}

/** Filters the ballot table as the voter types (no request leaves the page). */
const BALLOT_SEARCH_SCRIPT = `(function () {
  var input = document.getElementById("ballot-search");
  var rows = document.querySelectorAll("#ballots tbody tr");
  var shown = document.getElementById("ballot-count");
  input.addEventListener("input", function () {
    var query = input.value.trim().toLowerCase();
    var count = 0;
    for (var i = 0; i < rows.length; i++) {
      var match = query === "" || rows[i].textContent.toLowerCase().indexOf(query) >= 0;
      rows[i].hidden = !match;
      if (match) count++;
    }
    shown.textContent = String(count);
  });
})();`;

/**
 * A self-contained HTML report: the verdict, the tally as an inline SVG chart, every check with
 * its evidence, the recomputed values next to the chain's, the operator record and every ballot
 * (searchable by a small inline script). No external requests; long values wrap.
 */
export function renderAuditHtml(report: AuditReport, optionNames: string[]): string {
  const tally = (report.election.tally as string[]).map(Number);
  const max = Math.max(1, ...tally);
  const bars = tally
    .map((votes, i) => {
      const width = Math.round((votes / max) * 400);
      const y = 10 + i * 34;
      return `<text x="0" y="${y + 17}" font-size="13">${escapeHtml(optionNames[i] ?? `option ${i}`)}</text><rect x="170" y="${y}" width="${width}" height="24" fill="#3b6ea5"/><text x="${176 + width}" y="${y + 17}" font-size="13">${votes}</text>`;
    })
    .join("");
  const evidenceList = (evidence: Record<string, unknown>) =>
    Object.entries(evidence)
      .map(([key, value]) => `<li>${escapeHtml(key)}: <code>${escapeHtml(Array.isArray(value) ? value.join(", ") : String(value))}</code></li>`)
      .join("");
  const rows = report.checks
    .map((check) => {
      const color = check.status === "pass" ? "#1a7f37" : check.status === "warn" ? "#9a6700" : "#cf222e";
      const notes = [
        ...check.findings.map((f) => `${f.code ? `${f.code}: ` : ""}${f.message}${f.blockNumber !== undefined ? ` (block ${f.blockNumber}${f.transactionHash ? `, tx ${f.transactionHash}` : ""})` : ""}`),
        ...check.warnings,
      ]
        .map((note) => `<li>${escapeHtml(note)}</li>`)
        .join("");
      return `<tr><td style="color:${color};font-weight:bold">${check.status.toUpperCase()}</td><td>${escapeHtml(check.title)}</td><td><ul>${notes}</ul></td><td><ul class="evidence">${evidenceList(check.evidence)}</ul></td></tr>`;
    })
    .join("");
  const comparisons = evidenceRows(report)
    .map(([what, recomputed, stated]) => `<tr><td>${escapeHtml(what)}</td><td>${escapeHtml(recomputed)}</td><td>${escapeHtml(stated)}</td></tr>`)
    .join("");
  const operations = report.operations
    .map((op) => `<tr><td>${op.blockNumber}</td><td>${escapeHtml(op.action)}</td><td><code>${escapeHtml(op.actor)}</code></td><td><code>${escapeHtml(op.transactionFrom)}</code></td><td><code>${escapeHtml(op.transactionHash)}</code></td><td>${escapeHtml(Object.entries(op.details).map(([k, v]) => `${k}=${v}`).join(", "))}</td></tr>`)
    .join("");
  const ballots = report.ballots
    .map((b) => `<tr><td><code>${escapeHtml(b.nullifier)}</code></td><td>${b.option === null ? "(invalid)" : escapeHtml(`${b.option} (${optionNames[b.option] ?? `option ${b.option}`})`)}</td><td>${b.blockNumber}</td><td><code>${escapeHtml(b.transactionHash)}</code></td><td>${b.verified ? "yes" : "NO"}</td></tr>`)
    .join("");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>zkballot audit: election ${escapeHtml(report.electionId)}</title>
<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}table{border-collapse:collapse;width:100%;table-layout:fixed}td,th{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere;word-break:break-word}ul{margin:0;padding-left:1.2em}code{font-size:12px;overflow-wrap:anywhere;word-break:break-all}input{font-size:1em;width:100%;max-width:40em;padding:4px}</style></head><body>
<h1>${escapeHtml(String(report.election.title))}</h1>
<p>Election ${escapeHtml(report.electionId)} at <code>${escapeHtml(report.contract)}</code> on chain ${escapeHtml(report.chainId)}, blocks ${report.blocks.from}-${report.blocks.to}. Audited ${escapeHtml(report.generatedAt)}.</p>
<h2 id="verdict" style="color:${report.result.ok ? "#1a7f37" : "#cf222e"}">${report.result.ok ? "PASS" : "FAIL"}: ${report.result.passed} passed, ${report.result.warned} warnings, ${report.result.failed} failed</h2>
<h2>Result</h2><svg width="640" height="${20 + tally.length * 34}" role="img" aria-label="tally">${bars}</svg>
<h2>Checks</h2><table id="checks"><thead><tr><th style="width:4em">status</th><th style="width:14em">check</th><th>findings</th><th>evidence</th></tr></thead><tbody>${rows}</tbody></table>
<h2>Evidence: recomputed next to stated</h2><table id="evidence"><thead><tr><th style="width:10em">what</th><th>recomputed by this audit</th><th>stated by the chain</th></tr></thead><tbody>${comparisons}</tbody></table>
<h2>Operation record</h2><p>The actor is the address the contract saw (msg.sender), read from the event; a multisig is shown as itself. The transaction sender is who paid for the transaction.</p>
<table id="operations"><thead><tr><th style="width:5em">block</th><th style="width:12em">action</th><th>actor</th><th>transaction sender</th><th>transaction</th><th>details</th></tr></thead><tbody>${operations}</tbody></table>
<h2>Ballots (${report.ballots.length})</h2><p>Find yours by its nullifier (<code>npx hardhat my-ballot</code> prints it) or its transaction.</p>
<p><label for="ballot-search">Search: </label><input id="ballot-search" type="search" placeholder="nullifier, transaction hash or block"> <span id="ballot-count">${report.ballots.length}</span> shown</p>
<table id="ballots"><thead><tr><th>nullifier</th><th style="width:9em">option</th><th style="width:5em">block</th><th>transaction</th><th style="width:6em">verified</th></tr></thead><tbody>${ballots}</tbody></table>
<script>${BALLOT_SEARCH_SCRIPT}</script>
</body></html>
`;
}
