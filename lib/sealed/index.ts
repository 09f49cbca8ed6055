/**
 * Sealed elections' cryptography (docs/PROTOCOL.md, "Sealed elections"): Baby Jubjub,
 * exponential ElGamal, Chaum-Pedersen proofs, the dealerless key ceremony, partial decryption
 * and count recovery, Benaloh challenges. No Node built-ins: it runs in a browser as well.
 */
export * from "./babyjub";
export * from "./ballot";
export * from "./benaloh";
export * from "./bsgs";
export * from "./decryption";
export * from "./dkg";
export * from "./dleq";
export * from "./elgamal";
export * from "./errors";
export * from "./circuitInput";
