/**
 * Casting from the voter's own wallet (an injected EIP-1193 provider, `window.ethereum`), for
 * those who would rather pay for their transaction than use the relayer. The ballot is the same
 * prepared ballot; the transaction's sender is the wallet's account, and that account is then
 * publicly linked to the ballot's transaction (the page says so before, as the CLI does).
 * The wallet talks to its own node: the page only asks it to send castVote.
 */
import { BrowserProvider, isError, type ContractTransactionResponse, type Eip1193Provider, type JsonRpcSigner } from "ethers";

import type { PreparedBallot } from "../../lib/chain/reader";
import type { ProvenSealedBallot } from "../../lib/sealed/flow/ballotProof";
import { SealedZkBallot__factory } from "../../typechain-types/factories/contracts/sealed/SealedZkBallot__factory";
import { ZkBallot__factory } from "../../typechain-types/factories/contracts/ZkBallot__factory";
import { Refusal, type VoteStage } from "./voting";

/** The wallet the browser injected, if any. */
export function injectedWallet(): Eip1193Provider | undefined {
  const candidate = (globalThis as { ethereum?: unknown }).ethereum;
  return typeof candidate === "object" && candidate !== null && typeof (candidate as Eip1193Provider).request === "function" ? (candidate as Eip1193Provider) : undefined;
}

export interface WalletReceipt {
  from: string;
  transactionHash: string;
  blockNumber: number;
}

/**
 * Sends one transaction from the wallet's account on the election's chain and waits for
 * inclusion; every failure is a Refusal (wrong chain, declined, reverted with the contract's error).
 */
async function sendFromWallet(wallet: Eip1193Provider, chainId: bigint, onStage: (stage: VoteStage) => void, send: (signer: JsonRpcSigner) => Promise<ContractTransactionResponse>): Promise<WalletReceipt> {
  const provider = new BrowserProvider(wallet);
  try {
    const network = await provider.getNetwork();
    if (network.chainId !== chainId) throw new Refusal("refusal.walletWrongChain", { chainId: network.chainId.toString(), expected: chainId.toString() });
    const signer = await provider.getSigner();
    const from = await signer.getAddress();
    onStage({ stage: "wallet", account: from });
    const tx = await send(signer);
    onStage({ stage: "waiting", status: "submitted" });
    const receipt = await tx.wait();
    if (receipt === null || receipt.status !== 1) throw new Refusal("refusal.walletFailed", { message: `transaction ${tx.hash} was not mined successfully` });
    return { from, transactionHash: receipt.hash, blockNumber: receipt.blockNumber };
  } catch (error) {
    if (error instanceof Refusal) throw error;
    if (isError(error, "ACTION_REJECTED")) throw new Refusal("refusal.walletRejected");
    const revert = (error as { revert?: { name: string; args: unknown[] } }).revert;
    const message = revert ? `${revert.name}(${revert.args.map(String).join(", ")})` : ((error as { shortMessage?: string }).shortMessage ?? (error as Error).message);
    throw new Refusal("refusal.walletFailed", { message });
  } finally {
    provider.destroy();
  }
}

/** Sends ZkBallot.castVote from the wallet's account. */
export function castFromWallet(wallet: Eip1193Provider, zkBallotAddress: string, chainId: bigint, prepared: PreparedBallot, onStage: (stage: VoteStage) => void): Promise<WalletReceipt> {
  return sendFromWallet(wallet, chainId, onStage, (signer) => ZkBallot__factory.connect(zkBallotAddress, signer).castVote(prepared.electionId, prepared.ballot, prepared.nullifier, prepared.proof));
}

/** Sends SealedZkBallot.castVote (nullifier, 32 ciphertext words, proof) from the wallet's account. */
export function castSealedFromWallet(wallet: Eip1193Provider, contractAddress: string, chainId: bigint, electionId: bigint, ballot: ProvenSealedBallot, onStage: (stage: VoteStage) => void): Promise<WalletReceipt> {
  return sendFromWallet(wallet, chainId, onStage, (signer) => SealedZkBallot__factory.connect(contractAddress, signer).castVote(electionId, ballot.nullifier, [...ballot.ciphertextWords], ballot.proof));
}
