/**
 * Protocol constants. Each one is defined here once and mirrored, with the same name, in
 * docs/PROTOCOL.md, circuits/vote.circom and contracts/ZkBallot.sol.
 */

/** Order of the BN254 scalar field: every signal, commitment, nullifier and scope lives below it. */
export const SNARK_SCALAR_FIELD =
  21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/**
 * Order of the BN254 base field: every proof coordinate is below it. A coordinate at or above
 * it is refused everywhere, never reduced (docs/THREATS.md, "Non-canonical proof coordinates").
 */
export const BN254_BASE_FIELD =
  21888242871839275222246405745257275088696311157297823662689037894645226208583n;

/** Poseidon domain tag of a voter commitment: Poseidon(COMMITMENT_DOMAIN, identitySecret). */
export const COMMITMENT_DOMAIN = 1n;

/** Poseidon domain tag of a nullifier: Poseidon(NULLIFIER_DOMAIN, electionScope, identitySecret). */
export const NULLIFIER_DOMAIN = 2n;

/** Default voter roll depth: 2^20 = 1,048,576 voters. A build parameter of the circuit. */
export const DEFAULT_ROLL_DEPTH = 20;

/** Value of an empty leaf in the voter roll tree. No identity has this commitment. */
export const EMPTY_LEAF = 0n;

/** Most options an election may have; a ballot is a bit set of options (see lib/core/ballot.ts). */
export const MAX_OPTIONS = 32;

/** Chain ids of Hardhat's in-process network and of `npx hardhat node`. */
export const LOCAL_DEV_CHAIN_IDS: readonly bigint[] = [31337n];
