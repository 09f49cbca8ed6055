/** zkballot's library: everything the scripts and tests use, from one import. */
export * from "./artifacts";
export * from "./ballot";
export * from "./constants";
export * from "./election";
export * from "./errors";
export * from "./field";
export * from "./identity";
export * from "./poseidon";
export * from "./prover";
export * from "./voterRoll";
