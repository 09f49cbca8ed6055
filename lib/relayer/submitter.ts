/**
 * Submits queued ballots in castVotes batches: nonce management, gas estimation, retries,
 * replacement of stuck transactions, and settlement of each ballot from the receipt's events.
 */
import { keccak256, type TransactionReceipt, type Wallet } from "ethers";

import type { QueuedBallot, RelayQueue } from "./queue";
import type { RelayTarget } from "./target";

export interface SubmitterOptions {
  wallet: Wallet;
  /** The contract: an open ZkBallot or a SealedZkBallot (lib/relayer/target.ts). */
  target: RelayTarget;
  queue: RelayQueue;
  chainId: bigint;
  batchSize: number;
  /** A transaction unmined for this long is replaced with higher fees. */
  stuckAfterMs: number;
  /**
   * When an included ballot becomes final: after this many blocks (its own counts as one), or
   * "finalized" / "safe" to follow the node's block tags (a proof-of-stake chain's finality).
   */
  finality: number | "finalized" | "safe";
  log?: (line: string) => void;
}

/** EIP-1559 replacement needs at least +10% on both fee fields; we bump by 12.5%. */
const FEE_BUMP_NUMERATOR = 1125n;
const FEE_BUMP_DENOMINATOR = 1000n;
const GAS_MARGIN_PERCENT = 120n;

const ballotKey = (electionId: bigint, nullifier: bigint) => `${electionId}:${nullifier}`;

export class BatchSubmitter {
  private readonly address: string;
  private busy = false;

  constructor(private readonly options: SubmitterOptions) {
    this.address = options.wallet.address;
  }

  private get provider() {
    return this.options.wallet.provider!;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /** One round: settle what was sent, then send the next batch. Never runs twice at once. */
  async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      await this.reconcile();
      await this.trackConfirmations();
      if (this.options.queue.pendingTransactions().length === 0) await this.submitNextBatch();
    } finally {
      this.busy = false;
    }
  }

  /** Settles mined transactions, rebroadcasts forgotten ones, replaces stuck ones. */
  async reconcile(): Promise<void> {
    const { queue } = this.options;
    for (const tx of queue.pendingTransactions()) {
      let receipt: TransactionReceipt | null = null;
      for (const attempt of tx.attempts) {
        receipt = await this.provider.getTransactionReceipt(attempt.hash);
        if (receipt) break;
      }
      if (receipt) {
        if (receipt.status === 1) await this.settle(tx.id, receipt);
        else {
          queue.requeueTransaction(tx.id);
          this.log(`transaction ${receipt.hash} reverted; its ballots are queued again`);
        }
        continue;
      }
      const latestNonce = await this.provider.getTransactionCount(this.address, "latest");
      if (latestNonce > tx.nonce) {
        // The nonce was consumed but none of our attempts has a receipt: another transaction
        // used it. Nothing of ours was counted, so the ballots go back to the queue; the
        // contract's nullifier rule keeps a resubmission from counting twice in any case.
        queue.requeueTransaction(tx.id);
        this.log(`nonce ${tx.nonce} was used by another transaction; ballots queued again`);
        continue;
      }
      const latest = tx.attempts[tx.attempts.length - 1];
      if (Date.now() - latest.sentAt > this.options.stuckAfterMs) {
        await this.replace(tx.id, tx.nonce, latest);
      } else if ((await this.provider.getTransaction(latest.hash)) === null) {
        await this.broadcast(latest.raw); // written before a crash, never sent, or forgotten by the node
      }
    }
  }

  private async settle(txId: number, receipt: TransactionReceipt): Promise<void> {
    const { queue, target } = this.options;
    const outcome = new Map<string, { included: boolean; reason?: string }>();
    const byKey = new Map(queue.ballotsOfTransaction(txId).map((ballot) => [ballotKey(ballot.electionId, ballot.nullifier), ballot]));
    for (const log of receipt.logs) {
      const event = target.decodeOutcome(log);
      if (event === undefined) continue;
      const ballot = byKey.get(ballotKey(event.electionId, event.nullifier));
      if (!ballot || outcome.has(ballot.receiptId)) continue;
      outcome.set(ballot.receiptId, event.name === "VoteCast" ? { included: true } : { included: false, reason: event.reason });
    }
    queue.settleMined(txId, receipt.hash, { number: receipt.blockNumber, hash: receipt.blockHash }, outcome);
    // Skipped because its nullifier was spent: by this very ballot in another transaction of
    // ours (the one a reorg dropped and the chain re-mined)? Then it is included there.
    for (const ballot of byKey.values()) {
      if (outcome.get(ballot.receiptId)?.reason?.startsWith("NullifierAlreadySpent")) await this.settleFromChain(queue.get(ballot.receiptId)!, true);
    }
    const included = [...outcome.values()].filter((o) => o.included).length;
    this.log(`transaction ${receipt.hash} mined in block ${receipt.blockNumber}: ${included} ballots counted, ${byKey.size - included} rejected`);
  }

  /**
   * Included ballots are watched until final: a receipt that vanished, or moved to another
   * block, means a reorg dropped the block, and the ballots go back to the queue (the next
   * round finds them counted again, or resubmits them).
   */
  async trackConfirmations(): Promise<void> {
    const { queue, finality } = this.options;
    const watched = queue.includedNotFinal();
    if (watched.length === 0) return;
    let finalAt: number;
    if (typeof finality === "number") finalAt = (await this.provider.getBlockNumber()) - finality + 1;
    else finalAt = (await this.provider.getBlock(finality))?.number ?? -1;
    const byTransaction = new Map<string, QueuedBallot[]>();
    for (const ballot of watched) byTransaction.set(ballot.txHash!, [...(byTransaction.get(ballot.txHash!) ?? []), ballot]);
    for (const [txHash, ballots] of byTransaction) {
      const receipt = await this.provider.getTransactionReceipt(txHash);
      const canonical = receipt !== null && ballots.every((ballot) => ballot.blockHash === null || ballot.blockHash === receipt.blockHash);
      if (!canonical) {
        queue.requeueReorged(ballots.map((ballot) => ballot.receiptId));
        this.log(`transaction ${txHash} left the chain (reorg): ${ballots.length} ballots queued again`);
        continue;
      }
      if (receipt.blockNumber <= finalAt) queue.markFinal(ballots.map((ballot) => ballot.receiptId));
    }
  }

  /** A ballot whose nullifier is spent on-chain: included if the VoteCast carries this very ballot, else rejected. */
  private async settleFromChain(ballot: QueuedBallot, wasSkipped = false): Promise<void> {
    const { queue, target } = this.options;
    const spentInBlock = await target.nullifierSpentInBlock(ballot.electionId, ballot.nullifier);
    if (spentInBlock === 0n) return;
    const cast = await target.castIn(ballot, Number(spentInBlock));
    if (cast?.sameBallot) {
      if (wasSkipped) queue.reincludeRejected(ballot.receiptId, cast.transactionHash, { number: cast.blockNumber, hash: cast.blockHash });
      else queue.markIncluded(ballot.receiptId, cast.transactionHash, { number: cast.blockNumber, hash: cast.blockHash });
    } else if (!wasSkipped) {
      queue.rejectQueued(ballot.receiptId, `NullifierAlreadySpent(${ballot.electionId}, ${ballot.nullifier}, ${spentInBlock})`);
    }
  }

  /**
   * The next nonce: the node's pending count, or one past the highest nonce of a transaction we
   * recorded and have not seen settled (it may not have reached the node yet). Mined nonces are
   * not counted from the database: after a reorg or rollback the chain's count is the truth.
   */
  private async nextNonce(): Promise<number> {
    const chainPending = await this.provider.getTransactionCount(this.address, "pending");
    const recorded = this.options.queue.pendingTransactions().reduce((highest, tx) => Math.max(highest, tx.nonce), -1);
    return Math.max(chainPending, recorded + 1);
  }

  /** Sends the next batch of queued ballots; returns how many it sent. */
  async submitNextBatch(): Promise<number> {
    const { queue, target } = this.options;
    const candidates = target.batchable(queue.nextQueued(Math.min(this.options.batchSize, target.maxBatchSize)));
    const batch: QueuedBallot[] = [];
    for (const ballot of candidates) {
      const spentInBlock = await target.nullifierSpentInBlock(ballot.electionId, ballot.nullifier);
      if (spentInBlock === 0n) {
        batch.push(ballot);
        continue;
      }
      // Spent: by this very ballot (a transaction of ours whose receipt we missed), or by another.
      await this.settleFromChain(ballot);
    }
    if (batch.length === 0) return 0;
    const data = target.encodeBatch(batch);
    const to = target.address;
    let gasLimit: bigint;
    try {
      gasLimit = ((await this.provider.estimateGas({ from: this.address, to, data })) * GAS_MARGIN_PERCENT) / 100n;
    } catch {
      gasLimit = target.fallbackGasPerBallot * BigInt(batch.length) + 100_000n;
    }
    const fees = await this.provider.getFeeData();
    const maxPriorityFeePerGas = fees.maxPriorityFeePerGas ?? 1_000_000_000n;
    const maxFeePerGas = fees.maxFeePerGas ?? maxPriorityFeePerGas * 2n;
    const nonce = await this.nextNonce();
    const raw = await this.options.wallet.signTransaction({ type: 2, chainId: this.options.chainId, to, data, nonce, gasLimit, maxFeePerGas, maxPriorityFeePerGas });
    const hash = keccak256(raw);
    queue.recordTransaction(nonce, batch.map((ballot) => ballot.receiptId), { hash, raw, maxFeePerGas, maxPriorityFeePerGas });
    await this.broadcast(raw);
    this.log(`sent ${batch.length} ballots in transaction ${hash} (nonce ${nonce})`);
    return batch.length;
  }

  private async replace(txId: number, nonce: number, latest: { raw: string; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }): Promise<void> {
    const { wallet, queue } = this.options;
    const previous = (await import("ethers")).Transaction.from(latest.raw);
    const maxPriorityFeePerGas = (latest.maxPriorityFeePerGas * FEE_BUMP_NUMERATOR) / FEE_BUMP_DENOMINATOR + 1n;
    const maxFeePerGas = (latest.maxFeePerGas * FEE_BUMP_NUMERATOR) / FEE_BUMP_DENOMINATOR + 1n;
    const raw = await wallet.signTransaction({ type: 2, chainId: this.options.chainId, to: previous.to, data: previous.data, nonce, gasLimit: previous.gasLimit, maxFeePerGas, maxPriorityFeePerGas });
    const hash = keccak256(raw);
    queue.recordAttempt(txId, { hash, raw, maxFeePerGas, maxPriorityFeePerGas });
    await this.broadcast(raw);
    this.log(`replaced stuck transaction (nonce ${nonce}) with ${hash} at higher fees`);
  }

  /** Broadcasts with retries; "already known" and "nonce too low" are left to reconcile. */
  private async broadcast(raw: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await this.provider.broadcastTransaction(raw);
        return;
      } catch (error) {
        const message = (error as Error).message ?? "";
        if (/already known|known transaction|nonce too low|nonce has already been used|replacement/i.test(message)) return;
        await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
      }
    }
    this.log("broadcast failed 5 times; the transaction stays recorded and is retried on the next round");
  }
}
