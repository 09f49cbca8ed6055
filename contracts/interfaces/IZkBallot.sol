// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IVoteBatchVerifier} from "./IVoteBatchVerifier.sol";
import {IVoteVerifier} from "./IVoteVerifier.sol";

/// @title IZkBallot
/// @notice Anonymous, verifiable elections: a registrar publishes a voter roll of commitments,
/// voters prove membership with a zk-SNARK and cast one ballot each, anyone re-counts from events.
/// @dev Names follow docs/PROTOCOL.md. ZkBallot also inherits OpenZeppelin's Multicall: an
/// operator may batch its own calls (say setRegistrar, publishVoterCommitments, openVoting) in
/// one transaction; each call runs as the operator, with the same checks as on its own.
interface IZkBallot {
    /// @notice Lifecycle of an election. Transitions only go forward.
    enum Phase {
        None, // no election with this id
        Registration, // the registrar publishes voter commitments
        Voting, // the roll is frozen; ballots are accepted
        Closed // the tally is final
    }

    /// @notice What an admin chooses when creating an election.
    struct ElectionConfig {
        string title;
        uint8 numOptions;
        /// @dev Fewest options a ballot may choose (0 allows a blank ballot). Single choice: 1.
        uint8 minSelections;
        /// @dev Most options a ballot may choose, 1 to numOptions. Single choice: 1; approval: more.
        uint8 maxSelections;
        string metadataURI;
        bytes32 metadataHash;
        address registrar;
        /// @dev 0 means "as soon as voting is opened".
        uint64 votingStartsAt;
        /// @dev 0 means "until the admin closes the election".
        uint64 votingEndsAt;
    }

    /// @notice One ballot of a castVotes batch: the arguments of castVote.
    struct VoteSubmission {
        uint256 electionId;
        uint256 ballot;
        uint256 nullifier;
        uint256[8] proof;
    }

    /// @notice An election's stored record. The title and the metadata URI are not stored: they
    /// are in the ElectionCreated event, and metadataHash commits to the metadata.
    struct ElectionView {
        Phase phase;
        uint8 numOptions;
        /// @dev Fewest options a ballot may choose (0: a blank ballot is valid).
        uint8 minSelections;
        /// @dev Most options a ballot may choose (single choice: min = max = 1).
        uint8 maxSelections;
        uint64 votingStartsAt;
        uint64 votingEndsAt;
        uint64 voterCount;
        address admin;
        address registrar;
        uint256 voterRollRoot;
        bytes32 voterRollDigest;
        bytes32 metadataHash;
        /// @dev The account proposed by transferAdmin that may acceptAdmin; zero when none.
        address pendingAdmin;
    }

    /// @notice A new election, in the Registration phase, with every creation parameter.
    /// @param electionId The new election's id.
    /// @param admin The creator (msg.sender), who holds the admin role: the acting address.
    /// @param registrar The account that publishes the roll and opens voting.
    /// @param title Human-readable title.
    /// @param numOptions Number of options (2 to 32).
    /// @param minSelections Fewest options a ballot may choose (0: blank ballots are valid).
    /// @param maxSelections Most options a ballot may choose (single choice: min = max = 1).
    /// @param metadataURI Where the option names and description are published.
    /// @param metadataHash keccak256 of that metadata.
    /// @param votingStartsAt First second of voting (0: when voting is opened).
    /// @param votingEndsAt End of voting, exclusive (0: when the admin closes).
    event ElectionCreated(
        uint256 indexed electionId,
        address indexed admin,
        address indexed registrar,
        string title,
        uint8 numOptions,
        uint8 minSelections,
        uint8 maxSelections,
        string metadataURI,
        bytes32 metadataHash,
        uint64 votingStartsAt,
        uint64 votingEndsAt
    );
    /// @notice The admin proposed handing the role to `pendingAdmin` (step 1 of 2). The role
    /// moves only when that account calls acceptAdmin; a later proposal replaces this one.
    /// @param electionId The election.
    /// @param admin The admin who proposed (msg.sender): the acting address.
    /// @param pendingAdmin The account that may accept.
    event AdminTransferStarted(uint256 indexed electionId, address indexed admin, address indexed pendingAdmin);

    /// @notice The admin withdrew a proposed handover before it was accepted.
    /// @param electionId The election.
    /// @param admin The admin who cancelled (msg.sender): the acting address.
    /// @param pendingAdmin The account that may no longer accept.
    event AdminTransferCancelled(uint256 indexed electionId, address indexed admin, address indexed pendingAdmin);

    /// @notice The admin role changed hands (step 2 of 2): the proposed account accepted it.
    /// @param electionId The election.
    /// @param previousAdmin The admin who proposed the handover.
    /// @param newAdmin The new admin, who accepted (msg.sender): the acting address.
    event AdminTransferred(uint256 indexed electionId, address indexed previousAdmin, address indexed newAdmin);

    /// @notice The admin replaced the registrar during registration.
    /// @param electionId The election.
    /// @param previousRegistrar The registrar replaced.
    /// @param newRegistrar The new registrar.
    /// @param admin The admin who made the change (msg.sender): the acting address. Not indexed,
    /// as an event has at most three indexed fields.
    event RegistrarChanged(
        uint256 indexed electionId,
        address indexed previousRegistrar,
        address indexed newRegistrar,
        address admin
    );
    /// @notice A batch of the voter roll. Leaf indices run from firstIndex, in calldata order.
    /// @param electionId The election.
    /// @param registrar The registrar who published the batch (msg.sender): the acting address.
    /// @param firstIndex Leaf index of the batch's first commitment.
    /// @param voterCommitments The commitments, in leaf order.
    /// @param voterRollDigest The running roll digest after this batch.
    event VoterCommitmentsPublished(
        uint256 indexed electionId,
        address indexed registrar,
        uint256 firstIndex,
        uint256[] voterCommitments,
        bytes32 voterRollDigest
    );
    /// @notice The roll is frozen at voterRollRoot; ballots are accepted from now on (within the window).
    /// @param electionId The election.
    /// @param registrar The registrar who opened voting (msg.sender): the acting address.
    /// @param voterRollRoot The Poseidon root stated by the registrar.
    /// @param voterCount Number of commitments on the frozen roll.
    /// @param voterRollDigest The roll digest at the freeze.
    event VotingOpened(
        uint256 indexed electionId,
        address indexed registrar,
        uint256 voterRollRoot,
        uint256 voterCount,
        bytes32 voterRollDigest
    );
    /// @notice One counted ballot, with everything needed to re-verify its proof off-chain.
    /// @param electionId The election.
    /// @param nullifier The voter's nullifier for this election, now spent.
    /// @param ballot The ballot (a bit set of options).
    /// @param proof The Groth16 proof, as castVote took it.
    event VoteCast(uint256 indexed electionId, uint256 indexed nullifier, uint256 ballot, uint256[8] proof);
    /// @notice A ballot of a castVotes batch that was not counted; `reason` is the custom error
    /// castVote would have reverted with (for instance NullifierAlreadySpent).
    /// @param electionId The election named by the batch entry.
    /// @param nullifier The nullifier named by the batch entry.
    /// @param reason The ABI-encoded custom error.
    event VoteSkipped(uint256 indexed electionId, uint256 indexed nullifier, bytes reason);
    /// @notice The final result: tally[i] ballots chose option i (an approval ballot counts
    /// once for every option it chooses).
    /// @param electionId The election.
    /// @param closedBy The account that closed it (msg.sender): the acting address.
    /// @param tally Ballots choosing each option.
    event ElectionClosed(uint256 indexed electionId, address indexed closedBy, uint256[] tally);

    /// @notice No election has this id (ids run from 1 to electionCount).
    /// @param electionId The id asked for.
    error ElectionNotFound(uint256 electionId);

    /// @notice The caller is not the election's admin.
    /// @param electionId The election.
    /// @param caller The caller (msg.sender).
    error NotAdmin(uint256 electionId, address caller);

    /// @notice The caller is not the election's registrar.
    /// @param electionId The election.
    /// @param caller The caller (msg.sender).
    error NotRegistrar(uint256 electionId, address caller);

    /// @notice The action is not allowed in the election's current phase.
    /// @param electionId The election.
    /// @param current The phase the election is in.
    /// @param required The phase the action needs (for the admin handover, which is allowed in
    /// Registration and Voting, `Voting`: the last phase it is allowed in).
    error WrongPhase(uint256 electionId, Phase current, Phase required);

    /// @notice createElection with fewer than MIN_OPTIONS or more than MAX_OPTIONS options.
    /// @param numOptions The count asked for.
    /// @param maxOptions MAX_OPTIONS.
    error InvalidOptionCount(uint256 numOptions, uint256 maxOptions);

    /// @notice createElection with a selection range that is not 0 <= min <= max <= numOptions
    /// with max >= 1 (same name and shape as SealedZkBallot's).
    /// @param minSelections The minimum asked for.
    /// @param maxSelections The maximum asked for.
    /// @param numOptions The election's option count.
    error InvalidSelectionRange(uint256 minSelections, uint256 maxSelections, uint256 numOptions);

    /// @notice createElection with an empty title.
    error EmptyTitle();

    /// @notice The zero address where an account or contract is needed (verifiers, registrar,
    /// new admin).
    error ZeroAddress();

    /// @notice createElection with a window that starts at or after its end, or ends now or in
    /// the past.
    /// @param votingStartsAt The start asked for (0: when voting is opened).
    /// @param votingEndsAt The end asked for (0: when the admin closes).
    /// @param now_ The block's timestamp.
    error InvalidVotingWindow(uint64 votingStartsAt, uint64 votingEndsAt, uint256 now_);

    /// @notice publishVoterCommitments with no commitment.
    error EmptyBatch();

    /// @notice A voter commitment that is 0 (the empty leaf) or not below the scalar field order.
    /// @param index The commitment's leaf index in the roll (across batches).
    /// @param voterCommitment The value published.
    error InvalidVoterCommitment(uint256 index, uint256 voterCommitment);

    /// @notice The batch would take the roll past the 2^ROLL_DEPTH leaves of the tree.
    /// @param capacity 2^ROLL_DEPTH.
    /// @param requested The voter count the batch would reach.
    error VoterRollFull(uint256 capacity, uint256 requested);

    /// @notice openVoting on an election whose roll has no commitment.
    /// @param electionId The election.
    error EmptyVoterRoll(uint256 electionId);

    /// @notice openVoting with a root that is 0 or not below the scalar field order.
    /// @param voterRollRoot The root stated.
    error InvalidVoterRollRoot(uint256 voterRollRoot);

    /// @notice A ballot before the start of the voting window.
    /// @param electionId The election.
    /// @param votingStartsAt First second of voting.
    error VotingNotStarted(uint256 electionId, uint64 votingStartsAt);

    /// @notice A ballot, or openVoting, at or after the end of the voting window.
    /// @param electionId The election.
    /// @param votingEndsAt End of voting (exclusive).
    error VotingEnded(uint256 electionId, uint64 votingEndsAt);

    /// @notice closeElection by someone other than the admin before the window's end.
    /// @param electionId The election.
    /// @param votingEndsAt End of voting, after which anyone may close.
    error VotingNotEnded(uint256 electionId, uint64 votingEndsAt);

    /// @notice A ballot with a bit at or above numOptions, or whose number of chosen options
    /// (set bits) is outside [minSelections, maxSelections] (PROTOCOL.md, "Ballot").
    /// @param electionId The election.
    /// @param ballot The ballot submitted.
    error InvalidBallot(uint256 electionId, uint256 ballot);

    /// @notice A nullifier not below the scalar field order (no proof can bind it).
    /// @param nullifier The nullifier submitted.
    error NullifierOutOfField(uint256 nullifier);

    /// @notice The voter already voted in this election: the nullifier is spent.
    /// @param electionId The election.
    /// @param nullifier The nullifier.
    /// @param spentInBlock The block of the ballot that spent it.
    error NullifierAlreadySpent(uint256 electionId, uint256 nullifier, uint256 spentInBlock);

    /// @notice The Groth16 proof does not verify against the election's root, scope and the
    /// ballot and nullifier submitted (or the verifier failed on it).
    /// @param electionId The election.
    /// @param nullifier The nullifier submitted.
    error InvalidProof(uint256 electionId, uint256 nullifier);

    /// @notice A proof coordinate is not below the BN254 base field order q. Refused before any
    /// verifier runs: a non-canonical encoding of a valid proof can verify on-chain yet fails
    /// every off-chain re-verification, so accepting it would let anyone who copies a pending
    /// ballot make an honest election fail its audit.
    /// @param index Position in the proof's uint256[8]: 0 A.x, 1 A.y, 2-5 B in precompile order
    /// [x1, x0, y1, y0], 6 C.x, 7 C.y.
    /// @param value The coordinate as submitted.
    error ProofCoordinateOutOfField(uint256 index, uint256 value);

    /// @notice The constructor's roll depth is 0 or above MAX_ROLL_DEPTH.
    /// @param rollDepth The depth given.
    error InvalidRollDepth(uint256 rollDepth);

    /// @notice publishVoterCommitments whose firstIndex is not the current voter count (for
    /// instance a batch re-sent after a crash).
    /// @param electionId The election.
    /// @param firstIndex The index given.
    /// @param voterCount The current voter count, the index expected.
    error RollIndexMismatch(uint256 electionId, uint256 firstIndex, uint256 voterCount);

    /// @notice castVotes with no entry or more than MAX_BATCH_SIZE.
    /// @param size The number of entries.
    /// @param maxSize MAX_BATCH_SIZE.
    error InvalidBatchSize(uint256 size, uint256 maxSize);

    /// @notice The transaction has too little gas left to give a proof verifier its full cap;
    /// raise the gas limit. (Without this, a starved verifier would make a valid proof look invalid.)
    /// @param gasLeft Gas left at the check.
    /// @param gasRequired Gas the verifier call needs: its cap, the 1/64 kept back, the call overhead.
    error InsufficientGasForProof(uint256 gasLeft, uint256 gasRequired);

    /// @notice acceptAdmin or cancelAdminTransfer while no handover is proposed.
    /// @param electionId The election.
    error NoPendingAdmin(uint256 electionId);

    /// @notice acceptAdmin by an account other than the proposed admin.
    /// @param electionId The election.
    /// @param caller The caller (msg.sender).
    /// @param pendingAdmin The account that may accept.
    error NotPendingAdmin(uint256 electionId, address caller, address pendingAdmin);

    /// @notice Creates an election with the caller as admin. It starts in the Registration phase.
    /// @param config Title, options, selection range, metadata, registrar and voting window.
    /// @return electionId The new election's id (ids start at 1).
    function createElection(ElectionConfig calldata config) external returns (uint256 electionId);

    /// @notice Admin only, until the election is closed: proposes `newAdmin` as the next admin
    /// (step 1 of 2). The caller stays admin until `newAdmin` calls acceptAdmin, so a mistyped
    /// address cannot take the role away. A new proposal replaces a pending one.
    /// @param electionId The election.
    /// @param newAdmin The proposed admin (non-zero).
    function transferAdmin(uint256 electionId, address newAdmin) external;

    /// @notice Pending admin only, until the election is closed: accepts the admin role
    /// proposed by transferAdmin (step 2 of 2).
    /// @param electionId The election.
    function acceptAdmin(uint256 electionId) external;

    /// @notice Admin only, until the election is closed: withdraws the pending proposal.
    /// @param electionId The election.
    function cancelAdminTransfer(uint256 electionId) external;

    /// @notice Admin only, during registration: replaces the registrar.
    /// @param electionId The election.
    /// @param newRegistrar The new registrar (non-zero).
    function setRegistrar(uint256 electionId, address newRegistrar) external;

    /// @notice Registrar only, during registration: appends voter commitments to the roll.
    /// @param electionId The election.
    /// @param firstIndex Must equal the current voter count: a batch re-sent after a crash
    /// reverts instead of being published twice.
    /// @param voterCommitments The commitments to append, each non-zero and below the field order.
    function publishVoterCommitments(uint256 electionId, uint256 firstIndex, uint256[] calldata voterCommitments) external;

    /// @notice Registrar only: freezes the roll at `voterRollRoot` (the Poseidon root of every
    /// published commitment, in order) and opens voting. Nothing about the roll can change after.
    /// @param electionId The election.
    /// @param voterRollRoot The Poseidon root of the published roll, in (0, r).
    function openVoting(uint256 electionId, uint256 voterRollRoot) external;

    /// @notice Casts one anonymous ballot. Anyone may submit it (for instance a relayer): the
    /// proof binds the ballot, so the submitter cannot change it.
    /// @param electionId The election.
    /// @param ballot The ballot, a bit set: bit i chooses option i (single choice: 2^option).
    /// @param nullifier The voter's nullifier for this election.
    /// @param proof The Groth16 proof: A (x, y), B in precompile order [x1, x0, y1, y0], C (x, y).
    function castVote(uint256 electionId, uint256 ballot, uint256 nullifier, uint256[8] calldata proof) external;

    /// @notice Casts several ballots in one transaction (for relayers). An entry that castVote
    /// would reject is skipped with a VoteSkipped event instead of reverting the batch.
    /// @param submissions 1 to MAX_BATCH_SIZE ballots, each with the arguments of castVote.
    /// @return counted How many ballots were counted.
    function castVotes(VoteSubmission[] calldata submissions) external returns (uint256 counted);

    /// @notice Closes voting and publishes the final tally. The admin may close at any time
    /// during voting; after the voting window ends, anyone may.
    /// @param electionId The election.
    function closeElection(uint256 electionId) external;
    // ------------------------------------------------------------------------------ views

    /// @notice Order of the BN254 scalar field, the field of every proof signal.
    function SNARK_SCALAR_FIELD() external view returns (uint256);

    /// @notice Order of the BN254 base field, the field of every proof coordinate.
    function BN254_BASE_FIELD() external view returns (uint256);

    /// @notice Number of uint256 words in a proof: A (x, y), B in precompile order
    /// [x1, x0, y1, y0], C (x, y).
    function PROOF_WORDS() external view returns (uint256);

    /// @notice Most options an election may have; a ballot is a bit set over them.
    function MAX_OPTIONS() external view returns (uint256);

    /// @notice Fewest options an election may have.
    function MIN_OPTIONS() external view returns (uint256);

    /// @notice Deepest voter roll tree supported.
    function MAX_ROLL_DEPTH() external view returns (uint256);

    /// @notice Most ballots in one castVotes call.
    function MAX_BATCH_SIZE() external view returns (uint256);

    /// @notice Gas given to the verifier for one proof in castVotes.
    function PROOF_GAS_CAP() external view returns (uint256);

    /// @notice Fixed part of the gas given to the batch verifier.
    function BATCH_GAS_CAP_BASE() external view returns (uint256);

    /// @notice Gas given to the batch verifier per proof, on top of BATCH_GAS_CAP_BASE.
    function BATCH_GAS_CAP_PER_PROOF() external view returns (uint256);

    /// @notice Value of an empty leaf; never a valid voter commitment.
    function EMPTY_LEAF() external view returns (uint256);

    /// @notice Verifier of the vote circuit's Groth16 proofs.
    function VERIFIER() external view returns (IVoteVerifier);

    /// @notice Verifier of batches of the same proofs (same verification key), for castVotes.
    function BATCH_VERIFIER() external view returns (IVoteBatchVerifier);

    /// @notice Depth of the voter roll tree the verifier's circuit was built for.
    function ROLL_DEPTH() external view returns (uint256);

    /// @notice Number of elections created; ids run from 1 to electionCount.
    function electionCount() external view returns (uint256);

    /// @notice The scope that makes a proof valid for one election of one deployment on one chain.
    /// @param electionId The election (any id).
    /// @return keccak256(abi.encode(chainid, this contract, electionId)) reduced into the scalar field.
    function electionScope(uint256 electionId) external view returns (uint256);

    /// @notice An election's stored record (title and metadata URI: see ElectionCreated).
    /// @param electionId The election; reverts ElectionNotFound for an unknown id.
    /// @return The record.
    function getElection(uint256 electionId) external view returns (ElectionView memory);

    /// @notice Current ballots per option (final once the election is closed).
    /// @param electionId The election; reverts ElectionNotFound for an unknown id.
    /// @return result result[i] is the number of counted ballots that chose option i.
    function tallies(uint256 electionId) external view returns (uint256[] memory result);

    /// @notice The block in which `nullifier` was spent in this election, or 0 if it is unspent.
    /// @param electionId The election (any id: an unknown election has no spent nullifier).
    /// @param nullifier The nullifier to look up.
    /// @return The block number, or 0.
    function nullifierSpentInBlock(uint256 electionId, uint256 nullifier) external view returns (uint256);
}
