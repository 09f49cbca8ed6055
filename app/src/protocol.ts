/** Messages between the page and the proving worker. */
import type { Groth16Proof } from "snarkjs";

import type { ProvenSealedBallot, SealedBallotRequest } from "../../lib/sealed/flow/ballotProof";

/** An open election's witness input, or a sealed ballot to encrypt and prove (lib/sealed/flow/ballotProof.ts). */
export type ProveRequestMessage = { input: Record<string, string | string[]> } | { sealed: SealedBallotRequest };

export type WorkerMessage =
  | { kind: "progress"; stage: "download" | "prove"; fraction: number }
  | { kind: "proof"; proof: Groth16Proof; publicSignals: string[]; ms: number }
  | { kind: "sealedProof"; ballot: ProvenSealedBallot }
  | { kind: "error"; message: string };
