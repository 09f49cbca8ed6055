/**
 * Sealed-election commands: `sealed deploy`, `sealed create`, the trustee steps (`trustee keygen`,
 * `trustee post-key`, `trustee deal`, `trustee check`, `trustee decrypt`) and `sealed-tally finalize` (`tally` is the open elections' command).
 * Every step is idempotent (re-running one that is done says so and sends nothing) and every
 * failure is one line. The logic is lib/sealed/flow/.
 */
import { scope, task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { CliError, EXAMPLE_NETWORK, checkRelayerUrl, command, parseElectionId, parseOptionList, parseSelectionFlags, signerAt } from "./cli";

async function sealedAt(hre: HardhatRuntimeEnvironment, address: string, account: string | undefined) {
  const signer = await signerAt(hre, account);
  return { contract: await connectSealed(hre, address, signer), signer };
}

/** The SealedZkBallot at `address` (--contract), read-only unless a signer is given; refuses a non-address, no code, or an open ZkBallot. */
export async function connectSealed(hre: HardhatRuntimeEnvironment, address: string, signer?: import("ethers").Signer) {
  if (!/^0x[0-9a-fA-F]{40}$/.test(address)) throw new CliError(`--contract must be an address, got ${JSON.stringify(address)}`, "the address `sealed deploy` printed");
  const { SealedZkBallot__factory } = await import("../typechain-types");
  const { isSealedDeployment } = await import("../lib/audit/sealedContext");
  if ((await hre.ethers.provider.getCode(address)) === "0x") throw new CliError(`no contract at ${address} on network "${hre.network.name}"`, "run `npx hardhat sealed deploy` first");
  if (!(await isSealedDeployment(hre.ethers.provider, address))) throw new CliError(`the contract at ${address} is not a SealedZkBallot`, "for an open election leave out --contract");
  return SealedZkBallot__factory.connect(address, signer ?? hre.ethers.provider);
}

const SEALED_ACTIONS = "deploy | create | fix-key | publish-roll | open | close";

task("sealed", `Sealed elections (ballots encrypted to k-of-n trustees): ${SEALED_ACTIONS}.  Example: npx hardhat sealed fix-key --contract 0x.. --election 1 ${EXAMPLE_NETWORK}`)
  .addPositionalParam("action", SEALED_ACTIONS)
  .addOptionalParam("contract", "SealedZkBallot address (every action but deploy)")
  .addOptionalParam("election", "election id (fix-key, publish-roll, open, close)")
  .addOptionalParam("file", "voter roll file, CSV or JSON (publish-roll); re-running resumes where the chain stops")
  .addOptionalParam("title", "election title (create)")
  .addOptionalParam("options", "number of options, 2-8 (create)", "2")
  .addOptionalParam("minSelections", "fewest options a ballot may choose, 0 allows a blank ballot (create)", "1")
  .addOptionalParam("maxSelections", "most options a ballot may choose; above 1: approval (create)", "1")
  .addOptionalParam("trustees", "comma-separated trustee addresses (create)")
  .addOptionalParam("threshold", "k: trustees needed to decrypt (create)")
  .addOptionalParam("account", "index of the sending account", "0")
  .addFlag("allowInsecureDevSetup", "DANGER: deploy the development setup to a non-local chain")
  .setAction(
    command(async (args: { action: string; contract?: string; election?: string; file?: string; title?: string; options: string; minSelections: string; maxSelections: string; trustees?: string; threshold?: string; account: string; allowInsecureDevSetup: boolean }, hre) => {
      const flow = await import("../lib/sealed/flow/election");
      if (args.action === "deploy") {
        const contract = await flow.deploySealedZkBallot(await signerAt(hre, args.account), { allowInsecureDevSetup: args.allowInsecureDevSetup, log: (line) => console.error(line) });
        console.log(`SealedZkBallot ${await contract.getAddress()}`);
        return;
      }
      if (!["create", "fix-key", "publish-roll", "open", "close"].includes(args.action)) throw new CliError(`unknown action ${JSON.stringify(args.action)}`, SEALED_ACTIONS);
      if (!args.contract) throw new CliError(`${args.action} needs --contract`, "the address `sealed deploy` printed");
      const { contract, signer } = await sealedAt(hre, args.contract, args.account);
      if (args.action === "create") {
        if (!args.title || !args.trustees || !args.threshold) throw new CliError("create needs --title, --trustees and --threshold");
        const trustees = args.trustees.split(",").map((a) => a.trim());
        const selections = parseSelectionFlags(args.minSelections, args.maxSelections, Number(args.options));
        const { describeSelectionRule } = await import("../lib/core/ballot");
        const { electionId } = await flow.createSealedElection(contract, { title: args.title, numOptions: Number(args.options), ...selections, registrar: await signer.getAddress(), trustees, threshold: Number(args.threshold) });
        console.log(`sealed election ${electionId} created: ${describeSelectionRule({ options: Number(args.options), ...selections })}, ${trustees.length} trustees, threshold ${args.threshold}`);
        console.log(`next, each trustee: npx hardhat trustee keygen --contract ${args.contract} --election ${electionId} --account <i> --out trustee.key ${EXAMPLE_NETWORK}`);
        return;
      }
      const electionId = parseElectionId(args.election);
      const [phase] = await contract.getElection(electionId);
      if (args.action === "fix-key") {
        const result = await flow.fixSealedElectionKeyOnce(contract, electionId);
        const { qualified, disqualified } = await flow.fetchDealerSets(contract, electionId);
        console.log(result.done === "already" ? `election ${electionId}: key already fixed, nothing sent` : `election ${electionId}: key fixed from dealers ${qualified.join(", ")}${disqualified.length ? ` (disqualified: ${disqualified.join(", ")})` : ""} (${result.gasUsed} gas)`);
      } else if (args.action === "publish-roll") {
        if (!args.file) throw new CliError("publish-roll needs --file", "a roll file of voter commitments (CSV or JSON)");
        const { readVoterRollFile } = await import("../lib/node/rollFile");
        const receipts = await flow.publishSealedRoll(contract, electionId, readVoterRollFile(args.file));
        console.log(receipts.length === 0 ? `election ${electionId}: the whole roll is already on chain, nothing sent` : `election ${electionId}: roll published in ${receipts.length} batch(es), ${receipts.reduce((a, r) => a + r.gasUsed, 0n)} gas`);
      } else if (args.action === "open") {
        if (phase >= 2n) return console.log(`election ${electionId}: voting already opened, nothing sent`);
        const { VoterRoll } = await import("../lib/core/voterRoll");
        const root = (await VoterRoll.build(await flow.fetchSealedRoll(contract, electionId))).root;
        const receipt = await flow.openSealedVoting(contract, electionId, root);
        console.log(`election ${electionId}: roll frozen at root ${root}, voting open (${receipt.gasUsed} gas)`);
      } else {
        if (phase >= 3n) return console.log(`election ${electionId}: already closed, nothing sent`);
        const receipt = await flow.closeSealedElection(contract, electionId);
        console.log(`election ${electionId}: closed; the encrypted totals are final (${receipt.gasUsed} gas). Next, k trustees: npx hardhat trustee decrypt --key t.key --account <i> ${EXAMPLE_NETWORK}`);
      }
    }),
  );

const trustee = scope("trustee", "Trustee of a sealed election: keygen, post-key, deal, check, decrypt");

trustee
  .task("keygen", `Make this trustee's key file for one election (mode 0600, never overwritten).  Example: npx hardhat trustee keygen --contract 0x.. --election 1 --account 2 --out t2.key ${EXAMPLE_NETWORK}`)
  .addParam("contract", "SealedZkBallot address")
  .addParam("election", "election id")
  .addParam("out", "path of the new key file")
  .addOptionalParam("account", "index of the trustee's account", "0")
  .setAction(
    command(async (args: { contract: string; election: string; out: string; account: string }, hre) => {
      const { newTrusteeKey, saveTrusteeKey } = await import("../lib/sealed/flow/trusteeKey");
      const electionId = parseElectionId(args.election);
      const { contract, signer } = await sealedAt(hre, args.contract, args.account);
      const [, , , , trustees, threshold] = await contract.getElection(electionId);
      const me = (await signer.getAddress()).toLowerCase();
      const number = trustees.findIndex((a) => a.toLowerCase() === me) + 1;
      if (number === 0) throw new CliError(`account ${me} is not a trustee of election ${electionId}`, "pass the trustee's --account");
      const { chainId } = await signer.provider!.getNetwork();
      saveTrusteeKey(newTrusteeKey({ chainId, contract: args.contract, electionId }, number, Number(threshold)), args.out);
      console.log(`trustee ${number} of election ${electionId}: key file ${args.out} (mode 0600; keep it until the tally is final)`);
    }),
  );

function trusteeStep(name: string, description: string, run: (flow: typeof import("../lib/sealed/flow/election"), contract: import("../typechain-types").SealedZkBallot, file: import("../lib/sealed/flow/trusteeKey").TrusteeKeyFile) => Promise<string>): void {
  trustee
    .task(name, `${description}  Example: npx hardhat trustee ${name} --key t2.key --account 2 ${EXAMPLE_NETWORK}`)
    .addParam("key", "the trustee's key file")
    .addOptionalParam("account", "index of the trustee's account", "0")
    .setAction(
      command(async (args: { key: string; account: string }, hre) => {
        const flow = await import("../lib/sealed/flow/election");
        const { loadTrusteeKey } = await import("../lib/sealed/flow/trusteeKey");
        const file = loadTrusteeKey(args.key);
        const { contract, signer } = await sealedAt(hre, file.contract, args.account);
        await flow.assertKeyFileMatches(contract, file, signer);
        console.log(await run(flow, contract, file));
      }),
    );
}

const outcome = (what: string, result: { done: string; gasUsed?: bigint }) => (result.done === "already" ? `${what}: already done, nothing sent` : `${what}: posted (${result.gasUsed} gas)`);

trusteeStep("post-key", "Post this trustee's communication key for the key ceremony.", async (flow, contract, file) => outcome(`trustee ${file.trustee} communication key`, await flow.postCommunicationKeyOnce(contract, file)));
trusteeStep("deal", "Post this trustee's dealing (commitments and encrypted shares), once every key is posted.", async (flow, contract, file) => outcome(`trustee ${file.trustee} dealing`, await flow.postDealingOnce(contract, file)));
trusteeStep("check", "Check every share this trustee received against its dealer's commitments; complain on chain about each bad one (before the key is fixed).", async (flow, contract, file) => {
  const { dealers, complainedAbout, gasUsed } = await flow.checkSharesAndComplain(contract, file);
  if (complainedAbout.length > 0) return `trustee ${file.trustee}: the shares from dealers ${complainedAbout.join(", ")} fail their commitments; complaints upheld on chain, those dealers are disqualified (${gasUsed} gas)`;
  return `trustee ${file.trustee}: the shares from qualified dealers ${dealers.join(", ")} all match their commitments`;
});
trusteeStep("decrypt", "After the close: prove and post this trustee's partial decryption of the totals.", async (flow, contract, file) => {
  const result = await flow.trusteeDecryptOnce(contract, file);
  return outcome(`trustee ${file.trustee} partial decryption`, result) + (result.provingMs === undefined ? "" : `; proof ${result.provingMs} ms`);
});

// `tally` is already the open elections' task, and Hardhat refuses a scope with a task's name.
scope("sealed-tally", "Sealed tally: finalize")
  .task("finalize", `Recover the counts from k partial decryptions and have the contract check and record them.  Example: npx hardhat sealed-tally finalize --contract 0x.. --election 1 ${EXAMPLE_NETWORK}`)
  .addParam("contract", "SealedZkBallot address")
  .addParam("election", "election id")
  .addOptionalParam("account", "index of the sending account", "0")
  .setAction(
    command(async (args: { contract: string; election: string; account: string }, hre) => {
      const flow = await import("../lib/sealed/flow/election");
      const electionId = parseElectionId(args.election);
      const { contract } = await sealedAt(hre, args.contract, args.account);
      const { counts, receipt } = await flow.finalizeSealedTally(contract, electionId);
      console.log(`election ${electionId} tally: ${counts.join(", ")} (checked and recorded on chain, ${receipt.gasUsed} gas)`);
    }),
  );

// Voter: cast a sealed ballot, or challenge one (Benaloh) and check it with an independent command.
const sealedVote = scope("sealed-vote", "Voter in a sealed election: cast, or challenge a prepared ballot and check it (Benaloh)");


sealedVote
  .task("cast", `Prove and cast your sealed ballot (fresh randomness; a challenged ballot is never cast), through a relayer (--relayer URL: no account of yours on-chain) or from an account (--account N).  Example: npx hardhat sealed-vote cast --contract 0x.. --election 1 --identity alice --option 2 --relayer http://127.0.0.1:8645 ${EXAMPLE_NETWORK}`)
  .addParam("contract", "SealedZkBallot address")
  .addParam("election", "election id")
  .addParam("identity", "your identity: a name (alice: ~/.zkballot/identities/alice.identity.json) or a path")
  .addParam("option", "option number(s), comma-separated")
  .addOptionalParam("relayer", "URL of a zkballot relayer serving this SealedZkBallot (RELAYER_CONTRACT_KIND=sealed): it submits the ballot")
  .addOptionalParam("account", "index of the account that sends the transaction (default 0; not with --relayer)")
  .setAction(
    command(async (args: { contract: string; election: string; identity: string; option: string; relayer?: string; account?: string }, hre) => {
      const { loadIdentity, resolveIdentityPath } = await import("../lib/node/identityFile");
      const { readSealedVotingContext } = await import("../lib/sealed/flow/voter");
      const electionId = parseElectionId(args.election);
      if (args.relayer !== undefined && args.account !== undefined) throw new CliError("choose one of --relayer and --account, not both", "--relayer submits for you; --account sends from your own account");
      const selected = parseOptionList(args.option);
      const voter = await loadIdentity(resolveIdentityPath(args.identity));
      if (args.relayer !== undefined) return castSealedViaRelayer(hre, { ...args, relayer: checkRelayerUrl(args.relayer) }, electionId, voter, selected);
      const { castSealedVote } = await import("../lib/sealed/flow/election");
      const { contract } = await sealedAt(hre, args.contract, args.account);
      const context = await readSealedVotingContext(contract, electionId);
      console.error("proving (encrypting under the election key, with fresh randomness)...");
      const { ballot, receipt } = await castSealedVote(contract, context, voter, selected);
      console.log(`sealed ballot cast in election ${electionId}: nullifier ${ballot.nullifier}, proof ${ballot.provingMs} ms, block ${receipt.blockNumber}, ${receipt.gasUsed} gas`);
    }),
  );

/** `sealed-vote cast --relayer`: prove, hand the ballot to the relayer, print its receipt and inclusion (as the open `vote --relayer` does). */
async function castSealedViaRelayer(hre: HardhatRuntimeEnvironment, args: { contract: string; relayer: string }, electionId: bigint, voter: import("../lib/core/identity").VoterIdentity, selected: number[]): Promise<void> {
  const { readSealedVotingContext } = await import("../lib/sealed/flow/voter");
  const { relaySealedVote } = await import("../lib/sealed/flow/election");
  const contract = await connectSealed(hre, args.contract);
  const context = await readSealedVotingContext(contract, electionId);
  console.error("proving (encrypting under the election key, with fresh randomness)...");
  const retry = { onRetry: (code: number, waitMs: number) => console.error(`relayer busy (HTTP ${code}); retrying in ${Math.ceil(waitMs / 1000)} s`) };
  const { ballot, receipt } = await relaySealedVote(args.relayer, context, voter, selected, {
    retry,
    onAccepted: (accepted) => console.log(`relayer accepted the sealed ballot: receipt ${accepted.receiptId} (ciphertext digest ${accepted.ciphertextDigest}, checked)`),
    onStatus: (status) => console.error(`relayer: ${status.status}`),
  });
  if (receipt.status === "rejected") throw new CliError(`the relayer's transaction did not count the ballot: ${receipt.reason ?? "no reason given"}`);
  console.log(`sealed ballot cast in election ${electionId}: nullifier ${ballot.nullifier}, proof ${ballot.provingMs} ms, block ${receipt.blockNumber}, tx ${receipt.transactionHash}, via relayer (${receipt.status === "final" ? "final" : "included; final after the relayer's confirmation depth"})`);
}

sealedVote
  .task("challenge", `Have a ballot prepared for your choice, reveal its randomness to a file, and discard it (it is never cast).  Example: npx hardhat sealed-vote challenge --contract 0x.. --election 1 --option 2 --out challenge.json ${EXAMPLE_NETWORK}`)
  .addParam("contract", "SealedZkBallot address")
  .addParam("election", "election id")
  .addParam("option", "option number(s), comma-separated")
  .addParam("out", "where to write the challenged ballot (public: it holds no identity)")
  .setAction(
    command(async (args: { contract: string; election: string; option: string; out: string }, hre) => {
      const fs = await import("node:fs");
      const { prepareChallengedBallot, readSealedVotingContext, serializeSealedChallenge } = await import("../lib/sealed/flow/voter");
      const electionId = parseElectionId(args.election);
      const { contract } = await sealedAt(hre, args.contract, undefined);
      if (fs.existsSync(args.out)) throw new CliError(`${args.out} already exists; refusing to overwrite it`, "choose another --out");
      const challenge = prepareChallengedBallot(await readSealedVotingContext(contract, electionId), parseOptionList(args.option));
      fs.writeFileSync(args.out, serializeSealedChallenge(challenge), { flag: "wx" });
      console.log(`challenged ballot for option(s) ${challenge.selected.join(", ")} written to ${args.out}; it is discarded, never cast`);
      console.log(`check it on another device: npx hardhat sealed-vote check --challenge ${args.out} ${EXAMPLE_NETWORK}`);
    }),
  );

sealedVote
  .task("check", `Independently check a challenged ballot: re-encrypt the claimed choice under the election key read from the chain.  Example: npx hardhat sealed-vote check --challenge challenge.json ${EXAMPLE_NETWORK}`)
  .addParam("challenge", "the challenge file")
  .setAction(
    command(async (args: { challenge: string }, hre) => {
      const fs = await import("node:fs");
      const { checkSealedChallenge, parseSealedChallenge } = await import("../lib/sealed/flow/voter");
      if (!fs.existsSync(args.challenge)) throw new CliError(`${args.challenge} not found`, "write one with `sealed-vote challenge`");
      const challenge = parseSealedChallenge(fs.readFileSync(args.challenge, "utf8"), args.challenge);
      const { contract } = await sealedAt(hre, challenge.contract, undefined);
      const result = await checkSealedChallenge(contract, challenge);
      if (!result.keyMatchesChain) throw new CliError("the challenged ballot was not encrypted under this election's key on chain", "do not use this device to vote");
      if (!result.matches) throw new CliError(`the ballot does not encrypt option(s) ${challenge.selected.join(", ")}: options ${result.mismatchedOptions.join(", ")} differ`, "do not use this device to vote");
      console.log(`the challenged ballot encrypts exactly option(s) ${challenge.selected.join(", ")} under election ${challenge.electionId}'s key: the device is honest for this ballot`);
    }),
  );
