/**
 * Checks that run in the browser from the chain alone: a voter's own ballot (the library's
 * checkMyBallotWithKey: on-chain, proof valid, counted) and the audit, which runs the CLI
 * auditor's own open-election check modules (lib/audit/checks: election-record, voter-roll,
 * ballots with nullifier uniqueness, tally) over an AuditContext read here at one block, with
 * VoterRoll.build for the tree and snarkjs's verifyVoteProof for each proof (the CLI passes its
 * worker-thread versions), and the served verification key as the key the proofs are checked
 * against, itself compared with the SHA-256 the manifest publishes. verifier-integrity (needs the
 * Solidity compiler) and unexplained (needs every log of the contract since deployment, with an
 * on-disk cache) only run in the CLI; the page shows the deployed verifiers' code hashes.
 */
import { getAddress, keccak256, type Log } from "ethers";

import { checkBallots } from "../../lib/audit/checks/ballots";
import { checkElectionRecord } from "../../lib/audit/checks/electionRecord";
import { checkTally } from "../../lib/audit/checks/tally";
import { checkVoterRoll } from "../../lib/audit/checks/voterRoll";
import type { AuditContext } from "../../lib/audit/context";
import { CheckBuilder, at, type CheckResult, type DecodedLog, type RollRootBuilder, type VoteProofsVerifier } from "../../lib/audit/types";
import { eventDecoder } from "../../lib/chain/reader";
import { checkMyBallotWithKey, type MyBallotReport } from "../../lib/chain/status";
import { electionTopic } from "../../lib/core/events";
import type { VoterIdentity } from "../../lib/core/identity";
import { VoterRoll } from "../../lib/core/voterRoll";
import { verifyVoteProof } from "../../lib/proving/proofFormat";
import type { Chain } from "./chain";

let verificationKey: Promise<{ key: unknown; sha256: string }> | undefined;

/** SHA-256 of bytes as hex (Web Crypto), to compare a served file with its manifest entry. */
export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  return Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The verification key served next to the page (circuits/verification_key.json), with its SHA-256. */
export function loadVerificationKeyBrowser(): Promise<{ key: unknown; sha256: string }> {
  verificationKey ??= (async () => {
    const bytes = await (await fetch("circuits/verification_key.json")).arrayBuffer();
    return { key: JSON.parse(new TextDecoder().decode(bytes)) as unknown, sha256: await sha256Hex(bytes) };
  })();
  return verificationKey;
}

/** Individual verifiability, as `my-ballot` reports it, with the key served next to the page. */
export function checkMyBallotBrowser(chain: Chain, electionId: bigint, identity: VoterIdentity): Promise<MyBallotReport> {
  return checkMyBallotWithKey(chain.zkBallot, electionId, identity, async () => (await loadVerificationKeyBrowser()).key, chain.logOptions);
}

/** The roll tree in a page: the core's VoterRoll (no worker threads). */
const browserRollRoot: RollRootBuilder = async (leaves, depth) => (await VoterRoll.build([...leaves], { depth })).root;

/** The proofs in a page: snarkjs one by one (no node:crypto, no worker threads); a proof that throws is invalid, as in the CLI. */
const browserProofsVerifier: VoteProofsVerifier = async (items, verificationKey) => {
  const verdicts: boolean[] = [];
  for (const item of items) verdicts.push(await verifyVoteProof(item.signals, [...item.proof], verificationKey).catch(() => false));
  return verdicts;
};

/** The election's logs up to `head`, decoded; a log the decoder does not explain is a finding of `unexplained`. */
async function electionLogs(chain: Chain, electionId: bigint, head: number, unexplained: CheckBuilder): Promise<{ logs: DecodedLog[]; fetched: number }> {
  const raw: Log[] = await chain.provider.getLogs({ address: await chain.zkBallot.getAddress(), fromBlock: chain.logOptions.fromBlock ?? 0, toBlock: head, topics: [null, electionTopic(electionId)] });
  const decoder = eventDecoder(chain.zkBallot);
  const logs: DecodedLog[] = [];
  for (const log of raw) {
    const event = decoder.decode(log);
    if (event === null) unexplained.fail(`log with unknown topic ${log.topics[0] ?? "(none)"} emitted by the contract`, at(log));
    else if (event.args.electionId === electionId) logs.push({ blockNumber: log.blockNumber, transactionHash: log.transactionHash, index: log.index, event } as DecodedLog);
  }
  return { logs, fetched: raw.length };
}

/** The auditor's context, read in the browser at one block (no file cache, no retries, no count of every election's ElectionCreated). */
async function browserAuditContext(chain: Chain, electionId: bigint, unexplained: CheckBuilder): Promise<AuditContext> {
  const { zkBallot, provider } = chain;
  const contract = getAddress(await zkBallot.getAddress());
  const head = await provider.getBlockNumber();
  const atHead = { blockTag: head };
  const [state, tally, verifierAddress, batchVerifierAddress, rollDepth, electionCount] = await Promise.all([
    zkBallot.getElection(electionId, atHead), zkBallot.tallies(electionId, atHead), zkBallot.VERIFIER(atHead), zkBallot.BATCH_VERIFIER(atHead), zkBallot.ROLL_DEPTH(atHead), zkBallot.electionCount(atHead),
  ]);
  const { logs, fetched } = await electionLogs(chain, electionId, head, unexplained);
  return {
    options: { provider, contractAddress: contract, electionId, toBlock: head }, provider, contract, electionId, chainId: chain.chainId, head, fromBlock: chain.logOptions.fromBlock ?? 0,
    state, numOptions: Number(state.numOptions), onChainTally: [...tally], verifierAddress, batchVerifierAddress, rollDepth: Number(rollDepth), electionCount,
    logs, electionsCreated: 0, logsFetched: fetched, rpc: (_what, call) => call(), progress: () => undefined,
    senderOf: async (hash) => {
      const tx = await provider.getTransaction(hash);
      return tx ? getAddress(tx.from) : "(unknown)";
    },
    timestampOf: async (block) => (await provider.getBlock(block))!.timestamp,
    rollRoot: browserRollRoot, verifyProofs: browserProofsVerifier,
  };
}

/** The served verification key has the SHA-256 the manifest publishes (a page-only check: the CLI reads the file itself). */
async function artifactsCheck(manifest: { files: Record<string, string> }): Promise<CheckResult> {
  const { sha256 } = await loadVerificationKeyBrowser();
  const published = manifest.files["circuits/build/verification_key.json"];
  const findings = sha256 === published ? [] : [{ message: `verification_key.json served here has SHA-256 ${sha256}, the manifest publishes ${published}` }];
  return { id: "artifacts", title: "Served verification key matches the manifest", status: findings.length > 0 ? "fail" : "pass", evidence: { served: sha256, published }, findings, warnings: [] };
}

/** The checks the CLI auditor runs that this page does not, by id (the page says why). */
export const CLI_ONLY_OPEN_CHECKS = ["verifier-integrity", "unexplained"] as const;

export interface OpenBrowserAudit {
  checks: CheckResult[];
  pass: boolean;
  /** keccak256 of the deployed verifiers' code, shown beside verifier-integrity (which only the CLI runs). */
  verifierCodeHashes: { verifier: string; batchVerifier: string };
}

/**
 * election-record, voter-roll, ballots and tally as the CLI runs them, then the artifact check.
 * Out-of-phase events this election's own logs show are findings of "unexplained": shown here
 * when there are any (the full check, over every log of the contract, is the CLI's).
 */
export async function auditInBrowser(chain: Chain, electionId: bigint, manifest: { files: Record<string, string> }): Promise<OpenBrowserAudit> {
  const unexplained = new CheckBuilder("unexplained");
  const ctx = await browserAuditContext(chain, electionId, unexplained);
  const record = await checkElectionRecord(ctx, unexplained);
  const roll = await checkVoterRoll(ctx, record.history);
  const { key } = await loadVerificationKeyBrowser();
  const ballots = await checkBallots(ctx, record.history, roll.voterRollRoot, key as Record<string, unknown>);
  const tally = checkTally(ctx, record.history, ballots.counted);
  const checks = [record.result, roll.result, ballots.result, tally, await artifactsCheck(manifest)];
  if (unexplained.findings.length > 0) checks.push(unexplained.result());
  const codeHash = async (address: string) => keccak256(await chain.provider.getCode(address, ctx.head));
  const verifierCodeHashes = { verifier: await codeHash(ctx.verifierAddress), batchVerifier: await codeHash(ctx.batchVerifierAddress) };
  return { checks, pass: checks.every((check) => check.status !== "fail"), verifierCodeHashes };
}
