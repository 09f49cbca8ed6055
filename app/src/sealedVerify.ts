/**
 * A sealed election's checks that run in the browser from the chain alone. "Check my ballot" is
 * the library's checkMySealedBallot with the verification key served next to the page. The audit
 * runs the CLI auditor's own sealed check modules (lib/audit/checks: sealed-record, voter-roll,
 * key-ceremony, sealed-ballots with nullifier uniqueness, encrypted-totals,
 * partial-decryptions, sealed-tally) on the same state the CLI reads (lib/audit/sealedState.ts),
 * over a context whose roll tree is VoterRoll.build and whose proof check is snarkjs with the
 * served verification keys. The verifier check (rebuild the verifiers' bytecode with the Solidity
 * compiler) and the unexplained-log check (every log since deployment, with an on-disk cache) run
 * only in the CLI; the page names them.
 */
import { getAddress } from "ethers";

import { checkEncryptedTotals } from "../../lib/audit/checks/encryptedTotals";
import { checkKeyCeremony } from "../../lib/audit/checks/keyCeremony";
import { checkPartialDecryptions } from "../../lib/audit/checks/partialDecryptions";
import { checkSealedBallots } from "../../lib/audit/checks/sealedBallots";
import { checkSealedRecord } from "../../lib/audit/checks/sealedRecord";
import { checkSealedVoterRoll } from "../../lib/audit/checks/sealedVoterRoll";
import { checkSealedTally } from "../../lib/audit/checks/sealedTally";
import type { SealedAuditContext } from "../../lib/audit/sealedContext";
import { readSealedState } from "../../lib/audit/sealedState";
import type { CheckResult } from "../../lib/audit/types";
import type { VoterIdentity } from "../../lib/core/identity";
import { VoterRoll } from "../../lib/core/voterRoll";
import { checkMySealedBallot, type MySealedBallotReport } from "../../lib/sealed/flow/myBallot";
import { verifySealedProofWithKey } from "../../lib/sealed/flow/proofCheck";
import type { Chain } from "./chain";
import { fetchSealedLogs, sealedContract } from "./sealedChain";
import { sha256Hex } from "./verify";

type SealedKeyName = "sealedVote" | "sealedDecryption";
const keys = new Map<SealedKeyName, Promise<{ key: Record<string, unknown>; sha256: string }>>();

/** A sealed circuit's verification key served next to the page (circuits/sealed/<name>.vkey.json), with its SHA-256. */
export function loadSealedKey(name: SealedKeyName): Promise<{ key: Record<string, unknown>; sha256: string }> {
  let loaded = keys.get(name);
  if (loaded === undefined) {
    loaded = (async () => {
      const bytes = await (await fetch(`circuits/sealed/${name}.vkey.json`)).arrayBuffer();
      return { key: JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>, sha256: await sha256Hex(bytes) };
    })();
    keys.set(name, loaded);
  }
  return loaded;
}

/** Individual verifiability for a sealed ballot, as `my-ballot --contract` reports it. */
export async function checkMySealedBallotBrowser(chain: Chain, electionId: bigint, identity: VoterIdentity): Promise<MySealedBallotReport> {
  return checkMySealedBallot(sealedContract(chain), electionId, identity, (await loadSealedKey("sealedVote")).key);
}

/** The auditor's context, read in the browser at one block (no file cache, no retries). */
async function browserAuditContext(chain: Chain, electionId: bigint): Promise<SealedAuditContext> {
  const sealed = sealedContract(chain);
  const contract = getAddress(await sealed.getAddress());
  const head = await chain.provider.getBlockNumber();
  const rpc = <T>(_what: string, call: () => Promise<T>) => call();
  const logs = (await fetchSealedLogs(chain, electionId)).filter((log) => log.blockNumber <= head);
  const transaction = (hash: string) => chain.provider.getTransaction(hash);
  return {
    options: { provider: chain.provider, contractAddress: contract, electionId, toBlock: head },
    provider: chain.provider, contract, electionId, chainId: chain.chainId, head, fromBlock: chain.logOptions.fromBlock ?? 0,
    state: await readSealedState(sealed, electionId, head, rpc),
    voteVerifierAddress: await sealed.VOTE_VERIFIER(), decryptionVerifierAddress: await sealed.DECRYPTION_VERIFIER(), batchVerifierAddress: await sealed.BATCH_VERIFIER(), rollDepth: Number(await sealed.ROLL_DEPTH()),
    logs, logsFetched: logs.length, rpc, progress: () => undefined,
    senderOf: async (hash) => {
      const tx = await transaction(hash);
      return tx ? getAddress(tx.from) : "(unknown)";
    },
    timestampOf: async (block) => (await chain.provider.getBlock(block))!.timestamp,
    inputOf: async (hash) => (await transaction(hash))?.data,
    rollRoot: async (leaves, depth) => (await VoterRoll.build(leaves, { depth })).root,
    verifySealedProofs: async (circuit, items) => {
      const { key } = await loadSealedKey(circuit);
      return Promise.all(items.map((item) => verifySealedProofWithKey(key, item.signals, item.proof)));
    },
  };
}

/** The served verification keys have the SHA-256 the sealed manifest publishes (a page-only check: the CLI reads the files themselves). */
async function artifactsCheck(manifest: { files: Record<string, string> }): Promise<CheckResult> {
  const evidence: Record<string, string> = {};
  const findings: CheckResult["findings"] = [];
  for (const name of ["sealedVote", "sealedDecryption"] as const) {
    const { sha256 } = await loadSealedKey(name);
    const published = manifest.files[`circuits/build/sealed/${name}.vkey.json`];
    evidence[name] = `${sha256} / ${published}`;
    if (sha256 !== published) findings.push({ message: `${name}.vkey.json served here has SHA-256 ${sha256}, the manifest publishes ${published}` });
  }
  return { id: "artifacts", title: "Served verification keys match the sealed manifest", status: findings.length > 0 ? "fail" : "pass", evidence, findings, warnings: [] };
}

/** The checks the CLI auditor runs that this page does not, by id (the page says why). */
export const CLI_ONLY_SEALED_CHECKS = ["sealed-verifiers", "unexplained"] as const;

export async function auditSealedInBrowser(chain: Chain, electionId: bigint, manifest: { files: Record<string, string> }): Promise<{ checks: CheckResult[]; pass: boolean }> {
  const ctx = await browserAuditContext(chain, electionId);
  const record = await checkSealedRecord(ctx);
  const h = record.history;
  const ceremony = await checkKeyCeremony(ctx, h);
  const roll = await checkSealedVoterRoll(ctx, h);
  const ballots = await checkSealedBallots(ctx, h, h.keyFixed?.args.electionKey ?? ctx.state.electionKey);
  const totals = checkEncryptedTotals(ctx, h);
  const partials = await checkPartialDecryptions(ctx, totals.totals, ceremony.shareKeys);
  const tally = checkSealedTally(ctx, h, totals.totals, partials.verified);
  const checks = [record.result, roll, ceremony.result, ballots.result, totals.result, partials.result, tally.result, await artifactsCheck(manifest)];
  return { checks, pass: checks.every((check) => check.status !== "fail") };
}
