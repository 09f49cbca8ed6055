// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IGroth16BatchVerifier} from "../interfaces/IGroth16BatchVerifier.sol";
import {BabyJubjub} from "./BabyJubjub.sol";
import {ISealedDecryptionVerifier, ISealedVoteVerifier} from "./interfaces/ISealedVerifiers.sol";
import {ISealedZkBallot} from "./interfaces/ISealedZkBallot.sol";

/// @title SealedZkBallot
/// @notice Sealed elections by id (docs/PROTOCOL.md section 13): a dealerless key ceremony among
/// n trustees fixes the election key; each ballot's proof shows roll membership, the nullifier
/// and well-formed 0/1 encryptions under that key; the contract adds the ciphertexts into
/// encrypted totals; after the close trustees post proven partial decryptions and the contract
/// accepts only counts that match. See ISealedZkBallot for the events and errors.
/// @dev A trustee that received a bad DKG share complains on chain (fileComplaint) before the
/// key is fixed; the contract resolves the complaint itself from public data (the same rule
/// as lib/sealed/dkg.ts resolveComplaint) and an upheld one disqualifies the dealer.
contract SealedZkBallot is ISealedZkBallot {
    using BabyJubjub for BabyJubjub.Extended;

    /// @notice Order of the BN254 scalar field, the field of every proof signal.
    uint256 public constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice Order of the BN254 base field, the field of every proof coordinate.
    uint256 public constant BN254_BASE_FIELD =
        21888242871839275222246405745257275088696311157297823662689037894645226208583;
    /// @notice Options the sealed circuits are built for; an election uses the first numOptions.
    uint256 public constant CIRCUIT_OPTIONS = 8;
    /// @notice Fewest options an election may have.
    uint256 public constant MIN_OPTIONS = 2;
    /// @notice Most trustees an election may name.
    uint256 public constant MAX_TRUSTEES = 16;
    /// @notice Depth of the voter roll tree the sealed vote circuit is built for.
    uint256 public constant ROLL_DEPTH = 20;
    /// @notice Most ballots in one castVotes call.
    uint256 public constant MAX_BATCH_SIZE = 100;
    /// @notice Value of an empty leaf; never a valid voter commitment.
    uint256 public constant EMPTY_LEAF = 0;
    /// @dev Words of the encrypted totals: C1[0..7][x,y] then C2[0..7][x,y].
    uint256 private constant TOTAL_WORDS = 32;
    /// @dev Public signals of the sealed vote circuit (ISealedVoteVerifier).
    uint256 private constant VOTE_SIGNALS = 40;
    /// @notice Gas given to VOTE_VERIFIER for one sealed proof: a valid one needs about 447k; a
    /// malformed one (a point the pairing precompile refuses burns all it is given) no more.
    uint256 public constant PROOF_GAS_CAP = 550_000;
    /// @notice Gas given to BATCH_VERIFIER: BATCH_GAS_CAP_BASE + BATCH_GAS_CAP_PER_PROOF · n
    /// (measured: about 674k + 64k · n).
    uint256 public constant BATCH_GAS_CAP_BASE = 800_000;
    /// @notice See BATCH_GAS_CAP_BASE.
    uint256 public constant BATCH_GAS_CAP_PER_PROOF = 80_000;
    /// @dev Gas a capped verifier call needs on top of what it forwards (encoding, memory, the call).
    uint256 private constant VERIFIER_CALL_OVERHEAD = 20_000;
    /// @dev Domain tags of lib/sealed/dleq.ts SEALED_DOMAIN: the complaint proof, the share pad.
    uint256 private constant COMPLAINT_PROOF_DOMAIN = 0x5ea10002;
    uint256 private constant SHARE_ENCRYPTION_DOMAIN = 0x5ea10003;

    /// @notice Verifier of sealed ballot proofs.
    ISealedVoteVerifier public immutable VOTE_VERIFIER;
    /// @notice Verifier of partial decryption proofs.
    ISealedDecryptionVerifier public immutable DECRYPTION_VERIFIER;
    /// @notice Batch verifier of sealed ballot proofs (Groth16BatchVerifier with the sealed vote key), for castVotes.
    IGroth16BatchVerifier public immutable BATCH_VERIFIER;

    struct SealedElection {
        Phase phase;
        uint8 numOptions;
        uint8 minSelections;
        uint8 maxSelections;
        uint8 threshold;
        uint8 communicationKeys;
        uint8 decryptions;
        bool keyFixed;
        uint64 votingStartsAt;
        uint64 votingEndsAt;
        uint64 voterCount;
        uint64 ballotsCast;
        address admin;
        address registrar;
        uint256 dealers;
        uint256 disqualified;
        uint256 voterRollRoot;
        bytes32 voterRollDigest;
        uint256[2] electionKey;
    }

    /// @notice Number of elections created; ids run from 1.
    uint256 public electionCount;

    mapping(uint256 electionId => SealedElection) private _elections;
    mapping(uint256 electionId => address[]) private _trustees;
    mapping(uint256 electionId => mapping(address account => uint256 trustee)) private _trusteeNumber;
    mapping(uint256 electionId => mapping(uint256 trustee => bool)) private _postedKey;
    mapping(uint256 electionId => mapping(uint256 trustee => uint256[2])) private _communicationKeys;
    /// @dev keccak256(abi.encode(commitments, encryptedShares)) of each dealing, for complaints.
    mapping(uint256 electionId => mapping(uint256 trustee => bytes32)) private _dealingHashes;
    /// @dev C_t = Σ A_it over the dealers so far, t = 0..k-1, affine.
    mapping(uint256 electionId => uint256[2][]) private _commitmentSums;
    mapping(uint256 electionId => uint256[32]) private _totals;
    mapping(uint256 electionId => mapping(uint256 trustee => uint256[16])) private _partials;
    mapping(uint256 electionId => mapping(uint256 trustee => bool)) private _decrypted;
    mapping(uint256 electionId => uint256[]) private _tally;
    mapping(uint256 electionId => mapping(uint256 nullifier => uint256 blockNumber)) private _nullifierBlocks;

    /// @notice Binds the deployment to its three verifiers.
    /// @param voteVerifier The sealed vote circuit's verifier.
    /// @param decryptionVerifier The decryption circuit's verifier.
    /// @param batchVerifier The batch verifier for the sealed vote circuit's key (40 public signals).
    constructor(ISealedVoteVerifier voteVerifier, ISealedDecryptionVerifier decryptionVerifier, IGroth16BatchVerifier batchVerifier) {
        if (address(voteVerifier) == address(0) || address(decryptionVerifier) == address(0) || address(batchVerifier) == address(0)) revert ZeroAddress();
        if (batchVerifier.PUBLIC_SIGNALS() != VOTE_SIGNALS) revert BatchVerifierMismatch(batchVerifier.PUBLIC_SIGNALS(), VOTE_SIGNALS);
        VOTE_VERIFIER = voteVerifier;
        DECRYPTION_VERIFIER = decryptionVerifier;
        BATCH_VERIFIER = batchVerifier;
    }

    modifier onlyRegistrar(uint256 electionId) {
        if (msg.sender != _existing(electionId).registrar) revert NotRegistrar(electionId, msg.sender);
        _;
    }

    // ---------------------------------------------------------------- creation and roll

    /// @notice Creates a sealed election; msg.sender becomes its admin.
    /// @param config Title, options, selection range, registrar, window, trustees and threshold.
    /// @return electionId The new election's id.
    function createElection(SealedElectionConfig calldata config) external returns (uint256 electionId) {
        _checkConfig(config);
        electionId = ++electionCount;
        SealedElection storage election = _elections[electionId];
        election.phase = Phase.Registration;
        election.numOptions = config.numOptions;
        election.minSelections = config.minSelections;
        election.maxSelections = config.maxSelections;
        election.threshold = config.threshold;
        election.votingStartsAt = config.votingStartsAt;
        election.votingEndsAt = config.votingEndsAt;
        election.admin = msg.sender;
        election.registrar = config.registrar;
        for (uint256 i = 0; i < config.trustees.length; ++i) {
            address trustee = config.trustees[i];
            if (trustee == address(0)) revert ZeroAddress();
            if (_trusteeNumber[electionId][trustee] != 0) revert DuplicateTrustee(trustee);
            _trusteeNumber[electionId][trustee] = i + 1;
            _trustees[electionId].push(trustee);
        }
        for (uint256 t = 0; t < config.threshold; ++t) _commitmentSums[electionId].push([uint256(0), 1]);
        for (uint256 j = 0; j < CIRCUIT_OPTIONS; ++j) {
            // Every total starts as the encryption (O, O) of 0: y = 1 at each point's second word.
            _totals[electionId][2 * j + 1] = 1;
            _totals[electionId][16 + 2 * j + 1] = 1;
        }
        emit ElectionCreated(electionId, msg.sender, config.registrar, config);
    }

    /// @notice Appends voter commitments to the roll (as ZkBallot.publishVoterCommitments).
    /// @param electionId The election.
    /// @param firstIndex Leaf index of the first commitment: the current voter count.
    /// @param voterCommitments The commitments, each non-zero and below the scalar field.
    function publishVoterCommitments(uint256 electionId, uint256 firstIndex, uint256[] calldata voterCommitments) external onlyRegistrar(electionId) {
        SealedElection storage election = _elections[electionId];
        _requirePhase(electionId, election.phase, Phase.Registration);
        uint256 count = voterCommitments.length;
        if (count == 0) revert EmptyBatch();
        if (firstIndex != election.voterCount) revert RollIndexMismatch(electionId, firstIndex, election.voterCount);
        uint256 capacity = 1 << ROLL_DEPTH;
        if (firstIndex + count > capacity) revert VoterRollFull(capacity, firstIndex + count);
        bytes32 digest = election.voterRollDigest;
        for (uint256 i = 0; i < count; ++i) {
            uint256 commitment = voterCommitments[i];
            if (commitment == EMPTY_LEAF || commitment >= SNARK_SCALAR_FIELD) revert InvalidVoterCommitment(firstIndex + i, commitment);
            digest = keccak256(abi.encode(digest, commitment));
        }
        election.voterRollDigest = digest;
        election.voterCount = uint64(firstIndex + count);
        emit VoterCommitmentsPublished(electionId, msg.sender, firstIndex, voterCommitments, digest);
    }

    // ---------------------------------------------------------------- key ceremony

    /// @notice Posts the calling trustee's fresh communication key for this election.
    /// @param electionId The election.
    /// @param keyPreimage P with E_i = 8·P (so E_i is in the subgroup); on the curve, 8·P not the identity.
    function postCommunicationKey(uint256 electionId, uint256[2] calldata keyPreimage) external {
        (SealedElection storage election, uint256 trustee) = _trusteeInCeremony(electionId);
        if (_postedKey[electionId][trustee]) revert TrusteeStepRepeated(electionId, trustee, "communication key");
        if (!BabyJubjub.isOnCurve(keyPreimage[0], keyPreimage[1])) revert PointNotOnCurve(keyPreimage[0], keyPreimage[1]);
        uint256[2] memory communicationKey;
        (communicationKey[0], communicationKey[1]) = _clearCofactor(keyPreimage[0], keyPreimage[1]);
        if (communicationKey[0] == 0) revert PointNotOnCurve(keyPreimage[0], keyPreimage[1]);
        _postedKey[electionId][trustee] = true;
        _communicationKeys[electionId][trustee] = communicationKey;
        ++election.communicationKeys;
        emit CommunicationKeyPosted(electionId, trustee, msg.sender, communicationKey);
    }

    /// @notice Posts the calling trustee's dealing, once every trustee has a communication key.
    /// @param electionId The election.
    /// @param commitmentPreimages P_t with A_it = 8·P_t (so no subgroup check is needed), t = 0..k-1.
    /// @param encryptedShares f_i(j) + pad_ij mod l for every other trustee j in order, each below l.
    function postDealing(uint256 electionId, uint256[2][] calldata commitmentPreimages, uint256[] calldata encryptedShares) external {
        (SealedElection storage election, uint256 trustee) = _trusteeInCeremony(electionId);
        uint256 n = _trustees[electionId].length;
        if (election.communicationKeys != n) revert CommunicationKeysMissing(electionId, election.communicationKeys, n);
        if ((election.dealers | election.disqualified) & (1 << (trustee - 1)) != 0) revert TrusteeStepRepeated(electionId, trustee, "dealing");
        if (commitmentPreimages.length != election.threshold) revert InvalidDealing(electionId, trustee, "commitment count");
        if (encryptedShares.length != n - 1) revert InvalidDealing(electionId, trustee, "share count");
        for (uint256 j = 0; j < encryptedShares.length; ++j) {
            if (encryptedShares[j] >= BabyJubjub.SUBGROUP_ORDER) revert InvalidDealing(electionId, trustee, "share not below l");
        }
        uint256[2][] memory commitments = new uint256[2][](commitmentPreimages.length);
        uint256[2][] storage sums = _commitmentSums[electionId];
        for (uint256 t = 0; t < commitmentPreimages.length; ++t) {
            (uint256 x, uint256 y) = (commitmentPreimages[t][0], commitmentPreimages[t][1]);
            if (!BabyJubjub.isOnCurve(x, y)) revert PointNotOnCurve(x, y);
            (commitments[t][0], commitments[t][1]) = _clearCofactor(x, y);
            BabyJubjub.Extended memory sum = BabyJubjub.fromAffine(sums[t][0], sums[t][1]);
            sum.addAffineAssign(commitments[t][0], commitments[t][1]);
            (sums[t][0], sums[t][1]) = sum.toAffine();
        }
        election.dealers |= 1 << (trustee - 1);
        _dealingHashes[electionId][trustee] = keccak256(abi.encode(commitments, encryptedShares));
        emit DealingPosted(electionId, trustee, msg.sender, commitments, encryptedShares);
    }

    /// @notice The calling trustee's public complaint about the share `dealer` sent it, before the
    /// key is fixed. It reveals their ECDH point K = e_j·E_i with a Chaum-Pedersen proof; the
    /// contract decrypts the share and checks it against the dealer's commitments. A share that
    /// fails disqualifies the dealer (its commitments leave the sums); a valid one is refused.
    /// @param electionId The election.
    /// @param dealer The dealer complained about.
    /// @param commitments The dealer's A_it as DealingPosted emitted them.
    /// @param encryptedShares The dealer's encrypted shares as DealingPosted emitted them.
    /// @param ecdhPreimage P with K = 8·P (so K is in the subgroup without a subgroup check).
    /// @param proof [challenge, response] of the DLEQ proof log_G E_j = log_{E_i} K.
    function fileComplaint(
        uint256 electionId,
        uint256 dealer,
        uint256[2][] calldata commitments,
        uint256[] calldata encryptedShares,
        uint256[2] calldata ecdhPreimage,
        uint256[2] calldata proof
    ) external {
        (SealedElection storage election, uint256 complainer) = _trusteeInCeremony(electionId);
        if (dealer == complainer || dealer == 0 || dealer > 256 || election.dealers & (1 << (dealer - 1)) == 0) {
            revert InvalidComplaint(electionId, dealer, complainer, "not a qualified dealer");
        }
        if (keccak256(abi.encode(commitments, encryptedShares)) != _dealingHashes[electionId][dealer]) {
            revert InvalidComplaint(electionId, dealer, complainer, "not the posted dealing");
        }
        if (!BabyJubjub.isOnCurve(ecdhPreimage[0], ecdhPreimage[1])) revert PointNotOnCurve(ecdhPreimage[0], ecdhPreimage[1]);
        uint256[2] memory ecdhPoint;
        (ecdhPoint[0], ecdhPoint[1]) = _clearCofactor(ecdhPreimage[0], ecdhPreimage[1]);
        if (!_ecdhProven(electionId, dealer, complainer, ecdhPoint, proof)) revert InvalidComplaint(electionId, dealer, complainer, "ECDH proof fails");
        uint256 share = _openShare(electionId, dealer, complainer, encryptedShares, ecdhPoint);
        if (_shareMatches(commitments, complainer, share)) revert ComplaintRejected(electionId, dealer, complainer);
        election.dealers &= ~(1 << (dealer - 1));
        election.disqualified |= 1 << (dealer - 1);
        uint256[2][] storage sums = _commitmentSums[electionId];
        for (uint256 t = 0; t < commitments.length; ++t) {
            BabyJubjub.Extended memory sum = BabyJubjub.fromAffine(sums[t][0], sums[t][1]);
            sum.addAffineAssign((BabyJubjub.FIELD - commitments[t][0]) % BabyJubjub.FIELD, commitments[t][1]);
            (sums[t][0], sums[t][1]) = sum.toAffine();
        }
        emit ComplaintUpheld(electionId, dealer, complainer, msg.sender, ecdhPoint, share);
    }

    /// @notice Fixes the election key K = Σ A_i0 over every dealing posted so far.
    /// @dev Needs at least k dealings and a K other than the identity; no dealing after this.
    /// @param electionId The election.
    function fixElectionKey(uint256 electionId) external {
        SealedElection storage election = _existing(electionId);
        if (msg.sender != election.admin) revert NotAdmin(electionId, msg.sender);
        _requirePhase(electionId, election.phase, Phase.Registration);
        if (election.keyFixed) revert TrusteeStepRepeated(electionId, 0, "fix election key");
        uint256 dealerCount = _popCount(election.dealers);
        if (dealerCount < election.threshold) revert TooFewDealers(electionId, dealerCount, election.threshold);
        uint256[2] memory key = _commitmentSums[electionId][0];
        if (key[0] == 0 && key[1] == 1) revert ElectionKeyIsIdentity(electionId);
        election.electionKey = key;
        election.keyFixed = true;
        emit ElectionKeyFixed(electionId, msg.sender, key, election.dealers);
    }

    /// @notice Freezes the roll and opens voting; the election key must be fixed.
    /// @param electionId The election.
    /// @param voterRollRoot The Poseidon root of the published roll (checked by auditors).
    function openVoting(uint256 electionId, uint256 voterRollRoot) external onlyRegistrar(electionId) {
        SealedElection storage election = _elections[electionId];
        _requirePhase(electionId, election.phase, Phase.Registration);
        if (!election.keyFixed) revert ElectionKeyNotFixed(electionId);
        if (election.voterCount == 0) revert EmptyVoterRoll(electionId);
        if (voterRollRoot == 0 || voterRollRoot >= SNARK_SCALAR_FIELD) revert InvalidVoterRollRoot(voterRollRoot);
        if (election.votingEndsAt != 0 && block.timestamp >= election.votingEndsAt) revert VotingEnded(electionId, election.votingEndsAt);
        election.voterRollRoot = voterRollRoot;
        election.phase = Phase.Voting;
        emit VotingOpened(electionId, msg.sender, voterRollRoot, election.voterCount, election.voterRollDigest);
    }

    // ---------------------------------------------------------------- voting

    /// @notice Casts one sealed ballot: verifies the proof, spends the nullifier, adds the ciphertexts.
    /// @param electionId The election.
    /// @param nullifier The voter's nullifier for this election.
    /// @param ciphertexts c1[0..7][x,y] then c2[0..7][x,y].
    /// @param proof The Groth16 proof [A.x, A.y, B.x1, B.x0, B.y1, B.y0, C.x, C.y].
    function castVote(uint256 electionId, uint256 nullifier, uint256[32] calldata ciphertexts, uint256[8] calldata proof) external {
        SealedElection storage election = _elections[electionId];
        bytes memory rejection = _checkVote(electionId, election, nullifier, ciphertexts, proof);
        if (rejection.length != 0) _revertWith(rejection);
        BabyJubjub.Extended[] memory sums = _loadTotals(electionId);
        _countVote(electionId, nullifier, ciphertexts, proof, sums);
        _storeTotals(electionId, sums);
        ++election.ballotsCast;
    }

    /// @notice Casts a batch of sealed ballots for one election; an entry castVote would refuse
    /// is skipped with VoteSkipped. The totals are summed in memory and written once.
    /// @dev The proofs of the entries that pass every other rule are checked together by
    /// BATCH_VERIFIER (n + 3 pairings). If that check fails, or a nullifier repeats within the
    /// batch, every entry is checked on its own instead, so the outcome is always castVote's.
    /// @param electionId The election.
    /// @param submissions The ballots.
    /// @return counted Number of ballots added to the totals.
    function castVotes(uint256 electionId, SealedVoteSubmission[] calldata submissions) external returns (uint256 counted) {
        uint256 size = submissions.length;
        if (size == 0 || size > MAX_BATCH_SIZE) revert InvalidBatchSize(size, MAX_BATCH_SIZE);
        SealedElection storage election = _elections[electionId];
        BabyJubjub.Extended[] memory sums = _loadTotals(electionId);
        bytes[] memory rejections = new bytes[](size);
        bool batchVerified = size > 1 && _batchVerified(electionId, election, submissions, rejections);
        for (uint256 i = 0; i < size; ++i) {
            SealedVoteSubmission calldata submission = submissions[i];
            bytes memory rejection = batchVerified ? rejections[i] : _checkVoteInBatch(electionId, election, submission);
            if (rejection.length != 0) {
                emit VoteSkipped(electionId, submission.nullifier, rejection);
                continue;
            }
            _countVote(electionId, submission.nullifier, submission.ciphertexts, submission.proof, sums);
            ++counted;
        }
        if (counted != 0) {
            _storeTotals(electionId, sums);
            election.ballotsCast += uint64(counted);
        }
    }

    /// @notice Ends voting: the admin at any time, anyone once votingEndsAt has passed.
    /// @param electionId The election.
    function closeElection(uint256 electionId) external {
        SealedElection storage election = _existing(electionId);
        _requirePhase(electionId, election.phase, Phase.Voting);
        if (msg.sender != election.admin) {
            if (election.votingEndsAt == 0) revert NotAdmin(electionId, msg.sender);
            if (block.timestamp < election.votingEndsAt) revert VotingNotEnded(electionId, election.votingEndsAt);
        }
        election.phase = Phase.Closed;
        emit ElectionClosed(electionId, msg.sender, _totals[electionId], election.ballotsCast);
    }

    // ---------------------------------------------------------------- decryption and tally

    /// @notice Posts the calling trustee's partial decryption of every option's total, with a
    /// proof against its share key; a failing proof reverts naming the trustee.
    /// @param electionId The election.
    /// @param partials D_ij = x_i·C1_j for j = 0..7, affine.
    /// @param proof The decryption circuit's Groth16 proof.
    function postPartialDecryption(uint256 electionId, uint256[16] calldata partials, uint256[8] calldata proof) external {
        SealedElection storage election = _existing(electionId);
        uint256 trustee = _trusteeNumber[electionId][msg.sender];
        if (trustee == 0) revert NotTrustee(electionId, msg.sender);
        _requirePhase(electionId, election.phase, Phase.Closed);
        if (_decrypted[electionId][trustee]) revert TrusteeStepRepeated(electionId, trustee, "partial decryption");
        for (uint256 i = 0; i < 8; ++i) {
            if (proof[i] >= BN254_BASE_FIELD) revert ProofCoordinateOutOfField(i, proof[i]);
        }
        uint256[2] memory shareKey = shareKeyOf(electionId, trustee);
        uint256[34] memory signals;
        signals[0] = shareKey[0];
        signals[1] = shareKey[1];
        uint256[32] storage totals = _totals[electionId];
        for (uint256 w = 0; w < 16; ++w) {
            signals[2 + w] = totals[w];
            signals[18 + w] = partials[w];
        }
        if (!_verifyDecryption(proof, signals)) revert InvalidPartialDecryption(electionId, trustee, msg.sender);
        _partials[electionId][trustee] = partials;
        _decrypted[electionId][trustee] = true;
        ++election.decryptions;
        emit PartialDecryptionPosted(electionId, trustee, msg.sender, shareKey, partials, proof);
    }

    /// @notice Submits the counts; accepted only if count_j·G + Σ λ_i·D_ij == C2_j for every option.
    /// @param electionId The election.
    /// @param trustees At least k trustees with posted partial decryptions, strictly increasing.
    /// @param counts Ballots per option (numOptions values), each at most the ballots cast.
    function finalizeTally(uint256 electionId, uint256[] calldata trustees, uint256[] calldata counts) external {
        SealedElection storage election = _existing(electionId);
        _requirePhase(electionId, election.phase, Phase.Closed);
        if (trustees.length < election.threshold) revert TooFewShares(electionId, trustees.length, election.threshold);
        if (counts.length != election.numOptions) revert WrongCountLength(counts.length, election.numOptions);
        for (uint256 i = 0; i < trustees.length; ++i) {
            if (i > 0 && trustees[i] <= trustees[i - 1]) revert TrusteesNotIncreasing(electionId, i);
            if (!_decrypted[electionId][trustees[i]]) revert ShareNotPosted(electionId, trustees[i]);
        }
        uint256[] memory lambdas = _lagrangeAtZero(trustees);
        for (uint256 j = 0; j < counts.length; ++j) {
            if (counts[j] > election.ballotsCast) revert CountOutOfRange(j, counts[j], election.ballotsCast);
            if (!_countMatches(electionId, trustees, lambdas, j, counts[j])) revert CountMismatch(electionId, j, counts[j]);
        }
        _tally[electionId] = counts;
        election.phase = Phase.Tallied;
        emit TallyFinalized(electionId, msg.sender, counts, trustees);
    }

    // ---------------------------------------------------------------- views

    /// @notice The scope that makes a proof valid for one election of one deployment on one chain.
    /// @param electionId The election.
    /// @return keccak256(chainid, this contract, electionId) reduced into the scalar field.
    function electionScope(uint256 electionId) public view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this), electionId))) % SNARK_SCALAR_FIELD;
    }

    /// @notice Trustee i's public share key X_i = Σ_t i^t·C_t from the dealers' commitments so far.
    /// @param electionId The election.
    /// @param trustee The trustee's number (1..n).
    /// @return key X_i, affine.
    function shareKeyOf(uint256 electionId, uint256 trustee) public view returns (uint256[2] memory key) {
        uint256[2][] storage sums = _commitmentSums[electionId];
        BabyJubjub.Extended memory acc = BabyJubjub.identity();
        uint256 power = 1;
        for (uint256 t = 0; t < sums.length; ++t) {
            acc.addAssign(BabyJubjub.mul(BabyJubjub.fromAffine(sums[t][0], sums[t][1]), power));
            power = mulmod(power, trustee, BabyJubjub.SUBGROUP_ORDER);
        }
        (key[0], key[1]) = acc.toAffine();
    }

    /// @notice The dealers so far: bit t-1 set for trustee t.
    /// @param electionId The election.
    /// @return qualified Dealers whose dealing counts (the key is built from these).
    /// @return disqualified Dealers with an upheld complaint.
    function dealerSets(uint256 electionId) external view returns (uint256 qualified, uint256 disqualified) {
        SealedElection storage election = _existing(electionId);
        return (election.dealers, election.disqualified);
    }

    /// @notice An election's state.
    /// @param electionId The election.
    /// @return phase Its phase.
    /// @return numOptions Options.
    /// @return ballotsCast Ballots in the totals.
    /// @return electionKey The election key (zero until fixed).
    /// @return trustees The trustees, trustee i at index i-1.
    /// @return threshold k.
    function getElection(uint256 electionId) external view returns (Phase phase, uint8 numOptions, uint64 ballotsCast, uint256[2] memory electionKey, address[] memory trustees, uint8 threshold) {
        SealedElection storage election = _existing(electionId);
        return (election.phase, election.numOptions, election.ballotsCast, election.electionKey, _trustees[electionId], election.threshold);
    }

    /// @notice The encrypted totals: C1[0..7][x,y] then C2[0..7][x,y].
    /// @param electionId The election.
    /// @return The 32 words.
    function encryptedTotals(uint256 electionId) external view returns (uint256[32] memory) {
        return _totals[electionId];
    }

    /// @notice A trustee's posted partial decryptions (zero if none).
    /// @param electionId The election.
    /// @param trustee The trustee's number.
    /// @return The 16 words, option order.
    function partialDecryptions(uint256 electionId, uint256 trustee) external view returns (uint256[16] memory) {
        return _partials[electionId][trustee];
    }

    /// @notice The final tally (empty until finalized).
    /// @param electionId The election.
    /// @return Ballots per option.
    function tallies(uint256 electionId) external view returns (uint256[] memory) {
        return _tally[electionId];
    }

    /// @notice The block a nullifier was spent in, 0 if unspent.
    /// @param electionId The election.
    /// @param nullifier The nullifier.
    /// @return The block number.
    function nullifierSpentInBlock(uint256 electionId, uint256 nullifier) external view returns (uint256) {
        return _nullifierBlocks[electionId][nullifier];
    }

    // ---------------------------------------------------------------- internals

    function _checkConfig(SealedElectionConfig calldata config) private view {
        if (bytes(config.title).length == 0) revert EmptyTitle();
        if (config.numOptions < MIN_OPTIONS || config.numOptions > CIRCUIT_OPTIONS) revert InvalidOptionCount(config.numOptions, CIRCUIT_OPTIONS);
        if (config.minSelections > config.maxSelections || config.maxSelections > config.numOptions) {
            revert InvalidSelectionRange(config.minSelections, config.maxSelections, config.numOptions);
        }
        if (config.registrar == address(0)) revert ZeroAddress();
        uint256 n = config.trustees.length;
        if (n == 0 || n > MAX_TRUSTEES) revert InvalidTrustees(n, MAX_TRUSTEES);
        if (config.threshold == 0 || config.threshold > n) revert InvalidThreshold(config.threshold, n);
        bool startsBeforeEnd = config.votingStartsAt == 0 || config.votingEndsAt == 0 || config.votingStartsAt < config.votingEndsAt;
        bool endsInFuture = config.votingEndsAt == 0 || config.votingEndsAt > block.timestamp;
        if (!startsBeforeEnd || !endsInFuture) revert InvalidVotingWindow(config.votingStartsAt, config.votingEndsAt, block.timestamp);
    }

    function _existing(uint256 electionId) private view returns (SealedElection storage election) {
        election = _elections[electionId];
        if (election.phase == Phase.None) revert ElectionNotFound(electionId);
    }

    function _requirePhase(uint256 electionId, Phase current, Phase required) private pure {
        if (current != required) revert WrongPhase(electionId, current, required);
    }

    function _trusteeInCeremony(uint256 electionId) private view returns (SealedElection storage election, uint256 trustee) {
        election = _existing(electionId);
        trustee = _trusteeNumber[electionId][msg.sender];
        if (trustee == 0) revert NotTrustee(electionId, msg.sender);
        _requirePhase(electionId, election.phase, Phase.Registration);
        if (election.keyFixed) revert TrusteeStepRepeated(electionId, trustee, "key ceremony is over");
    }

    /// @dev Every rule castVote applies, proof included, as the ABI-encoded error it would revert with.
    function _checkVote(
        uint256 electionId,
        SealedElection storage election,
        uint256 nullifier,
        uint256[32] calldata ciphertexts,
        uint256[8] calldata proof
    ) private view returns (bytes memory rejection) {
        rejection = _checkRules(electionId, election, nullifier, proof);
        if (rejection.length == 0 && !_verifyBallot(electionId, election, nullifier, ciphertexts, proof)) {
            rejection = abi.encodeWithSelector(InvalidProof.selector, electionId, nullifier);
        }
    }

    /// @dev _checkVote for an entry of castVotes settled on its own: the verifier gets its full
    /// cap or the whole call reverts, so no gas limit can make a valid proof look invalid.
    function _checkVoteInBatch(uint256 electionId, SealedElection storage election, SealedVoteSubmission calldata submission) private view returns (bytes memory rejection) {
        rejection = _checkRules(electionId, election, submission.nullifier, submission.proof);
        if (rejection.length != 0) return rejection;
        _requireGasForVerifier(PROOF_GAS_CAP);
        if (!_verifyBallot(electionId, election, submission.nullifier, submission.ciphertexts, submission.proof)) {
            rejection = abi.encodeWithSelector(InvalidProof.selector, electionId, submission.nullifier);
        }
    }

    /// @dev Reverts with InsufficientGasForProof unless a call can forward `gasCap` (after the 63/64 rule).
    function _requireGasForVerifier(uint256 gasCap) private view {
        uint256 required = gasCap + gasCap / 63 + VERIFIER_CALL_OVERHEAD;
        uint256 available = gasleft();
        if (available < required) revert InsufficientGasForProof(available, required);
    }

    /// @dev True when every entry that passes the rules other than its proof (the others get
    /// their rejection in `rejections`) is valid by one batch check: at least two such entries,
    /// no nullifier twice among them, and BATCH_VERIFIER accepts their proofs together.
    /// The call's ABI input is written in place, each ballot's 40 signals straight from calldata
    /// (measured: building intermediate arrays and ABI-encoding them cost about 25k gas a ballot).
    function _batchVerified(
        uint256 electionId,
        SealedElection storage election,
        SealedVoteSubmission[] calldata submissions,
        bytes[] memory rejections
    ) private view returns (bool valid) {
        // An election that is not open refuses every entry alike: the one-by-one path says so for each.
        if (_checkVotingOpen(electionId, election).length != 0) return false;
        uint256 size = submissions.length;
        // verifyBatch(uint256[] signals, uint256[8][] proofs): selector, two offsets, the signals'
        // length and words; then the proofs' length and words, moved behind the signals at the end.
        bytes memory input = new bytes(4 + 0x80 + size * (VOTE_SIGNALS + 8) * 0x20);
        uint256[] memory proofWords = new uint256[](size * 8);
        uint256[6] memory fixedSignals = [electionScope(electionId), election.electionKey[0], election.electionKey[1], election.minSelections, election.maxSelections, election.numOptions];
        uint256 root = election.voterRollRoot;
        uint256 eligible;
        for (uint256 i = 0; i < size; ++i) {
            SealedVoteSubmission calldata submission = submissions[i];
            rejections[i] = _checkEntry(electionId, submission.nullifier, submission.proof);
            if (rejections[i].length != 0) continue;
            // A nullifier twice in one batch: only sequential processing says which entry counts.
            if (_nullifierAmong(input, eligible, submission.nullifier)) return false;
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                // Signals in the circuit's order (lib/sealed/circuitInput.ts sealedVotePublicSignalNames):
                // root, nullifier, the 32 ciphertext words, scope, key x, key y, min, max, numOptions.
                let at := add(add(input, 0x84), mul(eligible, 0x500))
                mstore(at, root)
                mstore(add(at, 0x20), calldataload(submission))
                calldatacopy(add(at, 0x40), add(submission, 0x20), 0x400)
                for { let j := 0 } lt(j, 6) { j := add(j, 1) } {
                    mstore(add(at, add(0x440, mul(j, 0x20))), mload(add(fixedSignals, mul(j, 0x20))))
                }
                calldatacopy(add(add(proofWords, 0x20), mul(eligible, 0x100)), add(submission, 0x420), 0x100)
            }
            ++eligible;
        }
        if (eligible < 2) return false;
        valid = _callBatchVerifier(input, proofWords, eligible);
    }

    /// @dev Completes the ABI input `_batchVerified` wrote (selector, offsets, lengths, the proofs
    /// behind the signals) and calls BATCH_VERIFIER with its full cap.
    function _callBatchVerifier(bytes memory input, uint256[] memory proofWords, uint256 eligible) private view returns (bool valid) {
        uint256 gasCap = BATCH_GAS_CAP_BASE + BATCH_GAS_CAP_PER_PROOF * eligible;
        _requireGasForVerifier(gasCap);
        address verifier = address(BATCH_VERIFIER);
        bytes4 selector = IGroth16BatchVerifier.verifyBatch.selector;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let args := add(input, 0x24)
            let signalWords := mul(eligible, VOTE_SIGNALS)
            mstore(add(input, 0x20), selector)
            mstore(args, 0x40)
            mstore(add(args, 0x20), add(0x60, mul(signalWords, 0x20)))
            mstore(add(args, 0x40), signalWords)
            let proofsAt := add(add(args, 0x60), mul(signalWords, 0x20))
            mstore(proofsAt, eligible)
            mcopy(add(proofsAt, 0x20), add(proofWords, 0x20), mul(eligible, 0x100))
            let length := sub(add(add(proofsAt, 0x20), mul(eligible, 0x100)), add(input, 0x20))
            let ok := staticcall(gasCap, verifier, add(input, 0x20), length, 0x00, 0x20)
            valid := and(and(ok, eq(returndatasize(), 0x20)), eq(mload(0x00), 1))
        }
    }

    /// @dev Whether one of the first `count` ballots written into `input` has this nullifier.
    function _nullifierAmong(bytes memory input, uint256 count, uint256 nullifier) private pure returns (bool found) {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let at := add(input, 0xa4) // ballot 0's nullifier: its signal 1, after the selector and three words
            for { let e := 0 } lt(e, count) { e := add(e, 1) } {
                if eq(mload(add(at, mul(e, 0x500))), nullifier) {
                    found := 1
                    break
                }
            }
        }
    }

    /// @dev Every rule castVote applies but the proof itself.
    function _checkRules(uint256 electionId, SealedElection storage election, uint256 nullifier, uint256[8] calldata proof) private view returns (bytes memory rejection) {
        rejection = _checkVotingOpen(electionId, election);
        if (rejection.length == 0) rejection = _checkEntry(electionId, nullifier, proof);
    }

    /// @dev The rules that hold for the whole election at this block: phase and window.
    function _checkVotingOpen(uint256 electionId, SealedElection storage election) private view returns (bytes memory) {
        if (election.phase != Phase.Voting) {
            if (election.phase == Phase.None) return abi.encodeWithSelector(ElectionNotFound.selector, electionId);
            return abi.encodeWithSelector(WrongPhase.selector, electionId, election.phase, Phase.Voting);
        }
        if (election.votingStartsAt != 0 && block.timestamp < election.votingStartsAt) return abi.encodeWithSelector(VotingNotStarted.selector, electionId, election.votingStartsAt);
        if (election.votingEndsAt != 0 && block.timestamp >= election.votingEndsAt) return abi.encodeWithSelector(VotingEnded.selector, electionId, election.votingEndsAt);
        return "";
    }

    /// @dev The rules of one entry but its proof: the nullifier in field and unspent, the proof's coordinates canonical.
    function _checkEntry(uint256 electionId, uint256 nullifier, uint256[8] calldata proof) private view returns (bytes memory) {
        if (nullifier >= SNARK_SCALAR_FIELD) return abi.encodeWithSelector(NullifierOutOfField.selector, nullifier);
        uint256 spentIn = _nullifierBlocks[electionId][nullifier];
        if (spentIn != 0) return abi.encodeWithSelector(NullifierAlreadySpent.selector, electionId, nullifier, spentIn);
        for (uint256 i = 0; i < 8; ++i) {
            if (proof[i] >= BN254_BASE_FIELD) return abi.encodeWithSelector(ProofCoordinateOutOfField.selector, i, proof[i]);
        }
        return "";
    }

    function _verifyBallot(
        uint256 electionId,
        SealedElection storage election,
        uint256 nullifier,
        uint256[32] calldata ciphertexts,
        uint256[8] calldata proof
    ) private view returns (bool) {
        uint256[VOTE_SIGNALS] memory signals = _ballotSignals(electionId, election, nullifier, ciphertexts);
        try VOTE_VERIFIER.verifyProof{gas: PROOF_GAS_CAP}([proof[0], proof[1]], [[proof[2], proof[3]], [proof[4], proof[5]]], [proof[6], proof[7]], signals) returns (bool valid) {
            return valid;
        } catch {
            return false;
        }
    }

    /// @dev The public signals in the circuit's order (lib/sealed/circuitInput.ts sealedVotePublicSignalNames).
    function _ballotSignals(
        uint256 electionId,
        SealedElection storage election,
        uint256 nullifier,
        uint256[32] calldata ciphertexts
    ) private view returns (uint256[VOTE_SIGNALS] memory signals) {
        signals[0] = election.voterRollRoot;
        signals[1] = nullifier;
        for (uint256 w = 0; w < TOTAL_WORDS; ++w) signals[2 + w] = ciphertexts[w];
        signals[34] = electionScope(electionId);
        signals[35] = election.electionKey[0];
        signals[36] = election.electionKey[1];
        signals[37] = election.minSelections;
        signals[38] = election.maxSelections;
        // The circuit's options beyond this are constrained to encrypt 0.
        signals[39] = election.numOptions;
    }

    function _verifyDecryption(uint256[8] calldata proof, uint256[34] memory signals) private view returns (bool) {
        try DECRYPTION_VERIFIER.verifyProof([proof[0], proof[1]], [[proof[2], proof[3]], [proof[4], proof[5]]], [proof[6], proof[7]], signals) returns (bool valid) {
            return valid;
        } catch {
            return false;
        }
    }

    function _countVote(uint256 electionId, uint256 nullifier, uint256[32] calldata ciphertexts, uint256[8] calldata proof, BabyJubjub.Extended[] memory sums) private {
        _nullifierBlocks[electionId][nullifier] = block.number;
        // Shifts, not checked multiplications, index the 16 points (p < 16: nothing can overflow).
        for (uint256 p = 0; p < 16; ++p) sums[p].addAffineAssign(ciphertexts[p << 1], ciphertexts[(p << 1) | 1]);
        // emit VoteCast(electionId, nullifier, ciphertexts, proof), its data copied from calldata
        // into scratch memory past the free pointer and reused by every ballot of a batch (an emit
        // allocates afresh each time: about 1k gas a ballot more in a batch of 50, measured).
        bytes32 topic = VoteCast.selector;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let data := mload(0x40)
            calldatacopy(data, ciphertexts, 0x400)
            calldatacopy(add(data, 0x400), proof, 0x100)
            log3(data, 0x500, topic, electionId, nullifier)
        }
    }

    function _loadTotals(uint256 electionId) private view returns (BabyJubjub.Extended[] memory sums) {
        uint256[32] storage totals = _totals[electionId];
        sums = new BabyJubjub.Extended[](16);
        for (uint256 p = 0; p < 16; ++p) sums[p] = BabyJubjub.fromAffine(totals[2 * p], totals[2 * p + 1]);
    }

    function _storeTotals(uint256 electionId, BabyJubjub.Extended[] memory sums) private {
        uint256[32] storage totals = _totals[electionId];
        for (uint256 p = 0; p < 16; ++p) (totals[2 * p], totals[2 * p + 1]) = sums[p].toAffine();
    }

    /// @dev λ_i = Π_{m≠i} x_m / (x_m − x_i) mod l for the trustees' numbers x.
    function _lagrangeAtZero(uint256[] calldata trustees) private view returns (uint256[] memory lambdas) {
        uint256 order = BabyJubjub.SUBGROUP_ORDER;
        lambdas = new uint256[](trustees.length);
        for (uint256 i = 0; i < trustees.length; ++i) {
            uint256 numerator = 1;
            uint256 denominator = 1;
            for (uint256 m = 0; m < trustees.length; ++m) {
                if (m == i) continue;
                numerator = mulmod(numerator, trustees[m], order);
                denominator = mulmod(denominator, addmod(trustees[m], order - trustees[i], order), order);
            }
            lambdas[i] = mulmod(numerator, BabyJubjub.invertScalar(denominator), order);
        }
    }

    function _countMatches(uint256 electionId, uint256[] calldata trustees, uint256[] memory lambdas, uint256 option, uint256 count) private view returns (bool) {
        BabyJubjub.Extended memory lhs = BabyJubjub.mul(BabyJubjub.fromAffine(BabyJubjub.GENERATOR_X, BabyJubjub.GENERATOR_Y), count);
        for (uint256 i = 0; i < trustees.length; ++i) {
            uint256[16] storage partials = _partials[electionId][trustees[i]];
            lhs.addAssign(BabyJubjub.mul(BabyJubjub.fromAffine(partials[2 * option], partials[2 * option + 1]), lambdas[i]));
        }
        uint256[32] storage totals = _totals[electionId];
        return lhs.equals(BabyJubjub.fromAffine(totals[16 + 2 * option], totals[16 + 2 * option + 1]));
    }

    /// @dev s·G − c·E_j and s·E_i − c·K hash back to c (lib/sealed/dleq.ts challengeOf, keccak).
    function _ecdhProven(uint256 electionId, uint256 dealer, uint256 complainer, uint256[2] memory k, uint256[2] calldata proof) private view returns (bool) {
        uint256 order = BabyJubjub.SUBGROUP_ORDER;
        if (proof[0] >= order || proof[1] >= order) return false;
        uint256[2] memory dealerKey = _communicationKeys[electionId][dealer];
        uint256[2] memory complainerKey = _communicationKeys[electionId][complainer];
        uint256[17] memory words;
        words[0] = COMPLAINT_PROOF_DOMAIN;
        words[1] = electionScope(electionId);
        words[2] = dealer;
        words[3] = complainer;
        words[4] = 3; // context length
        (words[5], words[6]) = (BabyJubjub.GENERATOR_X, BabyJubjub.GENERATOR_Y);
        (words[7], words[8]) = (complainerKey[0], complainerKey[1]);
        (words[9], words[10]) = (dealerKey[0], dealerKey[1]);
        (words[11], words[12]) = (k[0], k[1]);
        (words[13], words[14]) = _responseMinusChallenge(BabyJubjub.GENERATOR_X, BabyJubjub.GENERATOR_Y, complainerKey, proof);
        (words[15], words[16]) = _responseMinusChallenge(dealerKey[0], dealerKey[1], k, proof);
        return (uint256(keccak256(abi.encode(words))) % BabyJubjub.FIELD) % order == proof[0];
    }

    /// @dev response·base − challenge·image, affine.
    function _responseMinusChallenge(uint256 baseX, uint256 baseY, uint256[2] memory image, uint256[2] calldata proof) private view returns (uint256, uint256) {
        BabyJubjub.Extended memory term = BabyJubjub.mul(BabyJubjub.fromAffine(image[0], image[1]), proof[0]);
        BabyJubjub.Extended memory result = BabyJubjub.mul(BabyJubjub.fromAffine(baseX, baseY), proof[1]);
        result.addAssign(BabyJubjub.Extended((BabyJubjub.FIELD - term.x) % BabyJubjub.FIELD, term.y, (BabyJubjub.FIELD - term.t) % BabyJubjub.FIELD, term.z));
        return result.toAffine();
    }

    /// @dev f_i(j) = encrypted share − keccak pad mod l (lib/sealed/dkg.ts sharePad).
    function _openShare(uint256 electionId, uint256 dealer, uint256 complainer, uint256[] calldata encryptedShares, uint256[2] memory k) private view returns (uint256) {
        uint256 order = BabyJubjub.SUBGROUP_ORDER;
        uint256 pad = (uint256(keccak256(abi.encode(SHARE_ENCRYPTION_DOMAIN, electionScope(electionId), dealer, complainer, k[0], k[1]))) % BabyJubjub.FIELD) % order;
        uint256 ciphertext = encryptedShares[complainer < dealer ? complainer - 1 : complainer - 2];
        return addmod(ciphertext, order - pad, order);
    }

    /// @dev share·G == Σ_t j^t·A_t.
    function _shareMatches(uint256[2][] calldata commitments, uint256 recipient, uint256 share) private pure returns (bool) {
        BabyJubjub.Extended memory expected = BabyJubjub.identity();
        uint256 power = 1;
        for (uint256 t = 0; t < commitments.length; ++t) {
            expected.addAssign(BabyJubjub.mul(BabyJubjub.fromAffine(commitments[t][0], commitments[t][1]), power));
            power = mulmod(power, recipient, BabyJubjub.SUBGROUP_ORDER);
        }
        return BabyJubjub.mul(BabyJubjub.fromAffine(BabyJubjub.GENERATOR_X, BabyJubjub.GENERATOR_Y), share).equals(expected);
    }

    /// @dev 8·(x, y), affine: a point of the prime-order subgroup for any curve point.
    function _clearCofactor(uint256 x, uint256 y) private view returns (uint256, uint256) {
        BabyJubjub.Extended memory point = BabyJubjub.fromAffine(x, y);
        point.addAssign(point);
        point.addAssign(point);
        point.addAssign(point);
        return point.toAffine();
    }

    function _popCount(uint256 bits) private pure returns (uint256 count) {
        for (; bits != 0; bits &= bits - 1) ++count;
    }

    function _revertWith(bytes memory rejection) private pure {
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            revert(add(rejection, 0x20), mload(rejection))
        }
    }
}
