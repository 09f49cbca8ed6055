/**
 * A SealedZkBallot's state as the sealed checks read it (phases, key, trustees, totals, partial
 * decryptions, tally) and telling a SealedZkBallot apart; browser-safe, so the web app reads the
 * same state and runs the browser-safe sealed checks on it. sealedContext.ts re-exports these.
 */
import { getAddress, type Provider } from "ethers";

import { SealedZkBallot__factory } from "../../typechain-types/factories/contracts/sealed/SealedZkBallot__factory";
import type { SealedZkBallot } from "../../typechain-types";
import { ZkBallotError } from "../core/errors";
import type { Point } from "../sealed/babyjub";
import type { Rpc } from "./snapshot";

/** SealedZkBallot's phases (ISealedZkBallot.Phase). */
export enum SealedPhase {
  None = 0,
  Registration = 1,
  Voting = 2,
  Closed = 3,
  Tallied = 4,
}

/** True if the contract at `address` is a SealedZkBallot (it answers DECRYPTION_VERIFIER()). */
export async function isSealedDeployment(provider: Provider, address: string): Promise<boolean> {
  try {
    await SealedZkBallot__factory.connect(address, provider).DECRYPTION_VERIFIER();
    return true;
  } catch {
    return false;
  }
}

export interface SealedState {
  phase: SealedPhase;
  numOptions: number;
  ballotsCast: bigint;
  /** The identity (0, 1) until fixed; the contract returns (0, 0) before. */
  electionKey: Point;
  trustees: string[];
  threshold: number;
  /** C1[0..7][x,y] then C2[0..7][x,y]. */
  totals: bigint[];
  tally: bigint[];
  qualifiedMask: bigint;
  disqualifiedMask: bigint;
  /** X_i as the contract computes it, trustee 1 first. */
  shareKeys: Point[];
  /** The partial decryptions storage holds, trustee 1 first (16 zero words where none). */
  partials: bigint[][];
}

const point = (pair: readonly bigint[]): Point => ({ x: pair[0], y: pair[1] });

/** The election's state at block `head`. */
export async function readSealedState(sealed: SealedZkBallot, electionId: bigint, head: number, rpc: Rpc): Promise<SealedState> {
  const atHead = { blockTag: head };
  const election = await rpc("getElection", () => sealed.getElection(electionId, atHead)).catch((error: unknown) => {
    throw new ZkBallotError("INVALID_ARGUMENT", `sealed election ${electionId} cannot be read: ${(error as Error).message.split("\n")[0]}`, "check the election id");
  });
  const [phase, numOptions, ballotsCast, key, trustees, threshold] = election;
  const [totals, tally, sets] = await Promise.all([
    rpc("encryptedTotals", () => sealed.encryptedTotals(electionId, atHead)),
    rpc("tallies", () => sealed.tallies(electionId, atHead)),
    rpc("dealerSets", () => sealed.dealerSets(electionId, atHead)),
  ]);
  const numbers = trustees.map((_, i) => BigInt(i + 1));
  const shareKeys = await Promise.all(numbers.map((t) => rpc("shareKeyOf", () => sealed.shareKeyOf(electionId, t, atHead))));
  const partials = await Promise.all(numbers.map((t) => rpc("partialDecryptions", () => sealed.partialDecryptions(electionId, t, atHead))));
  return {
    phase: Number(phase) as SealedPhase,
    numOptions: Number(numOptions),
    ballotsCast,
    electionKey: key[0] === 0n && key[1] === 0n ? { x: 0n, y: 1n } : point(key),
    trustees: trustees.map((a) => getAddress(a)),
    threshold: Number(threshold),
    totals: [...totals],
    tally: [...tally],
    qualifiedMask: sets[0],
    disqualifiedMask: sets[1],
    shareKeys: shareKeys.map((k) => point(k)),
    partials: partials.map((words) => [...words]),
  };
}

