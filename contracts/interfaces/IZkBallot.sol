// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IZkBallot
/// @notice Anonymous, verifiable elections: a registrar publishes a voter roll of commitments,
/// voters prove membership with a zk-SNARK and cast one ballot each, anyone re-counts from events.
/// @dev Names follow docs/PROTOCOL.md.
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

    /// @notice An election's full public record.
    struct ElectionView {
        Phase phase;
        uint8 numOptions;
        uint64 votingStartsAt;
        uint64 votingEndsAt;
        uint64 voterCount;
        address admin;
        address registrar;
        uint256 voterRollRoot;
        bytes32 voterRollDigest;
        bytes32 metadataHash;
        string title;
        string metadataURI;
    }

    /// @notice A new election, in the Registration phase, with every creation parameter.
    /// @param electionId The new election's id.
    /// @param admin The creator (msg.sender), who holds the admin role: the acting address.
    /// @param registrar The account that publishes the roll and opens voting.
    /// @param title Human-readable title.
    /// @param numOptions Number of options (2 to 32).
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
        string metadataURI,
        bytes32 metadataHash,
        uint64 votingStartsAt,
        uint64 votingEndsAt
    );
    /// @notice The admin role changed hands.
    /// @param electionId The election.
    /// @param previousAdmin The admin who handed over the role (msg.sender): the acting address.
    /// @param newAdmin The new admin.
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
    /// @notice The final result: tally[i] ballots for option i.
    /// @param electionId The election.
    /// @param closedBy The account that closed it (msg.sender): the acting address.
    /// @param tally Ballots per option.
    event ElectionClosed(uint256 indexed electionId, address indexed closedBy, uint256[] tally);

    error ElectionNotFound(uint256 electionId);
    error NotAdmin(uint256 electionId, address caller);
    error NotRegistrar(uint256 electionId, address caller);
    error WrongPhase(uint256 electionId, Phase current, Phase required);
    error InvalidOptionCount(uint256 numOptions, uint256 maxOptions);
    error EmptyTitle();
    error ZeroAddress();
    error InvalidVotingWindow(uint64 votingStartsAt, uint64 votingEndsAt, uint256 now_);
    error EmptyBatch();
    error InvalidVoterCommitment(uint256 index, uint256 voterCommitment);
    error VoterRollFull(uint256 capacity, uint256 requested);
    error EmptyVoterRoll(uint256 electionId);
    error InvalidVoterRollRoot(uint256 voterRollRoot);
    error VotingNotStarted(uint256 electionId, uint64 votingStartsAt);
    error VotingEnded(uint256 electionId, uint64 votingEndsAt);
    error VotingNotEnded(uint256 electionId, uint64 votingEndsAt);
    error InvalidBallot(uint256 electionId, uint256 ballot);
    error NullifierOutOfField(uint256 nullifier);
    error NullifierAlreadySpent(uint256 electionId, uint256 nullifier, uint256 spentInBlock);
    error InvalidProof(uint256 electionId, uint256 nullifier);
    /// @notice A proof coordinate is not below the BN254 base field order q. Refused before any
    /// verifier runs: a non-canonical encoding of a valid proof can verify on-chain yet fails
    /// every off-chain re-verification, so accepting it would let anyone who copies a pending
    /// ballot make an honest election fail its audit.
    /// @param index Position in the proof's uint256[8]: 0 A.x, 1 A.y, 2 B.x1, 3 B.x0, 4 B.y1, 5 B.y0, 6 C.x, 7 C.y.
    /// @param value The coordinate as submitted.
    error ProofCoordinateOutOfField(uint256 index, uint256 value);
    error InvalidRollDepth(uint256 rollDepth);
    error RollIndexMismatch(uint256 electionId, uint256 firstIndex, uint256 voterCount);
    error InvalidBatchSize(uint256 size, uint256 maxSize);
    /// @notice The transaction has too little gas left to give a proof verifier its full cap;
    /// raise the gas limit. (Without this, a starved verifier would make a valid proof look invalid.)
    error InsufficientGasForProof(uint256 gasLeft, uint256 gasRequired);

    /// @notice Creates an election with the caller as admin. It starts in the Registration phase.
    /// @param config Title, options, metadata, registrar and voting window.
    /// @return electionId The new election's id (ids start at 1).
    function createElection(ElectionConfig calldata config) external returns (uint256 electionId);

    /// @notice Admin only, until the election is closed: hands the admin role to `newAdmin`.
    /// @param electionId The election.
    /// @param newAdmin The new admin (non-zero).
    function transferAdmin(uint256 electionId, address newAdmin) external;

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
    /// @param ballot The ballot (single choice: 2^option).
    /// @param nullifier The voter's nullifier for this election.
    /// @param proof The Groth16 proof: [a.x, a.y, b.x1, b.x0, b.y1, b.y0, c.x, c.y].
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
}
