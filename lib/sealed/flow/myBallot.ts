/**
 * Individual verifiability in a sealed election (`my-ballot --contract`): the voter's ballot,
 * found by the nullifier their identity gives for this election, is on chain; its proof is
 * valid; its ciphertexts are among those whose sum is the contract's encrypted totals; and,
 * once the tally is recorded, the totals decrypt with the posted partial decryptions to the
 * recorded counts. The choice itself is never shown: it is encrypted, and none of these checks
 * needs the ballot's randomness. Browser-safe: the caller passes the sealed vote circuit's
 * verification key (Node: sealedVerificationKey("sealedVote") from ./prover; the web app: the
 * key served next to the page).
 */
import type { SealedZkBallot } from "../../../typechain-types";
import { computeElectionScope } from "../../chain/reader";
import { computeNullifier, type VoterIdentity } from "../../core/identity";
import { sealedVoteSignals } from "../circuitInput";
import { countsMatch } from "../decryption";
import { SealedError } from "../errors";
import { ciphertextsFromWords, sumCiphertextWords } from "./ballotProof";
import { fetchPartialDecryptions } from "./partials";
import { verifySealedProofWithKey } from "./proofCheck";

/** What `my-ballot` shows a voter of a sealed election. */
export interface MySealedBallotReport {
  readonly electionId: bigint;
  readonly nullifier: bigint;
  readonly voted: boolean;
  readonly record?: { readonly blockNumber: number; readonly transactionHash: string; readonly ciphertextWords: readonly bigint[] };
  /** The ballot's proof re-verified off-chain against the chain's root, scope, key and range. */
  readonly proofVerifiedOffChain: boolean;
  /** The sum of every VoteCast's ciphertexts, this ballot's among them, equals the contract's encrypted totals. */
  readonly includedInTotals: boolean;
  readonly ballotsInTotals: number;
  /** After the tally: the totals decrypt, with the combined trustees' posted partials, to the recorded counts. */
  readonly tally?: { readonly counts: readonly bigint[]; readonly trustees: readonly number[]; readonly totalsDecryptToCounts: boolean };
}

/** counts·G == C2 − Σ λ_i·D_i for every option, with the partials the trustees posted (each proven on chain when posted). */
async function checkFinalCounts(contract: SealedZkBallot, electionId: bigint, totals: readonly bigint[], ballotsCast: bigint): Promise<MySealedBallotReport["tally"]> {
  const [finalized] = await contract.queryFilter(contract.filters.TallyFinalized(electionId));
  if (finalized === undefined) return undefined;
  const counts = [...finalized.args.tally];
  const trustees = [...finalized.args.trustees].map(Number);
  const posted = await fetchPartialDecryptions(contract, electionId);
  if (!trustees.every((trustee) => posted.has(trustee))) return { counts, trustees, totalsDecryptToCounts: false };
  const ciphertexts = ciphertextsFromWords(totals).slice(0, counts.length);
  const partials = ciphertexts.map((_, j) => trustees.map((trustee) => ({ trustee, partial: posted.get(trustee)![j] })));
  return { counts, trustees, totalsDecryptToCounts: countsMatch(ciphertexts, partials, trustees.length, counts, ballotsCast) };
}

/** The voter's sealed ballot checked from chain data alone (see the module comment). */
export async function checkMySealedBallot(contract: SealedZkBallot, electionId: bigint, identity: VoterIdentity, verificationKey: Record<string, unknown>): Promise<MySealedBallotReport> {
  const { chainId } = await contract.runner!.provider!.getNetwork();
  const electionScope = computeElectionScope(chainId, await contract.getAddress(), electionId);
  const nullifier = await computeNullifier(identity.identitySecret, electionScope);
  const [, , ballotsCast, key] = await contract.getElection(electionId);
  const votes = await contract.queryFilter(contract.filters.VoteCast(electionId));
  const totals = [...(await contract.encryptedTotals(electionId))];
  const summed = sumCiphertextWords(votes.map((event) => [...event.args.ciphertexts]));
  const includedInTotals = BigInt(votes.length) === ballotsCast && summed.every((word, i) => word === totals[i]);
  const mine = votes.find((event) => event.args.nullifier === nullifier);
  if (mine === undefined) return { electionId, nullifier, voted: false, proofVerifiedOffChain: false, includedInTotals: false, ballotsInTotals: votes.length };
  const [created] = await contract.queryFilter(contract.filters.ElectionCreated(electionId));
  const [opened] = await contract.queryFilter(contract.filters.VotingOpened(electionId));
  if (created === undefined || opened === undefined) throw new SealedError("BAD_PARAMETERS", `no ElectionCreated or VotingOpened event for election ${electionId}`, "use a node that has the contract's logs");
  const words = [...mine.args.ciphertexts];
  const signals = sealedVoteSignals({
    voterRollRoot: opened.args.voterRollRoot,
    nullifier,
    ciphertextWords: words,
    electionScope,
    electionKey: { x: key[0], y: key[1] },
    minSelections: Number(created.args.config.minSelections),
    maxSelections: Number(created.args.config.maxSelections),
    numOptions: Number(created.args.config.numOptions),
  });
  return {
    electionId,
    nullifier,
    voted: true,
    record: { blockNumber: mine.blockNumber, transactionHash: mine.transactionHash, ciphertextWords: words },
    proofVerifiedOffChain: await verifySealedProofWithKey(verificationKey, signals, [...mine.args.proof]),
    includedInTotals,
    ballotsInTotals: votes.length,
    tally: await checkFinalCounts(contract, electionId, totals, ballotsCast),
  };
}
