/**
 * What anyone can read about an election and what a voter can check about their own ballot
 * (lib/chain/status.ts, browser-safe), with the verification key of circuits/build (Node), and
 * the CLI's text tables.
 */
import type { ZkBallot } from "../../typechain-types";
import type { VoterIdentity } from "../core/identity";
import { loadVerificationKey } from "../proving/prover";
import type { LogReadOptions } from "./reader";
import { checkMyBallotWithKey, type MyBallotReport } from "./status";

export * from "./status";

/** Individual verifiability: is my ballot on-chain, with a valid proof, and counted? */
export async function checkMyBallot(zkBallot: ZkBallot, electionId: bigint, identity: VoterIdentity, options: LogReadOptions = {}): Promise<MyBallotReport> {
  return checkMyBallotWithKey(zkBallot, electionId, identity, loadVerificationKey, options);
}

/** Left-aligned text table with a header rule. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) => Math.max(cell.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}
