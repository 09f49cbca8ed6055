/**
 * Sealed elections on chain (SealedZkBallot): deploy, create, the key ceremony steps, cast,
 * trustee decryption and the final tally. Thin over the contract; every rule lives in the
 * contract and in lib/sealed, and every revert comes back as a one-line ZkBallotError naming
 * the contract's custom error.
 */
import type { ContractTransactionReceipt, Signer } from "ethers";

import { SealedDecryptionVerifier__factory, SealedVoteVerifier__factory, SealedZkBallot__factory, type SealedZkBallot } from "../../../typechain-types";
import { assertSetupAllowedOnChain, computeElectionScope, explainContractError } from "../../chain/election";
import { ZkBallotError } from "../../core/errors";
import { describeSetup } from "../../proving/artifacts";
import { deployGroth16BatchVerifier } from "../../proving/batchVerifierContract";
import { loadSealedManifest, verifySealedArtifactHashes } from "../../proving/sealedCircuits";
import { cofactorPreimage, type Point } from "../babyjub";
import { CountRecoveryTable } from "../bsgs";
import { combineReceivedShares, createComplaint, createDealing, evaluatePolynomial, receiveShare, type Complaint, type Dealing, type DkgParameters, type KeyPair } from "../dkg";
import { combinePartialDecryptions, type Ciphertext, type PartialDecryption } from "../elgamal";
import { SealedError } from "../errors";
import type { VoterIdentity } from "../../core/identity";
import { sealedReceiptExpectation, submitSealedToRelayer, waitForRelayedBallot, type RelayReceipt, type RetryOptions } from "../../relayer/client";
import { ciphertextsFromWords, proveSealedBallot, proveSealedDecryption, sealedVerificationKey, type ProvenDecryption, type ProvenSealedBallot } from "./prover";
import type { SealedVotingContext } from "./voter";
import { communicationKeyPair, newTrusteeKey, type TrusteeKeyFile } from "./trusteeKey";
import { fetchPartialDecryptions } from "./partials";

export { fetchPartialDecryptions };

const sealedInterface = SealedZkBallot__factory.createInterface();

async function send(action: () => Promise<{ wait(): Promise<ContractTransactionReceipt | null> }>): Promise<ContractTransactionReceipt> {
  let receipt: ContractTransactionReceipt | null;
  try {
    receipt = await (await action()).wait();
  } catch (error) {
    throw explainContractError(error, sealedInterface);
  }
  if (receipt === null || receipt.status !== 1) throw new ZkBallotError("CONTRACT_REVERT", "transaction was not mined successfully");
  return receipt;
}

const pair = (p: Point): [bigint, bigint] => [p.x, p.y];

/** Deploys the sealed verifiers (the vote circuit's, the decryption circuit's, the vote circuit's batch verifier) and SealedZkBallot; a development setup only on local chains. */
export async function deploySealedZkBallot(deployer: Signer, options: { allowInsecureDevSetup?: boolean; log?: (line: string) => void } = {}): Promise<SealedZkBallot> {
  const problems = verifySealedArtifactHashes();
  if (problems.length > 0) throw new ZkBallotError("ARTIFACTS_MISMATCH", `sealed artifacts do not match their manifest: ${problems.join("; ")}`, "run `npm run circuits -- --sealed`");
  const manifest = loadSealedManifest();
  const network = await deployer.provider?.getNetwork();
  if (network === undefined) throw new ZkBallotError("INVALID_ARGUMENT", "the deployer signer has no provider");
  if (assertSetupAllowedOnChain(manifest, network.chainId, options.allowInsecureDevSetup ?? false) === "insecure-override") options.log?.(`WARNING: ${describeSetup(manifest.setup)}`);
  const voteVerifier = await new SealedVoteVerifier__factory(deployer).deploy();
  const decryptionVerifier = await new SealedDecryptionVerifier__factory(deployer).deploy();
  const batchVerifier = await deployGroth16BatchVerifier(deployer, sealedVerificationKey("sealedVote"), manifest.circuits.sealedVote.publicSignals.length);
  const contract = await new SealedZkBallot__factory(deployer).deploy(await voteVerifier.getAddress(), await decryptionVerifier.getAddress(), await batchVerifier.getAddress());
  await contract.waitForDeployment();
  return contract;
}

export interface SealedElectionSpec {
  readonly title: string;
  readonly numOptions: number;
  readonly minSelections: number;
  readonly maxSelections: number;
  readonly registrar: string;
  readonly trustees: readonly string[];
  readonly threshold: number;
  readonly votingStartsAt?: number;
  readonly votingEndsAt?: number;
  readonly metadataURI?: string;
  /** keccak256 of the metadata document (lib/chain/metadata.ts encodeElectionMetadata); zero when none. */
  readonly metadataHash?: string;
}

/** Creates a sealed election; returns its id (from ElectionCreated) and its scope. */
export async function createSealedElection(contract: SealedZkBallot, spec: SealedElectionSpec): Promise<{ electionId: bigint; electionScope: bigint; receipt: ContractTransactionReceipt }> {
  const receipt = await send(() =>
    contract.createElection({
      title: spec.title,
      numOptions: spec.numOptions,
      minSelections: spec.minSelections,
      maxSelections: spec.maxSelections,
      metadataURI: spec.metadataURI ?? "",
      metadataHash: spec.metadataHash ?? "0x" + "00".repeat(32),
      registrar: spec.registrar,
      votingStartsAt: spec.votingStartsAt ?? 0,
      votingEndsAt: spec.votingEndsAt ?? 0,
      trustees: [...spec.trustees],
      threshold: spec.threshold,
    }),
  );
  const log = receipt.logs.map((l) => contract.interface.parseLog(l)).find((parsed) => parsed?.name === "ElectionCreated");
  if (!log) throw new ZkBallotError("EVENT_DECODE", "no ElectionCreated event in the receipt");
  const electionId = log.args.electionId as bigint;
  const { chainId } = await contract.runner!.provider!.getNetwork();
  return { electionId, electionScope: computeElectionScope(chainId, await contract.getAddress(), electionId), receipt };
}

/** The DKG parameters of an election, as the contract holds them. */
export async function sealedDkgParameters(contract: SealedZkBallot, electionId: bigint): Promise<DkgParameters> {
  const [, , , , trustees, threshold] = await contract.getElection(electionId);
  const { chainId } = await contract.runner!.provider!.getNetwork();
  return { trustees: trustees.length, threshold: Number(threshold), context: computeElectionScope(chainId, await contract.getAddress(), electionId) };
}

/** Step 1: the trustee's communication key, posted as its cofactor preimage (the contract refuses a second one). */
export async function postCommunicationKey(contract: SealedZkBallot, electionId: bigint, key: KeyPair): Promise<ContractTransactionReceipt> {
  return send(() => contract.postCommunicationKey(electionId, pair(cofactorPreimage(key.publicKey))));
}

/** Every communication key posted, trustee 1 first (undefined where none yet). */
export async function fetchCommunicationKeys(contract: SealedZkBallot, electionId: bigint): Promise<(Point | undefined)[]> {
  const params = await sealedDkgParameters(contract, electionId);
  const keys: (Point | undefined)[] = Array.from({ length: params.trustees }, () => undefined);
  for (const event of await contract.queryFilter(contract.filters.CommunicationKeyPosted(electionId))) {
    const [x, y] = event.args.communicationKey;
    keys[Number(event.args.trustee) - 1] = { x, y };
  }
  return keys;
}

/** Step 2: the dealing, commitments posted as cofactor preimages (the contract multiplies by 8). */
export async function postDealing(contract: SealedZkBallot, electionId: bigint, dealing: Dealing): Promise<ContractTransactionReceipt> {
  const preimages = dealing.commitments.map((c) => pair(cofactorPreimage(c)));
  return send(() => contract.postDealing(electionId, preimages, dealing.encryptedShares.map((s) => s.ciphertext)));
}

/** Every dealing posted, as the contract recorded it (the commitments after the cofactor step). */
export async function fetchDealings(contract: SealedZkBallot, electionId: bigint): Promise<Dealing[]> {
  const params = await sealedDkgParameters(contract, electionId);
  return (await contract.queryFilter(contract.filters.DealingPosted(electionId))).map((event) => {
    const dealer = Number(event.args.trustee);
    const recipients = Array.from({ length: params.trustees }, (_, i) => i + 1).filter((j) => j !== dealer);
    return {
      dealer,
      commitments: event.args.commitments.map(([x, y]) => ({ x, y })),
      encryptedShares: event.args.encryptedShares.map((ciphertext, i) => ({ recipient: recipients[i], ciphertext })),
    };
  });
}

const bitsToTrustees = (mask: bigint): number[] => Array.from({ length: 256 }, (_, i) => i + 1).filter((t) => (mask >> BigInt(t - 1)) & 1n);

/** The dealers whose dealings count (no upheld complaint), and those disqualified, ascending. */
export async function fetchDealerSets(contract: SealedZkBallot, electionId: bigint): Promise<{ qualified: number[]; disqualified: number[] }> {
  const [qualified, disqualified] = await contract.dealerSets(electionId);
  return { qualified: bitsToTrustees(qualified), disqualified: bitsToTrustees(disqualified) };
}

/** The qualified dealings on chain (a disqualified dealer's dealing is left out). */
async function fetchQualifiedDealings(contract: SealedZkBallot, electionId: bigint): Promise<Dealing[]> {
  const { qualified } = await fetchDealerSets(contract, electionId);
  return (await fetchDealings(contract, electionId)).filter((d) => qualified.includes(d.dealer));
}

/** Step 3 (after the key is fixed): the trustee's secret share from the qualified dealings on chain. */
export async function deriveTrusteeShare(contract: SealedZkBallot, electionId: bigint, trustee: number, key: KeyPair, ownShare: bigint): Promise<bigint> {
  const params = await sealedDkgParameters(contract, electionId);
  const keys = await fetchCommunicationKeys(contract, electionId);
  const dealings = await fetchQualifiedDealings(contract, electionId);
  const received = [];
  for (const dealing of dealings) {
    if (dealing.dealer === trustee) continue;
    received.push(await receiveShare(params, trustee, key, keys[dealing.dealer - 1]!, dealing));
  }
  return combineReceivedShares(params, trustee, dealings.map((d) => d.dealer).sort((a, b) => a - b), received, ownShare);
}

/**
 * A public complaint on chain about the share `complaint.dealer` sent: the contract resolves it
 * from the posted dealing and disqualifies the dealer if the share fails its commitments
 * (ComplaintRejected if the share is valid, InvalidComplaint if the ECDH proof fails).
 */
export async function fileComplaint(contract: SealedZkBallot, electionId: bigint, complaint: Complaint, dealing: Dealing): Promise<ContractTransactionReceipt> {
  return send(() =>
    contract.fileComplaint(
      electionId,
      complaint.dealer,
      dealing.commitments.map(pair),
      dealing.encryptedShares.map((s) => s.ciphertext),
      pair(cofactorPreimage(complaint.ecdhPoint)),
      [complaint.proof.challenge, complaint.proof.response],
    ),
  );
}

/** The voter commitments published so far, in leaf order, from the chain's events. */
export async function fetchSealedRoll(contract: SealedZkBallot, electionId: bigint): Promise<bigint[]> {
  const commitments: bigint[] = [];
  for (const event of await contract.queryFilter(contract.filters.VoterCommitmentsPublished(electionId))) commitments.push(...event.args.voterCommitments);
  return commitments;
}

/**
 * Publishes the voter roll in batches (registrar), resuming after what the chain already has
 * (which must be a prefix of `voterCommitments`); returns one receipt per batch sent.
 */
export async function publishSealedRoll(contract: SealedZkBallot, electionId: bigint, voterCommitments: readonly bigint[], batchSize = 500): Promise<ContractTransactionReceipt[]> {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new ZkBallotError("INVALID_ARGUMENT", `batch size must be a positive integer, got ${batchSize}`);
  const published = await fetchSealedRoll(contract, electionId);
  if (published.length > voterCommitments.length || published.some((c, i) => c !== voterCommitments[i])) {
    throw new ZkBallotError("INVALID_ARGUMENT", `the chain's roll (${published.length} commitments) is not a prefix of this roll`, "publish the same roll file that was started");
  }
  const receipts: ContractTransactionReceipt[] = [];
  for (let at = published.length; at < voterCommitments.length; at += batchSize) {
    const batch = voterCommitments.slice(at, at + batchSize);
    receipts.push(await send(() => contract.publishVoterCommitments(electionId, at, [...batch])));
  }
  return receipts;
}

/** The admin fixes the election key from the qualified dealings, unless it is already fixed. */
export async function fixSealedElectionKeyOnce(contract: SealedZkBallot, electionId: bigint): Promise<StepOutcome> {
  if ((await contract.queryFilter(contract.filters.ElectionKeyFixed(electionId))).length > 0) return { done: "already" };
  return { done: "posted", gasUsed: (await send(() => contract.fixElectionKey(electionId))).gasUsed };
}

/** Freezes the roll at its Poseidon root and opens voting (registrar; the key must be fixed). */
export async function openSealedVoting(contract: SealedZkBallot, electionId: bigint, voterRollRoot: bigint): Promise<ContractTransactionReceipt> {
  return send(() => contract.openVoting(electionId, voterRollRoot));
}

/** Ends voting; the encrypted totals are final. */
export async function closeSealedElection(contract: SealedZkBallot, electionId: bigint): Promise<ContractTransactionReceipt> {
  return send(() => contract.closeElection(electionId));
}

/** Casts one proven sealed ballot. */
export async function castSealedBallot(contract: SealedZkBallot, electionId: bigint, ballot: ProvenSealedBallot): Promise<ContractTransactionReceipt> {
  return send(() => contract.castVote(electionId, ballot.nullifier, [...ballot.ciphertextWords], ballot.proof));
}

/** Proves a fresh ballot for `selected` (new randomness, never a challenged ballot's); nothing is sent. */
export function proveSealedVote(context: SealedVotingContext, identity: VoterIdentity, selected: readonly number[]): Promise<ProvenSealedBallot> {
  return proveSealedBallot({
    identitySecret: identity.identitySecret,
    path: context.voterRoll.pathOf(identity.voterCommitment),
    electionScope: context.electionScope,
    electionKey: context.electionKey,
    rule: context.rule,
    selected,
  });
}

/** Proves a fresh ballot for `selected` and casts it. */
export async function castSealedVote(contract: SealedZkBallot, context: SealedVotingContext, identity: VoterIdentity, selected: readonly number[]): Promise<{ ballot: ProvenSealedBallot; receipt: ContractTransactionReceipt }> {
  const ballot = await proveSealedVote(context, identity, selected);
  return { ballot, receipt: await castSealedBallot(contract, context.electionId, ballot) };
}

/**
 * Proves a fresh ballot and hands it to a sealed relayer (no wallet of the voter's is used),
 * then follows its receipt until included (or final, or rejected); every answer must name this
 * election, nullifier and ciphertext digest (lib/relayer/client.ts).
 */
export async function relaySealedVote(
  relayerUrl: string,
  context: SealedVotingContext,
  identity: VoterIdentity,
  selected: readonly number[],
  options: { retry?: RetryOptions; timeoutMs?: number; onAccepted?: (receipt: RelayReceipt) => void; onStatus?: (receipt: RelayReceipt) => void } = {},
): Promise<{ ballot: ProvenSealedBallot; receipt: RelayReceipt }> {
  const ballot = await proveSealedVote(context, identity, selected);
  const accepted = await submitSealedToRelayer(relayerUrl, context.electionId, ballot, options.retry);
  options.onAccepted?.(accepted);
  const receipt = await waitForRelayedBallot(relayerUrl, accepted.receiptId, sealedReceiptExpectation(context.electionId, ballot), { retry: options.retry, timeoutMs: options.timeoutMs, onStatus: options.onStatus });
  return { ballot, receipt };
}

/** Casts a batch; entries the contract refuses are skipped with VoteSkipped. */
export async function castSealedBallots(contract: SealedZkBallot, electionId: bigint, ballots: readonly ProvenSealedBallot[]): Promise<ContractTransactionReceipt> {
  return send(() => contract.castVotes(electionId, ballots.map((b) => ({ nullifier: b.nullifier, ciphertexts: [...b.ciphertextWords], proof: b.proof }))));
}

/** The encrypted totals as ciphertexts, option order (all 8 circuit options). */
export async function fetchEncryptedTotals(contract: SealedZkBallot, electionId: bigint): Promise<Ciphertext[]> {
  return ciphertextsFromWords([...(await contract.encryptedTotals(electionId))]);
}

/** Proves a trustee's partial decryption of the closed election's totals (nothing is sent). */
export async function proveTrusteeDecryption(contract: SealedZkBallot, electionId: bigint, trustee: number, share: bigint): Promise<ProvenDecryption> {
  const [x, y] = await contract.shareKeyOf(electionId, trustee);
  const totals = await fetchEncryptedTotals(contract, electionId);
  return proveSealedDecryption(share, { x, y }, totals.map((t) => t.c1));
}

/** Posts partial decryptions with their proof; the contract refuses a failing proof naming the trustee. */
export async function postPartialDecryption(contract: SealedZkBallot, electionId: bigint, partialWords: readonly bigint[], proof: ProvenDecryption["proof"]): Promise<ContractTransactionReceipt> {
  return send(() => contract.postPartialDecryption(electionId, [...partialWords], proof));
}

/** The trustee's step after the close: prove and post its partial decryptions. */
export async function trusteeDecrypt(contract: SealedZkBallot, electionId: bigint, trustee: number, share: bigint): Promise<{ receipt: ContractTransactionReceipt; provingMs: number }> {
  const proven = await proveTrusteeDecryption(contract, electionId, trustee, share);
  const receipt = await postPartialDecryption(contract, electionId, proven.partialWords, proven.proof);
  return { receipt, provingMs: proven.provingMs };
}

/** Recovers the counts (BSGS) from k posted shares, off-chain; refuses with fewer than k. */
export async function recoverSealedCounts(contract: SealedZkBallot, electionId: bigint): Promise<{ counts: number[]; trustees: number[] }> {
  const [, numOptions, ballotsCast, , , threshold] = await contract.getElection(electionId);
  const posted = await fetchPartialDecryptions(contract, electionId);
  const trustees = [...posted.keys()].sort((a, b) => a - b).slice(0, Number(threshold));
  if (trustees.length < Number(threshold)) throw new SealedError("TOO_FEW_SHARES", `${trustees.length} partial decryptions posted, the threshold is ${threshold}`, "wait for more trustees to run `trustee decrypt`");
  const totals = await fetchEncryptedTotals(contract, electionId);
  const table = CountRecoveryTable.build(Number(ballotsCast));
  const counts = totals.slice(0, Number(numOptions)).map((total, j) => {
    const partials: PartialDecryption[] = trustees.map((trustee) => ({ trustee, partial: posted.get(trustee)![j] }));
    return table.recover(combinePartialDecryptions(total, partials, Number(threshold)));
  });
  return { counts, trustees };
}

/** Anyone's last step: recover the counts and have the contract check and record them. */
export async function finalizeSealedTally(contract: SealedZkBallot, electionId: bigint): Promise<{ counts: number[]; receipt: ContractTransactionReceipt }> {
  const { counts, trustees } = await recoverSealedCounts(contract, electionId);
  const receipt = await send(() => contract.finalizeTally(electionId, trustees, counts));
  return { counts, receipt };
}

/** The key ceremony with every trustee's key in this process (demo, tests, benchmarks). */
export interface LocalCeremony {
  /** Each trustee's key file content (trustee 1 first), as `trustee keygen` would have made it. */
  readonly keyFiles: readonly TrusteeKeyFile[];
  readonly keys: readonly KeyPair[];
  readonly ownShares: readonly bigint[];
  readonly dealings: readonly Dealing[];
  readonly gas: { communicationKey: bigint[]; dealing: bigint[]; fixKey: bigint };
}

/**
 * Runs all the ceremony steps for trustees whose signers are all here: communication keys,
 * dealings, then the admin fixes the key. `connect` gives the contract as each trustee.
 */
export async function runLocalKeyCeremony(contract: SealedZkBallot, electionId: bigint, trustees: readonly Signer[], admin: Signer): Promise<LocalCeremony> {
  const params = await sealedDkgParameters(contract, electionId);
  const { chainId } = await contract.runner!.provider!.getNetwork();
  const where = { chainId, contract: await contract.getAddress(), electionId };
  const keyFiles = trustees.map((_, i) => newTrusteeKey(where, i + 1, params.threshold));
  const keys = keyFiles.map((file) => communicationKeyPair(file));
  const gas: LocalCeremony["gas"] = { communicationKey: [], dealing: [], fixKey: 0n };
  const as = (signer: Signer) => contract.connect(signer) as SealedZkBallot;
  for (const [i, signer] of trustees.entries()) gas.communicationKey.push((await postCommunicationKey(as(signer), electionId, keys[i])).gasUsed);
  const ownShares: bigint[] = [];
  const dealings: Dealing[] = [];
  for (const [i, signer] of trustees.entries()) {
    const { dealing, ownShare } = await createDealing(params, i + 1, keys[i], keys.map((k) => k.publicKey), keyFiles[i].coefficients);
    gas.dealing.push((await postDealing(as(signer), electionId, dealing)).gasUsed);
    ownShares.push(ownShare);
    dealings.push(dealing);
  }
  gas.fixKey = (await send(() => as(admin).fixElectionKey(electionId))).gasUsed;
  return { keyFiles, keys, ownShares, dealings, gas };
}

// ------------------------------------------------------------- trustee steps from a key file

/** The contract of a key file, refusing a file made for another chain, contract or election. */
export async function assertKeyFileMatches(contract: SealedZkBallot, file: TrusteeKeyFile, signer: Signer): Promise<void> {
  const { chainId } = await contract.runner!.provider!.getNetwork();
  if (chainId !== file.chainId || (await contract.getAddress()).toLowerCase() !== file.contract.toLowerCase()) {
    throw new SealedError("BAD_PARAMETERS", `the key file is for contract ${file.contract} on chain ${file.chainId}`, "use this election's key file");
  }
  const [, , , , trustees] = await contract.getElection(file.electionId);
  if (trustees[file.trustee - 1]?.toLowerCase() !== (await signer.getAddress()).toLowerCase()) {
    throw new SealedError("BAD_PARAMETERS", `the account is not trustee ${file.trustee} of election ${file.electionId}`, "pass the trustee's --account");
  }
}

export type StepOutcome = { done: "posted"; gasUsed: bigint } | { done: "already" };

/** Posts the communication key unless this trustee already has (with this key). */
export async function postCommunicationKeyOnce(contract: SealedZkBallot, file: TrusteeKeyFile): Promise<StepOutcome> {
  const key = communicationKeyPair(file);
  const posted = (await fetchCommunicationKeys(contract, file.electionId))[file.trustee - 1];
  if (posted !== undefined) {
    if (posted.x !== key.publicKey.x || posted.y !== key.publicKey.y) throw new SealedError("BAD_PARAMETERS", `trustee ${file.trustee} already posted another communication key`, "use the key file that posted it");
    return { done: "already" };
  }
  return { done: "posted", gasUsed: (await postCommunicationKey(contract, file.electionId, key)).gasUsed };
}

/** Posts this trustee's dealing (from the file's polynomial) unless it is already on chain. */
export async function postDealingOnce(contract: SealedZkBallot, file: TrusteeKeyFile): Promise<StepOutcome> {
  if ((await fetchDealings(contract, file.electionId)).some((d) => d.dealer === file.trustee)) return { done: "already" };
  const params = await sealedDkgParameters(contract, file.electionId);
  const keys = await fetchCommunicationKeys(contract, file.electionId);
  const missing = keys.flatMap((k, i) => (k === undefined ? [i + 1] : []));
  if (missing.length > 0) throw new SealedError("BAD_PARAMETERS", `trustees ${missing.join(", ")} have not posted communication keys yet`, "wait for them, then run the deal step again");
  const { dealing } = await createDealing(params, file.trustee, communicationKeyPair(file), keys as Point[], file.coefficients);
  return { done: "posted", gasUsed: (await postDealing(contract, file.electionId, dealing)).gasUsed };
}

/** Checks every share this trustee received from a qualified dealer; returns the dealers whose share fails (complain about them). */
export async function checkReceivedShares(contract: SealedZkBallot, file: TrusteeKeyFile): Promise<{ dealers: number[]; bad: number[] }> {
  const params = await sealedDkgParameters(contract, file.electionId);
  const keys = await fetchCommunicationKeys(contract, file.electionId);
  const dealers: number[] = [];
  const bad: number[] = [];
  for (const dealing of await fetchQualifiedDealings(contract, file.electionId)) {
    dealers.push(dealing.dealer);
    if (dealing.dealer === file.trustee) continue;
    if (!(await receiveShare(params, file.trustee, communicationKeyPair(file), keys[dealing.dealer - 1]!, dealing)).valid) bad.push(dealing.dealer);
  }
  return { dealers, bad };
}

/**
 * `trustee check`: checks the shares this trustee received and files a complaint on chain about
 * each bad one (the contract disqualifies those dealers). Idempotent: a disqualified dealer is
 * no longer checked, so a second run finds nothing to complain about.
 */
export async function checkSharesAndComplain(contract: SealedZkBallot, file: TrusteeKeyFile): Promise<{ dealers: number[]; complainedAbout: number[]; gasUsed: bigint }> {
  const { dealers, bad } = await checkReceivedShares(contract, file);
  if (bad.length === 0) return { dealers, complainedAbout: [], gasUsed: 0n };
  const params = await sealedDkgParameters(contract, file.electionId);
  const keys = await fetchCommunicationKeys(contract, file.electionId);
  const dealings = await fetchDealings(contract, file.electionId);
  let gasUsed = 0n;
  for (const dealer of bad) {
    const complaint = await createComplaint(params, file.trustee, communicationKeyPair(file), dealer, keys[dealer - 1]!);
    gasUsed += (await fileComplaint(contract, file.electionId, complaint, dealings.find((d) => d.dealer === dealer)!)).gasUsed;
  }
  return { dealers, complainedAbout: bad, gasUsed };
}

/** Proves and posts this trustee's partial decryption unless already posted. */
export async function trusteeDecryptOnce(contract: SealedZkBallot, file: TrusteeKeyFile): Promise<StepOutcome & { provingMs?: number }> {
  if ((await fetchPartialDecryptions(contract, file.electionId)).has(file.trustee)) return { done: "already" };
  const ownShare = evaluatePolynomial(file.coefficients, file.trustee);
  const share = await deriveTrusteeShare(contract, file.electionId, file.trustee, communicationKeyPair(file), ownShare);
  const { receipt, provingMs } = await trusteeDecrypt(contract, file.electionId, file.trustee, share);
  return { done: "posted", gasUsed: receipt.gasUsed, provingMs };
}
