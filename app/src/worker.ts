/**
 * The proving Web Worker: fetches the circuit's wasm and proving key from this site, with
 * byte progress, and runs snarkjs's groth16.fullProve. The witness input (with the identity
 * secret) arrives by postMessage and never leaves this worker except as the proof.
 */
import * as snarkjs from "snarkjs";

import type { ProveRequestMessage, WorkerMessage } from "./protocol";

interface WorkerScope {
  postMessage(message: WorkerMessage): void;
  addEventListener(type: "message", listener: (event: MessageEvent<ProveRequestMessage>) => void): void;
}
const scope = self as unknown as WorkerScope;

let artifacts: Promise<{ wasm: Uint8Array; zkey: Uint8Array }> | undefined;

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

function loadArtifacts(): Promise<{ wasm: Uint8Array; zkey: Uint8Array }> {
  artifacts ??= (async () => {
    const progress = { wasm: [0, 0], zkey: [0, 0] };
    const report = () => {
      const total = progress.wasm[1] + progress.zkey[1];
      scope.postMessage({ kind: "progress", stage: "download", fraction: total > 0 ? (progress.wasm[0] + progress.zkey[0]) / total : 0 });
    };
    const [wasm, zkey] = await Promise.all([
      download("circuits/vote.wasm", (b, t) => ((progress.wasm = [b, t]), report())),
      download("circuits/vote.zkey", (b, t) => ((progress.zkey = [b, t]), report())),
    ]);
    return { wasm, zkey };
  })();
  return artifacts;
}

scope.addEventListener("message", (event) => {
  void (async () => {
    try {
      const { wasm, zkey } = await loadArtifacts();
      scope.postMessage({ kind: "progress", stage: "prove", fraction: 0 });
      const started = performance.now();
      const { proof, publicSignals } = await snarkjs.groth16.fullProve(event.data.input, wasm, zkey);
      scope.postMessage({ kind: "proof", proof, publicSignals, ms: Math.round(performance.now() - started) });
    } catch (error) {
      scope.postMessage({ kind: "error", message: (error as Error).message });
    }
  })();
});
