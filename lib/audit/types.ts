/**
 * The auditor's report types (JSON report version 2) and the small pieces every check shares.
 * A check is a named module in lib/audit/checks/ returning a CheckResult: its name (`id`), its
 * verdict (`status`) and its evidence, with findings that name the offending block and
 * transaction.
 */
import type { Provider } from "ethers";

import type { ZkBallotEventName, ZkBallotLog } from "../core/events";
import type { VotePublicSignals } from "../core/proof";

import type { SetupManifest } from "../proving/artifacts";

export type CheckStatus = "pass" | "fail" | "warn";

export interface Finding {
  /** A stable name for findings a reader may want to match, e.g. "NON_CANONICAL_PROOF". */
  code?: string;
  message: string;
  blockNumber?: number;
  transactionHash?: string;
}

export interface CheckResult {
  /** The check's name. */
  id: string;
  title: string;
  /** The verdict: fail when any finding, else warn when any warning, else pass. */
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
  /** The option it chooses when it chooses exactly one (every single-choice ballot), else null. */
  option: number | null;
  /** Every option it chooses (approval; [] for a blank ballot), or null when it does not decode. Absent for a sealed ballot. */
  selections?: number[] | null;
  blockNumber: number;
  transactionHash: string;
  /** It passed every rule and its proof re-verified. */
  verified: boolean;
  /** A sealed ballot: `ballot` is "sealed" and `option` null (its choice is encrypted). */
  sealed?: true;
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

/** Where and when an audit read the chain: what every report's envelope names. */
export interface AuditedElection {
  readonly chainId: bigint;
  readonly contract: string;
  readonly electionId: bigint;
  readonly fromBlock: number;
  readonly head: number;
}

/** The report around an audit's summary, operations, ballots and checks; the same envelope for open and sealed elections. */
export function auditReport(audited: AuditedElection, parts: Pick<AuditReport, "election" | "operations" | "ballots" | "checks">): AuditReport {
  const count = (status: CheckResult["status"]) => parts.checks.filter((check) => check.status === status).length;
  const failed = count("fail");
  return {
    tool: "zkballot-audit",
    reportVersion: 2,
    generatedAt: new Date().toISOString(),
    chainId: audited.chainId.toString(),
    contract: audited.contract,
    electionId: audited.electionId.toString(),
    blocks: { from: audited.fromBlock, to: audited.head },
    election: parts.election,
    operations: parts.operations,
    ballots: parts.ballots,
    checks: parts.checks,
    result: { ok: failed === 0, passed: count("pass"), failed, warned: count("warn") },
  };
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
  /**
   * Directory of compiled verifier output, keyed by source hash, compiler version and settings
   * (default: $ZKBALLOT_COMPILE_CACHE, else ~/.cache/zkballot/compiled; "" disables it).
   */
  compileCacheDir?: string;
  onProgress?: (stage: string, done: number, total: number) => void;
}

/**
 * Builds a voter roll's Poseidon root (throws when no tree can be built). The CLI auditor passes
 * the fast WebAssembly tree with worker threads (lib/node/fastRoll.ts); a browser passes
 * VoterRoll.build (lib/core/voterRoll.ts). The same root either way.
 */
export type RollRootBuilder = (leaves: readonly bigint[], depth: number, onProgress: (done: number, total: number) => void) => Promise<bigint>;

/**
 * Re-verifies vote proofs, one verdict each, in order. The CLI auditor passes the batched check
 * (lib/proving/batchVerify.ts, node:crypto and worker threads); a browser passes snarkjs's
 * verifyVoteProof one by one (lib/proving/proofFormat.ts). Both give snarkjs's verdict.
 */
export type VoteProofsVerifier = (
  items: readonly { signals: VotePublicSignals; proof: readonly bigint[] }[],
  verificationKey: Record<string, unknown>,
  onProgress: (done: number, total: number) => void,
) => Promise<boolean[]>;

/**
 * Re-verifies proofs of one sealed circuit, one verdict each, in order. The CLI auditor passes the
 * batched check with the committed key (lib/sealed/flow/prover.ts verifySealedProofs); a browser
 * passes snarkjs one by one with the key served next to the page. Both give snarkjs's verdict.
 */
export type SealedProofsVerifier = (
  circuit: "sealedVote" | "sealedDecryption",
  items: readonly { signals: readonly bigint[]; proof: readonly bigint[] }[],
  onProgress: (done: number, total: number) => void,
) => Promise<boolean[]>;

export const CHECK_TITLES = {
  "election-record": "Election record and operation log",
  "voter-roll": "Voter roll rebuilt from published commitments",
  "verifier-integrity": "Verifiers (single and batch) match the published verification key",
  ballots: "Every ballot re-verified",
  tally: "Tally recomputed from verified ballots",
  unexplained: "Nothing on-chain left unexplained",
  // Sealed elections (SealedZkBallot): lib/audit/sealed.ts.
  "sealed-record": "Sealed election record: every step in its phase, by the role allowed to take it",
  "sealed-verifiers": "Sealed verifiers (ballot and decryption) match the published verification keys",
  "key-ceremony": "Key ceremony transcript: keys, dealings, complaints, the election key recomputed",
  "sealed-ballots": "Every sealed ballot proof re-verified",
  "encrypted-totals": "Encrypted totals recomputed from the VoteCast events",
  "partial-decryptions": "Every partial decryption proof re-verified against the trustee's share key",
  "sealed-tally": "Final counts recovered from the partial decryptions and matched",
} as const;

export type CheckId = keyof typeof CHECK_TITLES;

export interface At {
  blockNumber?: number;
  transactionHash?: string;
}

/** Collects one check's findings, warnings and evidence, then states its verdict. */
export class CheckBuilder {
  readonly findings: Finding[] = [];
  readonly warnings: string[] = [];
  readonly evidence: Record<string, unknown> = {};
  constructor(readonly id: CheckId) {}
  fail(message: string, where?: At, code?: string): void {
    this.findings.push({
      ...(code ? { code } : {}),
      message,
      ...(where?.blockNumber !== undefined ? { blockNumber: where.blockNumber } : {}),
      ...(where?.transactionHash ? { transactionHash: where.transactionHash } : {}),
    });
  }
  result(): CheckResult {
    const status: CheckStatus = this.findings.length > 0 ? "fail" : this.warnings.length > 0 ? "warn" : "pass";
    return { id: this.id, title: CHECK_TITLES[this.id], status, evidence: this.evidence, findings: this.findings, warnings: this.warnings };
  }
}

/** A log of the audited election, decoded into a typed record (lib/core/events.ts). */
export type DecodedLog<N extends ZkBallotEventName = ZkBallotEventName> = ZkBallotLog<N>;

export const at = (log: { blockNumber: number; transactionHash: string }): At => ({ blockNumber: log.blockNumber, transactionHash: log.transactionHash });
