// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IVoteBatchVerifier} from "../interfaces/IVoteBatchVerifier.sol";
import {IVoteVerifier} from "../interfaces/IVoteVerifier.sol";
import {ZkBallot} from "../ZkBallot.sol";

/// @title ZkBallotWithoutCoordinateCheck
/// @notice TEST ONLY. ZkBallot as it was before it refused proof coordinates >= q: a
/// non-canonical encoding reaches the verifiers. Lets the auditor's and my-ballot's tests build an
/// election in which such a ballot was counted. Never deploy it for an election.
contract ZkBallotWithoutCoordinateCheck is ZkBallot {
    /// @notice Same arguments as ZkBallot.
    /// @param verifier The vote circuit's Groth16 verifier.
    /// @param batchVerifier The batch verifier.
    /// @param rollDepth Depth of the voter roll tree.
    constructor(IVoteVerifier verifier, IVoteBatchVerifier batchVerifier, uint256 rollDepth)
        ZkBallot(verifier, batchVerifier, rollDepth)
    {}

    /// @dev Accepts every encoding, as the pre-fix contract did.
    function _checkProofEncoding(uint256[8] calldata) internal pure override returns (bytes memory rejection) {
        return rejection;
    }
}
