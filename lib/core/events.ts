/**
 * ZkBallot's events as typed records: the one decoder of the contract's public record, for the
 * chain client, the auditor, the relayer and a web page alike. Browser-safe: the contract's ABI
 * is passed in (lib/chain/zkBallotEvents.ts passes the compiled one), and the decoder refuses an
 * ABI whose events do not have the fields below (docs/PROTOCOL.md, "Events").
 *
 * ethers' ABI decoder takes about 0.3 ms per uint256 of a VoterCommitmentsPublished array
 * (measured: 305 s for a 1M roll at load average 20, bench audit-1m), so that one event is read
 * from its fixed layout directly, and only when the data has exactly that layout (anything else
 * goes to ethers).
 */
import { Interface, getAddress, toBeHex, type EventFragment, type InterfaceAbi } from "ethers";

import { ZkBallotError } from "./errors";

/** Each event's fields, named and typed as IZkBallot declares them (uint -> bigint, address checksummed, bytes -> 0x hex). */
export interface ZkBallotEventArgs {
  ElectionCreated: { electionId: bigint; admin: string; registrar: string; title: string; numOptions: bigint; minSelections: bigint; maxSelections: bigint; metadataURI: string; metadataHash: string; votingStartsAt: bigint; votingEndsAt: bigint };
  AdminTransferStarted: { electionId: bigint; admin: string; pendingAdmin: string };
  AdminTransferCancelled: { electionId: bigint; admin: string; pendingAdmin: string };
  AdminTransferred: { electionId: bigint; previousAdmin: string; newAdmin: string };
  RegistrarChanged: { electionId: bigint; previousRegistrar: string; newRegistrar: string; admin: string };
  VoterCommitmentsPublished: { electionId: bigint; registrar: string; firstIndex: bigint; voterCommitments: bigint[]; voterRollDigest: string };
  VotingOpened: { electionId: bigint; registrar: string; voterRollRoot: bigint; voterCount: bigint; voterRollDigest: string };
  VoteCast: { electionId: bigint; nullifier: bigint; ballot: bigint; proof: bigint[] };
  VoteSkipped: { electionId: bigint; nullifier: bigint; reason: string };
  ElectionClosed: { electionId: bigint; closedBy: string; tally: bigint[] };
}

export type ZkBallotEventName = keyof ZkBallotEventArgs;

/** One decoded event: its name and its fields. */
export type ZkBallotEvent<N extends ZkBallotEventName = ZkBallotEventName> = { [K in N]: { name: K; args: ZkBallotEventArgs[K] } }[N];

/** A log as an RPC returns it (the fields the decoder reads). */
export interface EventLogData {
  topics: readonly string[];
  data: string;
}

/** Where a log is in the chain. */
export interface EventLocation {
  blockNumber: number;
  transactionHash: string;
  index: number;
}

/** A decoded log with its place in the chain. */
export type ZkBallotLog<N extends ZkBallotEventName = ZkBallotEventName> = { [K in N]: EventLocation & { event: ZkBallotEvent<K> } }[N];

/** The fields of each event, in ABI order: what an ABI passed to the decoder must declare. */
export const ZKBALLOT_EVENT_FIELDS: { readonly [N in ZkBallotEventName]: readonly (keyof ZkBallotEventArgs[N])[] } = {
  ElectionCreated: ["electionId", "admin", "registrar", "title", "numOptions", "minSelections", "maxSelections", "metadataURI", "metadataHash", "votingStartsAt", "votingEndsAt"],
  AdminTransferStarted: ["electionId", "admin", "pendingAdmin"],
  AdminTransferCancelled: ["electionId", "admin", "pendingAdmin"],
  AdminTransferred: ["electionId", "previousAdmin", "newAdmin"],
  RegistrarChanged: ["electionId", "previousRegistrar", "newRegistrar", "admin"],
  VoterCommitmentsPublished: ["electionId", "registrar", "firstIndex", "voterCommitments", "voterRollDigest"],
  VotingOpened: ["electionId", "registrar", "voterRollRoot", "voterCount", "voterRollDigest"],
  VoteCast: ["electionId", "nullifier", "ballot", "proof"],
  VoteSkipped: ["electionId", "nullifier", "reason"],
  ElectionClosed: ["electionId", "closedBy", "tally"],
};

/** The topic that selects one election's events: its id as a 32-byte word (topic 1 of every ZkBallot event). */
export const electionTopic = (electionId: bigint): string => toBeHex(electionId, 32);

/** Narrows a decoded log to one event. */
export function isEvent<N extends ZkBallotEventName>(log: ZkBallotLog, name: N): log is Extract<ZkBallotLog, { event: { name: N } }> {
  return log.event.name === name;
}

const WORD = 64; // hex characters

export class ZkBallotEventDecoder {
  readonly iface: Interface;
  private readonly byTopic = new Map<string, { name: ZkBallotEventName; fragment: EventFragment }>();
  private readonly rollTopic: string;

  /** `abi`: the ZkBallot contract's ABI (or Interface); refused if an event is missing or has other fields. */
  constructor(abi: InterfaceAbi | Interface) {
    this.iface = abi instanceof Interface ? abi : new Interface(abi);
    for (const name of Object.keys(ZKBALLOT_EVENT_FIELDS) as ZkBallotEventName[]) {
      const fragment = this.iface.getEvent(name);
      const fields = fragment?.inputs.map((input) => input.name);
      if (!fragment || JSON.stringify(fields) !== JSON.stringify(ZKBALLOT_EVENT_FIELDS[name])) {
        throw new ZkBallotError("INVALID_ARGUMENT", `the ABI given to the event decoder ${fragment ? `declares ${name}(${fields!.join(", ")})` : `has no event ${name}`}, not ${name}(${ZKBALLOT_EVENT_FIELDS[name].join(", ")})`, "pass the ZkBallot ABI this library was built with (ZkBallot__factory.abi)");
      }
      this.byTopic.set(fragment.topicHash, { name, fragment });
    }
    this.rollTopic = this.topic("VoterCommitmentsPublished");
  }

  /** topic 0 of an event. */
  topic(name: ZkBallotEventName): string {
    return this.iface.getEvent(name)!.topicHash;
  }

  /** Decodes any ZkBallot log; null when its topic is no ZkBallot event. Throws EVENT_DECODE when a known event's data does not decode. */
  decode(log: EventLogData): ZkBallotEvent | null {
    const known = this.byTopic.get(log.topics[0] ?? "");
    if (known === undefined) return null;
    if (known.name === "VoterCommitmentsPublished") {
      const fast = this.decodeRollBatchLayout(log);
      if (fast !== null) return fast;
    }
    let parsed;
    try {
      parsed = this.iface.parseLog({ topics: [...log.topics], data: log.data });
    } catch (error) {
      throw new ZkBallotError("EVENT_DECODE", `a ${known.name} log does not decode: ${(error as Error).message.split("\n")[0]}`, "the RPC returned a corrupt log; try another endpoint");
    }
    if (parsed === null) return null;
    const args: Record<string, unknown> = {};
    known.fragment.inputs.forEach((input, i) => {
      const value: unknown = parsed.args[i];
      args[input.name] = Array.isArray(value) ? Array.from(value as unknown[]) : value;
    });
    return { name: known.name, args } as ZkBallotEvent;
  }

  /** Decodes a log that must be the named event. */
  decodeAs<N extends ZkBallotEventName>(name: N, log: EventLogData): ZkBallotEvent<N> {
    const event = this.decode(log);
    if (event?.name !== name) throw new ZkBallotError("EVENT_DECODE", `expected a ${name} log, got ${event?.name ?? `unknown topic ${log.topics[0] ?? "(none)"}`}`, "the RPC returned a log the filter did not ask for; try another endpoint");
    return event as ZkBallotEvent<N>;
  }

  /**
   * VoterCommitmentsPublished(electionId indexed, registrar indexed, firstIndex, uint256[]
   * voterCommitments, bytes32 voterRollDigest) read from its fixed layout; null when the data has
   * any other layout (then ethers decodes it, or refuses it).
   */
  decodeRollBatchLayout(log: EventLogData): ZkBallotEvent<"VoterCommitmentsPublished"> | null {
    if (log.topics.length !== 3 || log.topics[0] !== this.rollTopic || !/^0x[0-9a-f]*$/i.test(log.data)) return null;
    const hex = log.data.slice(2);
    const word = (i: number) => hex.slice(i * WORD, (i + 1) * WORD);
    if (hex.length < 4 * WORD || BigInt("0x" + word(1)) !== 96n) return null;
    const count = BigInt("0x" + word(3));
    if (BigInt(hex.length) !== (4n + count) * BigInt(WORD)) return null;
    if (!/^0{24}/.test(log.topics[2].slice(2))) return null;
    const voterCommitments: bigint[] = new Array(Number(count));
    for (let i = 0; i < voterCommitments.length; i++) voterCommitments[i] = BigInt("0x" + word(4 + i));
    return {
      name: "VoterCommitmentsPublished",
      args: {
        electionId: BigInt(log.topics[1]),
        registrar: getAddress("0x" + log.topics[2].slice(26)),
        firstIndex: BigInt("0x" + word(0)),
        voterCommitments,
        voterRollDigest: "0x" + word(2).toLowerCase(),
      },
    };
  }
}
