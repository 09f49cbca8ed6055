/**
 * A sealed election's checks that run in the browser from the chain alone. "Check my ballot" is
 * the library's checkMySealedBallot with the verification key served next to the page. The audit
 * runs the auditor's browser-safe sealed checks as they are (lib/audit/checks: sealed-record,
 * key-ceremony, encrypted-totals, sealed-tally, with nullifier uniqueness inside the ballots
 * check) on the same state the CLI reads (lib/audit/sealedState.ts), and re-verifies every
 * ballot proof and every partial decryption proof with the served verification keys. The
 * verifier check (rebuild the verifiers' bytecode with the Solidity compiler) and the auditor's
 * own ballot, partial-decryption, voter-roll and unexplained-log modules read Node files, so the
 * page names them as CLI-only.
 */
import { getAddress } from "ethers";

import { checkEncryptedTotals } from "../../lib/audit/checks/encryptedTotals";
import { checkKeyCeremony } from "../../lib/audit/checks/keyCeremony";
import { checkNullifierUniqueness } from "../../lib/audit/checks/nullifierUniqueness";
import type { VerifiedPartials } from "../../lib/audit/checks/partialDecryptions";
import { checkSealedRecord, type SealedHistory } from "../../lib/audit/checks/sealedRecord";
import { checkSealedTally } from "../../lib/audit/checks/sealedTally";
import type { SealedAuditContext } from "../../lib/audit/sealedContext";
import { sealedLogsOf } from "../../lib/audit/sealedEvents";
import { readSealedState } from "../../lib/audit/sealedState";
import { CheckBuilder, at, type CheckResult } from "../../lib/audit/types";
import { computeElectionScope } from "../../lib/chain/reader";
import { findNonCanonicalCoordinate } from "../../lib/core/proof";
import type { VoterIdentity } from "../../lib/core/identity";
import { VoterRoll } from "../../lib/core/voterRoll";
import { pointsEqual, type Point } from "../../lib/sealed/babyjub";
import { sealedDecryptionSignals, sealedVoteSignals } from "../../lib/sealed/circuitInput";
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
  };
}

/** The roll rebuilt from VoterCommitmentsPublished gives the root VotingOpened froze. */
async function rollCheck(ctx: SealedAuditContext, h: SealedHistory): Promise<CheckResult> {
  const check = new CheckBuilder("voter-roll");
  const commitments = sealedLogsOf(ctx.logs, "VoterCommitmentsPublished").flatMap((log) => log.args.voterCommitments);
  const root = (await VoterRoll.build(commitments, { depth: ctx.rollDepth })).root;
  if (h.opened === undefined) check.warnings.push("voting has not opened: the roll is not frozen yet");
  else if (root !== h.opened.args.voterRollRoot) check.fail(`the published roll gives root ${root}, VotingOpened froze ${h.opened.args.voterRollRoot}`, at(h.opened));
  Object.assign(check.evidence, { commitments: commitments.length, rebuiltRoot: root.toString(), frozenRoot: h.opened?.args.voterRollRoot.toString() ?? "none" });
  return check.result();
}

/** Every VoteCast: nullifier unique and in field (the auditor's rule), canonical proof, Groth16 proof re-verified here. */
async function ballotsCheck(ctx: SealedAuditContext, h: SealedHistory, electionKey: Point): Promise<CheckResult> {
  const check = new CheckBuilder("sealed-ballots");
  const { key } = await loadSealedKey("sealedVote");
  const electionScope = computeElectionScope(ctx.chainId, ctx.contract, ctx.electionId);
  const unique = checkNullifierUniqueness(h.votes.map((log) => ({ ...log, nullifier: log.args.nullifier })), check);
  let verified = 0;
  for (const [i, log] of h.votes.entries()) {
    if (!unique[i] || findNonCanonicalCoordinate(log.args.proof) !== undefined || h.opened === undefined || h.config === undefined) continue;
    const { minSelections, maxSelections, numOptions } = h.config;
    const signals = sealedVoteSignals({ voterRollRoot: h.opened.args.voterRollRoot, nullifier: log.args.nullifier, ciphertextWords: log.args.ciphertexts, electionScope, electionKey, minSelections, maxSelections, numOptions });
    if (await verifySealedProofWithKey(key, signals, log.args.proof)) verified++;
    else check.fail("the sealed ballot's Groth16 proof does not verify", at(log), "INVALID_BALLOT_PROOF");
  }
  if (verified !== h.votes.length && check.findings.length === 0) check.fail(`${h.votes.length - verified} ballots could not be checked (no VotingOpened or ElectionCreated, or a non-canonical proof)`);
  Object.assign(check.evidence, { voteCastEvents: h.votes.length, verified, nullifiersUnique: unique.every(Boolean) });
  return check.result();
}

/** Every PartialDecryptionPosted re-verified against the share key the key ceremony gives and the recomputed totals. */
async function partialsCheck(ctx: SealedAuditContext, totals: readonly bigint[], shareKeys: readonly Point[] | undefined): Promise<{ result: CheckResult; verified: VerifiedPartials }> {
  const check = new CheckBuilder("partial-decryptions");
  const { key } = await loadSealedKey("sealedDecryption");
  const verified: VerifiedPartials = new Map();
  for (const log of sealedLogsOf(ctx.logs, "PartialDecryptionPosted")) {
    const { trustee, shareKey, partials, proof } = log.args;
    const expected = shareKeys?.[trustee - 1];
    if (expected === undefined || !pointsEqual(expected, shareKey) || verified.has(trustee)) {
      check.fail(`trustee ${trustee}'s partial decryption is a repeat or is not checked against the share key the ceremony gives`, at(log));
      continue;
    }
    if (!(await verifySealedProofWithKey(key, sealedDecryptionSignals(expected, totals.slice(0, 16), partials), proof))) {
      check.fail(`trustee ${trustee}'s partial decryption proof does not verify`, at(log), "INVALID_DECRYPTION_PROOF");
      continue;
    }
    verified.set(trustee, Array.from({ length: 8 }, (_, j) => ({ x: partials[2 * j], y: partials[2 * j + 1] })));
  }
  Object.assign(check.evidence, { verified: [...verified.keys()].sort((a, b) => a - b), threshold: ctx.state.threshold });
  return { result: check.result(), verified };
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
  const totals = checkEncryptedTotals(ctx, h);
  const partials = await partialsCheck(ctx, totals.totals, ceremony.shareKeys);
  const tally = checkSealedTally(ctx, h, totals.totals, partials.verified);
  const checks = [
    record.result, await rollCheck(ctx, h), ceremony.result, await ballotsCheck(ctx, h, h.keyFixed?.args.electionKey ?? ctx.state.electionKey),
    totals.result, partials.result, tally.result, await artifactsCheck(manifest),
  ];
  return { checks, pass: checks.every((check) => check.status !== "fail") };
}
