/** Wires the relayer together: chain connection, queue, proof pool, HTTP server and submission loop. */
import { JsonRpcProvider, Wallet } from "ethers";

import { SealedZkBallot__factory, ZkBallot__factory } from "../../typechain-types";
import { isSealedDeployment } from "../audit/sealedContext";
import { readDeployment } from "../chain/deployments";
import { ZkBallotError } from "../core/errors";
import { loadVerificationKey } from "../proving/prover";
import { sealedVerificationKey } from "../sealed/flow/prover";
import type { RelayerConfig } from "./config";
import { ProofPool } from "./proofPool";
import { RelayQueue } from "./queue";
import { purgeFinishedElections } from "./retention";
import { type SealedChainContext, SealedProofVerifier } from "./sealedValidate";
import { buildRelayerServer } from "./server";
import { BatchSubmitter } from "./submitter";
import { openTarget, type RelayTarget, sealedTarget } from "./target";
import type { ChainContext } from "./validate";

export interface RunningRelayer {
  url: string;
  address: string;
  /** Resolves when the submission loop has ended (after stop(), or on a fatal chain mismatch). */
  loopEnded: Promise<void>;
  stop(): Promise<void>;
}

export interface RelayerHooks {
  /** The chain under the relayer is no longer the one its database belongs to (a reset, or another node). */
  onFatal?: (error: ZkBallotError) => void;
}

/** The block whose hash pins the chain: block 1 exists once anything (ZkBallot) is deployed, and differs between two nodes or a node and its reset. */
const PIN_BLOCK = 1;
/** How long stop() waits for a submission round in flight before closing anyway (the queue is write-ahead, so an interrupted round is safe). */
const STOP_GRACE_MS = 2_000;
/** Housekeeping (WAL checkpoint, retention) once a minute. */
const HOUSEKEEPING_MS = 60_000;

/** The contract at the address is the configured kind (a SealedZkBallot answers DECRYPTION_VERIFIER(), a ZkBallot does not); else a clear refusal. */
async function checkContractKind(provider: JsonRpcProvider, kind: RelayerConfig["contractKind"], address: string, chainId: bigint): Promise<void> {
  if ((await provider.getCode(address)) === "0x") {
    throw new ZkBallotError("INVALID_ARGUMENT", `no contract at ${address} on chain ${chainId}`, kind === "sealed" ? "deploy with `npx hardhat sealed deploy`, then set ZKBALLOT_ADDRESS" : "deploy first, or set ZKBALLOT_ADDRESS");
  }
  const sealed = await isSealedDeployment(provider, address);
  if (kind === "sealed" && !sealed) throw new ZkBallotError("INVALID_ARGUMENT", `RELAYER_CONTRACT_KIND=sealed, but the contract at ${address} is not a SealedZkBallot`, "set ZKBALLOT_ADDRESS to the sealed deployment, or RELAYER_CONTRACT_KIND=open for an open ZkBallot");
  if (kind === "open" && sealed) throw new ZkBallotError("INVALID_ARGUMENT", `the contract at ${address} is a SealedZkBallot, and RELAYER_CONTRACT_KIND is open`, "set RELAYER_CONTRACT_KIND=sealed to relay sealed ballots to it");
}

/** The node, the chain id and the contract the relayer submits to (of the configured kind), with the relayer's wallet. */
async function connectChain(config: RelayerConfig) {
  const provider = new JsonRpcProvider(config.rpcUrl, undefined, { staticNetwork: true });
  let chainId: bigint;
  try {
    chainId = (await provider.getNetwork()).chainId;
  } catch (error) {
    provider.destroy();
    throw new ZkBallotError("INVALID_ARGUMENT", `cannot reach RELAYER_RPC_URL ${config.rpcUrl}: ${(error as Error).message.split("\n")[0]}`, "start the node or fix RELAYER_RPC_URL");
  }
  const contractAddress = config.zkBallotAddress ?? readDeployment(chainId)?.zkBallot;
  try {
    if (!contractAddress) throw new ZkBallotError("INVALID_ARGUMENT", `no ZkBallot found on chain ${chainId}`, "deploy first, or set ZKBALLOT_ADDRESS");
    await checkContractKind(provider, config.contractKind, contractAddress, chainId);
  } catch (error) {
    provider.destroy();
    throw error;
  }
  const wallet = new Wallet(config.privateKey, provider);
  let chain: ChainContext | SealedChainContext;
  let target: RelayTarget;
  if (config.contractKind === "sealed") {
    const sealed = SealedZkBallot__factory.connect(contractAddress, wallet);
    chain = { sealed, chainId, contractAddress, verificationKey: sealedVerificationKey("sealedVote") };
    target = sealedTarget(sealed, contractAddress);
  } else {
    const zkBallot = ZkBallot__factory.connect(contractAddress, wallet);
    chain = { zkBallot, chainId, contractAddress, verificationKey: loadVerificationKey() };
    target = openTarget(zkBallot, contractAddress);
  }
  return { provider, chainId, contractAddress, wallet, chain, target };
}

/** The proofs' verifier: the open circuit's worker threads, or the sealed proofs' bounded verifier. */
function proofVerifierFor(config: RelayerConfig, chain: ChainContext | SealedChainContext): ProofPool | SealedProofVerifier {
  if ("sealed" in chain) return new SealedProofVerifier(chain.verificationKey, config.verifyQueue);
  return new ProofPool({ verificationKey: chain.verificationKey, workers: config.verifyWorkers, maxQueued: config.verifyQueue });
}

/** Binds the database to this chain (id, contract, relayer and the pinned block's hash); refuses another chain's database. */
async function bindQueue(queue: RelayQueue, provider: JsonRpcProvider, binding: { chainId: bigint; zkBallot: string; relayer: string }) {
  const pinNumber = queue.binding()?.pinBlockNumber ?? PIN_BLOCK;
  return queue.bindTo(binding, { number: pinNumber, hash: (await provider.getBlock(pinNumber))?.hash ?? undefined });
}

/** The queue, opened and bound; closed again (with the provider) when binding fails. */
async function openBoundQueue(config: RelayerConfig, provider: JsonRpcProvider, binding: { chainId: bigint; zkBallot: string; relayer: string }) {
  let queue: RelayQueue;
  try {
    queue = new RelayQueue(config.databaseFile);
  } catch (error) {
    provider.destroy();
    throw error;
  }
  try {
    return { queue, pin: await bindQueue(queue, provider, binding) };
  } catch (error) {
    queue.close();
    provider.destroy();
    throw error;
  }
}

/** The pinned block still has its hash? A node reset or swapped under us fails this at the next round, not after a stuck-transaction timeout. */
async function chainStillBound(provider: JsonRpcProvider, pin: { pinBlockNumber: number; pinBlockHash: string }, databaseFile: string): Promise<ZkBallotError | undefined> {
  let block;
  try {
    block = await provider.getBlock(pin.pinBlockNumber);
  } catch {
    return undefined; // the node is unreachable: not a reset; /health reports it and the round retries
  }
  if (block?.hash === pin.pinBlockHash) return undefined;
  return new ZkBallotError(
    "CHAIN_MISMATCH",
    `the chain under the relayer changed: block ${pin.pinBlockNumber} is now ${block?.hash ?? "missing"}, the database ${databaseFile} was made for ${pin.pinBlockHash} (the node was reset or replaced)`,
    "the ballots in this database belong to the old chain; start the relayer with a new RELAYER_DB for the new chain",
  );
}

/**
 * The submission loop: a round every interval (and housekeeping once a minute) until stopped,
 * or until the chain is no longer the bound one (then `onMismatch`, and the loop ends).
 */
function runSubmissionLoop(round: { tick(): Promise<void>; housekeeping(): Promise<void>; checkChain(): Promise<ZkBallotError | undefined>; onMismatch(error: ZkBallotError): void }, intervalMs: number, log: (line: string) => void) {
  let stopped = false;
  let wake: () => void = () => undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  let lastHousekeeping = Date.now();
  const running = (async () => {
    while (!stopped) {
      const mismatch = await round.checkChain();
      if (mismatch) return round.onMismatch(mismatch);
      try {
        await round.tick();
        if (Date.now() - lastHousekeeping >= HOUSEKEEPING_MS) {
          lastHousekeeping = Date.now();
          await round.housekeeping();
        }
      } catch (error) {
        if (!stopped) log(`submission round failed, retrying: ${(error as Error).message.split("\n")[0]}`);
      }
      if (!stopped) await sleep(intervalMs);
    }
  })();
  return {
    running,
    stop() {
      stopped = true;
      wake();
    },
  };
}

export async function startRelayer(config: RelayerConfig, log: (line: string) => void = () => undefined, hooks: RelayerHooks = {}): Promise<RunningRelayer> {
  const { provider, chainId, contractAddress, wallet, chain, target } = await connectChain(config);
  const { queue, pin } = await openBoundQueue(config, provider, { chainId, zkBallot: contractAddress, relayer: wallet.address });
  const proofPool = proofVerifierFor(config, chain);
  const cleanUp = async () => {
    if (proofPool instanceof ProofPool) await proofPool.close();
    queue.close();
    provider.destroy();
  };
  const submitter = new BatchSubmitter({ wallet, target, queue, chainId, batchSize: config.batchSize, stuckAfterMs: config.stuckAfterMs, finality: config.finality, log });
  let chainState: { ok: boolean; error?: string } = { ok: true };
  let server;
  let url: string;
  try {
    if (proofPool instanceof ProofPool) await proofPool.ready();
    await submitter.reconcile(); // first settle whatever a previous run left in flight
    server = await buildRelayerServer({ queue, chain, relayerAddress: wallet.address, proofPool, rateLimitPerMinute: config.rateLimitPerMinute, corsOrigins: config.corsOrigins, chainStatus: () => chainState, log });
    url = await server.listen({ host: config.host, port: config.port });
  } catch (error) {
    await cleanUp();
    throw error;
  }
  const loop = runSubmissionLoop(
    {
      tick: () => submitter.tick(),
      async housekeeping() {
        queue.checkpoint();
        if (config.purgeFinishedElections) await purgeFinishedElections(queue, target, log);
      },
      checkChain: () => chainStillBound(provider, pin, config.databaseFile),
      onMismatch(mismatch) {
        chainState = { ok: false, error: mismatch.message };
        log(mismatch.message);
        hooks.onFatal?.(mismatch);
      },
    },
    config.intervalMs,
    log,
  );
  log(`relayer ${wallet.address} listening on ${url}, ${config.contractKind === "sealed" ? "SealedZkBallot" : "ZkBallot"} ${contractAddress} on chain ${chainId}`);
  return {
    url,
    address: wallet.address,
    loopEnded: loop.running,
    async stop() {
      loop.stop();
      await server.close(); // no new requests; requests in flight finish (each stores its ballot or refuses it)
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([loop.running, new Promise((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS)))]);
      clearTimeout(timer);
      await cleanUp();
    },
  };
}

/** `npm run relayer -- purge`: the retention rule run once, on the database the service would open (and only if it belongs to this chain). */
export async function purgeElectionsOnce(config: RelayerConfig, log: (line: string) => void = () => undefined) {
  const provider = new JsonRpcProvider(config.rpcUrl, undefined, { staticNetwork: true });
  try {
    const chainId = (await provider.getNetwork()).chainId;
    const contractAddress = config.zkBallotAddress ?? readDeployment(chainId)?.zkBallot;
    if (!contractAddress) throw new ZkBallotError("INVALID_ARGUMENT", `no ZkBallot found on chain ${chainId}`, "set ZKBALLOT_ADDRESS");
    await checkContractKind(provider, config.contractKind, contractAddress, chainId);
    const wallet = new Wallet(config.privateKey, provider);
    const queue = new RelayQueue(config.databaseFile);
    const target = config.contractKind === "sealed" ? sealedTarget(SealedZkBallot__factory.connect(contractAddress, provider), contractAddress) : openTarget(ZkBallot__factory.connect(contractAddress, provider), contractAddress);
    try {
      await bindQueue(queue, provider, { chainId, zkBallot: contractAddress, relayer: wallet.address });
      return await purgeFinishedElections(queue, target, log);
    } finally {
      queue.close();
    }
  } finally {
    provider.destroy();
  }
}
