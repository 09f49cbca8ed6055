/**
 * One retry for JSON-RPC reads that meet a stale keep-alive connection.
 *
 * Hardhat's HTTP provider keeps connections alive (undici, POST). A node closes an idle one after
 * a few seconds (`hardhat node`: Node's default of 5 s); when the client reuses it at that
 * moment, undici fails the request with `UND_ERR_SOCKET` "other side closed" and, the request
 * being a POST, does not retry. A command that spends seconds on the CPU between two calls
 * (building a roll tree, proving) on a loaded machine meets this regularly. The node never saw
 * such a request, so a read is simply sent again on a fresh connection. Writes
 * (eth_sendTransaction, eth_sendRawTransaction, node-control methods) are never resent: their
 * caller decides.
 */

/** Methods that only read chain state: sending one twice changes nothing. */
const READ_ONLY_METHODS = new Set([
  "eth_accounts",
  "eth_blockNumber",
  "eth_call",
  "eth_chainId",
  "eth_estimateGas",
  "eth_feeHistory",
  "eth_gasPrice",
  "eth_getBalance",
  "eth_getBlockByHash",
  "eth_getBlockByNumber",
  "eth_getCode",
  "eth_getLogs",
  "eth_getStorageAt",
  "eth_getTransactionByHash",
  "eth_getTransactionCount",
  "eth_getTransactionReceipt",
  "eth_maxPriorityFeePerGas",
  "eth_syncing",
  "net_version",
  "web3_clientVersion",
]);

/** True for undici's "other side closed" (UND_ERR_SOCKET), also when wrapped as a cause. */
export function isStaleSocketError(error: unknown): boolean {
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.code === "UND_ERR_SOCKET" || (typeof e.message === "string" && /other side closed/.test(e.message))) return true;
  }
  return false;
}

export function isReadOnlyMethod(method: string): boolean {
  return READ_ONLY_METHODS.has(method);
}

interface RetryableProvider {
  request(args: { method: string; params?: unknown }): Promise<unknown>;
  send(method: string, params?: unknown[]): Promise<unknown>;
}

async function withOneRetry<T>(method: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!isReadOnlyMethod(method) || !isStaleSocketError(error)) throw error;
    return call();
  }
}

/** Makes `provider`'s request() and send() resend a read once after a stale-connection error. */
export function retryReadsOnStaleSockets(provider: RetryableProvider): void {
  const request = provider.request.bind(provider);
  const send = provider.send.bind(provider);
  provider.request = (args) => withOneRetry(args.method, () => request(args));
  provider.send = (method, params) => withOneRetry(method, () => send(method, params));
}
