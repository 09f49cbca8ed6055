/** The event decoder of lib/core/events.ts with the compiled ZkBallot ABI. */
import { ZkBallot__factory } from "../../typechain-types";
import { ZkBallotEventDecoder } from "../core/events";

let decoder: ZkBallotEventDecoder | undefined;

/** The decoder for the ZkBallot contract this library deploys (created once). */
export function zkBallotEvents(): ZkBallotEventDecoder {
  decoder ??= new ZkBallotEventDecoder(ZkBallot__factory.abi);
  return decoder;
}
