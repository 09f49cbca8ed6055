// Browser builds: circomlibjs's package entry re-exports every primitive it has (EdDSA, MiMC,
// contract generators) and with them Node's `assert`, `events` and `stream`. The core needs only
// the WebAssembly Poseidon, so browser bundles resolve "circomlibjs" to that one module.
export { buildPoseidon } from "../../node_modules/circomlibjs/src/poseidon_wasm.js";
