/**
 * The voter's side of a sealed election: read the election from the chain, prepare an
 * encrypted ballot, and either challenge it (Benaloh: the device reveals the randomness, an
 * independent check re-encrypts the claimed choice, and the ballot is discarded) or prove and
 * cast a fresh one. A challenged ballot is never cast: its randomness is public, so casting it
 * would publish the vote; the ballot that is cast is encrypted anew with fresh randomness.
 * Browser-safe (the web app uses it): proving and casting from Node is castSealedVote in
 * lib/sealed/flow/election.ts.
 */
import type { SealedZkBallot } from "../../../typechain-types";
import { computeElectionScope } from "../../chain/reader";
import { VoterRoll } from "../../core/voterRoll";
import { pointFromJson, pointToJson, pointsEqual, type Point } from "../babyjub";
import type { SelectionRule } from "../ballot";
import { verifyBenalohChallenge, type BenalohResult } from "../benaloh";
import type { Ciphertext } from "../elgamal";
import { SealedError } from "../errors";
import { circuitPlaintexts, circuitRule, encryptSealedChoice } from "./ballotProof";

/** What a voter's device needs to know about a sealed election, read from the chain. */
export interface SealedVotingContext {
  readonly chainId: bigint;
  readonly contract: string;
  readonly electionId: bigint;
  readonly electionScope: bigint;
  readonly electionKey: Point;
  /** The election's rule (numOptions options). */
  readonly rule: SelectionRule;
  readonly voterRoll: VoterRoll;
}

/** Reads the election key, rule and frozen roll; refuses an election that is not open for voting. */
export async function readSealedVotingContext(contract: SealedZkBallot, electionId: bigint): Promise<SealedVotingContext> {
  const [phase, numOptions, , key] = await contract.getElection(electionId);
  if (phase !== 2n) throw new SealedError("BAD_PARAMETERS", `sealed election ${electionId} is not open for voting (phase ${phase})`, "wait until the registrar opens voting");
  const [created] = await contract.queryFilter(contract.filters.ElectionCreated(electionId));
  const [opened] = await contract.queryFilter(contract.filters.VotingOpened(electionId));
  if (created === undefined || opened === undefined) throw new SealedError("BAD_PARAMETERS", `no ElectionCreated or VotingOpened event for election ${electionId}`, "use a node that has the contract's logs");
  const commitments: bigint[] = [];
  for (const event of await contract.queryFilter(contract.filters.VoterCommitmentsPublished(electionId))) commitments.push(...event.args.voterCommitments);
  const voterRoll = await VoterRoll.build(commitments);
  if (voterRoll.root !== opened.args.voterRollRoot) throw new SealedError("BAD_PARAMETERS", `the roll in the events has root ${voterRoll.root}, voting opened at ${opened.args.voterRollRoot}`, "the registrar stated a root that is not the published roll's");
  const { chainId } = await contract.runner!.provider!.getNetwork();
  const address = await contract.getAddress();
  const config = created.args.config;
  return {
    chainId,
    contract: address,
    electionId,
    electionScope: computeElectionScope(chainId, address, electionId),
    electionKey: { x: key[0], y: key[1] },
    rule: { options: Number(numOptions), minSelections: Number(config.minSelections), maxSelections: Number(config.maxSelections) },
    voterRoll,
  };
}

export const SEALED_CHALLENGE_FORMAT = "zkballot-sealed-challenge";
export const SEALED_CHALLENGE_VERSION = 1;

/** A challenged ballot: what the device showed and the randomness it revealed. Public, never cast. */
export interface SealedChallenge {
  readonly chainId: bigint;
  readonly contract: string;
  readonly electionId: bigint;
  readonly electionKey: Point;
  readonly rule: SelectionRule;
  /** What the voter chose (0-based options). */
  readonly selected: readonly number[];
  readonly ciphertexts: readonly Ciphertext[];
  readonly randomness: readonly bigint[];
}

/** The device prepares the encrypted ballot for `selected` and, challenged, reveals its randomness. */
export function prepareChallengedBallot(context: SealedVotingContext, selected: readonly number[]): SealedChallenge {
  const encrypted = encryptSealedChoice(context.electionKey, context.rule, selected);
  return { chainId: context.chainId, contract: context.contract, electionId: context.electionId, electionKey: context.electionKey, rule: context.rule, selected: [...selected], ...encrypted };
}

export function serializeSealedChallenge(challenge: SealedChallenge): string {
  return (
    JSON.stringify(
      {
        format: SEALED_CHALLENGE_FORMAT,
        version: SEALED_CHALLENGE_VERSION,
        note: "A challenged ballot: its randomness is public, so it is never cast.",
        chainId: challenge.chainId.toString(),
        contract: challenge.contract,
        electionId: challenge.electionId.toString(),
        electionKey: pointToJson(challenge.electionKey),
        rule: challenge.rule,
        selected: challenge.selected,
        ciphertexts: challenge.ciphertexts.map((c) => ({ c1: pointToJson(c.c1), c2: pointToJson(c.c2) })),
        randomness: challenge.randomness.map(String),
      },
      null,
      2,
    ) + "\n"
  );
}

export function parseSealedChallenge(text: string, source = "challenge file"): SealedChallenge {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new SealedError("BAD_PARAMETERS", `${source} is not JSON`, "a challenge file is written by `sealed-vote challenge`");
  }
  if (json.format !== SEALED_CHALLENGE_FORMAT || json.version !== SEALED_CHALLENGE_VERSION) throw new SealedError("BAD_PARAMETERS", `${source} is not a ${SEALED_CHALLENGE_FORMAT} version ${SEALED_CHALLENGE_VERSION} file`);
  const big = (value: unknown, what: string): bigint => {
    if (typeof value !== "string" || !/^\d+$/.test(value)) throw new SealedError("BAD_PARAMETERS", `${source}: ${what} is not a decimal integer`);
    return BigInt(value);
  };
  const rule = json.rule as SelectionRule | undefined;
  if (!rule || ![rule.options, rule.minSelections, rule.maxSelections].every((v) => Number.isSafeInteger(v))) throw new SealedError("BAD_PARAMETERS", `${source}: rule must have integer options, minSelections, maxSelections`);
  if (!Array.isArray(json.selected) || !json.selected.every((o) => Number.isSafeInteger(o))) throw new SealedError("BAD_PARAMETERS", `${source}: selected must list option numbers`);
  if (!Array.isArray(json.ciphertexts) || !Array.isArray(json.randomness)) throw new SealedError("BAD_PARAMETERS", `${source}: ciphertexts and randomness must be arrays`);
  if (typeof json.contract !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(json.contract)) throw new SealedError("BAD_PARAMETERS", `${source}: contract is not an address`);
  return {
    chainId: big(json.chainId, "chainId"),
    contract: json.contract,
    electionId: big(json.electionId, "electionId"),
    electionKey: pointFromJson(json.electionKey, "election key"),
    rule: { options: rule.options, minSelections: rule.minSelections, maxSelections: rule.maxSelections },
    selected: json.selected as number[],
    ciphertexts: (json.ciphertexts as { c1: unknown; c2: unknown }[]).map((c, j) => ({ c1: pointFromJson(c?.c1, `c1 of option ${j}`), c2: pointFromJson(c?.c2, `c2 of option ${j}`) })),
    randomness: (json.randomness as unknown[]).map((r, j) => big(r, `randomness of option ${j}`)),
  };
}

export interface ChallengeCheck extends BenalohResult {
  /** The challenge's key is the election key on chain (read by the checker itself). */
  readonly keyMatchesChain: boolean;
}

/**
 * The independent check of a challenged ballot: the checker reads the election key from the
 * chain itself, and re-encrypts the claimed choice with the revealed randomness. A device that
 * encrypted another choice, or under another key, is caught.
 */
export async function checkSealedChallenge(contract: SealedZkBallot, challenge: SealedChallenge): Promise<ChallengeCheck> {
  const { chainId } = await contract.runner!.provider!.getNetwork();
  if (chainId !== challenge.chainId || (await contract.getAddress()).toLowerCase() !== challenge.contract.toLowerCase()) {
    throw new SealedError("BAD_PARAMETERS", `the challenge is for contract ${challenge.contract} on chain ${challenge.chainId}`, "check it against the election it was made for");
  }
  const [, numOptions, , key] = await contract.getElection(challenge.electionId);
  if (Number(numOptions) !== challenge.rule.options) throw new SealedError("BAD_PARAMETERS", `the challenge claims ${challenge.rule.options} options, the election has ${numOptions}`);
  const keyMatchesChain = pointsEqual({ x: key[0], y: key[1] }, challenge.electionKey);
  const result = verifyBenalohChallenge({
    electionKey: { x: key[0], y: key[1] },
    rule: circuitRule(challenge.rule),
    ciphertexts: challenge.ciphertexts,
    randomness: challenge.randomness,
    plaintexts: circuitPlaintexts(challenge.rule, challenge.selected),
  });
  return { ...result, matches: result.matches && keyMatchesChain, keyMatchesChain };
}
