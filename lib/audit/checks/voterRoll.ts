/**
 * Check "voter-roll" (roll reconstruction): the published commitments, batch by batch, in
 * order, valid and distinct; their running keccak digest equals each batch's and the
 * contract's; their Poseidon root (rebuilt with the fast WebAssembly tree) is the root frozen
 * in VotingOpened and held in storage.
 */
import { keccak256 } from "ethers";

import { SNARK_SCALAR_FIELD } from "../../core/constants";
import { checkRollEntry } from "../../core/voterRoll";
import { fastRollRoot } from "../../node/fastRoll";
import type { AuditContext } from "../context";
import { CheckBuilder, at, type CheckResult } from "../types";
import type { ElectionHistory } from "./electionRecord";

/**
 * The contract's running digest, keccak256(abi.encode(digest, commitment)) per commitment, on
 * one reused 64-byte buffer (lib/chain/election.ts computeVoterRollDigest, without an ABI
 * encoder per commitment; test/audit.test.ts checks they agree).
 */
export function fastVoterRollDigest(voterCommitments: readonly bigint[], initial: string): string {
  const word = Buffer.alloc(64);
  Buffer.from(initial.slice(2), "hex").copy(word, 0);
  for (const commitment of voterCommitments) {
    word.write(commitment.toString(16).padStart(64, "0"), 32, "hex");
    word.write(keccak256(word).slice(2), 0, "hex");
  }
  return "0x" + word.subarray(0, 32).toString("hex");
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
export async function rebuildRollRoot(published: Published, depth: number, progress: (stage: string, done: number, total: number) => void): Promise<bigint | undefined> {
  if (!published.distinctAndValid) return undefined;
  const leaves = published.commitments.filter((c) => c > 0n && c < SNARK_SCALAR_FIELD); // invalid ones are left out
  return fastRollRoot(leaves, { depth, onProgress: (done, total) => progress("rebuilding the roll tree", done, total) }).catch(() => undefined);
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
    const root = await rebuildRollRoot(published, rollDepth, ctx.progress);
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
