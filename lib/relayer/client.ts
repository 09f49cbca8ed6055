/**
 * The voter's side of the relayer: hand over a prepared ballot, then follow its receipt.
 *
 * Each failure has its own code: RELAYER_UNREACHABLE (no connection, or no answer within 30 s),
 * RELAYER_REFUSED (an answer with a refusal code), RELAYER_BAD_ANSWER (not JSON, not a receipt,
 * or a receipt for another ballot), RELAYER_TIMEOUT (not included before the deadline).
 *
 * A busy relayer answers 429 or 503 with Retry-After; the client waits that long (capped) and
 * retries a bounded number of times. Every receipt is checked against the ballot it is for, so
 * a voter is never told that one ballot was cast while the relayer holds another.
 */
import { ZkBallotError } from "../core/errors";
import type { PreparedBallot } from "../chain/election";
import { ciphertextDigest } from "../sealed/ciphertextDigest";

export type RelayStatus = "queued" | "submitted" | "included" | "final" | "rejected";
const STATUSES: readonly string[] = ["queued", "submitted", "included", "final", "rejected"];

export interface RelayReceipt {
  receiptId: string;
  status: RelayStatus;
  electionId: string;
  nullifier: string;
  /** An open ballot's receipt names the ballot; a sealed one's (kind "sealed") the ciphertexts' digest. */
  ballot?: string;
  kind?: "sealed";
  ciphertextDigest?: string;
  transactionHash?: string;
  blockNumber?: number;
  reason?: string;
}

export interface RetryOptions {
  /** Retries after 429/503 at most (default 8). */
  maxRetries?: number;
  /** A Retry-After above this is capped (default 30 s). */
  maxWaitMs?: number;
  /** Waits for tests: defaults to setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  onRetry?: (status: number, waitMs: number) => void;
}

const DEFAULT_RETRY_AFTER_MS = 1_000;

/** Retry-After in ms: delta-seconds or an HTTP date; missing or malformed is 1 s. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (header === null) return DEFAULT_RETRY_AFTER_MS;
  if (/^\s*\d+\s*$/.test(header)) return Number(header) * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? DEFAULT_RETRY_AFTER_MS : Math.max(0, date - now);
}

async function request(url: string, init: RequestInit | undefined, retry: RetryOptions = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const sleep = retry.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  for (let attempt = 0; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
    } catch (error) {
      throw new ZkBallotError("RELAYER_UNREACHABLE", `cannot reach the relayer at ${url}: ${(error as Error).message}`, "check the --relayer URL and that the relayer is running, then retry");
    }
    if ((response.status === 429 || response.status === 503) && attempt < (retry.maxRetries ?? 8)) {
      const waitMs = Math.min(retryAfterMs(response.headers.get("retry-after")), retry.maxWaitMs ?? 30_000);
      await response.body?.cancel();
      retry.onRetry?.(response.status, waitMs);
      await sleep(waitMs);
      continue;
    }
    let body: Record<string, unknown>;
    try {
      body = (await response.json()) as Record<string, unknown>;
    } catch {
      throw new ZkBallotError("RELAYER_BAD_ANSWER", `the relayer at ${url} did not answer with JSON (HTTP ${response.status})`, "is --relayer the relayer's URL (not a proxy's error page)?");
    }
    return { status: response.status, body };
  }
}

/** What a receipt must name: the election, the nullifier, and the ballot (open) or the digest of the 32 ciphertext words (sealed). */
export type ReceiptExpectation = { electionId: bigint; nullifier: bigint } & ({ ballot: bigint } | { ciphertextDigest: string });

/** The expectation for a sealed ballot's receipt. */
export function sealedReceiptExpectation(electionId: bigint, ballot: { readonly nullifier: bigint; readonly ciphertextWords: readonly bigint[] }): ReceiptExpectation {
  return { electionId, nullifier: ballot.nullifier, ciphertextDigest: ciphertextDigest(ballot.ciphertextWords) };
}

/** The answer must be a receipt for this very ballot (election, nullifier, and ballot or ciphertext digest). */
function checkReceipt(body: Record<string, unknown>, expected: ReceiptExpectation): RelayReceipt {
  if (typeof body.receiptId !== "string" || !STATUSES.includes(body.status as string)) {
    throw new ZkBallotError("RELAYER_BAD_ANSWER", "the relayer's answer is not a receipt");
  }
  const receipt = body as unknown as RelayReceipt;
  const sameContent = "ballot" in expected ? receipt.ballot === expected.ballot.toString() : receipt.kind === "sealed" && receipt.ciphertextDigest === expected.ciphertextDigest;
  if (receipt.electionId !== expected.electionId.toString() || receipt.nullifier !== expected.nullifier.toString() || !sameContent) {
    const named = "ballot" in expected ? `ballot ${String(receipt.ballot)}` : `ciphertext digest ${String(receipt.ciphertextDigest)}`;
    throw new ZkBallotError(
      "RELAYER_BAD_ANSWER",
      `the relayer's receipt ${receipt.receiptId} is not for this ballot (it names election ${String(receipt.electionId)}, ${named})`,
      "another ballot of yours may already be queued there; check with my-ballot, or vote through another relayer",
    );
  }
  return receipt;
}

/** POSTs a ballot to one of the relayer's submission routes; any answer but 200/202 is RELAYER_REFUSED with the relayer's code. */
async function postBallot(relayerUrl: string, route: string, body: Record<string, unknown>, what: string, retry?: RetryOptions): Promise<Record<string, unknown>> {
  const answer = await request(new URL(route, relayerUrl).toString(), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }, retry);
  if (answer.status !== 200 && answer.status !== 202) {
    throw new ZkBallotError("RELAYER_REFUSED", `the relayer refused the ${what}: ${String(answer.body.error)}: ${String(answer.body.message)}`);
  }
  return answer.body;
}

export async function submitToRelayer(relayerUrl: string, prepared: PreparedBallot, retry?: RetryOptions): Promise<RelayReceipt> {
  const body = { electionId: prepared.electionId.toString(), ballot: prepared.ballot.toString(), nullifier: prepared.nullifier.toString(), proof: prepared.proof.map(String) };
  return checkReceipt(await postBallot(relayerUrl, "/v1/ballots", body, "ballot", retry), prepared);
}

/**
 * Hands a proven sealed ballot to a sealed relayer (POST /v1/sealed-ballots); the receipt must
 * name this election, this nullifier and the digest of exactly these 32 ciphertext words.
 */
export async function submitSealedToRelayer(relayerUrl: string, electionId: bigint, ballot: { readonly nullifier: bigint; readonly ciphertextWords: readonly bigint[]; readonly proof: readonly bigint[] }, retry?: RetryOptions): Promise<RelayReceipt> {
  const body = { electionId: electionId.toString(), nullifier: ballot.nullifier.toString(), ciphertexts: ballot.ciphertextWords.map(String), proof: ballot.proof.map(String) };
  return checkReceipt(await postBallot(relayerUrl, "/v1/sealed-ballots", body, "sealed ballot", retry), sealedReceiptExpectation(electionId, ballot));
}

export async function relayReceipt(relayerUrl: string, receiptId: string, expected: ReceiptExpectation, retry?: RetryOptions): Promise<RelayReceipt> {
  const { status, body } = await request(new URL(`/v1/ballots/${encodeURIComponent(receiptId)}`, relayerUrl).toString(), undefined, retry);
  if (status !== 200) throw new ZkBallotError("RELAYER_REFUSED", `the relayer has no receipt ${receiptId}: ${String(body.message)}`);
  return checkReceipt(body, expected);
}

/** Polls until the ballot is included (or final, with `until: "final"`) or rejected, or the time runs out. */
export async function waitForRelayedBallot(
  relayerUrl: string,
  receiptId: string,
  expected: ReceiptExpectation,
  options: { timeoutMs?: number; intervalMs?: number; until?: "included" | "final"; onStatus?: (receipt: RelayReceipt) => void; retry?: RetryOptions } = {},
): Promise<RelayReceipt> {
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  const done: RelayStatus[] = options.until === "final" ? ["final", "rejected"] : ["included", "final", "rejected"];
  let last: string | undefined;
  for (;;) {
    const receipt = await relayReceipt(relayerUrl, receiptId, expected, options.retry);
    if (receipt.status !== last) options.onStatus?.(receipt);
    last = receipt.status;
    if (done.includes(receipt.status)) return receipt;
    if (Date.now() > deadline) throw new ZkBallotError("RELAYER_TIMEOUT", `the relayer has not ${options.until ?? "included"} receipt ${receiptId} yet (status ${receipt.status})`, "check later with the receipt id");
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 1_000));
  }
}
