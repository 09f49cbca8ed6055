/**
 * npm run app: builds the web app into app/dist and serves it locally.
 *   npm run app -- [--rpc URL] [--relayer URL] [--election ID] [--zkballot ADDRESS] [--kind open|sealed] [--port N] [--build-only]
 * A sealed election's SealedZkBallot is passed as --zkballot; the page detects the kind (or --kind names it).
 * Defaults: RPC http://127.0.0.1:8545, relayer http://127.0.0.1:8645 (npm run relayer), election 1,
 * the contract from deployments/<chainId>.json.
 */
import { JsonRpcProvider } from "ethers";

import { ZkBallotError } from "../lib/core/errors";
import { readDeployment } from "../lib/chain/deployments";
import { buildApp } from "./build";
import { startAppServer } from "./serve";

function args(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    if (!name.startsWith("--")) throw new ZkBallotError("INVALID_ARGUMENT", `unexpected argument ${JSON.stringify(name)}`);
    if (name === "--build-only") out.set("build-only", "true");
    else out.set(name.slice(2), argv[++i] ?? "");
  }
  return out;
}

/** The flags, checked before anything is built, so a typo costs no build. */
function parseOptions(argv: string[]): { buildOnly: boolean; rpcUrl: string; relayerUrl: string; zkBallot?: string; kind?: "open" | "sealed"; electionId: bigint; port: number } {
  const options = args(argv);
  const known = new Set(["build-only", "rpc", "relayer", "election", "zkballot", "kind", "port"]);
  for (const name of options.keys()) if (!known.has(name)) throw new ZkBallotError("INVALID_ARGUMENT", `unknown flag --${name}`, "see the usage at the top of app/cli.ts or the README's web-app section");
  const kind = options.get("kind");
  if (kind !== undefined && kind !== "open" && kind !== "sealed") throw new ZkBallotError("INVALID_ARGUMENT", `--kind must be open or sealed, got ${JSON.stringify(kind)}`);
  const port = Number(options.get("port") ?? "8700");
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ZkBallotError("INVALID_ARGUMENT", `--port must be 0 to 65535, got ${options.get("port")}`);
  const election = options.get("election") ?? "1";
  if (!/^[1-9][0-9]{0,76}$/.test(election)) throw new ZkBallotError("INVALID_ARGUMENT", `--election must be a positive election id, got ${JSON.stringify(election)}`);
  return { buildOnly: options.has("build-only"), rpcUrl: options.get("rpc") ?? "http://127.0.0.1:8545", relayerUrl: options.get("relayer") ?? "http://127.0.0.1:8645", zkBallot: options.get("zkballot"), kind: kind as "open" | "sealed" | undefined, electionId: BigInt(election), port };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const report = await buildApp();
  console.log(`built app/dist: ${report.files.length} files, JavaScript ${(report.bundleBytes / 1e6).toFixed(2)} MB`);
  if (options.buildOnly) return;
  const provider = new JsonRpcProvider(options.rpcUrl, undefined, { staticNetwork: true });
  const { chainId } = await provider.getNetwork();
  provider.destroy();
  const record = readDeployment(chainId);
  const zkBallot = options.zkBallot ?? record?.zkBallot;
  if (zkBallot === undefined) throw new ZkBallotError("INVALID_ARGUMENT", `no deployment record for chain ${chainId}`, "deploy first, or pass --zkballot ADDRESS");
  const server = await startAppServer({
    rpcUrl: options.rpcUrl,
    relayerUrl: options.relayerUrl,
    zkBallot,
    kind: options.kind,
    electionId: options.electionId,
    fromBlock: record?.deployBlock ?? 0,
    port: options.port,
  });
  console.log(`zkballot app: ${server.url}/  (English: ?lang=en, 日本語: ?lang=ja)`);
}

main().catch((error: unknown) => {
  console.error(`error: ${(error as Error).message}`);
  process.exit(1);
});
