/**
 * The relayer's durable queue (SQLite, WAL, synchronous=FULL). A ballot is written here before
 * the relayer answers, and a transaction is written here, signed, before it is broadcast; so a
 * process killed at any moment restarts knowing every accepted ballot and every transaction it
 * may have sent, and neither loses a ballot nor submits one twice.
 */
import { randomUUID } from "node:crypto";

import Database from "better-sqlite3";

export type BallotStatus = "queued" | "submitted" | "included" | "rejected";

export interface QueuedBallot {
  receiptId: string;
  electionId: bigint;
  ballot: bigint;
  nullifier: bigint;
  proof: bigint[];
  status: BallotStatus;
  reason: string | null;
  txId: number | null;
  txHash: string | null;
  blockNumber: number | null;
  acceptedAt: number;
}

export interface PendingTransaction {
  id: number;
  nonce: number;
  attempts: { hash: string; raw: string; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint; sentAt: number }[];
  createdAt: number;
}

interface BallotRow {
  receipt_id: string;
  election_id: string;
  ballot: string;
  nullifier: string;
  proof: string;
  status: BallotStatus;
  reason: string | null;
  tx_id: number | null;
  tx_hash: string | null;
  block_number: number | null;
  accepted_at: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ballots (
  receipt_id   TEXT PRIMARY KEY,
  election_id  TEXT NOT NULL,
  nullifier    TEXT NOT NULL,
  ballot       TEXT NOT NULL,
  proof        TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('queued', 'submitted', 'included', 'rejected')),
  reason       TEXT,
  tx_id        INTEGER REFERENCES transactions(id),
  tx_hash      TEXT,
  block_number INTEGER,
  accepted_at  INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  UNIQUE (election_id, nullifier)
);
CREATE INDEX IF NOT EXISTS ballots_by_status ON ballots (status, accepted_at);
CREATE TABLE IF NOT EXISTS transactions (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  nonce      INTEGER NOT NULL,
  status     TEXT NOT NULL CHECK (status IN ('pending', 'mined', 'dropped')),
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS transaction_attempts (
  hash                     TEXT PRIMARY KEY,
  tx_id                    INTEGER NOT NULL REFERENCES transactions(id),
  raw                      TEXT NOT NULL,
  max_fee_per_gas          TEXT NOT NULL,
  max_priority_fee_per_gas TEXT NOT NULL,
  sent_at                  INTEGER NOT NULL
);
`;

function toBallot(row: BallotRow): QueuedBallot {
  return {
    receiptId: row.receipt_id,
    electionId: BigInt(row.election_id),
    ballot: BigInt(row.ballot),
    nullifier: BigInt(row.nullifier),
    proof: (JSON.parse(row.proof) as string[]).map(BigInt),
    status: row.status,
    reason: row.reason,
    txId: row.tx_id,
    txHash: row.tx_hash,
    blockNumber: row.block_number,
    acceptedAt: row.accepted_at,
  };
}

export class RelayQueue {
  private readonly db: Database.Database;

  constructor(file: string) {
    this.db = new Database(file);
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = FULL");
    this.db.pragma("foreign_keys = ON");
    this.db.exec(SCHEMA);
  }

  close(): void {
    this.db.close();
  }

  /** Stores an accepted ballot; returns the existing receipt when this nullifier is already queued. */
  enqueue(entry: { electionId: bigint; ballot: bigint; nullifier: bigint; proof: readonly bigint[] }): { receiptId: string; created: boolean; existing?: QueuedBallot } {
    const existing = this.findByNullifier(entry.electionId, entry.nullifier);
    if (existing) return { receiptId: existing.receiptId, created: false, existing };
    const receiptId = randomUUID();
    const now = Date.now();
    this.db
      .prepare(
        `INSERT INTO ballots (receipt_id, election_id, nullifier, ballot, proof, status, accepted_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'queued', ?, ?)`,
      )
      .run(receiptId, entry.electionId.toString(), entry.nullifier.toString(), entry.ballot.toString(), JSON.stringify(entry.proof.map(String)), now, now);
    return { receiptId, created: true };
  }

  findByNullifier(electionId: bigint, nullifier: bigint): QueuedBallot | undefined {
    const row = this.db.prepare("SELECT * FROM ballots WHERE election_id = ? AND nullifier = ?").get(electionId.toString(), nullifier.toString()) as BallotRow | undefined;
    return row && toBallot(row);
  }

  get(receiptId: string): QueuedBallot | undefined {
    const row = this.db.prepare("SELECT * FROM ballots WHERE receipt_id = ?").get(receiptId) as BallotRow | undefined;
    return row && toBallot(row);
  }

  nextQueued(limit: number): QueuedBallot[] {
    return (this.db.prepare("SELECT * FROM ballots WHERE status = 'queued' ORDER BY accepted_at, receipt_id LIMIT ?").all(limit) as BallotRow[]).map(toBallot);
  }

  ballotsOfTransaction(txId: number): QueuedBallot[] {
    return (this.db.prepare("SELECT * FROM ballots WHERE tx_id = ?").all(txId) as BallotRow[]).map(toBallot);
  }

  counts(): Record<BallotStatus, number> {
    const counts: Record<BallotStatus, number> = { queued: 0, submitted: 0, included: 0, rejected: 0 };
    for (const row of this.db.prepare("SELECT status, COUNT(*) AS n FROM ballots GROUP BY status").all() as { status: BallotStatus; n: number }[]) counts[row.status] = row.n;
    return counts;
  }

  /** Highest nonce this relayer has ever signed, or -1. */
  highestNonce(): number {
    return (this.db.prepare("SELECT MAX(nonce) AS n FROM transactions").get() as { n: number | null }).n ?? -1;
  }

  /**
   * Records a signed transaction and marks its ballots submitted, atomically, BEFORE it is
   * broadcast (write-ahead): after a crash the transaction is rebroadcast, never rebuilt.
   */
  recordTransaction(nonce: number, receiptIds: string[], attempt: { hash: string; raw: string; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }): number {
    const now = Date.now();
    return this.db.transaction(() => {
      const { lastInsertRowid } = this.db.prepare("INSERT INTO transactions (nonce, status, created_at) VALUES (?, 'pending', ?)").run(nonce, now);
      const txId = Number(lastInsertRowid);
      this.insertAttempt(txId, attempt, now);
      const mark = this.db.prepare("UPDATE ballots SET status = 'submitted', tx_id = ?, updated_at = ? WHERE receipt_id = ? AND status = 'queued'");
      for (const receiptId of receiptIds) {
        if (mark.run(txId, now, receiptId).changes !== 1) throw new Error(`ballot ${receiptId} is no longer queued`);
      }
      return txId;
    })();
  }

  /** A replacement (same nonce, higher fees), recorded before it is broadcast. */
  recordAttempt(txId: number, attempt: { hash: string; raw: string; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }): void {
    this.insertAttempt(txId, attempt, Date.now());
  }

  private insertAttempt(txId: number, attempt: { hash: string; raw: string; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }, now: number): void {
    this.db
      .prepare("INSERT OR IGNORE INTO transaction_attempts (hash, tx_id, raw, max_fee_per_gas, max_priority_fee_per_gas, sent_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(attempt.hash, txId, attempt.raw, attempt.maxFeePerGas.toString(), attempt.maxPriorityFeePerGas.toString(), now);
  }

  pendingTransactions(): PendingTransaction[] {
    const txs = this.db.prepare("SELECT id, nonce, created_at FROM transactions WHERE status = 'pending' ORDER BY nonce").all() as { id: number; nonce: number; created_at: number }[];
    const attempts = this.db.prepare("SELECT * FROM transaction_attempts WHERE tx_id = ? ORDER BY sent_at");
    return txs.map((tx) => ({
      id: tx.id,
      nonce: tx.nonce,
      createdAt: tx.created_at,
      attempts: (attempts.all(tx.id) as { hash: string; raw: string; max_fee_per_gas: string; max_priority_fee_per_gas: string; sent_at: number }[]).map((a) => ({
        hash: a.hash,
        raw: a.raw,
        maxFeePerGas: BigInt(a.max_fee_per_gas),
        maxPriorityFeePerGas: BigInt(a.max_priority_fee_per_gas),
        sentAt: a.sent_at,
      })),
    }));
  }

  /** The transaction was mined: each of its ballots is included or rejected, in one commit. */
  settleMined(txId: number, txHash: string, blockNumber: number, outcome: Map<string, { included: boolean; reason?: string }>): void {
    const now = Date.now();
    this.db.transaction(() => {
      this.db.prepare("UPDATE transactions SET status = 'mined' WHERE id = ?").run(txId);
      const include = this.db.prepare("UPDATE ballots SET status = 'included', tx_hash = ?, block_number = ?, reason = NULL, updated_at = ? WHERE receipt_id = ?");
      const reject = this.db.prepare("UPDATE ballots SET status = 'rejected', tx_hash = ?, block_number = ?, reason = ?, updated_at = ? WHERE receipt_id = ?");
      for (const ballot of this.ballotsOfTransaction(txId)) {
        const result = outcome.get(ballot.receiptId);
        if (result?.included) include.run(txHash, blockNumber, now, ballot.receiptId);
        else reject.run(txHash, blockNumber, result?.reason ?? "not processed by the transaction", now, ballot.receiptId);
      }
    })();
  }

  /**
   * The transaction can no longer be mined (reverted, or its nonce was used by another): no
   * ballot of it was counted, so they go back to the queue.
   */
  requeueTransaction(txId: number): void {
    const now = Date.now();
    this.db.transaction(() => {
      this.db.prepare("UPDATE transactions SET status = 'dropped' WHERE id = ?").run(txId);
      this.db.prepare("UPDATE ballots SET status = 'queued', tx_id = NULL, updated_at = ? WHERE tx_id = ? AND status = 'submitted'").run(now, txId);
    })();
  }

  /** A queued ballot found already counted on-chain, by an earlier transaction of ours. */
  markIncluded(receiptId: string, txHash: string, blockNumber: number): void {
    this.db.prepare("UPDATE ballots SET status = 'included', tx_hash = ?, block_number = ?, updated_at = ? WHERE receipt_id = ? AND status = 'queued'").run(txHash, blockNumber, Date.now(), receiptId);
  }

  /** A queued ballot that can no longer be counted (for instance its nullifier was spent meanwhile). */
  rejectQueued(receiptId: string, reason: string): void {
    this.db.prepare("UPDATE ballots SET status = 'rejected', reason = ?, updated_at = ? WHERE receipt_id = ? AND status = 'queued'").run(reason, Date.now(), receiptId);
  }
}
