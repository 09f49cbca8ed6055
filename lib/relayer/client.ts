/** The voter's side of the relayer: hand over a prepared ballot, then follow its receipt. */
import { ZkBallotError } from "../errors";
import type { PreparedBallot } from "../election";

export interface RelayReceipt {
  receiptId: string;
  status: "queued" | "submitted" | "included" | "rejected";
  electionId: string;
  nullifier: string;
  transactionHash?: string;
  blockNumber?: number;
  reason?: string;
}

async function request(url: string, init?: RequestInit): Promise<{ status: number; body: Record<string, unknown> }> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  } catch (error) {
    throw new ZkBallotError("INVALID_ARGUMENT", `cannot reach the relayer at ${url}: ${(error as Error).message}`, "check --relayer");
  }
  let body: Record<string, unknown>;
  try {
    body = (await response.json()) as Record<string, unknown>;
  } catch {
    throw new ZkBallotError("INVALID_ARGUMENT", `the relayer at ${url} did not answer with JSON (HTTP ${response.status})`);
  }
  return { status: response.status, body };
}

function checkReceipt(body: Record<string, unknown>): RelayReceipt {
  if (typeof body.receiptId !== "string" || !["queued", "submitted", "included", "rejected"].includes(body.status as string)) {
    throw new ZkBallotError("INVALID_ARGUMENT", "the relayer's answer is not a receipt");
  }
  return body as unknown as RelayReceipt;
}

export async function submitToRelayer(relayerUrl: string, prepared: PreparedBallot): Promise<RelayReceipt> {
  const { status, body } = await request(new URL("/v1/ballots", relayerUrl).toString(), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      electionId: prepared.electionId.toString(),
      ballot: prepared.ballot.toString(),
      nullifier: prepared.nullifier.toString(),
      proof: prepared.proof.map(String),
    }),
  });
  if (status !== 200 && status !== 202) {
    throw new ZkBallotError("CONTRACT_REVERT", `the relayer refused the ballot: ${String(body.error)}: ${String(body.message)}`);
  }
  return checkReceipt(body);
}

export async function relayReceipt(relayerUrl: string, receiptId: string): Promise<RelayReceipt> {
  const { status, body } = await request(new URL(`/v1/ballots/${encodeURIComponent(receiptId)}`, relayerUrl).toString());
  if (status !== 200) throw new ZkBallotError("INVALID_ARGUMENT", `the relayer has no receipt ${receiptId}: ${String(body.message)}`);
  return checkReceipt(body);
}

/** Polls until the ballot is included or rejected, or the time runs out. */
export async function waitForRelayedBallot(relayerUrl: string, receiptId: string, options: { timeoutMs?: number; intervalMs?: number; onStatus?: (receipt: RelayReceipt) => void } = {}): Promise<RelayReceipt> {
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  let last: string | undefined;
  for (;;) {
    const receipt = await relayReceipt(relayerUrl, receiptId);
    if (receipt.status !== last) options.onStatus?.(receipt);
    last = receipt.status;
    if (receipt.status === "included" || receipt.status === "rejected") return receipt;
    if (Date.now() > deadline) throw new ZkBallotError("INVALID_ARGUMENT", `the relayer has not included receipt ${receiptId} yet (status ${receipt.status})`, "check later with the receipt id");
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 1_000));
  }
}
