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
include "circomlib/circuits/escalarmulfix.circom";

// Scalars are taken as 251-bit numbers: the subgroup order l is below 2^251, so every residue
// mod l has such a representative, and a bit decomposition of 251 bits cannot wrap the field.
function SCALAR_BITS() { return 251; }
// The variable-base multiplication reads a scalar as 125 windows of 2 bits and a top bit.
function SCALAR_WINDOWS() { return 125; }

// G: circomlib's Base8, the generator of the prime-order subgroup of Baby Jubjub.
function BABYJUB_GENERATOR() {
    return [
        5299619240641551281634865583518297030282874472190772894086521144482721001553,
        16950150798460657717958625567821834550301663161624707787222815936182638968203
    ];
}

// The election key's multiples k·4^i·K (k = 1, 2, 3) for the 2-bit windows i = 0..windows-1 of
// a scalar, and 4^windows·K for its top bit (251 = 2·125 + 1 bits): the part of r·K that does
// not depend on r, computed once per ballot and shared by every option's multiplication
// (PROTOCOL.md 13.3, "One key table for all options"). Complete twisted Edwards formulas
// (BabyAdd, BabyDbl) have no exceptional inputs on Baby Jubjub (d is not a square), so no
// entry can leave an addition's output free, whatever the key.
template KeyWindowTable(windows) {
    signal input key[2];
    signal output multiples[windows][3][2];
    signal output topMultiple[2];

    multiples[0][0] <== key;
    for (var i = 0; i < windows; i++) {
        (multiples[i][1][0], multiples[i][1][1]) <== BabyDbl()(multiples[i][0][0], multiples[i][0][1]);
        (multiples[i][2][0], multiples[i][2][1]) <== BabyAdd()(multiples[i][1][0], multiples[i][1][1], multiples[i][0][0], multiples[i][0][1]);
        // 4^(i+1)·K = 2·(2·4^i·K)
        if (i + 1 < windows) {
            (multiples[i + 1][0][0], multiples[i + 1][0][1]) <== BabyDbl()(multiples[i][1][0], multiples[i][1][1]);
        } else {
            (topMultiple[0], topMultiple[1]) <== BabyDbl()(multiples[i][1][0], multiples[i][1][1]);
        }
    }
}

// The table entry a 2-bit window selects: (b0 + 2·b1)·4^i·K, the identity (0, 1) for 00.
// A choice by b0 within each half of the table (identity or 1·, 2· or 3·), then one by b1:
// each coordinate of each choice is one product, 6 constraints in all.
template WindowSelect() {
    signal input windowBits[2];
    signal input multiples[3][2];
    signal output point[2];

    signal low[2];
    low[0] <== windowBits[0] * multiples[0][0];
    low[1] <== 1 + windowBits[0] * (multiples[0][1] - 1);
    signal high[2];
    high[0] <== multiples[1][0] + windowBits[0] * (multiples[2][0] - multiples[1][0]);
    high[1] <== multiples[1][1] + windowBits[0] * (multiples[2][1] - multiples[1][1]);
    point[0] <== low[0] + windowBits[1] * (high[0] - low[0]);
    point[1] <== low[1] + windowBits[1] * (high[1] - low[1]);
}

// r·K from the 2·windows + 1 bits of r and the key's window table: the sum of the entries
// the windows select, by complete additions. (circomlib's EscalarMulAny redoes the 250
// doublings of K for every option; with the table shared, a multiplication costs 12
// constraints per 2 bits instead of about 18.)
template WindowedKeyMul(windows) {
    signal input scalarBits[2 * windows + 1];
    signal input multiples[windows][3][2];
    signal input topMultiple[2];
    signal output product[2];

    signal selected[windows][2];
    signal sums[windows + 1][2];
    for (var i = 0; i < windows; i++) {
        selected[i] <== WindowSelect()([scalarBits[2 * i], scalarBits[2 * i + 1]], multiples[i]);
        if (i == 0) {
            sums[0] <== selected[0];
        } else {
            (sums[i][0], sums[i][1]) <== BabyAdd()(sums[i - 1][0], sums[i - 1][1], selected[i][0], selected[i][1]);
        }
    }
    // The top bit b selects b·4^windows·K: the identity (0, 1) or the entry, linear once b is known.
    signal topBit <== scalarBits[2 * windows];
    signal topX <== topBit * topMultiple[0];
    signal topY <== 1 + topBit * (topMultiple[1] - 1);
    (sums[windows][0], sums[windows][1]) <== BabyAdd()(sums[windows - 1][0], sums[windows - 1][1], topX, topY);
    product <== sums[windows];
}

// One option's exponential ElGamal ciphertext of a bit, under the election key whose window
// table is `keyMultiples` and `keyTopMultiple`. The key is fixed by the contract from the key
// ceremony, never by the prover (the complete formulas need no assumption on it to be sound).
template BitEncryption() {
    var windows = SCALAR_WINDOWS();
    signal input plaintext;
    signal input randomness;
    signal input keyMultiples[windows][3][2];
    signal input keyTopMultiple[2];
    signal output c1[2];
    signal output c2[2];

    // The plaintext is a bit: a 2 or a -1 would let one ballot add or remove extra votes.
    plaintext * (plaintext - 1) === 0;

    // One decomposition of r serves both scalar multiplications, so both use the same r.
    signal randomnessBits[SCALAR_BITS()] <== Num2Bits(SCALAR_BITS())(randomness);

    // c1 = r·G (fixed base: windowed table of constants, about a quarter of the variable base).
    c1 <== EscalarMulFix(SCALAR_BITS(), BABYJUB_GENERATOR())(randomnessBits);

    // r·electionKey, from the key's table shared by all options.
    signal sharedPoint[2] <== WindowedKeyMul(windows)(randomnessBits, keyMultiples, keyTopMultiple);

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

    // The key's window table, once for all options.
    signal keyMultiples[SCALAR_WINDOWS()][3][2];
    signal keyTopMultiple[2];
    (keyMultiples, keyTopMultiple) <== KeyWindowTable(SCALAR_WINDOWS())(electionKey);

    var count = 0;
    for (var j = 0; j < nOptions; j++) {
        (c1[j], c2[j]) <== BitEncryption()(plaintexts[j], randomness[j], keyMultiples, keyTopMultiple);
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
