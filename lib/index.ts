/**
 * zkballot's browser-safe core: the protocol without Node built-ins, file paths or generated
 * code, for a web page, the CLI, the relayer and the auditor alike. Node adapters (identity
 * files, roll files, the worker-thread roll hasher, artifacts on disk) are in lib/node/; the
 * chain client, proving, audit and relayer layers are in their own folders.
 */
export * from "./core/constants";
export * from "./core/errors";
export * from "./core/field";
export * from "./core/poseidon";
export * from "./core/ballot";
export * from "./core/voterRoll";
export * from "./core/identity";
export * from "./core/proof";
export * from "./core/events";
export * from "./core/rules";
export * from "./sealed";
