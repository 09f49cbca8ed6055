/**
 * Checks that run in the browser from the chain alone: a voter's own ballot (on-chain, proof
 * valid, counted) and the auditor's checks that need no compiler. verifier-integrity needs the
 * Solidity compiler and is not run here; the page shows the deployed code hash instead and the
 * served verification key is compared with the SHA-256 published in the manifest.
 */
import * as snarkjs from "snarkjs";
import { keccak256 } from "ethers";

import { computeNullifier, type VoterIdentity } from "../../lib/core/identity";
import { VoterRoll } from "../../lib/core/voterRoll";
import type { VoteRecord } from "../../lib/chain/election";
import { findNonCanonicalCoordinate, fromSolidityProof } from "../../lib/proving/prover";
import { electionScopeOf, readVoteRecords, readVoterRoll, type Chain } from "./chain";

let verificationKey: Promise<{ key: unknown; sha256: string }> | undefined;

async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  return Array.from(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

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
  const signals = [voterRollRoot, record.nullifier, electionScope, record.ballot].map(String);
  return snarkjs.groth16.verify(key, signals, fromSolidityProof(record.proof));
}

function recount(records: readonly VoteRecord[], numOptions: number): bigint[] {
  const counts = new Array<bigint>(numOptions).fill(0n);
  for (const record of records) if (record.option !== undefined) counts[record.option]++;
  return counts;
}

export interface MyBallotCheck {
  found: boolean;
  blockNumber?: number;
  transactionHash?: string;
  option?: number;
  proofValid?: boolean;
  counted?: boolean;
}

export async function checkMyBallotBrowser(chain: Chain, electionId: bigint, identity: VoterIdentity): Promise<MyBallotCheck> {
  const electionScope = await electionScopeOf(chain, electionId);
  const nullifier = await computeNullifier(identity.identitySecret, electionScope);
  const election = await chain.zkBallot.getElection(electionId);
  const records = await readVoteRecords(chain, electionId);
  const mine = records.find((record) => record.nullifier === nullifier);
  if (mine === undefined) return { found: false };
  const tally = await chain.zkBallot.tallies(electionId);
  const counts = recount(records, Number(election.numOptions));
  const counted = mine.option !== undefined && counts.every((count, i) => count === tally[i]);
  return { found: true, blockNumber: mine.blockNumber, transactionHash: mine.transactionHash, option: mine.option, proofValid: await proofValid(mine, election.voterRollRoot, electionScope), counted };
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
  const counts = recount(records, Number(election.numOptions));
  checks.push({ name: "tally", result: counts.every((c, i) => c === tally[i]) ? "pass" : "fail", evidence: `recount [${counts.join(", ")}] / on-chain [${tally.join(", ")}]` });
  const { sha256 } = await loadVerificationKeyBrowser();
  const published = manifest.files["circuits/build/verification_key.json"];
  checks.push({ name: "artifacts", result: sha256 === published ? "pass" : "fail", evidence: `${sha256} / ${published}` });
  const code = await chain.provider.getCode(await chain.zkBallot.VERIFIER());
  checks.push({ name: "verifier", result: "skip", evidence: keccak256(code) });
  return { checks, pass: checks.every((c) => c.result !== "fail") };
}
