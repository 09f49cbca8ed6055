/** Voter commands: identity new/commitment, vote, my-ballot. */
import type { Signer } from "ethers";
import { scope, task } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { CliError, EXAMPLE_NETWORK, checkRelayerUrl, command, parseElectionId, parseOptionList, printJson, signerAt } from "./cli";

const IDENTITY_PARAM = "your identity: a name (alice: ~/.zkballot/identities/alice.identity.json) or a path";

const identity = scope("identity", "Voter: your anonymous voter identity");

identity
  .task(
    "new",
    "Create a voter identity file (mode 0600; never overwrites). A bare name is stored in ~/.zkballot/identities/ ($ZKBALLOT_HOME/identities); a path inside a git work tree that git does not ignore is refused.  Example: npx hardhat identity new --out alice",
  )
  .addOptionalParam("out", "a name (alice: ~/.zkballot/identities/alice.identity.json) or a path for the identity file", "voter")
  .addFlag("allowGitWorkTree", "write the file even where `git add .` would commit it (inside a git work tree, not ignored)")
  .addFlag("fromSigner", "derive the identity from a signature of the --account wallet, so it can be re-derived later")
  .addOptionalParam("account", "with --from-signer: index of the wallet account", "0")
  .setAction(
    command(async (args: { out: string; allowGitWorkTree: boolean; fromSigner: boolean; account: string }, hre) => {
      const { createIdentity, identityFromSignature, IDENTITY_DERIVATION_MESSAGE } = await import("../lib/core/identity");
      const { prepareIdentityLocation, resolveIdentityPath, saveIdentity } = await import("../lib/node/identityFile");
      const { toHex32 } = await import("../lib/core/field");
      const file = resolveIdentityPath(args.out);
      const location = prepareIdentityLocation(file, { allowInWorkTree: args.allowGitWorkTree });
      const voter = args.fromSigner
        ? await identityFromSignature(await (await signerAt(hre, args.account)).signMessage(IDENTITY_DERIVATION_MESSAGE))
        : await createIdentity();
      saveIdentity(voter, file);
      console.log(`identity written to ${file} (readable by you only)`);
      if (location.workTree !== undefined) {
        console.error(
          location.ignoredByGit
            ? `note: ${file} is inside the git work tree ${location.workTree}; git ignores it, but copies of that directory carry your secret`
            : `warning: ${file} is inside the git work tree ${location.workTree} and git does not ignore it: \`git add .\` would commit your secret`,
        );
      }
      console.log(`voter commitment (give this to the registrar): ${toHex32(voter.voterCommitment)}`);
      console.log(
        args.fromSigner
          ? "backup: the same wallet re-derives this identity with `identity new --from-signer`; keep the file private all the same"
          : "backup: copy this file somewhere safe and private; whoever holds it can vote as you, and a lost file cannot be recovered",
      );
    }, { contracts: false }),
  );

identity
  .task("commitment", "Print the voter commitment of an identity file: what you hand to the registrar.  Example: npx hardhat identity commitment --identity alice")
  .addParam("identity", IDENTITY_PARAM)
  .setAction(
    command(async (args: { identity: string }) => {
      const { loadIdentity, resolveIdentityPath } = await import("../lib/node/identityFile");
      const { toHex32 } = await import("../lib/core/field");
      console.log(toHex32((await loadIdentity(resolveIdentityPath(args.identity))).voterCommitment));
    }, { contracts: false }),
  );

task(
  "vote",
  `Voter: prove you are on the roll and cast your ballot, through a relayer (--relayer URL, private) or from an account you choose (--account N on a local node, --private-key-env VAR).  Example: npx hardhat vote --election 1 --identity alice --option 2 --relayer http://127.0.0.1:8645 ${EXAMPLE_NETWORK}`,
)
  .addParam("election", "election id")
  .addParam("identity", IDENTITY_PARAM)
  .addParam("option", "option number (0, 1, ...) or option name; several, comma-separated, in an approval election")
  .addOptionalParam("rollFile", "roll file (from `roll export`) instead of reading every roll event; checked against the chain")
  .addOptionalParam("relayer", "URL of a zkballot relayer: it submits the ballot, so no account of yours appears on-chain (the private path)")
  .addOptionalParam("account", "send the transaction yourself from the network's account N (a local node's unlocked accounts)")
  .addOptionalParam("privateKeyEnv", "send the transaction yourself from the key in this environment variable (e.g. VOTER_PRIVATE_KEY in .env)")
  .addOptionalParam("contract", "a SealedZkBallot address: vote in that sealed election (options comma-separated for approval; --relayer must then serve that contract)")
  .addOptionalParam("challenge", "sealed elections: have a ballot prepared, write it with its randomness to this file and discard it (Benaloh challenge; nothing is cast)")
  .setAction(
    command(async (args: { election: string; identity: string; option: string; rollFile?: string; account?: string; relayer?: string; privateKeyEnv?: string; contract?: string; challenge?: string }, hre) => {
      if (args.contract !== undefined || args.challenge !== undefined) return voteSealed(hre, args);
      const { loadIdentity, resolveIdentityPath } = await import("../lib/node/identityFile");
      const { assertVotingAllowed, castPreparedBallot, computeVoterRollDigest, fetchVoterRoll, prepareBallot } = await import("../lib/chain/election");
      const { connectDeployment } = await import("../lib/chain/deployments");
      const { readVoterRollFile } = await import("../lib/node/rollFile");
      const { readElectionStatus } = await import("../lib/chain/results");
      const { VoterRoll } = await import("../lib/core/voterRoll");
      const { spinner } = await import("../lib/node/progress");
      const electionId = parseElectionId(args.election);
      const sender = await chooseBallotSender(hre, args);
      const voter = await loadIdentity(resolveIdentityPath(args.identity));
      const { zkBallot, record } = await connectDeployment(sender ?? hre.ethers.provider);

      const status = await readElectionStatus(zkBallot, electionId, { fromBlock: record.deployBlock });
      // Phase and window first, before the roll is read and the proof made, each refusal naming the real state.
      const [election, latest] = await Promise.all([zkBallot.getElection(electionId), zkBallot.runner!.provider!.getBlock("latest")]);
      assertVotingAllowed(electionId, election, BigInt(latest!.timestamp));
      const option = parseOptionList(args.option, status.options.map((o) => o.name));
      const chosen = describeChoice(option, option.map((i) => status.options[i].name).join(", "));
      let commitments: bigint[];
      if (args.rollFile) {
        commitments = readVoterRollFile(args.rollFile);
        if (BigInt(commitments.length) !== election.voterCount || computeVoterRollDigest(commitments) !== election.voterRollDigest) {
          throw new CliError(`${args.rollFile} is not this election's roll: its count or digest differs from the chain's`, "re-export it with `roll export`");
        }
      } else {
        commitments = await fetchVoterRoll(zkBallot, electionId, { fromBlock: record.deployBlock });
      }
      const voterRoll = await VoterRoll.build(commitments, { depth: record.rollDepth });

      let proving: ReturnType<typeof spinner> | undefined;
      const prepared = await prepareBallot({ zkBallot, electionId, identity: voter, option, voterRoll, onProving: () => (proving = spinner("proving")), logOptions: { fromBlock: record.deployBlock } });
      proving?.stop("proof ready");
      if (args.relayer !== undefined) {
        const { submitToRelayer, waitForRelayedBallot } = await import("../lib/relayer/client");
        const retry = { onRetry: (code: number, waitMs: number) => console.error(`relayer busy (HTTP ${code}); retrying in ${Math.ceil(waitMs / 1000)} s`) };
        const accepted = await submitToRelayer(args.relayer, prepared, retry);
        console.log(`relayer accepted the ballot: receipt ${accepted.receiptId}`);
        const final = await waitForRelayedBallot(args.relayer, accepted.receiptId, prepared, { retry, onStatus: (receipt) => console.error(`relayer: ${receipt.status}`) });
        if (final.status === "rejected") throw new CliError(`the relayer's transaction did not count the ballot: ${final.reason ?? "no reason given"}`);
        console.log(`ballot cast in election ${electionId}: ${chosen}, block ${final.blockNumber}, tx ${final.transactionHash}, via relayer (${final.status === "final" ? "final" : "included; final after the relayer's confirmation depth"})`);
      } else {
        const from = await sender!.getAddress();
        const role = [from === status.admin && "admin", from === status.registrar && "registrar"].filter(Boolean).join(" and ");
        console.error(
          `warning: this ballot is sent from ${from}${role ? `, the election's ${role}` : ""}; that account is now publicly linked to the ballot's transaction. ` +
            "For anonymity send from an account with no link to you, or use --relayer.",
        );
        const receipt = await castPreparedBallot(zkBallot, prepared);
        console.log(`ballot cast in election ${electionId}: ${chosen}, block ${receipt.blockNumber}, tx ${receipt.hash}, ${receipt.gasUsed} gas`);
      }
      console.log(`check it any time: npx hardhat my-ballot --election ${electionId} --identity ${args.identity} --network ${hre.network.name}`);
    }),
  );

/**
 * `vote --contract` (a sealed election): the Benaloh challenge with --challenge, else a cast from
 * --account; the same commands as `sealed-vote challenge` and `sealed-vote cast`.
 */
async function voteSealed(hre: HardhatRuntimeEnvironment, args: { election: string; identity: string; option: string; account?: string; relayer?: string; privateKeyEnv?: string; contract?: string; challenge?: string }): Promise<void> {
  if (args.contract === undefined) throw new CliError("--challenge is for sealed elections", "pass the SealedZkBallot address with --contract");
  if (args.challenge !== undefined) {
    const extra = [args.account !== undefined && "--account", args.relayer !== undefined && "--relayer", args.privateKeyEnv !== undefined && "--private-key-env"].filter(Boolean);
    if (extra.length > 0) throw new CliError(`--challenge casts nothing, so ${extra.join(" and ")} has no use`, "challenge first, then vote again without --challenge to cast a fresh ballot");
    await hre.run({ scope: "sealed-vote", task: "challenge" }, { contract: args.contract, election: args.election, option: args.option, out: args.challenge });
    console.log(`to cast, run vote again without --challenge: a fresh ballot is encrypted with new randomness`);
    return;
  }
  if (args.privateKeyEnv !== undefined) throw new CliError("--private-key-env does not take sealed ballots yet", "vote through a relayer with --relayer URL, or from a local node's account with --account N");
  if (args.relayer !== undefined && args.account !== undefined) throw new CliError("choose one of --relayer and --account, not --relayer and --account");
  if (args.relayer === undefined && args.account === undefined) {
    throw new CliError("vote in a sealed election needs to know who submits the ballot", "pass --relayer URL (a relayer serving this SealedZkBallot; no account of yours on-chain), or --account N (an account with no link to you keeps the ballot anonymous)");
  }
  await hre.run({ scope: "sealed-vote", task: "cast" }, { contract: args.contract, election: args.election, identity: args.identity, option: args.option, account: args.account, relayer: args.relayer });
}

/**
 * Who submits the ballot: the relayer (undefined), or the account the voter named. There is no
 * default: account 0 of a local node and the key of `--network testnet` are the operator's, and
 * a ballot sent from them would link the operator's account to it (issue 11, point 4).
 */
async function chooseBallotSender(hre: HardhatRuntimeEnvironment, args: { relayer?: string; account?: string; privateKeyEnv?: string }): Promise<Signer | undefined> {
  const chosen = [args.relayer !== undefined && "--relayer", args.account !== undefined && "--account", args.privateKeyEnv !== undefined && "--private-key-env"].filter(Boolean);
  if (chosen.length === 0) {
    throw new CliError(
      "vote needs to know who submits the ballot",
      "pass --relayer URL (private: no account of yours on-chain), or send it yourself with --account N (a local node) or --private-key-env VAR (a variable holding the voter account's key)",
    );
  }
  if (chosen.length > 1) throw new CliError(`choose one of --relayer, --account and --private-key-env, not ${chosen.join(" and ")}`);
  if (args.relayer !== undefined) {
    checkRelayerUrl(args.relayer);
    return undefined;
  }
  if (args.account !== undefined) return signerAt(hre, args.account);
  const { walletFromEnv } = await import("../lib/node/keys");
  return walletFromEnv(args.privateKeyEnv!, hre.ethers.provider);
}

/** "option 2 (Abstain)", "options 0, 2 (Yes, Abstain)", "no option (a blank ballot)"; `names`: the chosen options' names. */
function describeChoice(options: readonly number[], names: string): string {
  if (options.length === 0) return "no option (a blank ballot)";
  return `${options.length === 1 ? "option" : "options"} ${options.join(", ")} (${names})`;
}

task("my-ballot", `Voter: check that your ballot is on-chain, has a valid proof and is counted (in a sealed election: in the encrypted totals).  Example: npx hardhat my-ballot --election 1 --identity alice ${EXAMPLE_NETWORK}`)
  .addParam("election", "election id")
  .addParam("identity", IDENTITY_PARAM)
  .addOptionalParam("contract", "a SealedZkBallot address, for a sealed election (default: the open ZkBallot recorded for this chain)")
  .addFlag("json", "print JSON")
  .setAction(
    command(async (args: { election: string; identity: string; contract?: string; json: boolean }, hre) => {
      if (args.contract !== undefined) return mySealedBallot(hre, { ...args, contract: args.contract });
      const { loadIdentity, resolveIdentityPath } = await import("../lib/node/identityFile");
      const { connectDeployment } = await import("../lib/chain/deployments");
      const { checkMyBallot } = await import("../lib/chain/results");
      const { zkBallot, record } = await connectDeployment(hre.ethers.provider);
      const report = await checkMyBallot(zkBallot, parseElectionId(args.election), await loadIdentity(resolveIdentityPath(args.identity)), { fromBlock: record.deployBlock });
      if (args.json) return printJson(report);
      if (!report.voted || report.record === undefined) {
        console.log(`no ballot from this identity in election ${args.election} (nullifier ${report.nullifier})`);
        return;
      }
      console.log(`your ballot: ${describeChoice(report.record.selections ?? [], report.record.optionName)}`);
      console.log(`recorded in block ${report.record.blockNumber}, tx ${report.record.transactionHash}`);
      console.log(`proof re-verified off-chain: ${report.proofVerifiedOffChain ? "valid" : "INVALID"}`);
      if (report.proofProblem) console.log(`  ${report.proofProblem.code}: ${report.proofProblem.message}`);
      console.log(`counted in the tally: ${report.countedInTally ? "yes (the recount of all ballots matches the on-chain tally)" : "NO"}`);
      if (!report.proofVerifiedOffChain || !report.countedInTally) process.exitCode = 1;
    }),
  );

/** `my-ballot --contract` on a sealed election: on chain, proof valid, in the encrypted totals, and (after the tally) the totals decrypt to the counts. */
async function mySealedBallot(hre: HardhatRuntimeEnvironment, args: { election: string; identity: string; contract: string; json: boolean }): Promise<void> {
  const { loadIdentity, resolveIdentityPath } = await import("../lib/node/identityFile");
  const { checkMySealedBallot } = await import("../lib/sealed/flow/myBallot");
  const { sealedVerificationKey } = await import("../lib/sealed/flow/prover");
  const { connectSealed } = await import("./sealed");
  const contract = await connectSealed(hre, args.contract);
  const report = await checkMySealedBallot(contract, parseElectionId(args.election), await loadIdentity(resolveIdentityPath(args.identity)), sealedVerificationKey("sealedVote"));
  if (args.json) return printJson(report);
  if (!report.voted || report.record === undefined) {
    console.log(`no ballot from this identity in sealed election ${args.election} (nullifier ${report.nullifier})`);
    return;
  }
  console.log(`your sealed ballot (nullifier ${report.nullifier}): block ${report.record.blockNumber}, tx ${report.record.transactionHash}; its choice stays encrypted`);
  console.log(`proof re-verified off-chain: ${report.proofVerifiedOffChain ? "valid" : "INVALID"}`);
  console.log(`in the encrypted totals: ${report.includedInTotals ? `yes (the sum of all ${report.ballotsInTotals} ballots' ciphertexts, yours among them, is the contract's totals)` : "NO (the contract's totals are not the sum of the ballots)"}`);
  if (report.tally === undefined) console.log("tally: not final yet (run my-ballot again after `sealed-tally finalize`)");
  else console.log(`the totals decrypt to the final counts ${report.tally.counts.join(", ")} (trustees ${report.tally.trustees.join(", ")}): ${report.tally.totalsDecryptToCounts ? "yes" : "NO"}`);
  if (!report.proofVerifiedOffChain || !report.includedInTotals || report.tally?.totalsDecryptToCounts === false) process.exitCode = 1;
}
