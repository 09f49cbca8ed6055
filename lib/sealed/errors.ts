import { ZkBallotError, type ZkBallotErrorCode } from "../core/errors";

/**
 * Why a sealed-election input was refused. The `code` of the ZkBallotError says which family
 * (INVALID_ARGUMENT for malformed input, INVALID_PROOF for a proof or share that does not
 * check); `reason` says exactly what failed, for tests and for callers that act on it.
 */
export type SealedErrorReason =
  | "NOT_ON_CURVE"
  | "NOT_IN_SUBGROUP"
  | "IDENTITY_POINT"
  | "SCALAR_OUT_OF_RANGE"
  | "BAD_PARAMETERS"
  | "BAD_PLAINTEXT"
  | "BAD_PROOF"
  | "BAD_SHARE"
  | "BAD_DEALING"
  | "COUNT_OUT_OF_RANGE"
  | "TOO_FEW_SHARES";

const CODE_OF: Record<SealedErrorReason, ZkBallotErrorCode> = {
  NOT_ON_CURVE: "INVALID_ARGUMENT",
  NOT_IN_SUBGROUP: "INVALID_ARGUMENT",
  IDENTITY_POINT: "INVALID_ARGUMENT",
  SCALAR_OUT_OF_RANGE: "INVALID_ARGUMENT",
  BAD_PARAMETERS: "INVALID_ARGUMENT",
  BAD_PLAINTEXT: "INVALID_BALLOT",
  BAD_PROOF: "INVALID_PROOF",
  BAD_SHARE: "INVALID_PROOF",
  BAD_DEALING: "INVALID_PROOF",
  COUNT_OUT_OF_RANGE: "INVALID_ARGUMENT",
  TOO_FEW_SHARES: "INVALID_ARGUMENT",
};

export class SealedError extends ZkBallotError {
  constructor(
    readonly reason: SealedErrorReason,
    message: string,
    hint?: string,
  ) {
    super(CODE_OF[reason], message, hint);
  }
}
