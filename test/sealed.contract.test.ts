/**
 * SealedZkBallot end to end on Hardhat's in-process network: a 3-of-5 key ceremony posted on
 * chain, five sealed ballots (one castVote, the rest in one castVotes), the close, partial
 * decryptions from three trustees with one absent, and the tally the contract checks. Proofs
 * are slow (seconds each on 2 cores), so the ballots and decryption proofs are made once and
 * reused by the refusal tests. Gas of every step is printed for bench/sealed.ts's rows.
 */
import { expect } from "chai";
import { ethers, network } from "hardhat";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import type { SealedZkBallot } from "../typechain-types";
import { identityFromSecret, type VoterIdentity } from "../lib/core/identity";
import { VoterRoll } from "../lib/core/voterRoll";
import { createComplaint, createDealing, deriveElectionKey, evaluatePolynomial, resolveComplaint } from "../lib/sealed/dkg";
import { GENERATOR, SUBGROUP_ORDER, addPoints, multiplyGenerator, subtractPoints, type Point } from "../lib/sealed/babyjub";
import { SEALED_MAX_OPTIONS, encryptBallot, singleChoice } from "../lib/sealed/ballot";
import { newTrusteeKey, communicationKeyPair } from "../lib/sealed/flow/trusteeKey";
import { releaseSnarkjs } from "../lib/proving/prover";
import { proveSealedBallot, proveSealedDecryption, sealedVerificationKey, verifySealedProof, verifySealedProofs, type ProvenSealedBallot } from "../lib/sealed/flow/prover";
import { sealedVoteSignals } from "../lib/sealed/circuitInput";
import { SNARK_SCALAR_FIELD } from "../lib/core/constants";
import { inThreadBatchVerifier } from "../lib/proving/mclGroth16";
import { groth16BatchVerifierConstructorArgs } from "../lib/proving/batchVerifierContract";
import { BN254_BASE_FIELD, loadVerificationKey } from "../lib/proving/prover";
import { Groth16BatchVerifier__factory, SealedZkBallot__factory } from "../typechain-types";
import { takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import { twistPointOutsideSubgroup } from "./helpers/bn254";
import type { ContractTransactionReceipt } from "ethers";
import {
  assertKeyFileMatches,
  castSealedBallot,
  castSealedBallots,
  checkReceivedShares,
  checkSharesAndComplain,
  createSealedElection,
  deploySealedZkBallot,
  deriveTrusteeShare,
  fetchCommunicationKeys,
  fetchDealerSets,
  fetchDealings,
  fetchEncryptedTotals,
  fileComplaint,
  finalizeSealedTally,
  postCommunicationKey,
  postCommunicationKeyOnce,
  postDealing,
  postDealingOnce,
  recoverSealedCounts,
  runLocalKeyCeremony,
  type LocalCeremony,
  sealedDkgParameters,
  trusteeDecrypt,
  trusteeDecryptOnce,
} from "../lib/sealed/flow/election";

const OPTIONS = 4;
const CHOICES = [2, 0, 2, 3, 2]; // expected tally [1, 0, 3, 1]

describe("SealedZkBallot: a 3-of-5 sealed election on chain", function () {
  this.timeout(600_000);

  let contract: SealedZkBallot;
  let admin: HardhatEthersSigner;
  let trustees: HardhatEthersSigner[];
  let relayer: HardhatEthersSigner;
  let electionId: bigint;
  let otherElectionId: bigint;
  let scope: bigint;
  let electionKey: Point;
  let ceremony: LocalCeremony;
  let shares: bigint[];
  let voters: VoterIdentity[];
  let roll: VoterRoll;
  let ballots: ProvenSealedBallot[];
  let underOtherKey: ProvenSealedBallot;

  before(async function () {
    const signers = await ethers.getSigners();
    [admin, relayer] = signers;
    trustees = signers.slice(2, 7);
    contract = await deploySealedZkBallot(admin);
    const spec = { title: "Sealed", numOptions: OPTIONS, minSelections: 1, maxSelections: 1, registrar: admin.address, trustees: trustees.map((t) => t.address), threshold: 3 };
    ({ electionId, electionScope: scope } = await createSealedElection(contract, spec));
    ({ electionId: otherElectionId } = await createSealedElection(contract, { ...spec, title: "Other", trustees: [trustees[0].address], threshold: 1 }));
    ceremony = await runLocalKeyCeremony(contract, electionId, trustees, admin);
    await runLocalKeyCeremony(contract, otherElectionId, [trustees[0]], admin);
    const [, , , key] = await contract.getElection(electionId);
    electionKey = { x: key[0], y: key[1] };
    shares = [];
    for (let t = 1; t <= 5; t++) shares.push(await deriveTrusteeShare(contract, electionId, t, ceremony.keys[t - 1], ceremony.ownShares[t - 1]));

    voters = await Promise.all(CHOICES.map((_, i) => identityFromSecret(BigInt(1000 + i))));
    roll = await VoterRoll.build(voters.map((v) => v.voterCommitment));
    for (const id of [electionId, otherElectionId]) {
      await contract.publishVoterCommitments(id, 0, voters.map((v) => v.voterCommitment));
      await contract.openVoting(id, roll.root);
    }
    ballots = [];
    for (const [i, voter] of voters.entries()) {
      ballots.push(await proveSealedBallot({ identitySecret: voter.identitySecret, path: roll.pathOf(voter.voterCommitment), electionScope: scope, electionKey, rule: singleChoice(OPTIONS), selected: [CHOICES[i]] }));
    }
    const [, , , otherKey] = await contract.getElection(otherElectionId);
    underOtherKey = await proveSealedBallot({ identitySecret: voters[0].identitySecret, path: roll.pathOf(voters[0].voterCommitment), electionScope: scope, electionKey: { x: otherKey[0], y: otherKey[1] }, rule: singleChoice(OPTIONS), selected: [1] });
    console.log(`      sealed proof times (ms): ${ballots.map((b) => b.provingMs).join(", ")}`);
    console.log(`      DKG gas: communication key ${ceremony.gas.communicationKey[0]}, dealing ${ceremony.gas.dealing.join("/")}, fixElectionKey ${ceremony.gas.fixKey}`);
  });

  after(async () => releaseSnarkjs());

  it("fixes the election key from the dealers' commitments (as the library derives it)", async function () {
    const params = await sealedDkgParameters(contract, electionId);
    const derived = deriveElectionKey(params, ceremony.dealings, [1, 2, 3, 4, 5]);
    expect(electionKey).to.deep.equal(derived.electionKey);
    const onChain = await fetchDealings(contract, electionId);
    expect(onChain.map((d) => d.commitments)).to.deep.equal(ceremony.dealings.map((d) => d.commitments));
    for (let t = 1; t <= 5; t++) {
      const [x, y] = await contract.shareKeyOf(electionId, t);
      expect({ x, y }).to.deep.equal(derived.shareKeys[t - 1]);
    }
  });

  it("refuses re-running a ceremony step (each key-file step says it is done), and voting before the key is fixed", async function () {
    // The ceremony is over once voting is open: no step can be re-run.
    await expect(postCommunicationKey(contract.connect(trustees[0]), electionId, ceremony.keys[0])).to.be.rejectedWith(/WrongPhase/);
    await expect(postDealing(contract.connect(trustees[1]), electionId, ceremony.dealings[1])).to.be.rejectedWith(/WrongPhase/);
    await expect(contract.fixElectionKey(electionId)).to.be.revertedWithCustomError(contract, "WrongPhase");
    const spec = { title: "Unkeyed", numOptions: 2, minSelections: 1, maxSelections: 1, registrar: admin.address, trustees: [trustees[0].address, trustees[1].address], threshold: 2 };
    const { electionId: unkeyed } = await createSealedElection(contract, spec);
    const where = { chainId: (await ethers.provider.getNetwork()).chainId, contract: await contract.getAddress(), electionId: unkeyed };
    const [file1, file2] = [newTrusteeKey(where, 1, 2), newTrusteeKey(where, 2, 2)];
    const [as1, as2] = [contract.connect(trustees[0]), contract.connect(trustees[1])];
    await assertKeyFileMatches(as1, file1, trustees[0]);
    await expect(assertKeyFileMatches(as1, file1, trustees[1])).to.be.rejectedWith(/not trustee 1 of election/);
    await expect(assertKeyFileMatches(as1, { ...file1, chainId: 1n }, trustees[0])).to.be.rejectedWith(/the key file is for contract 0x[0-9a-fA-F]{40} on chain 1/);
    expect((await postCommunicationKeyOnce(as1, file1)).done).to.equal("posted");
    expect(await postCommunicationKeyOnce(as1, file1)).to.deep.equal({ done: "already" });
    await expect(postCommunicationKeyOnce(as1, { ...file1, communicationSecret: file2.communicationSecret })).to.be.rejectedWith(/already posted another communication key/);
    await expect(postCommunicationKey(as1, unkeyed, communicationKeyPair(file1))).to.be.rejectedWith(/TrusteeStepRepeated\(\d+, 1, communication key\)/);
    await expect(as1.postDealing(unkeyed, [], [])).to.be.revertedWithCustomError(contract, "CommunicationKeysMissing").withArgs(unkeyed, 1, 2);
    await expect(postDealingOnce(as1, file1)).to.be.rejectedWith(/trustees 2 have not posted communication keys yet/);
    await postCommunicationKeyOnce(as2, file2);
    expect((await postDealingOnce(as1, file1)).done).to.equal("posted");
    expect(await postDealingOnce(as1, file1)).to.deep.equal({ done: "already" });
    const [dealing1] = await fetchDealings(contract, unkeyed);
    await expect(postDealing(as1, unkeyed, dealing1)).to.be.rejectedWith(/TrusteeStepRepeated\(\d+, 1, dealing\)/);
    await expect(contract.fixElectionKey(unkeyed)).to.be.revertedWithCustomError(contract, "TooFewDealers").withArgs(unkeyed, 1, 2);
    await contract.publishVoterCommitments(unkeyed, 0, [voters[0].voterCommitment]);
    await expect(contract.openVoting(unkeyed, roll.root)).to.be.revertedWithCustomError(contract, "ElectionKeyNotFixed").withArgs(unkeyed);
    await expect(contract.connect(relayer).postCommunicationKey(unkeyed, [0, 1])).to.be.revertedWithCustomError(contract, "NotTrustee");
    await postDealingOnce(as2, file2);
    expect(await checkReceivedShares(as1, file1)).to.deep.equal({ dealers: [1, 2], bad: [] });
    await expect(contract.connect(trustees[0]).fixElectionKey(unkeyed)).to.be.revertedWithCustomError(contract, "NotAdmin");
    await contract.fixElectionKey(unkeyed);
    await expect(contract.fixElectionKey(unkeyed)).to.be.revertedWithCustomError(contract, "TrusteeStepRepeated").withArgs(unkeyed, 0, "fix election key");
    await expect(postDealing(as2, unkeyed, dealing1)).to.be.rejectedWith(/TrusteeStepRepeated\(\d+, 2, key ceremony is over\)/);
    expect(await postCommunicationKeyOnce(as2, file2)).to.deep.equal({ done: "already" });
  });

  it("a bad DKG share: its recipient finds it, its complaint is upheld off chain and on chain, and the dealer leaves the key; false and void complaints are refused", async function () {
    const spec = { title: "Complaint", numOptions: 2, minSelections: 1, maxSelections: 1, registrar: admin.address, trustees: trustees.slice(0, 3).map((t) => t.address), threshold: 2 };
    const { electionId: id } = await createSealedElection(contract, spec);
    const where = { chainId: (await ethers.provider.getNetwork()).chainId, contract: await contract.getAddress(), electionId: id };
    const files = [1, 2, 3].map((t) => newTrusteeKey(where, t, 2));
    const as = (t: number) => contract.connect(trustees[t - 1]);
    for (const t of [1, 2, 3]) await postCommunicationKeyOnce(as(t), files[t - 1]);
    const params = await sealedDkgParameters(contract, id);
    const keys = (await fetchCommunicationKeys(contract, id)) as Point[];
    // Dealer 1 sends trustee 2 a share off its polynomial by one.
    const { dealing } = await createDealing(params, 1, communicationKeyPair(files[0]), keys, files[0].coefficients);
    const bad = { ...dealing, encryptedShares: dealing.encryptedShares.map((s) => (s.recipient === 2 ? { ...s, ciphertext: (s.ciphertext + 1n) % SUBGROUP_ORDER } : s)) };
    await postDealing(as(1), id, bad);
    await postDealingOnce(as(2), files[1]);
    await postDealingOnce(as(3), files[2]);
    expect(await checkReceivedShares(as(2), files[1])).to.deep.equal({ dealers: [1, 2, 3], bad: [1] });
    expect(await checkReceivedShares(as(3), files[2])).to.deep.equal({ dealers: [1, 2, 3], bad: [] });
    // Trustee 2 cannot build a share with dealer 1 in the qualified set: it must complain.
    await expect(deriveTrusteeShare(contract, id, 2, communicationKeyPair(files[1]), 0n)).to.be.rejectedWith(/fails its commitments/);
    const onChain = await fetchDealings(contract, id);
    const complaint = await createComplaint(params, 2, communicationKeyPair(files[1]), 1, keys[0]);
    expect(await resolveComplaint(params, complaint, onChain[0], keys)).to.deep.include({ upheld: true, faulty: "dealer" });
    // A false complaint (trustee 3 about dealer 2's valid share) resolves against the complainer.
    const falseComplaint = await createComplaint(params, 3, communicationKeyPair(files[2]), 2, keys[1]);
    expect(await resolveComplaint(params, falseComplaint, onChain[1], keys)).to.deep.include({ upheld: false, faulty: "complainer", why: "share is valid" });
    // A complaint with another trustee's ECDH point is void.
    expect(await resolveComplaint(params, { ...complaint, ecdhPoint: falseComplaint.ecdhPoint }, onChain[0], keys)).to.deep.include({ upheld: false, why: "bad ECDH proof" });

    // The contract resolves the same complaints by the same rule.
    await expect(fileComplaint(as(3), id, falseComplaint, onChain[1])).to.be.rejectedWith(/ComplaintRejected\(\d+, 2, 3\)/);
    await expect(fileComplaint(as(2), id, { ...complaint, ecdhPoint: falseComplaint.ecdhPoint }, onChain[0])).to.be.rejectedWith(/InvalidComplaint\(\d+, 1, 2, ECDH proof fails\)/);
    await expect(fileComplaint(as(2), id, { ...complaint, proof: { ...complaint.proof, response: (complaint.proof.response + 1n) % SUBGROUP_ORDER } }, onChain[0])).to.be.rejectedWith(/ECDH proof fails/);
    const forged = { ...onChain[0], encryptedShares: onChain[0].encryptedShares.map((e) => (e.recipient === 2 ? { ...e, ciphertext: e.ciphertext + 1n } : e)) };
    await expect(fileComplaint(as(2), id, complaint, forged)).to.be.rejectedWith(/InvalidComplaint\(\d+, 1, 2, not the posted dealing\)/);
    await expect(fileComplaint(as(2), id, { ...complaint, dealer: 2 }, onChain[1])).to.be.rejectedWith(/InvalidComplaint\(\d+, 2, 2/);
    // `trustee check` for trustee 2 files the complaint; the contract disqualifies dealer 1.
    const filed = await checkSharesAndComplain(as(2), files[1]);
    expect(filed.complainedAbout).to.deep.equal([1]);
    console.log(`      fileComplaint gas (upheld, k = 2): ${filed.gasUsed}`);
    const upheld = await contract.queryFilter(contract.filters.ComplaintUpheld(id, 1, 2));
    expect(upheld).to.have.length(1);
    expect(await fetchDealerSets(contract, id)).to.deep.equal({ qualified: [2, 3], disqualified: [1] });
    expect(await checkSharesAndComplain(as(2), files[1])).to.deep.equal({ dealers: [2, 3], complainedAbout: [], gasUsed: 0n });
    await expect(fileComplaint(as(3), id, await createComplaint(params, 3, communicationKeyPair(files[2]), 1, keys[0]), onChain[0])).to.be.rejectedWith(/not a qualified dealer/);
    await expect(postDealing(as(1), id, dealing)).to.be.rejectedWith(/TrusteeStepRepeated\(\d+, 1, dealing\)/);
    // The key and the share keys are those of the qualified dealers 2 and 3 alone.
    await contract.fixElectionKey(id);
    const derived = deriveElectionKey(params, onChain, [2, 3]);
    const [, , , fixed] = await contract.getElection(id);
    expect({ x: fixed[0], y: fixed[1] }).to.deep.equal(derived.electionKey);
    for (const t of [1, 2, 3]) {
      const [x, y] = await contract.shareKeyOf(id, t);
      expect({ x, y }).to.deep.equal(derived.shareKeys[t - 1]);
    }
    // Every trustee (the disqualified dealer too) still holds a working share of the key.
    for (const t of [1, 2, 3]) {
      const share = await deriveTrusteeShare(contract, id, t, communicationKeyPair(files[t - 1]), evaluatePolynomial(files[t - 1].coefficients, t));
      expect(multiplyGenerator(share)).to.deep.equal(derived.shareKeys[t - 1]);
    }
    await expect(fileComplaint(as(2), id, complaint, onChain[0])).to.be.rejectedWith(/key ceremony is over/);
  });

  it("refuses a ballot under another election's key, and ciphertexts altered or swapped by a relayer", async function () {
    await expect(castSealedBallot(contract, electionId, underOtherKey)).to.be.rejectedWith(/InvalidProof/);
    const words = [...ballots[0].ciphertextWords];
    const swapped = [...words.slice(2, 4), ...words.slice(0, 2), ...words.slice(4)]; // c1 of options 0 and 1 swapped
    await expect(contract.castVote(electionId, ballots[0].nullifier, swapped, ballots[0].proof)).to.be.revertedWithCustomError(contract, "InvalidProof");
    await expect(contract.castVote(electionId, ballots[0].nullifier, [...ballots[1].ciphertextWords], ballots[0].proof)).to.be.revertedWithCustomError(contract, "InvalidProof");
    // Ballot 0 chose option 2. With its proof, c2 + G on option 2 (a plaintext of 2), c2 + G on
    // option 0 (two options in a single-choice ballot), and c2 − G on option 0 with c2 + G on
    // option 1 (a -1 that moves a vote, the sum still 1) are all refused.
    const shiftC2 = (shifts: Record<number, 1 | -1>) => {
      const shifted = [...words];
      for (const [option, sign] of Object.entries(shifts)) {
        const at = 16 + 2 * Number(option);
        const c2 = { x: shifted[at], y: shifted[at + 1] };
        const moved = sign === 1 ? addPoints(c2, GENERATOR) : subtractPoints(c2, GENERATOR);
        [shifted[at], shifted[at + 1]] = [moved.x, moved.y];
      }
      return shifted;
    };
    for (const tampered of [shiftC2({ 2: 1 }), shiftC2({ 0: 1 }), shiftC2({ 0: -1, 1: 1 })]) {
      await expect(contract.castVote(electionId, ballots[0].nullifier, tampered, ballots[0].proof)).to.be.revertedWithCustomError(contract, "InvalidProof").withArgs(electionId, ballots[0].nullifier);
    }
    // And no honest client encrypts such a ballot (the circuit tests show no witness exists).
    expect(() => encryptBallot(electionKey, singleChoice(OPTIONS), [0n, 0n, 2n, 0n])).to.throw(/option 2's plaintext 2 is not 0 or 1/);
    expect(() => encryptBallot(electionKey, singleChoice(OPTIONS), [-1n, 1n, 1n, 0n])).to.throw(/option 0's plaintext -1 is not 0 or 1/);
    expect(() => encryptBallot(electionKey, singleChoice(OPTIONS), [1n, 0n, 1n, 0n])).to.throw(/2 options selected/);
    // The ballot is valid for its own election only: another election has another scope and key.
    await expect(castSealedBallot(contract, otherElectionId, ballots[0])).to.be.rejectedWith(/InvalidProof/);
    // A ballot for option 6, which this 4-option election does not have (it would count for
    // none), proven as if the election had 8 options: the contract supplies numOptions itself.
    const beyond = await proveSealedBallot({ identitySecret: voters[1].identitySecret, path: roll.pathOf(voters[1].voterCommitment), electionScope: scope, electionKey, rule: singleChoice(SEALED_MAX_OPTIONS), selected: [6] });
    await expect(castSealedBallot(contract, electionId, beyond)).to.be.rejectedWith(/InvalidProof/);
    expect(await contract.nullifierSpentInBlock(electionId, beyond.nullifier)).to.equal(0n);
    expect(await contract.nullifierSpentInBlock(electionId, ballots[0].nullifier)).to.equal(0n);
  });

  /** Calls from the contract to BATCH_VERIFIER and to VOTE_VERIFIER in a transaction (from its trace). */
  const verifierCalls = async (hash: string): Promise<{ batch: number; single: number }> => {
    const trace = (await network.provider.send("debug_traceTransaction", [hash, { disableStorage: true, disableMemory: true }])) as { structLogs: { op: string; depth: number; stack: string[] }[] };
    const targets = trace.structLogs.filter((log) => log.op === "STATICCALL" && log.depth === 1).map((log) => BigInt("0x" + log.stack[log.stack.length - 2]));
    const [batchVerifier, voteVerifier] = [BigInt(await contract.BATCH_VERIFIER()), BigInt(await contract.VOTE_VERIFIER())];
    return { batch: targets.filter((t) => t === batchVerifier).length, single: targets.filter((t) => t === voteVerifier).length };
  };

  /** Ballot 2's words with c2 of option 2 plus G: a plaintext of 2 under ballot 2's proof. */
  const alteredWords = (): bigint[] => {
    const altered = [...ballots[2].ciphertextWords];
    const moved = addPoints({ x: altered[20], y: altered[21] }, GENERATOR);
    [altered[20], altered[21]] = [moved.x, moved.y];
    return altered;
  };

  /** Proofs with the public signals the contract builds: valid 0, 1, 6; invalid 2 to 5. */
  const batchItems = () => {
    const signalsOf = (ballot: ProvenSealedBallot, words: readonly bigint[] = ballot.ciphertextWords) =>
      sealedVoteSignals({ voterRollRoot: roll.root, nullifier: ballot.nullifier, ciphertextWords: words, electionScope: scope, electionKey, minSelections: 1, maxSelections: 1, numOptions: OPTIONS });
    const aliased = signalsOf(ballots[3]);
    aliased[1] += SNARK_SCALAR_FIELD; // the same nullifier once reduced mod r
    return [
      { signals: signalsOf(ballots[0]), proof: ballots[0].proof },
      { signals: signalsOf(ballots[1]), proof: ballots[1].proof },
      { signals: signalsOf(ballots[2], alteredWords()), proof: ballots[2].proof },
      { signals: aliased, proof: ballots[3].proof },
      { signals: signalsOf(underOtherKey), proof: underOtherKey.proof },
      { signals: signalsOf(ballots[4]), proof: ballots[3].proof },
      { signals: signalsOf(ballots[4]), proof: ballots[4].proof },
    ];
  };

  it("batch-verifies sealed proofs off chain with snarkjs's verdict on each: valid ones, an altered ciphertext, a nullifier aliased by + r, another key's ballot, a borrowed proof", async function () {
    const items = batchItems();
    const expected = [true, true, false, false, false, false, true];
    const oneByOne = await Promise.all(items.map((item) => verifySealedProof("sealedVote", item.signals, item.proof)));
    expect(oneByOne).to.deep.equal(expected);
    for (const options of [{}, { batchSize: 2, individualThreshold: 1 }, { engine: "ffjavascript" as const }, { engine: "ffjavascript" as const, batchSize: 3 }]) {
      expect(await verifySealedProofs("sealedVote", items, options), JSON.stringify(options)).to.deep.equal(expected);
    }
    // The mcl check itself, on this thread: the valid ballots pass as one batch, the altered one
    // fails it, and it leaves the aliased signal to snarkjs instead of reducing it.
    const check = await inThreadBatchVerifier(sealedVerificationKey("sealedVote"));
    const asStrings = (item: { signals: readonly bigint[]; proof: readonly bigint[] }) => ({ signals: item.signals.map(String), proof: item.proof.map(String) });
    expect(check([items[0], items[1], items[6]].map(asStrings))).to.deep.equal({ ok: true, uncovered: [] });
    expect(check([items[0], items[2]].map(asStrings)).ok).to.equal(false);
    expect(check([items[3]].map(asStrings)).uncovered).to.deep.equal([0]);
  });

  it("Groth16BatchVerifier on chain holds the sealed vote key and accepts a batch only when every proof in it is valid (a signal + r, a coordinate + q, an altered ciphertext, another key, a borrowed proof each fail it)", async function () {
    const verifier = Groth16BatchVerifier__factory.connect(await contract.BATCH_VERIFIER(), admin);
    expect(await verifier.PUBLIC_SIGNALS()).to.equal(40n);
    const [expectedKey] = groth16BatchVerifierConstructorArgs(sealedVerificationKey("sealedVote"), 40);
    const stored = await verifier.verificationKey();
    expect(JSON.stringify(stored.ic.map((p) => p.map(String)))).to.equal(JSON.stringify(expectedKey.ic.map((p) => p.map(String))));
    const items = batchItems();
    const call = (list: { signals: readonly bigint[]; proof: readonly bigint[] }[]) => verifier.verifyBatch(list.flatMap((item) => [...item.signals]), list.map((item) => [...item.proof]));
    expect(await call([items[0], items[1], items[6]])).to.equal(true);
    expect(await call([items[6]])).to.equal(true);
    for (const bad of [2, 3, 4, 5]) expect(await call([items[0], items[bad], items[6]]), `item ${bad}`).to.equal(false);
    const plusQ = [...items[0].proof];
    plusQ[0] += BN254_BASE_FIELD; // A.x + q: the same point once reduced mod q
    expect(await call([{ ...items[0], proof: plusQ }, items[1]])).to.equal(false);
    const offCurve = [...items[0].proof];
    offCurve[1] += 1n;
    expect(await call([{ ...items[0], proof: offCurve }, items[1]])).to.equal(false);
    expect(await call([])).to.equal(false);
    await expect(verifier.verifyBatch(items[0].signals.slice(1), [[...items[0].proof]])).to.be.revertedWithCustomError(verifier, "LengthMismatch").withArgs(39n, 1n);
    // The constructor refuses a key off its curve and a verifier for another circuit.
    const factory = new Groth16BatchVerifier__factory(admin);
    const broken = { ...expectedKey, ic: expectedKey.ic.map((p, j) => (j === 3 ? [p[0], p[1] + 1n] as [bigint, bigint] : p)) };
    await expect(factory.deploy(broken)).to.be.revertedWithCustomError(factory, "InvalidVerificationKey");
    const openVerifier = await factory.deploy(groth16BatchVerifierConstructorArgs(loadVerificationKey(), 4)[0]);
    const sealedFactory = new SealedZkBallot__factory(admin);
    await expect(sealedFactory.deploy(await contract.VOTE_VERIFIER(), await contract.DECRYPTION_VERIFIER(), await openVerifier.getAddress())).to.be.revertedWithCustomError(sealedFactory, "BatchVerifierMismatch").withArgs(4n, 40n);
  });

  it("castVotes falls back to one proof at a time when the batch check fails or a nullifier repeats in the batch, with castVote's outcome for every entry", async function () {
    const snapshot = await takeSnapshot();
    const reasons = (receipt: ContractTransactionReceipt) =>
      receipt.logs.map((l) => contract.interface.parseLog(l)).filter((p) => p?.name === "VoteSkipped").map((p) => [p!.args.nullifier as bigint, contract.interface.parseError(p!.args.reason)?.name]);
    const altered = { ...ballots[2], ciphertextWords: alteredWords() };
    const mixed = await castSealedBallots(contract, electionId, [ballots[1], altered, ballots[3]]);
    expect(reasons(mixed)).to.deep.equal([[ballots[2].nullifier, "InvalidProof"]]);
    expect(await verifierCalls(mixed.hash)).to.deep.equal({ batch: 1, single: 3 });
    expect((await contract.getElection(electionId))[2]).to.equal(2n);
    await snapshot.restore();
    const repeated = await castSealedBallots(contract, electionId, [ballots[1], ballots[1], ballots[3]]);
    expect(reasons(repeated)).to.deep.equal([[ballots[1].nullifier, "NullifierAlreadySpent"]]);
    expect(await verifierCalls(repeated.hash)).to.deep.equal({ batch: 0, single: 2 });
    await snapshot.restore();
    expect(await contract.nullifierSpentInBlock(electionId, ballots[1].nullifier)).to.equal(0n);
  });

  it("castVotes caps every verifier call: a proof whose B is outside G2 (it burns what the pairing precompile is given) costs the batch check, not the batch; too little gas is InsufficientGasForProof, never a skipped valid ballot", async function () {
    const snapshot = await takeSnapshot();
    const outsideG2: ProvenSealedBallot = { ...ballots[2], proof: [...ballots[2].proof.slice(0, 2), ...twistPointOutsideSubgroup(), ...ballots[2].proof.slice(6)] as ProvenSealedBallot["proof"] };
    const entries = (list: ProvenSealedBallot[]) => list.map((b) => ({ nullifier: b.nullifier, ciphertexts: [...b.ciphertextWords], proof: b.proof }));
    const receipt = await (await contract.castVotes(electionId, entries([ballots[1], outsideG2, ballots[3]]), { gasLimit: 12_000_000 })).wait();
    const skipped = receipt!.logs.map((l) => contract.interface.parseLog(l)).filter((p) => p?.name === "VoteSkipped");
    expect(skipped.map((p) => [p!.args.nullifier, contract.interface.parseError(p!.args.reason)?.name])).to.deep.equal([[ballots[2].nullifier, "InvalidProof"]]);
    expect(await verifierCalls(receipt!.hash)).to.deep.equal({ batch: 1, single: 3 });
    await snapshot.restore();
    const outcomes = new Set<string>();
    for (let gasLimit = 600_000; gasLimit <= 2_600_000; gasLimit += 200_000) {
      const outcome = await contract.castVotes.staticCall(electionId, entries([ballots[1], ballots[3]]), { gasLimit }).then(
        (counted) => `counted ${counted}`,
        (error: { data?: unknown; message: string }) => (typeof error.data === "string" && error.data !== "0x" ? contract.interface.parseError(error.data)?.name : undefined) ?? (/out of gas|gas required exceeds|OutOfGas/i.test(error.message + JSON.stringify(error.data ?? "")) ? "out of gas" : error.message),
      );
      outcomes.add(outcome);
    }
    expect([...outcomes].every((o) => ["out of gas", "InsufficientGasForProof", "counted 2"].includes(o)), [...outcomes].join(", ")).to.equal(true);
    expect(outcomes.has("InsufficientGasForProof")).to.equal(true);
    expect(outcomes.has("counted 2")).to.equal(true);
  });

  it("counts one castVote and a castVotes batch into the encrypted totals, skipping a repeated nullifier", async function () {
    const single = await castSealedBallot(contract, electionId, ballots[0]);
    const batch = await castSealedBallots(contract, electionId, [...ballots.slice(1), ballots[0]]);
    const skipped = batch.logs.map((l) => contract.interface.parseLog(l)).filter((p) => p?.name === "VoteSkipped");
    expect(skipped).to.have.length(1);
    expect(contract.interface.parseError(skipped[0]!.args.reason)?.name).to.equal("NullifierAlreadySpent");
    console.log(`      gas: castVote ${single.gasUsed}; castVotes of 4 (+1 skipped) ${batch.gasUsed} = ${batch.gasUsed / 4n} per ballot`);
    // One batch check, no proof verified on its own.
    expect(await verifierCalls(batch.hash)).to.deep.equal({ batch: 1, single: 0 });
    const [, , ballotsCast] = await contract.getElection(electionId);
    expect(ballotsCast).to.equal(5n);
    const totals = await fetchEncryptedTotals(contract, electionId);
    const { addCiphertexts, ZERO_CIPHERTEXT } = await import("../lib/sealed/elgamal");
    const expected = Array.from({ length: 8 }, (_, j) => ballots.reduce((sum, b) => addCiphertexts(sum, b.ciphertexts[j]), ZERO_CIPHERTEXT));
    expect(totals).to.deep.equal(expected);
    await expect(castSealedBallot(contract, electionId, ballots[1])).to.be.rejectedWith(/NullifierAlreadySpent/);
    await expect(contract.connect(trustees[0]).postPartialDecryption(electionId, Array(16).fill(0n), Array(8).fill(0n))).to.be.revertedWithCustomError(contract, "WrongPhase");
    await contract.closeElection(electionId);
    await expect(castSealedBallot(contract, electionId, underOtherKey)).to.be.rejectedWith(/WrongPhase/);
  });

  it("accepts proven partial decryptions, refuses a bad one naming the trustee, and a second one", async function () {
    const decryptGas: bigint[] = [];
    for (const t of [1, 2]) {
      const { receipt, provingMs } = await trusteeDecrypt(contract.connect(trustees[t - 1]), electionId, t, shares[t - 1]);
      decryptGas.push(receipt.gasUsed);
      console.log(`      trustee ${t}: decryption proof ${provingMs} ms, postPartialDecryption gas ${receipt.gasUsed}`);
    }
    // Trustee 4 replays trustee 2's proven partials: valid for X_2, not for X_4.
    const copied = await contract.queryFilter(contract.filters.PartialDecryptionPosted(electionId, 2));
    const { partials, proof } = copied[0].args;
    await expect(contract.connect(trustees[3]).postPartialDecryption(electionId, [...partials], [...proof]))
      .to.be.revertedWithCustomError(contract, "InvalidPartialDecryption")
      .withArgs(electionId, 4, trustees[3].address);
    // Trustee 4 alters one of its own partials after proving.
    const [x, y] = await contract.shareKeyOf(electionId, 4);
    const totals = await fetchEncryptedTotals(contract, electionId);
    const own = await proveSealedDecryption(shares[3], { x, y }, totals.map((c) => c.c1));
    const altered = [...own.partialWords];
    [altered[0], altered[2]] = [altered[2], altered[0]];
    [altered[1], altered[3]] = [altered[3], altered[1]];
    await expect(contract.connect(trustees[3]).postPartialDecryption(electionId, altered, own.proof))
      .to.be.revertedWithCustomError(contract, "InvalidPartialDecryption")
      .withArgs(electionId, 4, trustees[3].address);
    await expect(trusteeDecrypt(contract.connect(trustees[0]), electionId, 1, shares[0])).to.be.rejectedWith(/TrusteeStepRepeated/);
    expect(await trusteeDecryptOnce(contract.connect(trustees[0]), ceremony.keyFiles[0])).to.deep.equal({ done: "already" });
    await expect(proveSealedDecryption(shares[0], { x, y }, totals.map((c) => c.c1))).to.be.rejectedWith(/share key/);
    // Two shares of three: the counts cannot be recovered or submitted yet.
    await expect(recoverSealedCounts(contract, electionId)).to.be.rejectedWith(/threshold is 3/);
    await expect(contract.finalizeTally(electionId, [1, 2], [1, 0, 3, 1])).to.be.revertedWithCustomError(contract, "TooFewShares").withArgs(electionId, 2, 3);
    await expect(contract.finalizeTally(electionId, [1, 2, 4], [1, 0, 3, 1])).to.be.revertedWithCustomError(contract, "ShareNotPosted").withArgs(electionId, 4);
    const good = await (await contract.connect(trustees[3]).postPartialDecryption(electionId, [...own.partialWords], own.proof)).wait();
    decryptGas.push(good!.gasUsed);
    console.log(`      postPartialDecryption gas per trustee: ${decryptGas.join(", ")}`);
  });

  it("accepts only the counts that match the totals and the shares (trustees 3 and 5 absent)", async function () {
    const { counts, trustees: used } = await recoverSealedCounts(contract, electionId);
    expect(counts).to.deep.equal([1, 0, 3, 1]);
    expect(used).to.deep.equal([1, 2, 4]);
    await expect(contract.finalizeTally(electionId, [1, 2, 4], [1, 1, 2, 1])).to.be.revertedWithCustomError(contract, "CountMismatch").withArgs(electionId, 1, 1);
    await expect(contract.finalizeTally(electionId, [1, 2, 4], [1, 0, 3])).to.be.revertedWithCustomError(contract, "WrongCountLength");
    await expect(contract.finalizeTally(electionId, [1, 2, 4], [1, 0, 6, 1])).to.be.revertedWithCustomError(contract, "CountOutOfRange").withArgs(2, 6, 5);
    await expect(contract.finalizeTally(electionId, [2, 1, 4], [1, 0, 3, 1])).to.be.revertedWithCustomError(contract, "TrusteesNotIncreasing");
    // A count plus the group order satisfies the point equation; the range check refuses it.
    const { SUBGROUP_ORDER } = await import("../lib/sealed/babyjub");
    await expect(contract.finalizeTally(electionId, [1, 2, 4], [1, 0, 3n + SUBGROUP_ORDER, 1])).to.be.revertedWithCustomError(contract, "CountOutOfRange");
    const { receipt } = await finalizeSealedTally(contract, electionId);
    console.log(`      finalizeTally gas (3 shares, ${OPTIONS} options): ${receipt.gasUsed}`);
    expect(await contract.tallies(electionId)).to.deep.equal([1n, 0n, 3n, 1n]);
    await expect(finalizeSealedTally(contract, electionId)).to.be.rejectedWith(/WrongPhase/);
  });
});
