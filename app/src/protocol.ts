/** Messages between the page and the proving worker. */
import type { Groth16Proof } from "snarkjs";

export interface ProveRequestMessage {
  input: Record<string, string | string[]>;
}

export type WorkerMessage =
  | { kind: "progress"; stage: "download" | "prove"; fraction: number }
  | { kind: "proof"; proof: Groth16Proof; publicSignals: string[]; ms: number }
  | { kind: "error"; message: string };
