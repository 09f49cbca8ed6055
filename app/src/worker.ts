/**
 * The proving Web Worker: fetches the circuit's wasm and proving key from this site, with
 * byte progress, and runs snarkjs's groth16.fullProve. The witness input (with the identity
 * secret) arrives by postMessage and never leaves this worker except as the proof. A sealed
 * ballot is encrypted (fresh randomness) and proven here by the library's
 * proveSealedBallotWith, with the sealed vote circuit's artifacts.
 */
import * as snarkjs from "snarkjs";

import { proveSealedBallotWith } from "../../lib/sealed/flow/ballotProof";
import type { ProveRequestMessage, WorkerMessage } from "./protocol";

interface WorkerScope {
  postMessage(message: WorkerMessage): void;
  addEventListener(type: "message", listener: (event: MessageEvent<ProveRequestMessage>) => void): void;
}
const scope = self as unknown as WorkerScope;

type Artifacts = { wasm: Uint8Array; zkey: Uint8Array };
const CIRCUITS = { open: "circuits/vote", sealed: "circuits/sealed/sealedVote" } as const;
const artifacts = new Map<keyof typeof CIRCUITS, Promise<Artifacts>>();

async function download(url: string, onBytes: (bytes: number, total: number) => void): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok || response.body === null) throw new Error(`${url}: HTTP ${response.status}`);
  const total = Number(response.headers.get("content-length") ?? "0");
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    received += value.length;
    onBytes(received, total);
  }
  const out = new Uint8Array(received);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function loadArtifacts(circuit: keyof typeof CIRCUITS): Promise<Artifacts> {
  const loaded = artifacts.get(circuit);
  if (loaded !== undefined) return loaded;
  const loading = (async () => {
    const progress = { wasm: [0, 0], zkey: [0, 0] };
    const report = () => {
      const total = progress.wasm[1] + progress.zkey[1];
      scope.postMessage({ kind: "progress", stage: "download", fraction: total > 0 ? (progress.wasm[0] + progress.zkey[0]) / total : 0 });
    };
    const [wasm, zkey] = await Promise.all([
      download(`${CIRCUITS[circuit]}.wasm`, (b, t) => ((progress.wasm = [b, t]), report())),
      download(`${CIRCUITS[circuit]}.zkey`, (b, t) => ((progress.zkey = [b, t]), report())),
    ]);
    return { wasm, zkey };
  })();
  artifacts.set(circuit, loading);
  return loading;
}

scope.addEventListener("message", (event) => {
  void (async () => {
    try {
      const request = event.data;
      const { wasm, zkey } = await loadArtifacts("sealed" in request ? "sealed" : "open");
      scope.postMessage({ kind: "progress", stage: "prove", fraction: 0 });
      if ("sealed" in request) {
        scope.postMessage({ kind: "sealedProof", ballot: await proveSealedBallotWith(request.sealed, { wasm, zkey }, () => performance.now()) });
        return;
      }
      const started = performance.now();
      const { proof, publicSignals } = await snarkjs.groth16.fullProve(request.input, wasm, zkey);
      scope.postMessage({ kind: "proof", proof, publicSignals, ms: Math.round(performance.now() - started) });
    } catch (error) {
      scope.postMessage({ kind: "error", message: (error as Error).message });
    }
  })();
});
