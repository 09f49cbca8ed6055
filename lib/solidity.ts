/**
 * Solidity compiler version and settings, shared by hardhat.config.ts and by the auditor,
 * which recompiles the verifier from a verification key to compare it with deployed code.
 */

/** Must equal the exact version of the `solc` npm package: Solidity is compiled offline with it. */
export const SOLIDITY_VERSION = "0.8.28";

export const SOLIDITY_SETTINGS = {
  optimizer: { enabled: true, runs: 10_000 },
  evmVersion: "cancun",
} as const;

/**
 * Runtime bytecode without the trailing CBOR metadata (whose length is in the last two bytes):
 * the metadata hashes source paths and comments, the executable code does not depend on them.
 */
export function stripBytecodeMetadata(runtimeBytecode: string): string {
  const hex = runtimeBytecode.startsWith("0x") ? runtimeBytecode.slice(2) : runtimeBytecode;
  if (hex.length < 4) return hex.toLowerCase();
  const metadataLength = parseInt(hex.slice(-4), 16);
  const cut = hex.length - 4 - metadataLength * 2;
  return (cut > 0 ? hex.slice(0, cut) : hex).toLowerCase();
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts?: Record<string, Record<string, { evm: { deployedBytecode: { object: string }; bytecode: { object: string } } }>>;
}

/** Compiles one self-contained source with solc-js and our settings; returns creation and runtime bytecode. */
export function compileStandalone(fileName: string, source: string, contractName: string): { bytecode: string; deployedBytecode: string } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { compile(input: string): string; version(): string };
  const input = {
    language: "Solidity",
    sources: { [fileName]: { content: source } },
    settings: { ...SOLIDITY_SETTINGS, outputSelection: { "*": { "*": ["evm.bytecode.object", "evm.deployedBytecode.object"] } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((error) => error.severity === "error");
  if (errors.length > 0) throw new Error(`solc failed: ${errors.map((error) => error.formattedMessage).join("\n")}`);
  const contract = output.contracts?.[fileName]?.[contractName];
  if (!contract) throw new Error(`solc produced no contract ${contractName}`);
  return { bytecode: "0x" + contract.evm.bytecode.object, deployedBytecode: "0x" + contract.evm.deployedBytecode.object };
}
