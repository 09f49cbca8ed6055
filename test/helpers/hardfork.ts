/**
 * Gas figures in tests hold for one EVM only: precompile prices, calldata pricing (EIP-7623's
 * floor since prague) and storage costs change between hardforks, and so does the code solc
 * emits for a given `evmVersion`. A test that asserts gas calls `expectGasHardfork()` first, so
 * that a change of hardfork (hardhat.config.ts, lib/proving/solidity.ts, or a Hardhat upgrade
 * that moves its default) fails by name instead of as a puzzling gas number.
 */
import { config } from "hardhat";

/** What the gas bounds asserted in test/ (and bench/results.json) were measured on. */
export const GAS_FIGURES_EVM = {
  /** The in-process Hardhat network's hardfork: the one public chains run (Hardhat 2.29's default, pinned in hardhat.config.ts). */
  hardfork: "osaka",
  /** The contracts' compile target (lib/proving/solidity.ts): solc 0.8.28 knows no later one; cancun code runs on osaka. */
  evmVersion: "cancun",
} as const;

export interface ConfiguredEvm {
  hardfork: string;
  evmVersion: string | undefined;
}

/** The in-process network's hardfork and the contracts' evmVersion, as configured. */
export function configuredEvm(): ConfiguredEvm {
  const compiler = config.solidity.compilers[0] as { settings?: { evmVersion?: string } } | undefined;
  return { hardfork: config.networks.hardhat.hardfork, evmVersion: compiler?.settings?.evmVersion };
}

/** Throws, naming what changed, unless the network and the compiler are those of GAS_FIGURES_EVM (default: as configured). */
export function expectGasHardfork(evm: ConfiguredEvm = configuredEvm()): void {
  const { hardfork, evmVersion } = evm;
  if (hardfork !== GAS_FIGURES_EVM.hardfork || evmVersion !== GAS_FIGURES_EVM.evmVersion) {
    throw new Error(
      `the gas figures asserted here were measured on hardfork ${GAS_FIGURES_EVM.hardfork} with contracts compiled for ${GAS_FIGURES_EVM.evmVersion}, ` +
        `but the Hardhat network runs ${hardfork} and the contracts are compiled for ${String(evmVersion)} ` +
        `(hint: re-measure the gas bounds of this test, then update GAS_FIGURES_EVM in test/helpers/hardfork.ts)`,
    );
  }
}
