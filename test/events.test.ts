/**
 * Event decoding in the core (issue 12): lib/core/events.ts decodes every ZkBallot event into a
 * typed record equal to what ethers decodes, with the ABI passed in; it refuses an ABI whose
 * events have other fields, leaves unknown topics alone and names a corrupt log.
 */
import { expect } from "chai";
import { getAddress, type Interface } from "ethers";

import { ZkBallotEventDecoder, ZKBALLOT_EVENT_FIELDS, electionTopic, type ZkBallotEventName } from "../lib/core/events";
import { ZkBallotError } from "../lib/core/errors";
import { zkBallotEvents } from "../lib/chain/zkBallotEvents";
import { ZkBallot__factory } from "../typechain-types";

const A = getAddress("0x" + "a1".repeat(20));
const B = getAddress("0x" + "b2".repeat(20));
const C = getAddress("0x" + "c3".repeat(20));
const H = "0x" + "cd".repeat(32);

/** One example of each event, its values in ABI order. */
const EXAMPLES: { [N in ZkBallotEventName]: unknown[] } = {
  ElectionCreated: [7n, A, B, "Council 2027", 3n, 1n, 2n, "ipfs://x", H, 10n, 20n],
  AdminTransferStarted: [7n, A, B],
  AdminTransferCancelled: [7n, A, B],
  AdminTransferred: [7n, A, B],
  RegistrarChanged: [7n, A, B, C],
  VoterCommitmentsPublished: [7n, B, 5n, [1n, (1n << 255n) + 3n, 42n], H],
  VotingOpened: [7n, B, 99n, 3n, H],
  VoteCast: [7n, 11n, 4n, [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n]],
  VoteSkipped: [7n, 11n, "0x1234abcd"],
  ElectionClosed: [7n, A, [1n, 0n, 2n]],
};

describe("ZkBallot event decoding (lib/core/events.ts)", () => {
  const iface = ZkBallot__factory.createInterface() as unknown as Interface;
  const decoder = zkBallotEvents();

  it("decodes every event into a typed record equal to ethers' decoding", () => {
    for (const [name, values] of Object.entries(EXAMPLES) as [ZkBallotEventName, unknown[]][]) {
      const log = iface.encodeEventLog(iface.getEvent(name)!, values);
      const event = decoder.decode(log)!;
      expect(event.name, name).to.equal(name);
      const reference = iface.parseLog(log)!;
      const expected = Object.fromEntries(ZKBALLOT_EVENT_FIELDS[name].map((field, i) => [field, Array.isArray(reference.args[i]) ? [...(reference.args[i] as unknown[])] : reference.args[i]]));
      expect(event.args, name).to.deep.equal(expected);
      for (const value of Object.values(event.args)) if (Array.isArray(value)) expect(Object.getPrototypeOf(value), name).to.equal(Array.prototype); // plain arrays, not ethers Results
      expect(decoder.decodeAs(name, log)).to.deep.equal(event);
      expect(log.topics[1]).to.equal(electionTopic(7n));
    }
  });

  it("accepts the ABI as JSON (what a web page holds) and gives the same records", () => {
    const fromJson = new ZkBallotEventDecoder(JSON.parse(JSON.stringify(ZkBallot__factory.abi)));
    const log = iface.encodeEventLog(iface.getEvent("VoteCast")!, EXAMPLES.VoteCast);
    expect(fromJson.decode(log)).to.deep.equal(decoder.decode(log));
    expect(fromJson.topic("VoteCast")).to.equal(iface.getEvent("VoteCast")!.topicHash);
  });

  it("refuses an ABI whose events are missing or have other fields, naming the event", () => {
    const abi = ZkBallot__factory.abi.filter((item) => !("name" in item) || item.name !== "VoteCast");
    expect(() => new ZkBallotEventDecoder(abi)).to.throw(ZkBallotError, /has no event VoteCast/);
    const renamed = ["event VoteCast(uint256 indexed electionId, uint256 indexed nullifier, uint256 choice, uint256[8] proof)", ...ZkBallot__factory.abi.filter((item) => !("name" in item) || item.name !== "VoteCast")];
    expect(() => new ZkBallotEventDecoder(renamed as never)).to.throw(ZkBallotError, /declares VoteCast\(electionId, nullifier, choice, proof\)/);
  });

  it("returns null for an unknown topic, and EVENT_DECODE for a known event whose data does not decode", () => {
    expect(decoder.decode({ topics: ["0x" + "00".repeat(32)], data: "0x" })).to.equal(null);
    expect(decoder.decode({ topics: [], data: "0x" })).to.equal(null);
    const log = iface.encodeEventLog(iface.getEvent("ElectionClosed")!, EXAMPLES.ElectionClosed);
    const error = (() => { try { decoder.decode({ ...log, data: log.data.slice(0, 66) }); } catch (e) { return e; } })();
    expect(error).to.be.instanceOf(ZkBallotError);
    expect((error as ZkBallotError).code).to.equal("EVENT_DECODE");
    expect(() => decoder.decodeAs("VoteCast", log)).to.throw(ZkBallotError, /expected a VoteCast log, got ElectionClosed/);
  });
});
