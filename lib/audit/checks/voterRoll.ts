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

interface Published {
  commitments: bigint[];
  digest: string;
  distinctAndValid: boolean;
}

/** The commitments of every batch, checked one by one, with the digest they lead to. */
function readBatches(history: ElectionHistory, roll: CheckBuilder): Published {
  const commitments: bigint[] = [];
  let digest = "0x" + "00".repeat(32);
  let distinctAndValid = true;
  const seen = new Map<bigint, number>();
  for (const log of history.rollBatches) {
    const { voterCommitments: batch, firstIndex, voterRollDigest } = log.event.args;
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

/** Runs the check; returns the frozen root the ballots are verified against (if voting opened). */
export async function checkVoterRoll(ctx: AuditContext, history: ElectionHistory): Promise<{ result: CheckResult; voterRollRoot?: bigint }> {
  const roll = new CheckBuilder("voter-roll");
  const { state, rollDepth } = ctx;
  const { commitments, digest, distinctAndValid } = readBatches(history, roll);
  if (BigInt(commitments.length) !== state.voterCount) roll.fail(`the contract counts ${state.voterCount} voters, the events publish ${commitments.length}`);
  if (digest !== state.voterRollDigest) roll.fail(`the contract's roll digest ${state.voterRollDigest} differs from the digest of the published commitments ${digest}`);
  let voterRollRoot: bigint | undefined;
  if (commitments.length > 2 ** rollDepth) {
    roll.fail(`${commitments.length} commitments do not fit a depth-${rollDepth} tree`);
  } else {
    // A roll with a repeated commitment has no tree (VoterRoll refuses it); invalid ones are left out.
    const leaves = commitments.filter((c) => c > 0n && c < SNARK_SCALAR_FIELD);
    const root = distinctAndValid
      ? await fastRollRoot(leaves, { depth: rollDepth, onProgress: (done, total) => ctx.progress("rebuilding the roll tree", done, total) }).catch(() => undefined)
      : undefined;
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
