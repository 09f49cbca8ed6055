pragma circom 2.1.6;

// zkballot sealed vote circuit. Names follow docs/PROTOCOL.md section "Sealed elections".
//
// Statement proven: "I know an identity secret whose voter commitment is a leaf of the voter
// roll with root `voterRollRoot`; `nullifier` is that secret's nullifier for `electionScope`;
// and for every option j, (c1[j], c2[j]) = (r_j·G, m_j·G + r_j·electionKey) for some r_j < 2^251
// and a plaintext m_j in {0, 1}, with m_j = 0 for every j >= numOptions (the circuit's options
// beyond the election's) and minSelections <= m_0 + ... + m_{n-1} <= maxSelections."
//
// Single choice is minSelections = maxSelections = 1; approval voting is any other range. The
// range and numOptions are public inputs, fixed by the contract for the whole election.
//
// The roll membership and nullifier are the vote circuit's own templates, included unchanged.

include "vote.circom";
include "circomlib/circuits/babyjub.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/escalarmulany.circom";
include "circomlib/circuits/escalarmulfix.circom";

// Scalars are taken as 251-bit numbers: the subgroup order l is below 2^251, so every residue
// mod l has such a representative, and a bit decomposition of 251 bits cannot wrap the field.
function SCALAR_BITS() { return 251; }

// G: circomlib's Base8, the generator of the prime-order subgroup of Baby Jubjub.
function BABYJUB_GENERATOR() {
    return [
        5299619240641551281634865583518297030282874472190772894086521144482721001553,
        16950150798460657717958625567821834550301663161624707787222815936182638968203
    ];
}

// One option's exponential ElGamal ciphertext of a bit, under `electionKey`.
// The election key must be a point of the prime-order subgroup other than the identity
// (EscalarMulAny's assumption); the contract fixes it from the key ceremony, never the prover.
template BitEncryption() {
    signal input plaintext;
    signal input randomness;
    signal input electionKey[2];
    signal output c1[2];
    signal output c2[2];

    // The plaintext is a bit: a 2 or a -1 would let one ballot add or remove extra votes.
    plaintext * (plaintext - 1) === 0;

    // One decomposition of r serves both scalar multiplications, so both use the same r.
    signal randomnessBits[SCALAR_BITS()] <== Num2Bits(SCALAR_BITS())(randomness);

    // c1 = r·G (fixed base: windowed table, about a third of a variable-base multiplication).
    c1 <== EscalarMulFix(SCALAR_BITS(), BABYJUB_GENERATOR())(randomnessBits);

    // r·electionKey (variable base: the key is a public input).
    signal sharedPoint[2] <== EscalarMulAny(SCALAR_BITS())(randomnessBits, electionKey);

    // m·G for a bit m is the identity (0, 1) or G: linear in m, no constraint needed.
    var g[2] = BABYJUB_GENERATOR();
    signal messagePoint[2];
    messagePoint[0] <== plaintext * g[0];
    messagePoint[1] <== 1 + plaintext * (g[1] - 1);

    // c2 = m·G + r·electionKey (complete twisted Edwards addition).
    (c2[0], c2[1]) <== BabyAdd()(messagePoint[0], messagePoint[1], sharedPoint[0], sharedPoint[1]);
}

// minSelections <= count <= maxSelections, for counts and bounds below 2^countBits. Each
// difference is range-checked; a count below the minimum wraps to a huge field element and
// fails the bit decomposition.
template SelectionRange(countBits) {
    signal input count;
    signal input minSelections;
    signal input maxSelections;

    signal aboveMin[countBits] <== Num2Bits(countBits)(count - minSelections);
    signal belowMax[countBits] <== Num2Bits(countBits)(maxSelections - count);
}

// inUse[j] = 1 for j < count and 0 beyond, for 0 <= count <= n: a thermometer code. Each entry
// is a bit, a 1 never follows a 0, and the bits sum to count, so the code is unique; a count
// above n has no witness. (circomlib's LessThan would do it per option, but leaves the low
// bits of its decomposition in no constraint of ours, which the --inspect gate refuses.)
template OptionsInUse(n) {
    signal input count;
    signal output inUse[n];

    var sum = 0;
    for (var j = 0; j < n; j++) {
        inUse[j] <-- j < count ? 1 : 0;
        inUse[j] * (inUse[j] - 1) === 0;
        if (j > 0) inUse[j] * (1 - inUse[j - 1]) === 0;
        sum += inUse[j];
    }
    sum === count;
}

template SealedVote(depth, nOptions) {
    // Private witness.
    signal input identitySecret;
    signal input pathIndices[depth];
    signal input siblings[depth];
    signal input plaintexts[nOptions];
    signal input randomness[nOptions];

    // Public inputs (see the main component for their order). All are fixed for the whole
    // election by the contract, never by the prover.
    signal input electionScope;
    signal input electionKey[2];
    signal input minSelections;
    signal input maxSelections;
    signal input numOptions;

    // Public outputs.
    signal output voterRollRoot;
    signal output nullifier;
    signal output c1[nOptions][2];
    signal output c2[nOptions][2];

    signal voterCommitment <== VoterCommitment()(identitySecret);
    voterRollRoot <== VoterRollMembership(depth)(voterCommitment, pathIndices, siblings);
    nullifier <== Nullifier()(identitySecret, electionScope);

    var count = 0;
    for (var j = 0; j < nOptions; j++) {
        (c1[j], c2[j]) <== BitEncryption()(plaintexts[j], randomness[j], electionKey);
        count += plaintexts[j];
    }

    // nOptions + 1 values need this many bits; the bounds are checked by the contract to be
    // 0 <= minSelections <= maxSelections <= numOptions <= nOptions.
    var countBits = 1;
    while ((1 << countBits) <= nOptions) countBits++;
    SelectionRange(countBits)(count, minSelections, maxSelections);

    // An option the election does not have must encrypt 0: otherwise a ballot could put its one
    // selection there, pass the range check and count for no option.
    signal inUse[nOptions] <== OptionsInUse(nOptions)(numOptions);
    for (var j = 0; j < nOptions; j++) {
        plaintexts[j] * (1 - inUse[j]) === 0;
    }
}
