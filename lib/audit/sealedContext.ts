/**
 * What the sealed-election checks read from the chain (SealedZkBallot), taken once at one
 * block: the election's state (phase, key, trustees, encrypted totals, partial decryptions, final
 * tally), its decoded logs, and the same memoised lookups as the open auditor's context.
 */
import type { Provider } from "ethers";

import { SealedZkBallot__factory } from "../../typechain-types";
import type { RawLog } from "./logs";
import { decodeSealedLog, type SealedLog } from "./sealedEvents";
import { chainLookups, decodeElectionLogs, fetchElectionLogs, openAuditSnapshot, snapshotLogQuery, type Rpc } from "./snapshot";
import { readSealedState, type SealedState } from "./sealedState";
import type { AuditOptions, CheckBuilder, RollRootBuilder, SealedProofsVerifier } from "./types";
import { fastRollRootBuilder } from "./context";
import { verifySealedProofs } from "../sealed/flow/prover";

export { SealedPhase, isSealedDeployment, type SealedState } from "./sealedState";

export interface SealedAuditContext {
  options: AuditOptions;
  provider: Provider;
  contract: string;
  electionId: bigint;
  chainId: bigint;
  head: number;
  fromBlock: number;
  state: SealedState;
  voteVerifierAddress: string;
  decryptionVerifierAddress: string;
  /** BATCH_VERIFIER: the sealed vote circuit's Groth16BatchVerifier, for castVotes. */
  batchVerifierAddress: string;
  rollDepth: number;
  /** The audited election's logs, decoded, in chain order. */
  logs: SealedLog[];
  logsFetched: number;
  rpc: Rpc;
  progress: (stage: string, done: number, total: number) => void;
  senderOf(hash: string): Promise<string>;
  timestampOf(blockNumber: number): Promise<number>;
  /** The input data of a transaction (to re-check a complaint's proof, which no event carries). */
  inputOf(hash: string): Promise<string | undefined>;
  /** Builds the roll's root (the CLI: the fast WebAssembly tree; a browser: VoterRoll.build). */
  rollRoot: RollRootBuilder;
  /** Re-verifies sealed proofs (the CLI: batched, committed keys; a browser: the served keys). */
  verifySealedProofs: SealedProofsVerifier;
}

/** Reads everything the sealed checks need, at one block. */
export async function loadSealedAuditContext(options: AuditOptions, unexplained: CheckBuilder): Promise<SealedAuditContext> {
  const snapshot = await openAuditSnapshot(options);
  const { provider, contract, electionId, head, rpc } = snapshot;
  const sealed = SealedZkBallot__factory.connect(contract, provider);
  const state = await readSealedState(sealed, electionId, head, rpc);
  const [voteVerifierAddress, decryptionVerifierAddress, batchVerifierAddress, rollDepth] = await Promise.all([
    rpc("VOTE_VERIFIER", () => sealed.VOTE_VERIFIER({ blockTag: head })),
    rpc("DECRYPTION_VERIFIER", () => sealed.DECRYPTION_VERIFIER({ blockTag: head })),
    rpc("BATCH_VERIFIER", () => sealed.BATCH_VERIFIER({ blockTag: head })),
    rpc("ROLL_DEPTH", () => sealed.ROLL_DEPTH({ blockTag: head })),
  ]);
  const query = await snapshotLogQuery(options, snapshot);
  const raw = await fetchElectionLogs(query, electionId, `sealed-election-${electionId}`);
  const decode = (log: RawLog) => {
    const decoded = decodeSealedLog(log);
    return decoded && { electionId: decoded.electionId, decoded };
  };
  return {
    ...snapshot, options, fromBlock: query.fromBlock, state, voteVerifierAddress, decryptionVerifierAddress, batchVerifierAddress, rollDepth: Number(rollDepth),
    logs: decodeElectionLogs(raw, electionId, decode, unexplained), logsFetched: raw.length, ...chainLookups(snapshot),
    rollRoot: fastRollRootBuilder, verifySealedProofs: (circuit, items, onProgress) => verifySealedProofs(circuit, items, { onProgress }),
  };
}
