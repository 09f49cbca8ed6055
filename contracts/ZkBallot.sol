// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Multicall} from "@openzeppelin/contracts/utils/Multicall.sol";

import {IVoteBatchVerifier} from "./interfaces/IVoteBatchVerifier.sol";
import {IVoteVerifier} from "./interfaces/IVoteVerifier.sol";
import {IZkBallot} from "./interfaces/IZkBallot.sol";

/// @title ZkBallot
/// @notice Manages many anonymous elections by id. See docs/PROTOCOL.md for the protocol and
/// IZkBallot for the events and errors.
/// @dev The roll is not stored as a tree: each batch of commitments is emitted in an event and
/// folded into a keccak digest, and the registrar states the Poseidon root when opening the
/// vote. Auditors rebuild the tree from the events and check the root off-chain; this keeps
/// registration near the calldata cost, where an on-chain Poseidon tree costs ~100k gas a voter.
/// Multicall (OpenZeppelin) lets an operator batch its own calls in one transaction: each runs
/// by delegatecall with the operator as msg.sender and every check it has on its own.
contract ZkBallot is IZkBallot, Multicall {
    /// @notice Order of the BN254 scalar field, the field of every proof signal.
    uint256 public constant SNARK_SCALAR_FIELD =
        21888242871839275222246405745257275088548364400416034343698204186575808495617;

    /// @notice Order of the BN254 base field, the field of every proof coordinate.
    uint256 public constant BN254_BASE_FIELD =
        21888242871839275222246405745257275088696311157297823662689037894645226208583;

    /// @notice Number of uint256 words in a proof: A (x, y), B in precompile order
    /// [x1, x0, y1, y0], C (x, y).
    uint256 public constant PROOF_WORDS = 8;

    /// @notice Most options an election may have; a ballot is a bit set over them.
    uint256 public constant MAX_OPTIONS = 32;

    /// @notice Fewest options an election may have.
    uint256 public constant MIN_OPTIONS = 2;

    /// @notice Deepest voter roll tree supported (2^32 voters); voterCount is a uint64.
    uint256 public constant MAX_ROLL_DEPTH = 32;

    /// @notice Most ballots in one castVotes call.
    uint256 public constant MAX_BATCH_SIZE = 100;

    /// @notice Gas given to the verifier for one proof: a valid proof needs about 210k; a
    /// malformed one cannot burn more than this.
    uint256 public constant PROOF_GAS_CAP = 300_000;

    /// @notice Gas given to the batch verifier: BATCH_GAS_CAP_BASE + BATCH_GAS_CAP_PER_PROOF
    /// per proof (measured: about 190k + 52k per proof for valid batches).
    uint256 public constant BATCH_GAS_CAP_BASE = 250_000;

    /// @notice See BATCH_GAS_CAP_BASE.
    uint256 public constant BATCH_GAS_CAP_PER_PROOF = 65_000;

    /// @dev Gas a capped verifier call needs on top of the gas it forwards (ABI encoding, memory,
    /// the call itself), with room to spare for batches of MAX_BATCH_SIZE.
    uint256 private constant VERIFIER_CALL_OVERHEAD = 20_000;

    /// @notice Value of an empty leaf; never a valid voter commitment.
    uint256 public constant EMPTY_LEAF = 0;

    /// @notice Verifier of the vote circuit's Groth16 proofs.
    IVoteVerifier public immutable VERIFIER;

    /// @notice Verifier of batches of the same proofs (same verification key), for castVotes.
    IVoteBatchVerifier public immutable BATCH_VERIFIER;

    /// @notice Depth of the voter roll tree the verifier's circuit was built for.
    uint256 public immutable ROLL_DEPTH;

    /// @dev The fields castVote reads are packed into the first slot. The title and metadata
    /// URI are not stored (they are in ElectionCreated; metadataHash commits to the metadata).
    /// The selection range comes after voterCount so that the fields before it keep their offsets.
    struct Election {
        Phase phase;
        uint8 numOptions;
        uint64 votingStartsAt;
        uint64 votingEndsAt;
        uint64 voterCount;
        uint8 minSelections;
        uint8 maxSelections;
        uint256 voterRollRoot;
        address admin;
        address registrar;
        bytes32 voterRollDigest;
        bytes32 metadataHash;
        address pendingAdmin;
    }

    /// @notice Number of elections created; ids run from 1 to electionCount.
    uint256 public electionCount;

    mapping(uint256 electionId => Election) private _elections;
    mapping(uint256 electionId => uint256[MAX_OPTIONS]) private _tallies;
    /// @dev Block in which a nullifier was spent; 0 while unspent.
    mapping(uint256 electionId => mapping(uint256 nullifier => uint256 blockNumber)) private _nullifierBlocks;

    /// @notice Deploys an election manager bound to one circuit: its verifiers and roll depth.
    /// @param verifier The vote circuit's Groth16 verifier.
    /// @param batchVerifier The batch verifier, with the same verification key as `verifier`.
    /// @param rollDepth Depth of the voter roll tree the circuit proves membership in.
    constructor(IVoteVerifier verifier, IVoteBatchVerifier batchVerifier, uint256 rollDepth) {
        if (address(verifier) == address(0) || address(batchVerifier) == address(0)) revert ZeroAddress();
        if (rollDepth == 0 || rollDepth > MAX_ROLL_DEPTH) revert InvalidRollDepth(rollDepth);
        VERIFIER = verifier;
        BATCH_VERIFIER = batchVerifier;
        ROLL_DEPTH = rollDepth;
    }

    modifier onlyAdmin(uint256 electionId) {
        if (msg.sender != _existing(electionId).admin) revert NotAdmin(electionId, msg.sender);
        _;
    }

    modifier onlyRegistrar(uint256 electionId) {
        if (msg.sender != _existing(electionId).registrar) revert NotRegistrar(electionId, msg.sender);
        _;
    }

    // ---------------------------------------------------------------- operator actions

    /// @inheritdoc IZkBallot
    function createElection(ElectionConfig calldata config) external returns (uint256 electionId) {
        _checkConfig(config);

        electionId = ++electionCount;
        Election storage election = _elections[electionId];
        election.phase = Phase.Registration;
        election.numOptions = config.numOptions;
        election.minSelections = config.minSelections;
        election.maxSelections = config.maxSelections;
        election.votingStartsAt = config.votingStartsAt;
        election.votingEndsAt = config.votingEndsAt;
        election.admin = msg.sender;
        election.registrar = config.registrar;
        election.metadataHash = config.metadataHash;

        emit ElectionCreated(
            electionId,
            msg.sender,
            config.registrar,
            config.title,
            config.numOptions,
            config.minSelections,
            config.maxSelections,
            config.metadataURI,
            config.metadataHash,
            config.votingStartsAt,
            config.votingEndsAt
        );
    }

    /// @inheritdoc IZkBallot
    function transferAdmin(uint256 electionId, address newAdmin) external onlyAdmin(electionId) {
        Election storage election = _elections[electionId];
        _requireNotClosed(electionId, election.phase);
        if (newAdmin == address(0)) revert ZeroAddress();
        election.pendingAdmin = newAdmin;
        emit AdminTransferStarted(electionId, msg.sender, newAdmin);
    }

    /// @inheritdoc IZkBallot
    function acceptAdmin(uint256 electionId) external {
        Election storage election = _existing(electionId);
        _requireNotClosed(electionId, election.phase);
        address pending = election.pendingAdmin;
        if (pending == address(0)) revert NoPendingAdmin(electionId);
        if (msg.sender != pending) revert NotPendingAdmin(electionId, msg.sender, pending);
        emit AdminTransferred(electionId, election.admin, msg.sender);
        election.admin = msg.sender;
        election.pendingAdmin = address(0);
    }

    /// @inheritdoc IZkBallot
    function cancelAdminTransfer(uint256 electionId) external onlyAdmin(electionId) {
        Election storage election = _elections[electionId];
        _requireNotClosed(electionId, election.phase);
        address pending = election.pendingAdmin;
        if (pending == address(0)) revert NoPendingAdmin(electionId);
        election.pendingAdmin = address(0);
        emit AdminTransferCancelled(electionId, msg.sender, pending);
    }

    /// @inheritdoc IZkBallot
    function setRegistrar(uint256 electionId, address newRegistrar) external onlyAdmin(electionId) {
        Election storage election = _elections[electionId];
        _requirePhase(electionId, election.phase, Phase.Registration);
        if (newRegistrar == address(0)) revert ZeroAddress();
        emit RegistrarChanged(electionId, election.registrar, newRegistrar, msg.sender);
        election.registrar = newRegistrar;
    }

    /// @inheritdoc IZkBallot
    function publishVoterCommitments(
        uint256 electionId,
        uint256 firstIndex,
        uint256[] calldata voterCommitments
    ) external onlyRegistrar(electionId) {
        Election storage election = _elections[electionId];
        _requirePhase(electionId, election.phase, Phase.Registration);
        uint256 count = voterCommitments.length;
        if (count == 0) revert EmptyBatch();
        if (firstIndex != election.voterCount) revert RollIndexMismatch(electionId, firstIndex, election.voterCount);
        uint256 capacity = 1 << ROLL_DEPTH;
        if (firstIndex + count > capacity) revert VoterRollFull(capacity, firstIndex + count);

        // digest_i = keccak256(digest_{i-1} || commitment_i): one link per commitment, so the
        // digest does not depend on how the roll was split into batches.
        bytes32 digest = election.voterRollDigest;
        for (uint256 i = 0; i < count; ++i) {
            uint256 commitment = voterCommitments[i];
            if (commitment == EMPTY_LEAF || commitment >= SNARK_SCALAR_FIELD) {
                revert InvalidVoterCommitment(firstIndex + i, commitment);
            }
            // One keccak over two words in scratch space, with no memory allocation per commitment.
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                mstore(0x00, digest)
                mstore(0x20, commitment)
                digest := keccak256(0x00, 0x40)
            }
        }
        election.voterRollDigest = digest;
        election.voterCount = SafeCast.toUint64(firstIndex + count);

        emit VoterCommitmentsPublished(electionId, msg.sender, firstIndex, voterCommitments, digest);
    }

    /// @inheritdoc IZkBallot
    function openVoting(uint256 electionId, uint256 voterRollRoot) external onlyRegistrar(electionId) {
        Election storage election = _elections[electionId];
        _requirePhase(electionId, election.phase, Phase.Registration);
        if (election.voterCount == 0) revert EmptyVoterRoll(electionId);
        if (voterRollRoot == 0 || voterRollRoot >= SNARK_SCALAR_FIELD) revert InvalidVoterRollRoot(voterRollRoot);
        if (election.votingEndsAt != 0 && block.timestamp >= election.votingEndsAt) {
            revert VotingEnded(electionId, election.votingEndsAt);
        }

        election.voterRollRoot = voterRollRoot;
        election.phase = Phase.Voting;

        emit VotingOpened(electionId, msg.sender, voterRollRoot, election.voterCount, election.voterRollDigest);
    }

    /// @inheritdoc IZkBallot
    function closeElection(uint256 electionId) external {
        Election storage election = _existing(electionId);
        _requirePhase(electionId, election.phase, Phase.Voting);
        if (msg.sender != election.admin) {
            // Without an end time only the admin decides when voting ends.
            if (election.votingEndsAt == 0) revert NotAdmin(electionId, msg.sender);
            if (block.timestamp < election.votingEndsAt) revert VotingNotEnded(electionId, election.votingEndsAt);
        }
        election.phase = Phase.Closed;
        emit ElectionClosed(electionId, msg.sender, tallies(electionId));
    }

    // ---------------------------------------------------------------- voting

    /// @inheritdoc IZkBallot
    function castVote(uint256 electionId, uint256 ballot, uint256 nullifier, uint256[8] calldata proof) external {
        Election storage election = _elections[electionId];
        bytes memory rejection = _checkVote(electionId, election, ballot, nullifier, proof);
        if (rejection.length != 0) _revertWith(rejection);
        // All the gas is forwarded: if the verifier runs out, the whole transaction reverts.
        if (!_verifyVoteProof(election.voterRollRoot, nullifier, electionScope(electionId), ballot, proof, gasleft())) {
            revert InvalidProof(electionId, nullifier);
        }
        _countVote(electionId, ballot, nullifier, proof);
    }

    /// @inheritdoc IZkBallot
    /// @dev The rules of castVote are checked for every entry first, against the state before
    /// the batch. When at least two entries pass them, with no nullifier twice among them, all
    /// their proofs are checked with one batch verification; if it fails (some proof is bad),
    /// or the batch does not qualify, the entries are processed one by one exactly as castVote
    /// would, so the outcome never depends on which path ran.
    function castVotes(VoteSubmission[] calldata submissions) external returns (uint256 counted) {
        uint256 size = submissions.length;
        if (size == 0 || size > MAX_BATCH_SIZE) revert InvalidBatchSize(size, MAX_BATCH_SIZE);
        if (size == 1) return _castOneByOne(submissions);

        bytes[] memory rejections = new bytes[](size);
        uint256[] memory eligible = new uint256[](size);
        uint256 eligibleCount;
        for (uint256 i = 0; i < size; ++i) {
            VoteSubmission calldata submission = submissions[i];
            rejections[i] = _checkVote(
                submission.electionId,
                _elections[submission.electionId],
                submission.ballot,
                submission.nullifier,
                submission.proof
            );
            if (rejections[i].length != 0) continue;
            // A nullifier twice in one batch: only sequential processing says which entry counts.
            if (_repeatsEarlierEntry(submissions, eligible, eligibleCount, submission)) return _castOneByOne(submissions);
            eligible[eligibleCount] = i;
            ++eligibleCount;
        }
        if (eligibleCount < 2 || !_verifyBatch(submissions, eligible, eligibleCount)) return _castOneByOne(submissions);

        for (uint256 i = 0; i < size; ++i) {
            VoteSubmission calldata submission = submissions[i];
            if (rejections[i].length != 0) {
                emit VoteSkipped(submission.electionId, submission.nullifier, rejections[i]);
                continue;
            }
            _countVote(submission.electionId, submission.ballot, submission.nullifier, submission.proof);
        }
        counted = eligibleCount;
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IZkBallot
    function electionScope(uint256 electionId) public view returns (uint256) {
        return uint256(keccak256(abi.encode(block.chainid, address(this), electionId))) % SNARK_SCALAR_FIELD;
    }

    /// @inheritdoc IZkBallot
    function getElection(uint256 electionId) external view returns (ElectionView memory) {
        Election storage election = _existing(electionId);
        return ElectionView({
            phase: election.phase,
            numOptions: election.numOptions,
            minSelections: election.minSelections,
            maxSelections: election.maxSelections,
            votingStartsAt: election.votingStartsAt,
            votingEndsAt: election.votingEndsAt,
            voterCount: election.voterCount,
            admin: election.admin,
            registrar: election.registrar,
            voterRollRoot: election.voterRollRoot,
            voterRollDigest: election.voterRollDigest,
            metadataHash: election.metadataHash,
            pendingAdmin: election.pendingAdmin
        });
    }

    /// @inheritdoc IZkBallot
    function tallies(uint256 electionId) public view returns (uint256[] memory result) {
        uint8 numOptions = _existing(electionId).numOptions;
        result = new uint256[](numOptions);
        for (uint256 option = 0; option < numOptions; ++option) {
            result[option] = _tallies[electionId][option];
        }
    }

    /// @inheritdoc IZkBallot
    function nullifierSpentInBlock(uint256 electionId, uint256 nullifier) external view returns (uint256) {
        return _nullifierBlocks[electionId][nullifier];
    }

    // ---------------------------------------------------------------- internals

    function _existing(uint256 electionId) private view returns (Election storage election) {
        election = _elections[electionId];
        if (election.phase == Phase.None) revert ElectionNotFound(electionId);
    }

    function _requirePhase(uint256 electionId, Phase current, Phase required) private pure {
        if (current != required) revert WrongPhase(electionId, current, required);
    }

    /// @dev The admin role may change hands in Registration and Voting; Voting is the last phase
    /// that allows it, so it is the one WrongPhase names.
    function _requireNotClosed(uint256 electionId, Phase current) private pure {
        if (current == Phase.Closed) revert WrongPhase(electionId, Phase.Closed, Phase.Voting);
    }

    /// @dev createElection's checks, in the order its errors are documented.
    function _checkConfig(ElectionConfig calldata config) private view {
        if (bytes(config.title).length == 0) revert EmptyTitle();
        if (config.numOptions < MIN_OPTIONS || config.numOptions > MAX_OPTIONS) {
            revert InvalidOptionCount(config.numOptions, MAX_OPTIONS);
        }
        // max == 0 is refused, unlike in SealedZkBallot: the only valid ballot would be the
        // blank one, so every election would end with an all-zero tally that decides nothing.
        if (
            config.minSelections > config.maxSelections ||
            config.maxSelections > config.numOptions ||
            config.maxSelections == 0
        ) {
            revert InvalidSelectionRange(config.minSelections, config.maxSelections, config.numOptions);
        }
        if (config.registrar == address(0)) revert ZeroAddress();
        bool startsBeforeEnd = config.votingStartsAt == 0 || config.votingEndsAt == 0 ||
            config.votingStartsAt < config.votingEndsAt;
        bool endsInFuture = config.votingEndsAt == 0 || config.votingEndsAt > block.timestamp;
        if (!startsBeforeEnd || !endsInFuture) {
            revert InvalidVotingWindow(config.votingStartsAt, config.votingEndsAt, block.timestamp);
        }
    }

    /// @dev Every rule castVote applies before the proof, as the error it would revert with
    /// (empty when the vote may proceed), so castVotes can skip instead of reverting.
    function _checkVote(
        uint256 electionId,
        Election storage election,
        uint256 ballot,
        uint256 nullifier,
        uint256[8] calldata proof
    ) private view returns (bytes memory rejection) {
        Phase phase = election.phase;
        if (phase == Phase.None) return abi.encodeWithSelector(ElectionNotFound.selector, electionId);
        if (phase != Phase.Voting) {
            return abi.encodeWithSelector(WrongPhase.selector, electionId, phase, Phase.Voting);
        }
        if (block.timestamp < election.votingStartsAt) {
            return abi.encodeWithSelector(VotingNotStarted.selector, electionId, election.votingStartsAt);
        }
        if (election.votingEndsAt != 0 && block.timestamp >= election.votingEndsAt) {
            return abi.encodeWithSelector(VotingEnded.selector, electionId, election.votingEndsAt);
        }
        if (!_validBallot(ballot, election.numOptions, election.minSelections, election.maxSelections)) {
            return abi.encodeWithSelector(InvalidBallot.selector, electionId, ballot);
        }
        if (nullifier >= SNARK_SCALAR_FIELD) return abi.encodeWithSelector(NullifierOutOfField.selector, nullifier);
        rejection = _checkProofEncoding(proof);
        if (rejection.length != 0) return rejection;
        uint256 spentInBlock = _nullifierBlocks[electionId][nullifier];
        if (spentInBlock != 0) {
            return abi.encodeWithSelector(NullifierAlreadySpent.selector, electionId, nullifier, spentInBlock);
        }
    }

    /// @dev Every proof coordinate must be canonical, below the base field order q. The verifiers
    /// do not all refuse a larger one: the generated VoteVerifier negates A.y as
    /// (q - y) mod q after a 256-bit subtraction, so y + 2^256 - k*q (k = 1..5, while >= q)
    /// verifies like y. Such a copy of a pending ballot would count the same choice, yet no
    /// off-chain verifier accepts it (docs/THREATS.md, "Non-canonical proof coordinates").
    /// Virtual only so that a test contract can rebuild the unchecked behaviour for the auditor's tests.
    function _checkProofEncoding(uint256[8] calldata proof) internal pure virtual returns (bytes memory rejection) {
        for (uint256 i = 0; i < PROOF_WORDS; ++i) {
            if (proof[i] >= BN254_BASE_FIELD) {
                return abi.encodeWithSelector(ProofCoordinateOutOfField.selector, i, proof[i]);
            }
        }
    }

    /// @dev Adds one to every option the (already checked) ballot chooses: one pass per set
    /// bit, lowest first, so a single-choice ballot costs one tally write as before.
    function _countVote(uint256 electionId, uint256 ballot, uint256 nullifier, uint256[8] calldata proof) private {
        _nullifierBlocks[electionId][nullifier] = block.number;
        uint256[MAX_OPTIONS] storage tally = _tallies[electionId];
        for (uint256 rest = ballot; rest != 0; ) {
            uint256 withoutLowest = rest & (rest - 1);
            ++tally[Math.log2(rest ^ withoutLowest)];
            rest = withoutLowest;
        }
        emit VoteCast(electionId, nullifier, ballot, proof);
    }

    /// @dev castVotes entry by entry, each one as castVote would take it; an entry castVote
    /// would revert on is skipped with a VoteSkipped event. Effects of earlier entries are
    /// applied before later ones are checked, so a repeated nullifier is caught as spent.
    function _castOneByOne(VoteSubmission[] calldata submissions) private returns (uint256 counted) {
        uint256 size = submissions.length;
        for (uint256 i = 0; i < size; ++i) {
            VoteSubmission calldata submission = submissions[i];
            uint256 electionId = submission.electionId;
            Election storage election = _elections[electionId];
            bytes memory rejection = _checkVote(
                electionId,
                election,
                submission.ballot,
                submission.nullifier,
                submission.proof
            );
            if (rejection.length == 0) {
                _requireGasForVerifier(PROOF_GAS_CAP);
                bool valid = _verifyVoteProof(
                    election.voterRollRoot,
                    submission.nullifier,
                    electionScope(electionId),
                    submission.ballot,
                    submission.proof,
                    PROOF_GAS_CAP
                );
                if (!valid) rejection = abi.encodeWithSelector(InvalidProof.selector, electionId, submission.nullifier);
            }
            if (rejection.length != 0) {
                emit VoteSkipped(electionId, submission.nullifier, rejection);
                continue;
            }
            _countVote(electionId, submission.ballot, submission.nullifier, submission.proof);
            ++counted;
        }
    }

    /// @dev Whether `submission` names the election and nullifier of an eligible entry before it.
    function _repeatsEarlierEntry(
        VoteSubmission[] calldata submissions,
        uint256[] memory eligible,
        uint256 eligibleCount,
        VoteSubmission calldata submission
    ) private pure returns (bool) {
        for (uint256 k = 0; k < eligibleCount; ++k) {
            VoteSubmission calldata earlier = submissions[eligible[k]];
            if (earlier.nullifier == submission.nullifier && earlier.electionId == submission.electionId) return true;
        }
        return false;
    }

    /// @dev One batch verification of the proofs of the eligible entries, each against its
    /// election's frozen root and scope.
    function _verifyBatch(
        VoteSubmission[] calldata submissions,
        uint256[] memory eligible,
        uint256 eligibleCount
    ) private view returns (bool) {
        uint256[4][] memory publicSignals = new uint256[4][](eligibleCount);
        uint256[8][] memory proofs = new uint256[8][](eligibleCount);
        for (uint256 k = 0; k < eligibleCount; ++k) {
            VoteSubmission calldata submission = submissions[eligible[k]];
            uint256 electionId = submission.electionId;
            publicSignals[k] = [
                _elections[electionId].voterRollRoot,
                submission.nullifier,
                electionScope(electionId),
                submission.ballot
            ];
            proofs[k] = submission.proof;
        }
        uint256 gasCap = BATCH_GAS_CAP_BASE + BATCH_GAS_CAP_PER_PROOF * eligibleCount;
        _requireGasForVerifier(gasCap);
        try BATCH_VERIFIER.verifyBatch{gas: gasCap}(publicSignals, proofs) returns (bool valid) {
            return valid;
        } catch {
            return false;
        }
    }

    /// @dev Public signals in the circuit's order: voterRollRoot, nullifier, electionScope, ballot.
    /// `gasCap` bounds what a malformed proof can burn: the verifier's precompile calls consume
    /// all the gas they are given when a point is not on the curve.
    function _verifyVoteProof(
        uint256 voterRollRoot,
        uint256 nullifier,
        uint256 scope,
        uint256 ballot,
        uint256[8] calldata proof,
        uint256 gasCap
    ) private view returns (bool) {
        try VERIFIER.verifyProof{gas: gasCap}(
            [proof[0], proof[1]],
            [[proof[2], proof[3]], [proof[4], proof[5]]],
            [proof[6], proof[7]],
            [voterRollRoot, nullifier, scope, ballot]
        ) returns (bool valid) {
            return valid;
        } catch {
            return false;
        }
    }

    /// @dev In castVotes a verifier that runs out of gas would answer "invalid" and the batch
    /// would go on. Refusing to call it without its full cap (after the 63/64 rule) means a
    /// verdict never depends on the transaction's gas limit: a submitter cannot get a valid
    /// ballot reported as InvalidProof by starving it.
    function _requireGasForVerifier(uint256 gasCap) private view {
        uint256 required = gasCap + gasCap / 63 + VERIFIER_CALL_OVERHEAD;
        uint256 available = gasleft();
        if (available < required) revert InsufficientGasForProof(available, required);
    }

    function _revertWith(bytes memory rejection) private pure {
        // Re-raises an ABI-encoded custom error built by _checkVote, unchanged.
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            revert(add(rejection, 0x20), mload(rejection))
        }
    }

    /// @dev A ballot is a bit set over the options (PROTOCOL.md, "Ballot"): valid iff no bit is
    /// at or above numOptions and the number of set bits is within [minSelections, maxSelections].
    /// Single choice (min = max = 1) is exactly "2^option with option < numOptions".
    function _validBallot(
        uint256 ballot,
        uint8 numOptions,
        uint8 minSelections,
        uint8 maxSelections
    ) private pure returns (bool) {
        if (ballot >> numOptions != 0) return false;
        // At most MAX_OPTIONS passes: each clears the lowest set bit.
        uint256 chosen;
        for (uint256 rest = ballot; rest != 0; rest &= rest - 1) ++chosen;
        return chosen >= minSelections && chosen <= maxSelections;
    }
}
