/**
 * Check "voter-roll" (roll reconstruction): the published commitments, batch by batch, in
 * order, valid and distinct; their running keccak digest equals each batch's and the
 * contract's; their Poseidon root (rebuilt by the context's tree builder: the fast WebAssembly
 * tree in the CLI, VoterRoll.build in a browser) is the root frozen in VotingOpened and held in
 * storage. Browser-safe: no Node module, no Buffer.
 */
import { getBytes, hexlify, keccak256 } from "ethers";

import { SNARK_SCALAR_FIELD } from "../../core/constants";
import { checkRollEntry } from "../../core/voterRoll";
import type { AuditContext } from "../context";
import { CheckBuilder, at, type CheckResult, type RollRootBuilder } from "../types";
import type { ElectionHistory } from "./electionRecord";

/** Hex digit (ASCII code) -> its value, to read keccak256's hex output back into bytes without a validating parse. */
const NIBBLE = new Uint8Array(128);
for (const [i, digit] of [..."0123456789abcdef"].entries()) NIBBLE[digit.charCodeAt(0)] = NIBBLE[digit.toUpperCase().charCodeAt(0)] = i;

/**
 * The contract's running digest, keccak256(abi.encode(digest, commitment)) per commitment, on
 * one reused 64-byte buffer (lib/chain/election.ts computeVoterRollDigest, without an ABI
 * encoder per commitment; test/audit.test.ts checks they agree). Plain Uint8Array, so it runs in
 * a browser; as fast as the Buffer version it replaced (measured on 200,000 commitments).
 */
export function fastVoterRollDigest(voterCommitments: readonly bigint[], initial: string): string {
  const word = new Uint8Array(64);
  const view = new DataView(word.buffer);
  word.set(getBytes(initial), 0);
  for (const commitment of voterCommitments) {
    view.setBigUint64(32, BigInt.asUintN(64, commitment >> 192n));
    view.setBigUint64(40, BigInt.asUintN(64, commitment >> 128n));
    view.setBigUint64(48, BigInt.asUintN(64, commitment >> 64n));
    view.setBigUint64(56, BigInt.asUintN(64, commitment));
    const digest = keccak256(word);
    for (let i = 0; i < 32; i++) word[i] = (NIBBLE[digest.charCodeAt(2 + 2 * i)] << 4) | NIBBLE[digest.charCodeAt(3 + 2 * i)];
  }
  return hexlify(word.subarray(0, 32));
}

export interface Published {
  commitments: bigint[];
  digest: string;
  distinctAndValid: boolean;
}

/** One VoterCommitmentsPublished event's fields and place (ZkBallot's and SealedZkBallot's are the same). */
export interface RollBatch {
  blockNumber: number;
  transactionHash: string;
  firstIndex: bigint;
  voterCommitments: readonly bigint[];
  voterRollDigest: string;
}

/** The commitments of every batch, checked one by one, with the digest they lead to. */
export function readBatches(batches: readonly RollBatch[], roll: CheckBuilder): Published {
  const commitments: bigint[] = [];
  let digest = "0x" + "00".repeat(32);
  let distinctAndValid = true;
  const seen = new Map<bigint, number>();
  for (const log of batches) {
    const { voterCommitments: batch, firstIndex, voterRollDigest } = log;
    if (Number(firstIndex) !== commitments.length) {
      roll.fail(`batch starts at index ${firstIndex}, expected ${commitments.length}`, at(log));
    }
    for (const commitment of batch) {
      const refusal = checkRollEntry(commitment, commitments.length, seen); // the core's roll rules
      if (refusal?.rule === "duplicate") {
        roll.fail(`commitment ${commitments.length} duplicates commitment ${refusal.earlier}`, at(log));
        distinctAndValid = false;
      } else if (refusal) {
        roll.fail(`commitment ${commitments.length} (${commitment}) is not a valid field element`, at(log));
      }
      commitments.push(commitment);
    }
    digest = fastVoterRollDigest(batch, digest);
    if (digest !== voterRollDigest) roll.fail("the batch's stated roll digest does not match its commitments", at(log));
  }
  return { commitments, digest, distinctAndValid };
}

/** The Poseidon root of the published roll; undefined when no tree can be built (a repeated commitment: VoterRoll refuses it). */
export async function rebuildRollRoot(published: Published, depth: number, progress: (stage: string, done: number, total: number) => void, rollRoot: RollRootBuilder): Promise<bigint | undefined> {
  if (!published.distinctAndValid) return undefined;
  const leaves = published.commitments.filter((c) => c > 0n && c < SNARK_SCALAR_FIELD); // invalid ones are left out
  return rollRoot(leaves, depth, (done, total) => progress("rebuilding the roll tree", done, total)).catch(() => undefined);
}

/** Runs the check; returns the frozen root the ballots are verified against (if voting opened). */
export async function checkVoterRoll(ctx: AuditContext, history: ElectionHistory): Promise<{ result: CheckResult; voterRollRoot?: bigint }> {
  const roll = new CheckBuilder("voter-roll");
  const { state, rollDepth } = ctx;
  const published = readBatches(history.rollBatches.map((log) => ({ ...log, ...log.event.args })), roll);
  const { commitments, digest } = published;
  if (BigInt(commitments.length) !== state.voterCount) roll.fail(`the contract counts ${state.voterCount} voters, the events publish ${commitments.length}`);
  if (digest !== state.voterRollDigest) roll.fail(`the contract's roll digest ${state.voterRollDigest} differs from the digest of the published commitments ${digest}`);
  let voterRollRoot: bigint | undefined;
  if (commitments.length > 2 ** rollDepth) {
    roll.fail(`${commitments.length} commitments do not fit a depth-${rollDepth} tree`);
  } else {
    const root = await rebuildRollRoot(published, rollDepth, ctx.progress, ctx.rollRoot);
    roll.evidence.recomputedRoot = root?.toString();
    const { openedAt } = history;
    if (openedAt) {
      voterRollRoot = openedAt.event.args.voterRollRoot;
      roll.evidence.frozenRoot = voterRollRoot.toString();
      if (root === undefined || root !== voterRollRoot) roll.fail(`the frozen root ${voterRollRoot} is not the Poseidon root of the published commitments (${root ?? "tree not buildable"})`, at(openedAt));
      if (voterRollRoot !== state.voterRollRoot) roll.fail(`the contract's root ${state.voterRollRoot} differs from the one announced in VotingOpened`, at(openedAt));
      if (openedAt.event.args.voterCount !== BigInt(commitments.length) || openedAt.event.args.voterRollDigest !== digest) {
        roll.fail("VotingOpened states a count or digest that differs from the published roll", at(openedAt));
      }
    } else {
      roll.warnings.push("the roll is not frozen yet (voting has not opened)");
    }
  }
  Object.assign(roll.evidence, {
    voterCount: commitments.length, onChainVoterCount: Number(state.voterCount), voterRollDigest: digest,
    onChainVoterRollDigest: state.voterRollDigest, batches: history.rollBatches.length, rollDepth,
  });
  return { result: roll.result(), voterRollRoot };
}
