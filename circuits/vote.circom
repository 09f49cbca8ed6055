pragma circom 2.1.6;

// zkballot vote circuit. Names follow docs/PROTOCOL.md section "Circuit".
//
// Statement proven: "I know an identity secret whose voter commitment is a leaf of the
// voter roll with root `voterRollRoot`; `nullifier` is that secret's nullifier for
// `electionScope`; and this proof is bound to `ballot`."

include "circomlib/circuits/poseidon.circom";

// Domain tags keep the two Poseidon uses apart: a voter commitment can never be
// mistaken for a nullifier, whatever the inputs (PROTOCOL.md, "Domain separation").
function COMMITMENT_DOMAIN() { return 1; }
function NULLIFIER_DOMAIN() { return 2; }

// voterCommitment = Poseidon(COMMITMENT_DOMAIN, identitySecret)
template VoterCommitment() {
    signal input identitySecret;
    signal output voterCommitment;

    voterCommitment <== Poseidon(2)([COMMITMENT_DOMAIN(), identitySecret]);
}

// nullifier = Poseidon(NULLIFIER_DOMAIN, electionScope, identitySecret)
template Nullifier() {
    signal input identitySecret;
    signal input electionScope;
    signal output nullifier;

    nullifier <== Poseidon(3)([NULLIFIER_DOMAIN(), electionScope, identitySecret]);
}

// Recomputes the root of a binary Poseidon Merkle tree of fixed `depth` from a leaf and its
// authentication path. pathIndices[i] = 1 means the running node is the right child at level i.
template VoterRollMembership(depth) {
    signal input leaf;
    signal input pathIndices[depth];
    signal input siblings[depth];
    signal output root;

    signal node[depth + 1];
    signal left[depth];
    signal right[depth];

    node[0] <== leaf;
    for (var i = 0; i < depth; i++) {
        // A path bit other than 0 or 1 would let the prover blend node and sibling.
        pathIndices[i] * (1 - pathIndices[i]) === 0;

        // left = bit ? sibling : node ; right = bit ? node : sibling (one multiplication).
        left[i] <== node[i] + pathIndices[i] * (siblings[i] - node[i]);
        right[i] <== siblings[i] + node[i] - left[i];

        node[i + 1] <== Poseidon(2)([left[i], right[i]]);
    }
    root <== node[depth];
}

// A public input that takes part in no constraint can be changed without invalidating a
// Groth16 proof. Squaring it puts the ballot into the constraint system, so a relayer or
// block builder cannot swap the ballot of a proof it carries.
template BallotBinding() {
    signal input ballot;
    signal ballotSquare;

    ballotSquare <== ballot * ballot;
}

template Vote(depth) {
    // Private witness.
    signal input identitySecret;
    signal input pathIndices[depth];
    signal input siblings[depth];

    // Public inputs (see `component main` below for their order).
    signal input electionScope;
    signal input ballot;

    // Public outputs.
    signal output voterRollRoot;
    signal output nullifier;

    signal voterCommitment <== VoterCommitment()(identitySecret);

    voterRollRoot <== VoterRollMembership(depth)(voterCommitment, pathIndices, siblings);

    nullifier <== Nullifier()(identitySecret, electionScope);

    BallotBinding()(ballot);
}
