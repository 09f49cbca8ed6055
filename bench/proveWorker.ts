/** A proving process for bench/relayer.ts: proves requests [from, to) of a request file. */
import * as fs from "node:fs";

import { identityFromSecret } from "../lib/core/identity";
import { proveVote, releaseSnarkjs } from "../lib/proving/prover";

async function main(): Promise<void> {
  const [file, from, to, out] = process.argv.slice(2);
  const { requests, root, scope } = JSON.parse(fs.readFileSync(file, "utf8")) as {
    requests: { secret: string; pathIndices: number[]; siblings: string[]; ballot: string }[];
    root: string;
    scope: string;
  };
  const results = [];
  for (const request of requests.slice(Number(from), Number(to))) {
    const identity = await identityFromSecret(BigInt(request.secret));
    const { publicSignals, proof } = await proveVote({
      identity,
      path: { leafIndex: 0, pathIndices: request.pathIndices, siblings: request.siblings.map(BigInt) },
      voterRollRoot: BigInt(root),
      electionScope: BigInt(scope),
      ballot: BigInt(request.ballot),
    });
    results.push({ ballot: request.ballot, nullifier: publicSignals.nullifier.toString(), proof: proof.map(String) });
    process.stdout.write("proved\n");
  }
  fs.writeFileSync(out, JSON.stringify(results));
  await releaseSnarkjs();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
