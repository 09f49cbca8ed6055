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
 * SealedZkBallot alone is optimised for size (runs 200): with runs 10,000 its code is over the
 * 24,576-byte limit of EIP-170 (measured 25,619 bytes once castVotes batch-verified). Its gas
 * figures are measured with these settings (bench sealed-election).
 */
export const SEALED_BALLOT_SETTINGS = { ...SOLIDITY_SETTINGS, optimizer: { enabled: true, runs: 200 } } as const;

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

/** Byte ranges of the runtime code that hold one immutable, by the immutable's AST id. */
export type ImmutableReferences = Record<string, { start: number; length: number }[]>;

export interface CompiledContract {
  bytecode: string;
  deployedBytecode: string;
  immutableReferences: ImmutableReferences;
}

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts?: Record<
    string,
    Record<string, { evm: { deployedBytecode: { object: string; immutableReferences?: ImmutableReferences }; bytecode: { object: string } } }>
  >;
}

/**
 * Compiles a set of sources (by source name, as imports name them) with solc-js and our
 * settings; returns one contract's creation and runtime bytecode and where its immutables sit.
 */
export function compileSources(sources: Record<string, string>, fileName: string, contractName: string): CompiledContract {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as { compile(input: string): string; version(): string };
  const input = {
    language: "Solidity",
    sources: Object.fromEntries(Object.entries(sources).map(([name, content]) => [name, { content }])),
    settings: {
      ...SOLIDITY_SETTINGS,
      outputSelection: { "*": { "*": ["evm.bytecode.object", "evm.deployedBytecode.object", "evm.deployedBytecode.immutableReferences"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (output.errors ?? []).filter((error) => error.severity === "error");
  if (errors.length > 0) throw new Error(`solc failed: ${errors.map((error) => error.formattedMessage).join("\n")}`);
  const contract = output.contracts?.[fileName]?.[contractName];
  if (!contract) throw new Error(`solc produced no contract ${contractName}`);
  return {
    bytecode: "0x" + contract.evm.bytecode.object,
    deployedBytecode: "0x" + contract.evm.deployedBytecode.object,
    immutableReferences: contract.evm.deployedBytecode.immutableReferences ?? {},
  };
}

/** Compiles one self-contained source with solc-js and our settings; returns creation and runtime bytecode. */
export function compileStandalone(fileName: string, source: string, contractName: string): { bytecode: string; deployedBytecode: string } {
  const { bytecode, deployedBytecode } = compileSources({ [fileName]: source }, fileName, contractName);
  return { bytecode, deployedBytecode };
}

/**
 * Runtime bytecode with every immutable's bytes zeroed (and no metadata), so code deployed with
 * any constructor arguments compares equal to the compiled code; the immutables' values must
 * then be checked on their own.
 */
export function maskImmutables(runtimeBytecode: string, references: ImmutableReferences): string {
  const hex = (runtimeBytecode.startsWith("0x") ? runtimeBytecode.slice(2) : runtimeBytecode).toLowerCase().split("");
  for (const ranges of Object.values(references)) {
    for (const { start, length } of ranges) {
      if ((start + length) * 2 > hex.length) continue; // code too short: the comparison fails anyway
      hex.fill("0", start * 2, (start + length) * 2);
    }
  }
  return stripBytecodeMetadata(hex.join(""));
}
