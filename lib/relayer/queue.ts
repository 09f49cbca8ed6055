/**
 * The relayer's durable queue (SQLite, WAL, synchronous=FULL). A ballot is written here before
 * the relayer answers, and a transaction is written here, signed, before it is broadcast; so a
 * process killed at any moment restarts knowing every accepted ballot and every transaction it
 * may have sent, and neither loses a ballot nor submits one twice.
 *
 * The database belongs to one chain, one ZkBallot and one relayer key (the `meta` table): opened
 * against anything else it refuses (bindTo), because its nonces and receipts would be wrong there.
 *
 * Privacy: per-ballot times are kept to the minute (accepted_at, updated_at); the order of
 * arrival is the row order. Nothing here records a client address.
 *
 * Storage errors (disk full, read-only file, I/O error) surface as StorageError, which the HTTP
 * layer answers with 503 and Retry-After: a ballot is acknowledged only once it is stored.
 */
import { randomUUID } from "node:crypto";

import Database from "better-sqlite3";

import { ZkBallotError } from "../core/errors";

/** included = in a block with fewer than the configured confirmations; final = deep enough (or at the node's finalized block). */
export type BallotStatus = "queued" | "submitted" | "included" | "final" | "rejected";

export const BALLOT_STATUSES: readonly BallotStatus[] = ["queued", "submitted", "included", "final", "rejected"];

/** What a relayer database belongs to. */
export interface QueueBinding {
  chainId: bigint;
  /** Number and hash of a block that pins the chain (a reset or another node at the same chain id has another hash). */
  pinBlockNumber: number;
  pinBlockHash: string;
  zkBallot: string;
  relayer: string;
}

/** What a ballot carries: an open ZkBallot's ballot field element, or a SealedZkBallot's 32 ciphertext words. */
export type BallotContent = { kind: "open"; ballot: bigint; ciphertexts: null } | { kind: "sealed"; ballot: null; ciphertexts: bigint[] };

/** A ballot to store: its election, nullifier, proof and content. */
export type BallotEntry = { electionId: bigint; nullifier: bigint; proof: readonly bigint[] } & ({ ballot: bigint; ciphertexts?: undefined } | { ballot?: undefined; ciphertexts: readonly bigint[] });

export type QueuedBallot = BallotContent & {
  receiptId: string;
  electionId: bigint;
  nullifier: bigint;
  proof: bigint[];
  status: BallotStatus;
  reason: string | null;
  txId: number | null;
  txHash: string | null;
  blockNumber: number | null;
  blockHash: string | null;
  /** Minute of acceptance (ms since the epoch, a multiple of 60,000). */
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
  kind: "open" | "sealed";
  ballot: string | null;
  ciphertexts: string | null;
  nullifier: string;
  proof: string;
  status: BallotStatus;
  reason: string | null;
  tx_id: number | null;
  tx_hash: string | null;
  block_number: number | null;
  block_hash: string | null;
  accepted_at: number;
}

/**
 * Bumped when the tables change. Version 2 (open ballots only) is migrated in place on open
 * (migrateFromVersion2); any other version is refused, not migrated silently.
 */
export const QUEUE_SCHEMA_VERSION = 3;

const MINUTE_MS = 60_000;
/** WAL pages (4 KiB) between automatic checkpoints: about 1 MiB of log, not SQLite's 4 MiB default. */
const WAL_AUTOCHECKPOINT_PAGES = 256;
/** Bytes the WAL file is truncated back to after a checkpoint. */
const JOURNAL_SIZE_LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * The ballots table (version 3): an open ballot has `ballot`, a sealed one its 32 ciphertext
 * words as a JSON array in `ciphertexts`, never both.
 */
const ballotsTable = (name: string) => `
CREATE TABLE IF NOT EXISTS ${name} (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  receipt_id   TEXT NOT NULL UNIQUE,
  election_id  TEXT NOT NULL,
  nullifier    TEXT NOT NULL,
  kind         TEXT NOT NULL DEFAULT 'open' CHECK (kind IN ('open', 'sealed')),
  ballot       TEXT,
  ciphertexts  TEXT,
  proof        TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN ('queued', 'submitted', 'included', 'final', 'rejected')),
  reason       TEXT,
  tx_id        INTEGER REFERENCES transactions(id),
  tx_hash      TEXT,
  block_number INTEGER,
  block_hash   TEXT,
  accepted_at  INTEGER NOT NULL,
  updated_at   INTEGER NOT NULL,
  UNIQUE (election_id, nullifier),
  CHECK ((kind = 'open' AND ballot IS NOT NULL AND ciphertexts IS NULL) OR (kind = 'sealed' AND ballot IS NULL AND ciphertexts IS NOT NULL))
);`;

/** Columns version 2's ballots table had, all kept by the migration. */
const VERSION_2_COLUMNS = "seq, receipt_id, election_id, nullifier, ballot, proof, status, reason, tx_id, tx_hash, block_number, block_hash, accepted_at, updated_at";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
${ballotsTable("ballots")}
CREATE INDEX IF NOT EXISTS ballots_by_status ON ballots (status);
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

const STORAGE_ERROR_CODES = /^SQLITE_(FULL|READONLY|IOERR|CANTOPEN|CORRUPT|NOTADB|PERM|BUSY|LOCKED)/;

/** The database cannot be read or written (disk full, read-only, I/O error): nothing was stored. */
export class StorageError extends ZkBallotError {
  constructor(
    readonly sqliteCode: string,
    detail: string,
  ) {
    super("STORAGE_UNAVAILABLE", `the relayer database cannot be written (${sqliteCode}: ${detail})`, storageHint(sqliteCode));
  }
}

function storageHint(code: string): string {
  if (code.startsWith("SQLITE_FULL")) return "the disk holding RELAYER_DB is full: free space, then retry";
  if (code.startsWith("SQLITE_READONLY") || code.startsWith("SQLITE_PERM") || code.startsWith("SQLITE_CANTOPEN")) return "RELAYER_DB or its directory is not writable by the relayer: fix the permissions or the mount";
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) return "another process holds the database: run one relayer per RELAYER_DB";
  return "check the disk holding RELAYER_DB (dmesg, free space)";
}

/** Rethrows SQLite's storage failures as StorageError; other errors unchanged. */
export function asStorageError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && STORAGE_ERROR_CODES.test(code)) return new StorageError(code, (error as Error).message);
  return error;
}

/** The minute an instant falls in: per-ballot times are kept no finer than this. */
export function toMinute(ms: number): number {
  return Math.floor(ms / MINUTE_MS) * MINUTE_MS;
}

function toBallot(row: BallotRow): QueuedBallot {
  const content: BallotContent =
    row.kind === "sealed" ? { kind: "sealed", ballot: null, ciphertexts: (JSON.parse(row.ciphertexts!) as string[]).map(BigInt) } : { kind: "open", ballot: BigInt(row.ballot!), ciphertexts: null };
  return {
    ...content,
    receiptId: row.receipt_id,
    electionId: BigInt(row.election_id),
    nullifier: BigInt(row.nullifier),
    proof: (JSON.parse(row.proof) as string[]).map(BigInt),
    status: row.status,
    reason: row.reason,
    txId: row.tx_id,
    txHash: row.tx_hash,
    blockNumber: row.block_number,
    blockHash: row.block_hash,
    acceptedAt: row.accepted_at,
  };
}

const sameWords = (a: readonly bigint[], b: readonly bigint[]) => a.length === b.length && a.every((value, i) => value === b[i]);

/** Same election, nullifier, content (ballot, or ciphertexts) and proof: a resend, not a different ballot. */
export function sameBallot(stored: QueuedBallot, entry: BallotEntry): boolean {
  const sameContent = entry.ciphertexts === undefined ? stored.ballot === entry.ballot : stored.ciphertexts !== null && sameWords(stored.ciphertexts, entry.ciphertexts);
  return stored.electionId === entry.electionId && stored.nullifier === entry.nullifier && sameContent && sameWords(stored.proof, entry.proof);
}

type Attempt = { hash: string; raw: string; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };

export class RelayQueue {
  private readonly db: Database.Database;

  /** Opens (creating if needed) the database; a storage failure is a StorageError with a hint. */
  constructor(readonly file: string) {
    try {
      this.db = new Database(file);
      // One relayer per database, and no shared-memory WAL index: in exclusive mode the WAL index
      // lives in heap memory, so a full disk is a clean SQLITE_FULL, never a fault on an mmap.
      this.db.pragma("locking_mode = EXCLUSIVE");
      // Each of these writes only when the setting differs, so re-opening an existing database
      // on a full disk does not fail here.
      if (this.db.pragma("journal_mode", { simple: true }) !== "wal") this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = FULL");
      this.db.pragma("foreign_keys = ON");
      this.db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
      this.db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`);
      const tables = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
      if (tables.length === 0) this.db.exec(SCHEMA + `INSERT INTO meta (key, value) VALUES ('schema_version', '${QUEUE_SCHEMA_VERSION}');`);
      else if (this.metaValue("schema_version") === "2") this.migrateFromVersion2();
    } catch (error) {
      throw asStorageError(error);
    }
    const version = this.metaValue("schema_version");
    if (version !== String(QUEUE_SCHEMA_VERSION)) {
      this.db.close();
      throw new ZkBallotError(
        "CHAIN_MISMATCH",
        `${file} has relayer schema ${version ?? "1 (no meta table)"}, this relayer uses ${QUEUE_SCHEMA_VERSION}`,
        "let the old relayer finish its queue, then start this one with a new RELAYER_DB",
      );
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /**
   * Version 2 to 3 (sealed ballots): SQLite cannot relax `ballot NOT NULL` in place, so the
   * ballots table is rebuilt with the kind and ciphertexts columns and every row copied as an
   * open ballot (same seq, receipt, status and transaction link), in one transaction: an
   * interrupted migration leaves version 2 intact.
   */
  private migrateFromVersion2(): void {
    this.db.transaction(() => {
      this.db.exec(ballotsTable("ballots_v3"));
      this.db.exec(`INSERT INTO ballots_v3 (${VERSION_2_COLUMNS}, kind) SELECT ${VERSION_2_COLUMNS}, 'open' FROM ballots`);
      this.db.exec("DROP TABLE ballots");
      this.db.exec("ALTER TABLE ballots_v3 RENAME TO ballots");
      this.db.exec("CREATE INDEX IF NOT EXISTS ballots_by_status ON ballots (status)");
      this.db.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(QUEUE_SCHEMA_VERSION));
    })();
  }

  /** Runs a statement block, turning SQLite storage failures into StorageError. */
  private write<T>(run: () => T): T {
    try {
      return run();
    } catch (error) {
      throw asStorageError(error);
    }
  }

  private metaValue(key: string): string | undefined {
    try {
      return (this.db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined)?.value;
    } catch {
      return undefined;
    }
  }

  /** What this database belongs to, or undefined before the first bind. */
  binding(): QueueBinding | undefined {
    const chainId = this.metaValue("chain_id");
    if (chainId === undefined) return undefined;
    return {
      chainId: BigInt(chainId),
      pinBlockNumber: Number(this.metaValue("pin_block_number")),
      pinBlockHash: this.metaValue("pin_block_hash")!,
      zkBallot: this.metaValue("zkballot")!,
      relayer: this.metaValue("relayer")!,
    };
  }

  /**
   * Binds a new database to a chain, contract and relayer key, or checks that an existing one
   * belongs to them; anything else throws CHAIN_MISMATCH naming the difference.
   */
  bindTo(expected: Omit<QueueBinding, "pinBlockHash" | "pinBlockNumber">, pin: { number: number; hash: string | undefined }): QueueBinding {
    const bound = this.binding();
    if (bound === undefined) {
      const pinNow = pin;
      if (pinNow.hash === undefined) throw new ZkBallotError("CHAIN_MISMATCH", `the node has no block ${pin.number} to pin the chain with`, "deploy ZkBallot first");
      this.write(() =>
        this.db.transaction(() => {
          const set = this.db.prepare("INSERT INTO meta (key, value) VALUES (?, ?)");
          set.run("chain_id", expected.chainId.toString());
          set.run("pin_block_number", String(pinNow.number));
          set.run("pin_block_hash", pinNow.hash!);
          set.run("zkballot", expected.zkBallot.toLowerCase());
          set.run("relayer", expected.relayer.toLowerCase());
        })(),
      );
      return this.binding()!;
    }
    const hint = "point RELAYER_RPC_URL, ZKBALLOT_ADDRESS and RELAYER_PRIVATE_KEY at what this database was made for, or use a new RELAYER_DB for this chain";
    const refuse = (what: string) => new ZkBallotError("CHAIN_MISMATCH", `${this.file} belongs to ${what}`, hint);
    if (bound.chainId !== expected.chainId) throw refuse(`chain ${bound.chainId}, the node is chain ${expected.chainId}`);
    if (bound.zkBallot !== expected.zkBallot.toLowerCase()) throw refuse(`ZkBallot ${bound.zkBallot}, not ${expected.zkBallot}`);
    if (bound.relayer !== expected.relayer.toLowerCase()) throw refuse(`relayer ${bound.relayer}, not ${expected.relayer}`);
    const hash = pin.number === bound.pinBlockNumber ? pin.hash : undefined;
    if (hash !== bound.pinBlockHash) {
      throw refuse(`another chain with the same id: its block ${bound.pinBlockNumber} is ${bound.pinBlockHash}, the node's is ${hash ?? "missing"} (a reset node, or another node)`);
    }
    return bound;
  }

  /**
   * Stores an accepted ballot, or finds the one already stored under its nullifier (a resend,
   * or a concurrent request that won the insert): the caller compares it with sameBallot.
   */
  enqueue(entry: BallotEntry): { stored: QueuedBallot; created: boolean } {
    const receiptId = randomUUID();
    const minute = toMinute(Date.now());
    const sealed = entry.ciphertexts !== undefined;
    const { changes } = this.write(() =>
      this.db
        .prepare(
          `INSERT INTO ballots (receipt_id, election_id, nullifier, kind, ballot, ciphertexts, proof, status, accepted_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?) ON CONFLICT (election_id, nullifier) DO NOTHING`,
        )
        .run(
          receiptId,
          entry.electionId.toString(),
          entry.nullifier.toString(),
          sealed ? "sealed" : "open",
          sealed ? null : entry.ballot!.toString(),
          sealed ? JSON.stringify(entry.ciphertexts.map(String)) : null,
          JSON.stringify(entry.proof.map(String)),
          minute,
          minute,
        ),
    );
    return { stored: this.findByNullifier(entry.electionId, entry.nullifier)!, created: changes === 1 };
  }

  findByNullifier(electionId: bigint, nullifier: bigint): QueuedBallot | undefined {
    const row = this.read(() => this.db.prepare("SELECT * FROM ballots WHERE election_id = ? AND nullifier = ?").get(electionId.toString(), nullifier.toString())) as BallotRow | undefined;
    return row && toBallot(row);
  }

  private read<T>(run: () => T): T {
    return this.write(run);
  }

  get(receiptId: string): QueuedBallot | undefined {
    const row = this.read(() => this.db.prepare("SELECT * FROM ballots WHERE receipt_id = ?").get(receiptId)) as BallotRow | undefined;
    return row && toBallot(row);
  }

  /** The oldest queued ballots, in arrival order. */
  nextQueued(limit: number): QueuedBallot[] {
    return (this.read(() => this.db.prepare("SELECT * FROM ballots WHERE status = 'queued' ORDER BY seq LIMIT ?").all(limit)) as BallotRow[]).map(toBallot);
  }

  /** Included ballots not yet final, by block. */
  includedNotFinal(): QueuedBallot[] {
    return (this.read(() => this.db.prepare("SELECT * FROM ballots WHERE status = 'included' ORDER BY block_number, seq").all()) as BallotRow[]).map(toBallot);
  }

  ballotsOfTransaction(txId: number): QueuedBallot[] {
    return (this.read(() => this.db.prepare("SELECT * FROM ballots WHERE tx_id = ?").all(txId)) as BallotRow[]).map(toBallot);
  }

  counts(): Record<BallotStatus, number> {
    const counts: Record<BallotStatus, number> = { queued: 0, submitted: 0, included: 0, final: 0, rejected: 0 };
    for (const row of this.read(() => this.db.prepare("SELECT status, COUNT(*) AS n FROM ballots GROUP BY status").all()) as { status: BallotStatus; n: number }[]) counts[row.status] = row.n;
    return counts;
  }

  /** Election ids that have ballots in this database. */
  elections(): bigint[] {
    return (this.read(() => this.db.prepare("SELECT DISTINCT election_id FROM ballots").all()) as { election_id: string }[]).map((row) => BigInt(row.election_id));
  }

  /** Highest nonce this relayer has ever signed, or -1. */
  highestNonce(): number {
    return (this.read(() => this.db.prepare("SELECT MAX(nonce) AS n FROM transactions").get()) as { n: number | null }).n ?? -1;
  }

  /** Proves the database takes a write right now (for /health): a one-row upsert in meta. */
  probeWrite(): void {
    this.write(() => this.db.prepare("INSERT INTO meta (key, value) VALUES ('health_probe', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(String(toMinute(Date.now()))));
  }

  /** Checkpoints the WAL into the database and truncates it (on purpose, not only when SQLite decides). */
  checkpoint(): { walPages: number; checkpointed: number } {
    const [row] = this.write(() => this.db.pragma("wal_checkpoint(TRUNCATE)")) as { busy: number; log: number; checkpointed: number }[];
    return { walPages: row.log, checkpointed: row.checkpointed };
  }

  /**
   * Records a signed transaction and marks its ballots submitted, atomically, BEFORE it is
   * broadcast (write-ahead): after a crash the transaction is rebroadcast, never rebuilt.
   */
  recordTransaction(nonce: number, receiptIds: string[], attempt: Attempt): number {
    const now = Date.now();
    return this.write(() =>
      this.db.transaction(() => {
        const { lastInsertRowid } = this.db.prepare("INSERT INTO transactions (nonce, status, created_at) VALUES (?, 'pending', ?)").run(nonce, now);
        const txId = Number(lastInsertRowid);
        this.insertAttempt(txId, attempt, now);
        const mark = this.db.prepare("UPDATE ballots SET status = 'submitted', tx_id = ?, updated_at = ? WHERE receipt_id = ? AND status = 'queued'");
        for (const receiptId of receiptIds) {
          if (mark.run(txId, toMinute(now), receiptId).changes !== 1) throw new Error(`ballot ${receiptId} is no longer queued`);
        }
        return txId;
      })(),
    );
  }

  /** A replacement (same nonce, higher fees), recorded before it is broadcast. */
  recordAttempt(txId: number, attempt: Attempt): void {
    this.write(() => this.insertAttempt(txId, attempt, Date.now()));
  }

  private insertAttempt(txId: number, attempt: Attempt, now: number): void {
    this.db
      .prepare("INSERT OR IGNORE INTO transaction_attempts (hash, tx_id, raw, max_fee_per_gas, max_priority_fee_per_gas, sent_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(attempt.hash, txId, attempt.raw, attempt.maxFeePerGas.toString(), attempt.maxPriorityFeePerGas.toString(), now);
  }

  pendingTransactions(): PendingTransaction[] {
    return this.read(() => {
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
    });
  }

  /** The transaction was mined: each of its ballots is included or rejected, in one commit. */
  settleMined(txId: number, txHash: string, block: { number: number; hash: string }, outcome: Map<string, { included: boolean; reason?: string }>): void {
    const minute = toMinute(Date.now());
    this.write(() =>
      this.db.transaction(() => {
        this.db.prepare("UPDATE transactions SET status = 'mined' WHERE id = ?").run(txId);
        const include = this.db.prepare("UPDATE ballots SET status = 'included', tx_hash = ?, block_number = ?, block_hash = ?, reason = NULL, updated_at = ? WHERE receipt_id = ?");
        const reject = this.db.prepare("UPDATE ballots SET status = 'rejected', tx_hash = ?, block_number = ?, block_hash = ?, reason = ?, updated_at = ? WHERE receipt_id = ?");
        for (const ballot of this.ballotsOfTransaction(txId)) {
          const result = outcome.get(ballot.receiptId);
          if (result?.included) include.run(txHash, block.number, block.hash, minute, ballot.receiptId);
          else reject.run(txHash, block.number, block.hash, result?.reason ?? "not processed by the transaction", minute, ballot.receiptId);
        }
      })(),
    );
  }

  /**
   * The transaction can no longer be mined (reverted, or its nonce was used by another): no
   * ballot of it was counted, so they go back to the queue.
   */
  requeueTransaction(txId: number): void {
    const minute = toMinute(Date.now());
    this.write(() =>
      this.db.transaction(() => {
        this.db.prepare("UPDATE transactions SET status = 'dropped' WHERE id = ?").run(txId);
        this.db.prepare("UPDATE ballots SET status = 'queued', tx_id = NULL, updated_at = ? WHERE tx_id = ? AND status = 'submitted'").run(minute, txId);
      })(),
    );
  }

  /** A queued ballot found already counted on-chain, by an earlier transaction of ours. */
  markIncluded(receiptId: string, txHash: string, block: { number: number; hash: string }): void {
    this.write(() =>
      this.db
        .prepare("UPDATE ballots SET status = 'included', tx_hash = ?, block_number = ?, block_hash = ?, updated_at = ? WHERE receipt_id = ? AND status = 'queued'")
        .run(txHash, block.number, block.hash, toMinute(Date.now()), receiptId),
    );
  }

  /** A ballot skipped as already spent, found counted by another transaction of ours (a reorg re-mined it): included there. */
  reincludeRejected(receiptId: string, txHash: string, block: { number: number; hash: string }): void {
    this.write(() =>
      this.db
        .prepare("UPDATE ballots SET status = 'included', reason = NULL, tx_hash = ?, block_number = ?, block_hash = ?, updated_at = ? WHERE receipt_id = ? AND status = 'rejected'")
        .run(txHash, block.number, block.hash, toMinute(Date.now()), receiptId),
    );
  }

  /** Included ballots now deep enough (or at the node's finalized block): final. */
  markFinal(receiptIds: string[]): void {
    const minute = toMinute(Date.now());
    this.write(() =>
      this.db.transaction(() => {
        const mark = this.db.prepare("UPDATE ballots SET status = 'final', updated_at = ? WHERE receipt_id = ? AND status = 'included'");
        for (const receiptId of receiptIds) mark.run(minute, receiptId);
      })(),
    );
  }

  /**
   * Included ballots whose block left the canonical chain (a reorg): back to the queue, so the
   * next round resubmits them (or finds them counted by the transaction's re-inclusion).
   */
  requeueReorged(receiptIds: string[]): void {
    const minute = toMinute(Date.now());
    this.write(() =>
      this.db.transaction(() => {
        const requeue = this.db.prepare("UPDATE ballots SET status = 'queued', tx_id = NULL, tx_hash = NULL, block_number = NULL, block_hash = NULL, updated_at = ? WHERE receipt_id = ? AND status = 'included'");
        for (const receiptId of receiptIds) requeue.run(minute, receiptId);
      })(),
    );
  }

  /** A queued ballot that can no longer be counted (for instance its nullifier was spent meanwhile). */
  rejectQueued(receiptId: string, reason: string): void {
    this.write(() => this.db.prepare("UPDATE ballots SET status = 'rejected', reason = ?, updated_at = ? WHERE receipt_id = ? AND status = 'queued'").run(reason, toMinute(Date.now()), receiptId));
  }

  /** Ballots of an election that are not yet final or rejected. */
  unsettledCount(electionId: bigint): number {
    return (this.read(() => this.db.prepare("SELECT COUNT(*) AS n FROM ballots WHERE election_id = ? AND status IN ('queued', 'submitted', 'included')").get(electionId.toString())) as { n: number }).n;
  }

  /**
   * Retention: deletes every ballot of a finished election (receipt, nullifier, ballot, proof,
   * minute of acceptance, transaction links), then the transactions that no longer carry any
   * ballot, then checkpoints and vacuums so the deleted rows do not linger in free pages or the
   * WAL. Returns how many ballots were deleted.
   */
  purgeElection(electionId: bigint): number {
    const deleted = this.write(() =>
      this.db.transaction(() => {
        const { changes } = this.db.prepare("DELETE FROM ballots WHERE election_id = ?").run(electionId.toString());
        const orphans = "SELECT id FROM transactions WHERE status != 'pending' AND id NOT IN (SELECT tx_id FROM ballots WHERE tx_id IS NOT NULL)";
        this.db.prepare(`DELETE FROM transaction_attempts WHERE tx_id IN (${orphans})`).run();
        this.db.prepare(`DELETE FROM transactions WHERE id IN (${orphans})`).run();
        return changes;
      })(),
    );
    this.write(() => {
      this.db.pragma("wal_checkpoint(TRUNCATE)");
      this.db.exec("VACUUM");
    });
    return deleted;
  }
}
