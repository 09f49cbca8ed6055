// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ISealedZkBallot
/// @notice Sealed elections: ballots are exponential ElGamal encryptions under a key that k of
/// n trustees hold in shares (docs/PROTOCOL.md section 13). The contract fixes the key from the
/// trustees' Feldman commitments, verifies every ballot proof, keeps encrypted running totals,
/// verifies every partial decryption, and accepts only counts that match the totals.
/// @dev Event and error names follow IZkBallot where the concept is the same.
interface ISealedZkBallot {
    /// @notice Lifecycle of a sealed election. Transitions only go forward.
    enum Phase {
        None, // no election with this id
        Registration, // key ceremony and voter roll; voting cannot open before the key is fixed
        Voting, // ballots are accepted and added into the encrypted totals
        Closed, // trustees post partial decryptions; anyone submits the counts
        Tallied // the counts are final
    }

    /// @notice What an admin chooses when creating a sealed election.
    struct SealedElectionConfig {
        string title;
        uint8 numOptions;
        uint8 minSelections;
        uint8 maxSelections;
        string metadataURI;
        bytes32 metadataHash;
        address registrar;
        /// @dev 0 means "as soon as voting is opened".
        uint64 votingStartsAt;
        /// @dev 0 means "until the admin closes the election".
        uint64 votingEndsAt;
        address[] trustees;
        uint8 threshold;
    }

    /// @notice One ballot of a castVotes batch.
    struct SealedVoteSubmission {
        uint256 nullifier;
        /// @dev c1[0..7][x,y] then c2[0..7][x,y], the order of the proof's public signals.
        uint256[32] ciphertexts;
        uint256[8] proof;
    }

    /// @notice A new sealed election, in the Registration phase, with every creation parameter.
    /// @param electionId The new election's id.
    /// @param admin The creator (msg.sender): the acting address.
    /// @param registrar The account that publishes the roll and opens voting.
    /// @param config The full configuration, trustees and threshold included.
    event ElectionCreated(uint256 indexed electionId, address indexed admin, address indexed registrar, SealedElectionConfig config);
    /// @notice A batch of the voter roll, as in IZkBallot.
    /// @param electionId The election.
    /// @param registrar The registrar (msg.sender): the acting address.
    /// @param firstIndex Leaf index of the batch's first commitment.
    /// @param voterCommitments The commitments, in leaf order.
    /// @param voterRollDigest The running roll digest after this batch.
    event VoterCommitmentsPublished(uint256 indexed electionId, address indexed registrar, uint256 firstIndex, uint256[] voterCommitments, bytes32 voterRollDigest);
    /// @notice A trustee's fresh communication key for this election's key ceremony.
    /// @param electionId The election.
    /// @param trustee The trustee's number (1..n).
    /// @param account The trustee's address (msg.sender): the acting address.
    /// @param communicationKey E_i = 8·(posted point), affine: in the subgroup, not the identity.
    event CommunicationKeyPosted(uint256 indexed electionId, uint256 indexed trustee, address indexed account, uint256[2] communicationKey);
    /// @notice A trustee's dealing: Feldman commitments and the other trustees' encrypted shares.
    /// @param electionId The election.
    /// @param trustee The dealer's number (1..n).
    /// @param account The dealer's address (msg.sender): the acting address.
    /// @param commitments A_it = 8·(posted point), t = 0..k-1, affine: the points the key is built from.
    /// @param encryptedShares f_i(j) + pad_ij mod l for every other trustee j, in order.
    event DealingPosted(uint256 indexed electionId, uint256 indexed trustee, address indexed account, uint256[2][] commitments, uint256[] encryptedShares);
    /// @notice A complaint against a dealer, upheld: the revealed share fails the dealer's
    /// commitments, so the dealer is disqualified and its commitments leave the key.
    /// @param electionId The election.
    /// @param dealer The disqualified dealer's number.
    /// @param complainer The complaining trustee's number.
    /// @param account The complainer's address (msg.sender): the acting address.
    /// @param ecdhPoint K = e_j·E_i, proven by the complaint's Chaum-Pedersen proof.
    /// @param share The decrypted share f_i(j), which does not match the commitments.
    event ComplaintUpheld(uint256 indexed electionId, uint256 indexed dealer, uint256 indexed complainer, address account, uint256[2] ecdhPoint, uint256 share);
    /// @notice The election key is fixed from the dealers' commitments.
    /// @param electionId The election.
    /// @param fixedBy The admin who fixed it (msg.sender): the acting address.
    /// @param electionKey K = Σ A_i0 over the dealers, affine.
    /// @param dealers Bit t-1 set for each trustee t whose dealing is in the key.
    event ElectionKeyFixed(uint256 indexed electionId, address indexed fixedBy, uint256[2] electionKey, uint256 dealers);
    /// @notice The roll is frozen at voterRollRoot; ballots are accepted from now on.
    /// @param electionId The election.
    /// @param registrar The registrar (msg.sender): the acting address.
    /// @param voterRollRoot The Poseidon root stated by the registrar.
    /// @param voterCount Number of commitments on the frozen roll.
    /// @param voterRollDigest The roll digest at the freeze.
    event VotingOpened(uint256 indexed electionId, address indexed registrar, uint256 voterRollRoot, uint256 voterCount, bytes32 voterRollDigest);
    /// @notice One counted sealed ballot, with everything needed to re-verify its proof and re-add the totals.
    /// @param electionId The election.
    /// @param nullifier The voter's nullifier for this election, now spent.
    /// @param ciphertexts c1[0..7][x,y] then c2[0..7][x,y].
    /// @param proof The Groth16 proof.
    event VoteCast(uint256 indexed electionId, uint256 indexed nullifier, uint256[32] ciphertexts, uint256[8] proof);
    /// @notice A ballot of a castVotes batch that was not counted; `reason` is the custom error.
    /// @param electionId The election.
    /// @param nullifier The nullifier named by the batch entry.
    /// @param reason The ABI-encoded custom error castVote would have reverted with.
    event VoteSkipped(uint256 indexed electionId, uint256 indexed nullifier, bytes reason);
    /// @notice Voting is over; the encrypted totals are final.
    /// @param electionId The election.
    /// @param closedBy The account that closed it (msg.sender): the acting address.
    /// @param totals C1[0..7][x,y] then C2[0..7][x,y].
    /// @param ballotsCast Number of ballots in the totals.
    event ElectionClosed(uint256 indexed electionId, address indexed closedBy, uint256[32] totals, uint256 ballotsCast);
    /// @notice A trustee's verified partial decryption of every option's total.
    /// @param electionId The election.
    /// @param trustee The trustee's number.
    /// @param account The trustee's address (msg.sender): the acting address.
    /// @param shareKey X_i, the trustee's public share key computed by the contract.
    /// @param partials D_ij = x_i·C1_j, option order, affine.
    /// @param proof The Groth16 proof of the decryption circuit.
    event PartialDecryptionPosted(uint256 indexed electionId, uint256 indexed trustee, address indexed account, uint256[2] shareKey, uint256[16] partials, uint256[8] proof);
    /// @notice The final counts, checked against the totals and k partial decryptions.
    /// @param electionId The election.
    /// @param submittedBy Who submitted them (msg.sender): the acting address.
    /// @param tally Ballots per option.
    /// @param trustees The trustees whose shares were combined.
    event TallyFinalized(uint256 indexed electionId, address indexed submittedBy, uint256[] tally, uint256[] trustees);

    error ElectionNotFound(uint256 electionId);
    error NotAdmin(uint256 electionId, address caller);
    error NotRegistrar(uint256 electionId, address caller);
    error NotTrustee(uint256 electionId, address caller);
    error WrongPhase(uint256 electionId, Phase current, Phase required);
    error InvalidOptionCount(uint256 numOptions, uint256 maxOptions);
    error InvalidSelectionRange(uint256 minSelections, uint256 maxSelections, uint256 numOptions);
    error InvalidTrustees(uint256 trustees, uint256 maxTrustees);
    error DuplicateTrustee(address trustee);
    error InvalidThreshold(uint256 threshold, uint256 trustees);
    error EmptyTitle();
    error ZeroAddress();

    /// @notice The batch verifier given to the constructor is not for the sealed vote circuit.
    /// @param publicSignals The batch verifier's public signals per proof.
    /// @param expected The sealed vote circuit's.
    error BatchVerifierMismatch(uint256 publicSignals, uint256 expected);

    /// @notice castVotes has too little gas left to give a proof verifier its full cap; raise
    /// the gas limit (a starved verifier would otherwise make a valid proof look invalid).
    /// @param gasLeft Gas left at the check.
    /// @param gasRequired The verifier's cap, the 1/64 kept back and the call overhead.
    error InsufficientGasForProof(uint256 gasLeft, uint256 gasRequired);
    error InvalidVotingWindow(uint64 votingStartsAt, uint64 votingEndsAt, uint256 now_);
    error EmptyBatch();
    error InvalidVoterCommitment(uint256 index, uint256 voterCommitment);
    error VoterRollFull(uint256 capacity, uint256 requested);
    error EmptyVoterRoll(uint256 electionId);
    error InvalidVoterRollRoot(uint256 voterRollRoot);
    error RollIndexMismatch(uint256 electionId, uint256 firstIndex, uint256 voterCount);
    /// @notice A trustee step (communication key, dealing, partial decryption) done twice.
    error TrusteeStepRepeated(uint256 electionId, uint256 trustee, string step);
    error CommunicationKeysMissing(uint256 electionId, uint256 posted, uint256 trustees);
    error PointNotOnCurve(uint256 x, uint256 y);
    error InvalidDealing(uint256 electionId, uint256 trustee, string reason);
    /// @notice A complaint that is not one: wrong dealer, not the posted dealing, or a failing ECDH proof.
    error InvalidComplaint(uint256 electionId, uint256 dealer, uint256 complainer, string reason);
    /// @notice A complaint about a share that matches the dealer's commitments: nothing changes.
    error ComplaintRejected(uint256 electionId, uint256 dealer, uint256 complainer);
    error TooFewDealers(uint256 electionId, uint256 dealers, uint256 threshold);
    error ElectionKeyIsIdentity(uint256 electionId);
    error ElectionKeyNotFixed(uint256 electionId);
    error VotingNotStarted(uint256 electionId, uint64 votingStartsAt);
    error VotingEnded(uint256 electionId, uint64 votingEndsAt);
    error VotingNotEnded(uint256 electionId, uint64 votingEndsAt);
    error NullifierOutOfField(uint256 nullifier);
    error NullifierAlreadySpent(uint256 electionId, uint256 nullifier, uint256 spentInBlock);
    error InvalidProof(uint256 electionId, uint256 nullifier);
    error ProofCoordinateOutOfField(uint256 index, uint256 value);
    error InvalidBatchSize(uint256 size, uint256 maxSize);
    /// @notice A partial decryption whose proof fails, naming the trustee.
    error InvalidPartialDecryption(uint256 electionId, uint256 trustee, address account);
    error TooFewShares(uint256 electionId, uint256 shares, uint256 threshold);
    error ShareNotPosted(uint256 electionId, uint256 trustee);
    error TrusteesNotIncreasing(uint256 electionId, uint256 position);
    error WrongCountLength(uint256 counts, uint256 numOptions);
    error CountOutOfRange(uint256 option, uint256 count, uint256 ballotsCast);
    error CountMismatch(uint256 electionId, uint256 option, uint256 count);
}
