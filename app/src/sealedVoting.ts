/**
 * Voting in a sealed election, in the browser: the checks before proving (phase and key,
 * window, on the roll, not voted yet, the selection rule), the Benaloh challenge ("check my
 * device", lib/sealed/flow/voter.ts: prepare, reveal the randomness, re-encrypt with the key
 * read from the chain, discard), the proof in the Web Worker (a fresh encryption, never the
 * challenged one) and the submission. Each refusal is a Refusal with a catalog key.
 */
import { ZkBallotError } from "../../lib/core/errors";
import { computeNullifier, type VoterIdentity } from "../../lib/core/identity";
import { SealedPhase } from "../../lib/audit/sealedState";
import { sealedLogsOf } from "../../lib/audit/sealedEvents";
import type { ProvenSealedBallot, SealedBallotRequest } from "../../lib/sealed/flow/ballotProof";
import { checkSealedChallenge, prepareChallengedBallot, readSealedVotingContext, type ChallengeCheck, type SealedChallenge, type SealedVotingContext } from "../../lib/sealed/flow/voter";
import type { AppConfig } from "./config";
import type { Chain } from "./chain";
import type { WorkerMessage } from "./protocol";
import { fetchSealedLogs, readSealedView, sealedContract } from "./sealedChain";
import { assertSelectionCount, assertVotingOpen, followRelayedBallot, Refusal, type VoteStage } from "./voting";
import { sealedReceiptExpectation, submitSealedToRelayer, type RelayReceipt } from "../../lib/relayer/client";
import { castSealedFromWallet, injectedWallet, type WalletReceipt } from "./wallet";

/** The election's phase, key and window as castVote checks them; refuses in the voter's language. */
async function assertSealedVotingOpen(chain: Chain, electionId: bigint): Promise<void> {
  const view = await readSealedView(chain, electionId);
  const phase = SealedPhase[view.phase];
  if (phase === SealedPhase.Registration && !view.keyFixed) throw new Refusal("refusal.keyNotFixed");
  if (phase !== SealedPhase.Voting) throw new Refusal("refusal.notVoting", { phase: view.phase });
  await assertVotingOpen(chain, electionId, { phase: BigInt(phase), numOptions: BigInt(view.rule.options), votingStartsAt: view.votingStartsAt, votingEndsAt: view.votingEndsAt });
}

/** The voting context (key, rule, the roll rebuilt and checked against the frozen root) once voting is open. */
export async function sealedVotingContext(chain: Chain, electionId: bigint): Promise<SealedVotingContext> {
  await assertSealedVotingOpen(chain, electionId);
  return readSealedVotingContext(sealedContract(chain), electionId);
}

/** Every check before proving. Reads only public data; the nullifier is compared locally. */
export async function checkSealedVote(chain: Chain, electionId: bigint, identity: VoterIdentity, selected: readonly number[]): Promise<SealedBallotRequest> {
  const context = await sealedVotingContext(chain, electionId);
  assertSelectionCount(context.rule, selected);
  if (context.voterRoll.indexOf(identity.voterCommitment) === undefined) throw new Refusal("refusal.notOnRoll");
  const nullifier = await computeNullifier(identity.identitySecret, context.electionScope);
  const earlier = sealedLogsOf(await fetchSealedLogs(chain, electionId), "VoteCast").find((log) => log.args.nullifier === nullifier);
  if (earlier !== undefined) throw new Refusal("refusal.alreadyVoted", { block: earlier.blockNumber });
  return {
    identitySecret: identity.identitySecret,
    path: context.voterRoll.pathOf(identity.voterCommitment),
    electionScope: context.electionScope,
    electionKey: context.electionKey,
    rule: context.rule,
    selected: [...selected],
  };
}

/** Benaloh challenge, step 1: the device encrypts the choice; nothing is proven or sent. */
export async function prepareChallenge(chain: Chain, electionId: bigint, selected: readonly number[]): Promise<SealedChallenge> {
  const context = await sealedVotingContext(chain, electionId);
  assertSelectionCount(context.rule, selected);
  return prepareChallengedBallot(context, selected);
}

/** Benaloh challenge, step 2: the revealed randomness re-encrypts the claimed choice under the key on chain. */
export function verifyChallenge(chain: Chain, challenge: SealedChallenge): Promise<ChallengeCheck> {
  return checkSealedChallenge(sealedContract(chain), challenge);
}

/** Encrypts afresh and proves in the Web Worker; checks the nullifier is the one asked for. */
export function proveSealedInWorker(worker: Worker, request: SealedBallotRequest, onStage: (stage: VoteStage) => void): Promise<ProvenSealedBallot> {
  const expected = computeNullifier(request.identitySecret, request.electionScope);
  return new Promise((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<WorkerMessage>) => {
      const message = event.data;
      if (message.kind === "progress") onStage({ stage: message.stage, fraction: message.fraction });
      else if (message.kind === "error") reject(new ZkBallotError("INVALID_PROOF", `proving failed: ${message.message}`));
      else if (message.kind === "sealedProof") {
        void expected.then((nullifier) => (message.ballot.nullifier === nullifier ? resolve(message.ballot) : reject(new ZkBallotError("INVALID_PROOF", "the prover returned a nullifier that differs from this identity's"))));
      }
    };
    worker.postMessage({ sealed: request });
  });
}

export type SealedSender = "wallet" | "relayer";

/** Refuses a way of sending that cannot work, before the proof is made: the wallet, when the browser has none. */
export function assertSealedSender(sender: SealedSender): void {
  if (sender === "wallet" && injectedWallet() === undefined) throw new Refusal("refusal.sealedNoWallet");
}

/** How a sealed ballot left the page: the wallet's transaction, or the relayer's receipt. */
export type SealedSent = { via: "wallet"; sent: WalletReceipt } | { via: "relayer"; receipt: RelayReceipt };

/**
 * The one place a proven sealed ballot leaves the page. "relayer" (the default, no account of
 * the voter's on chain): POST /v1/sealed-ballots, the receipt checked against the ciphertexts'
 * digest and followed until inclusion. "wallet": castVote from the injected wallet.
 */
export async function submitSealedBallot(chain: Chain, config: AppConfig, ballot: ProvenSealedBallot, sender: SealedSender, onStage: (stage: VoteStage) => void): Promise<SealedSent> {
  assertSealedSender(sender);
  if (sender === "relayer") {
    const receipt = await followRelayedBallot(config.relayerUrl, (retry) => submitSealedToRelayer(config.relayerUrl, config.electionId, ballot, retry), sealedReceiptExpectation(config.electionId, ballot), onStage);
    return { via: "relayer", receipt };
  }
  return { via: "wallet", sent: await castSealedFromWallet(injectedWallet()!, config.zkBallot, chain.chainId, config.electionId, ballot, onStage) };
}
