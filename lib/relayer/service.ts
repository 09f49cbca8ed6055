/** Wires the relayer together: chain connection, queue, HTTP server and submission loop. */
import { JsonRpcProvider, Wallet } from "ethers";

import { ZkBallot__factory } from "../../typechain-types";
import { readDeployment } from "../deployments";
import { ZkBallotError } from "../errors";
import { loadVerificationKey } from "../prover";
import type { RelayerConfig } from "./config";
import { RelayQueue } from "./queue";
import { buildRelayerServer } from "./server";
import { BatchSubmitter } from "./submitter";

export interface RunningRelayer {
  url: string;
  address: string;
  stop(): Promise<void>;
}

export async function startRelayer(config: RelayerConfig, log: (line: string) => void = () => undefined): Promise<RunningRelayer> {
  const provider = new JsonRpcProvider(config.rpcUrl, undefined, { staticNetwork: true });
  let chainId: bigint;
  try {
    chainId = (await provider.getNetwork()).chainId;
  } catch (error) {
    provider.destroy();
    throw new ZkBallotError("INVALID_ARGUMENT", `cannot reach RELAYER_RPC_URL ${config.rpcUrl}: ${(error as Error).message.split("\n")[0]}`, "start the node or fix RELAYER_RPC_URL");
  }
  const contractAddress = config.zkBallotAddress ?? readDeployment(chainId)?.zkBallot;
  if (!contractAddress || (await provider.getCode(contractAddress)) === "0x") {
    provider.destroy();
    throw new ZkBallotError("INVALID_ARGUMENT", `no ZkBallot found on chain ${chainId}`, "deploy first, or set ZKBALLOT_ADDRESS");
  }
  const wallet = new Wallet(config.privateKey, provider);
  const zkBallot = ZkBallot__factory.connect(contractAddress, wallet);
  const queue = new RelayQueue(config.databaseFile);
  const submitter = new BatchSubmitter({ wallet, zkBallot, queue, chainId, batchSize: config.batchSize, stuckAfterMs: config.stuckAfterMs, log });
  await submitter.reconcile(); // first settle whatever a previous run left in flight

  const server = buildRelayerServer({ queue, chain: { zkBallot, chainId, contractAddress, verificationKey: loadVerificationKey() }, relayerAddress: wallet.address, rateLimitPerMinute: config.rateLimitPerMinute, log });
  const url = await server.listen({ host: config.host, port: config.port });
  let stopped = false;
  const loop = async () => {
    while (!stopped) {
      try {
        await submitter.tick();
      } catch (error) {
        log(`submission round failed, retrying: ${(error as Error).message.split("\n")[0]}`);
      }
      await new Promise((resolve) => setTimeout(resolve, config.intervalMs));
    }
  };
  const running = loop();
  log(`relayer ${wallet.address} listening on ${url}, ZkBallot ${contractAddress} on chain ${chainId}`);
  return {
    url,
    address: wallet.address,
    async stop() {
      stopped = true;
      await server.close();
      await running;
      queue.close();
      provider.destroy();
    },
  };
}
