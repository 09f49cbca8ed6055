/**
 * Checks that run in the browser from the chain alone: a voter's own ballot (the library's
 * checkMyBallotWithKey: on-chain, proof valid, counted) and the auditor's checks that need no
 * compiler, built from the core (roll tree, recount) and the browser-safe proof verification.
 * verifier-integrity needs the Solidity compiler and is not run here; the page shows the deployed
 * code hash instead, and the served verification key is compared with the SHA-256 published in
 * the manifest.
 */
import { keccak256 } from "ethers";

import { checkMyBallotWithKey, type MyBallotReport } from "../../lib/chain/status";
import type { VoteRecord } from "../../lib/chain/reader";
import type { VoterIdentity } from "../../lib/core/identity";
import { recountTally } from "../../lib/core/tally";
import { VoterRoll } from "../../lib/core/voterRoll";
import { findNonCanonicalCoordinate, verifyVoteProof } from "../../lib/proving/proofFormat";
import type { VerificationKey } from "../../lib/proving/voteProver";
import { electionScopeOf, readVoteRecords, readVoterRoll, type Chain } from "./chain";

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

async function proofValid(record: VoteRecord, voterRollRoot: bigint, electionScope: bigint): Promise<boolean> {
  if (findNonCanonicalCoordinate(record.proof) !== undefined) return false;
  const { key } = await loadVerificationKeyBrowser();
  return verifyVoteProof({ voterRollRoot, nullifier: record.nullifier, electionScope, ballot: record.ballot }, record.proof, key as VerificationKey);
}

/** Individual verifiability, as `my-ballot` reports it, with the key served next to the page. */
export function checkMyBallotBrowser(chain: Chain, electionId: bigint, identity: VoterIdentity): Promise<MyBallotReport> {
  return checkMyBallotWithKey(chain.zkBallot, electionId, identity, async () => (await loadVerificationKeyBrowser()).key, chain.logOptions);
}

export interface AuditCheck {
  name: "voterRoll" | "ballots" | "tally" | "artifacts" | "verifier";
  result: "pass" | "fail" | "skip";
  evidence: string;
}

async function rollCheck(chain: Chain, electionId: bigint, frozenRoot: bigint): Promise<AuditCheck> {
  try {
    const commitments = await readVoterRoll(chain, electionId);
    const roll = await VoterRoll.build(commitments, { depth: Number(await chain.zkBallot.ROLL_DEPTH()) });
    return { name: "voterRoll", result: roll.root === frozenRoot ? "pass" : "fail", evidence: `${commitments.length} commitments; root ${roll.root} / frozen ${frozenRoot}` };
  } catch (error) {
    return { name: "voterRoll", result: "fail", evidence: (error as Error).message };
  }
}

export async function auditInBrowser(chain: Chain, electionId: bigint, manifest: { files: Record<string, string> }): Promise<{ checks: AuditCheck[]; pass: boolean }> {
  const election = await chain.zkBallot.getElection(electionId);
  const electionScope = await electionScopeOf(chain, electionId);
  const records = await readVoteRecords(chain, electionId);
  const checks: AuditCheck[] = [await rollCheck(chain, electionId, election.voterRollRoot)];
  let valid = 0;
  for (const record of records) if (record.option !== undefined && (await proofValid(record, election.voterRollRoot, electionScope))) valid++;
  const unique = new Set(records.map((r) => r.nullifier)).size === records.length;
  checks.push({ name: "ballots", result: valid === records.length && unique ? "pass" : "fail", evidence: `${valid} of ${records.length} proofs valid; nullifiers unique: ${unique}` });
  const tally = await chain.zkBallot.tallies(electionId);
  const counts = recountTally(records, Number(election.numOptions));
  checks.push({ name: "tally", result: counts.every((c, i) => c === tally[i]) ? "pass" : "fail", evidence: `recount [${counts.join(", ")}] / on-chain [${tally.join(", ")}]` });
  const { sha256 } = await loadVerificationKeyBrowser();
  const published = manifest.files["circuits/build/verification_key.json"];
  checks.push({ name: "artifacts", result: sha256 === published ? "pass" : "fail", evidence: `${sha256} / ${published}` });
  const code = await chain.provider.getCode(await chain.zkBallot.VERIFIER());
  checks.push({ name: "verifier", result: "skip", evidence: keccak256(code) });
  return { checks, pass: checks.every((c) => c.result !== "fail") };
}
