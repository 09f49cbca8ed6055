/** Operator commands: deploy, election create/close, roll publish/export, voting open. */
import { scope, task } from "hardhat/config";

import { CliError, EXAMPLE_NETWORK, command, parseElectionId, signerAt } from "./cli";

task("deploy", `Operator: deploy the verifiers (single and batch) and ZkBallot and record them in deployments/<chainId>.json.  Example: npx hardhat deploy ${EXAMPLE_NETWORK}`)
  .addOptionalParam("account", "index of the deploying account", "0")
  .addFlag("allowInsecureDevSetup", "DANGER: deploy the development trusted setup to a non-local chain (anyone can forge proofs)")
  .addFlag("force", "deploy again even if a deployment is recorded for this chain")
  .setAction(
    command(async (args: { account: string; allowInsecureDevSetup: boolean; force: boolean }, hre) => {
      const { deployZkBallot } = await import("../lib/chain/election");
      const { loadManifest } = await import("../lib/proving/artifacts");
      const { newDeploymentRecord, readDeployment, saveDeployment } = await import("../lib/chain/deployments");
      const deployer = await signerAt(hre, args.account);
      const { chainId } = await deployer.provider!.getNetwork();
      const existing = readDeployment(chainId);
      if (existing && !args.force && (await deployer.provider!.getCode(existing.zkBallot)) !== "0x") {
        throw new CliError(`zkballot is already deployed on chain ${chainId} at ${existing.zkBallot}`, "pass --force to deploy a new instance");
      }
      const manifest = loadManifest();
      const zkBallot = await deployZkBallot(deployer, { allowInsecureDevSetup: args.allowInsecureDevSetup, log: (line) => console.error(line) });
      const receipt = await zkBallot.deploymentTransaction()!.wait();
      const record = newDeploymentRecord(chainId, await zkBallot.getAddress(), await zkBallot.VERIFIER(), await zkBallot.BATCH_VERIFIER(), receipt!.blockNumber, manifest.rollDepth, manifest.setup.secure);
      const file = saveDeployment(record);
      console.log(`ZkBallot ${record.zkBallot}\nverifier ${record.verifier}\nbatch verifier ${record.batchVerifier}\nchain ${chainId}, block ${record.deployBlock}; recorded in ${file}`);
      if (!manifest.setup.secure) console.error(`note: ${manifest.setup.warning}`);
    }),
  );

const election = scope("election", "Operator: create and close elections");

election
  .task("create", `Create an election from a spec file (JSON or YAML: title, options, optional minSelections/maxSelections, registrar and times).  Example: npx hardhat election create --spec election.yaml ${EXAMPLE_NETWORK}`)
  .addParam("spec", "path of the election spec file")
  .addOptionalParam("account", "index of the admin account", "0")
  .setAction(
    command(async (args: { spec: string; account: string }, hre) => {
      const { readElectionSpec, encodeElectionMetadata } = await import("../lib/chain/electionSpec");
      const { createElection } = await import("../lib/chain/election");
      const { connectDeployment } = await import("../lib/chain/deployments");
      const { describeSelectionRule } = await import("../lib/core/ballot");
      const spec = readElectionSpec(args.spec);
      const admin = await signerAt(hre, args.account);
      const { zkBallot } = await connectDeployment(admin);
      const registrar = spec.registrar ?? (await admin.getAddress());
      const { electionId } = await createElection(zkBallot, { ...spec, ...encodeElectionMetadata(spec), numOptions: spec.options.length, registrar });
      const rule = describeSelectionRule({ options: spec.options.length, minSelections: spec.minSelections, maxSelections: spec.maxSelections });
      console.log(`election ${electionId} created: "${spec.title}", ${spec.options.length} options (${rule}), registrar ${registrar}`);
      console.log(`next: npx hardhat roll publish --election ${electionId} --file roll.csv --network ${hre.network.name}`);
    }),
  );

election
  .task("close", `Close voting and publish the final tally (admin any time; anyone after the end time).  Example: npx hardhat election close --election 1 ${EXAMPLE_NETWORK}`)
  .addParam("election", "election id")
  .addOptionalParam("account", "index of the closing account", "0")
  .setAction(
    command(async (args: { election: string; account: string }, hre) => {
      const { closeElection } = await import("../lib/chain/election");
      const { connectDeployment } = await import("../lib/chain/deployments");
      const { zkBallot } = await connectDeployment(await signerAt(hre, args.account));
      const { tally, receipt } = await closeElection(zkBallot, parseElectionId(args.election));
      console.log(`election ${args.election} closed in block ${receipt.blockNumber}; tally: ${tally.join(", ")}`);
    }),
  );

const roll = scope("roll", "Operator: the voter roll");

roll
  .task("publish", `Publish a voter roll file (CSV or JSON) in batches; re-running resumes where the chain stops.  Example: npx hardhat roll publish --election 1 --file roll.csv ${EXAMPLE_NETWORK}`)
  .addParam("election", "election id")
  .addParam("file", "roll file: CSV (one commitment a line) or JSON array")
  .addOptionalParam("batchSize", "commitments per transaction", "500")
  .addOptionalParam("account", "index of the registrar account", "0")
  .setAction(
    command(async (args: { election: string; file: string; batchSize: string; account: string }, hre) => {
      const { readVoterRollFile } = await import("../lib/node/rollFile");
      const { publishVoterRoll } = await import("../lib/chain/election");
      const { connectDeployment } = await import("../lib/chain/deployments");
      const { progressBar } = await import("../lib/node/progress");
      const electionId = parseElectionId(args.election);
      const batchSize = Number(args.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000) throw new CliError(`--batch-size must be an integer from 1 to 5000, got ${args.batchSize}`);
      const commitments = readVoterRollFile(args.file);
      const { zkBallot } = await connectDeployment(await signerAt(hre, args.account));
      let bar: ReturnType<typeof progressBar> | undefined;
      let resumedFrom = 0;
      const receipts = await publishVoterRoll(zkBallot, electionId, commitments, {
        batchSize,
        onProgress: (published, total) => {
          if (bar === undefined) {
            resumedFrom = published;
            bar = progressBar("publishing", total);
          }
          bar.update(published);
        },
      });
      bar?.done();
      const gas = receipts.reduce((sum, receipt) => sum + receipt.gasUsed, 0n);
      if (resumedFrom > 0) console.log(`resumed: ${resumedFrom} commitments were already on-chain`);
      console.log(`roll of election ${electionId}: ${commitments.length} commitments on-chain (${receipts.length} transactions now, ${gas} gas)`);
    }),
  );

roll
  .task("export", `Write the election's roll, read from chain events and checked against the on-chain digest, to a CSV file.  Example: npx hardhat roll export --election 1 --out roll.csv ${EXAMPLE_NETWORK}`)
  .addParam("election", "election id")
  .addParam("out", "CSV file to write")
  .setAction(
    command(async (args: { election: string; out: string }, hre) => {
      const { fetchVoterRoll } = await import("../lib/chain/election");
      const { connectDeployment } = await import("../lib/chain/deployments");
      const { writeVoterRollFile } = await import("../lib/node/rollFile");
      const { zkBallot, record } = await connectDeployment(hre.ethers.provider);
      const commitments = await fetchVoterRoll(zkBallot, parseElectionId(args.election), { fromBlock: record.deployBlock });
      writeVoterRollFile(args.out, commitments);
      console.log(`wrote ${commitments.length} commitments to ${args.out}`);
    }),
  );

scope("voting", "Operator: open voting")
  .task("open", `Freeze the roll at the Poseidon root of the chain's own record of it and open voting.  Example: npx hardhat voting open --election 1 ${EXAMPLE_NETWORK}`)
  .addParam("election", "election id")
  .addOptionalParam("account", "index of the registrar account", "0")
  .setAction(
    command(async (args: { election: string; account: string }, hre) => {
      const { openVoting } = await import("../lib/chain/election");
      const { connectDeployment } = await import("../lib/chain/deployments");
      const { zkBallot, record } = await connectDeployment(await signerAt(hre, args.account));
      const { voterRollRoot, receipt } = await openVoting(zkBallot, parseElectionId(args.election), { fromBlock: record.deployBlock });
      console.log(`voting open in election ${args.election} (block ${receipt.blockNumber}); roll frozen at root ${voterRollRoot}`);
    }),
  );
