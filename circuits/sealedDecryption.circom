pragma circom 2.1.6;

// zkballot partial decryption circuit. Names follow docs/PROTOCOL.md section "Sealed elections".
//
// Statement proven, for trustee i after the close: "I know a scalar s with s·G = shareKey (my
// public share from the key ceremony) and partials[j] = s·c1Totals[j] for every option j."
// All signals are public inputs; the only private signal is the share. The contract supplies
// c1Totals from its own encrypted totals and shareKey from the key ceremony, so a proof can
// only be for this trustee and these totals.

include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/escalarmulany.circom";
include "circomlib/circuits/escalarmulfix.circom";
include "sealedVote.circom";

template SealedDecryption(nOptions) {
    signal input share;

    signal input shareKey[2];
    signal input c1Totals[nOptions][2];
    signal input partials[nOptions][2];

    signal shareBits[SCALAR_BITS()] <== Num2Bits(SCALAR_BITS())(share);

    signal derivedKey[2] <== EscalarMulFix(SCALAR_BITS(), BABYJUB_GENERATOR())(shareBits);
    derivedKey === shareKey;

    // EscalarMulAny maps the identity (no ballot at all) to the identity, as it should.
    signal decrypted[nOptions][2];
    for (var j = 0; j < nOptions; j++) {
        decrypted[j] <== EscalarMulAny(SCALAR_BITS())(shareBits, c1Totals[j]);
        decrypted[j] === partials[j];
    }
}
