/**
 * Every failure the library reports on purpose is a ZkBallotError: a stable `code` that
 * scripts and tests can match, a one-line message that says what was wrong, and a hint
 * that says what to do about it.
 */
export type ZkBallotErrorCode =
  | "INVALID_FIELD_ELEMENT"
  | "INVALID_IDENTITY"
  | "IDENTITY_FILE_EXISTS"
  | "IDENTITY_FILE_UNREADABLE"
  | "IDENTITY_UNSAFE_LOCATION"
  | "INVALID_BALLOT"
  | "INVALID_ROLL"
  | "NOT_ON_ROLL"
  | "INVALID_PROOF"
  | "NON_CANONICAL_PROOF"
  | "ARTIFACTS_MISSING"
  | "ARTIFACTS_MISMATCH"
  | "INSECURE_SETUP_REFUSED"
  | "INVALID_ARGUMENT"
  | "DEPLOYMENT_MISMATCH"
  | "ELECTION_STATE"
  | "ALREADY_VOTED"
  | "CONTRACT_REVERT"
  | "EVENT_DECODE"
  /** The RPC endpoint failed or refused a request (after retries): not a decoding problem. */
  | "RPC_FAILURE"
  | "STORAGE_UNAVAILABLE"
  | "CHAIN_MISMATCH"
  // the voter's relayer client (lib/relayer/client.ts)
  | "RELAYER_UNREACHABLE"
  | "RELAYER_REFUSED"
  | "RELAYER_BAD_ANSWER"
  | "RELAYER_TIMEOUT"
  | "INVALID_TRANSCRIPT"
  | "INVALID_PTAU"
  | "OUTPUT_EXISTS"
  | "CEREMONY_INVALID"
  | "CEREMONY_UNVERIFIED";

export class ZkBallotError extends Error {
  override readonly name = "ZkBallotError";

  constructor(
    readonly code: ZkBallotErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(hint === undefined ? message : `${message} (hint: ${hint})`);
  }
}
