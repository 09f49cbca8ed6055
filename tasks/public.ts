/** Commands for anyone: status, tally. */
import { task } from "hardhat/config";

import { CliError, EXAMPLE_NETWORK, command, parseElectionId, printJson } from "./cli";

task("status", `Anyone: an election's phase, roles, roll and times; without --election, every election.  Example: npx hardhat status --election 1 ${EXAMPLE_NETWORK}`)
  .addOptionalParam("election", "election id")
  .addFlag("json", "print JSON")
  .setAction(
    command(async (args: { election?: string; json: boolean }, hre) => {
      const { connectDeployment } = await import("../lib/chain/deployments");
      const { readElectionStatus, formatTable } = await import("../lib/chain/results");
      const { zkBallot, record } = await connectDeployment(hre.ethers.provider);
      if (args.election === undefined) {
        const count = Number(await zkBallot.electionCount());
        const all = [];
        for (let id = 1; id <= count; id++) all.push(await readElectionStatus(zkBallot, BigInt(id), { fromBlock: record.deployBlock }));
        if (args.json) return printJson({ deployment: record, elections: all });
        console.log(`ZkBallot ${record.zkBallot} on chain ${record.chainId}${record.setupSecure ? "" : " (development setup: INSECURE)"}`);
        console.log(formatTable(["id", "title", "phase", "voters", "ballots"], all.map((s) => [s.electionId, s.title, s.phase, String(s.voterCount), s.ballotsCounted])));
        return;
      }
      const status = await readElectionStatus(zkBallot, parseElectionId(args.election), { fromBlock: record.deployBlock });
      if (args.json) return printJson(status);
      console.log(
        formatTable(["field", "value"], [
          ["election", status.electionId],
          ["title", status.title],
          ["phase", status.phase],
          ["admin", status.admin],
          ["registrar", status.registrar],
          ["voters on roll", String(status.voterCount)],
          ["roll root", status.voterRollRoot],
          ["roll digest", status.voterRollDigest],
          ["voting starts", status.votingStartsAt ?? "when opened"],
          ["voting ends", status.votingEndsAt ?? "when the admin closes"],
          ["ballots counted", status.ballotsCounted],
          ["ballot", status.selectionRuleText],
          ["options", status.options.map((o) => `${o.option}=${o.name}`).join(", ")],
        ]),
      );
    }),
  );

task("tally", `Anyone: ballots per option (final once the election is closed).  Example: npx hardhat tally --election 1 ${EXAMPLE_NETWORK}`)
  .addParam("election", "election id")
  .addFlag("json", "print JSON")
  .setAction(
    command(async (args: { election: string; json: boolean }, hre) => {
      const { connectDeployment } = await import("../lib/chain/deployments");
      const { readElectionStatus, formatTable } = await import("../lib/chain/results");
      const { zkBallot, record } = await connectDeployment(hre.ethers.provider);
      const status = await readElectionStatus(zkBallot, parseElectionId(args.election), { fromBlock: record.deployBlock });
      if (args.json) return printJson({ electionId: status.electionId, title: status.title, phase: status.phase, selectionRule: status.selectionRule, options: status.options, ballotsCounted: status.ballotsCounted });
      // share: of the ballots; an approval ballot counts for each option it chooses, so shares may add up to more than 100%.
      const total = Number(status.ballotsCounted);
      console.log(`${status.title} (election ${status.electionId}, ${status.phase === "Closed" ? "final" : `phase ${status.phase}, not final`})`);
      console.log(`ballot: ${status.selectionRuleText}${status.selectionRule.maxSelections > 1 ? " (a ballot counts for each option it chooses; shares are of the ballots)" : ""}`);
      console.log(
        formatTable(["#", "option", "votes", "share"], [
          ...status.options.map((o) => [String(o.option), o.name, o.votes, total === 0 ? "-" : `${((100 * Number(o.votes)) / total).toFixed(1)}%`]),
          ["", "total", status.ballotsCounted, ""],
        ]),
      );
    }),
  );

task("audit", `Anyone: re-verify a whole election from chain data alone (roll, verifier, every proof, tally); exit code 1 if any check fails.  Example: npx hardhat audit --election 1 --out audit.json --html audit.html ${EXAMPLE_NETWORK}`)
  .addParam("election", "election id")
  .addOptionalParam("address", "ZkBallot address (default: the deployment recorded for this chain)")
  .addOptionalParam("fromBlock", "first block to read logs from (default: the contract's deployment block)")
  .addOptionalParam("blockRange", "largest block range per eth_getLogs call", "5000")
  .addOptionalParam("vkey", "verification key JSON the election claims (default: circuits/build/verification_key.json)")
  .addOptionalParam("out", "write the JSON report here")
  .addOptionalParam("html", "write a self-contained HTML report here")
  .addOptionalParam("cacheDir", "cache fetched logs here so a rerun resumes")
  .addOptionalParam("compileCacheDir", "cache compiled verifiers here (default: $ZKBALLOT_COMPILE_CACHE or ~/.cache/zkballot/compiled; \"\" turns it off)")
  .addOptionalParam("transcript", "trusted setup ceremony transcript(s) to verify and match the verifier against (comma-separated paths)")
  .addOptionalParam("ptau", "the ceremony's phase-1 file, when it is not beside the transcript")
  .addFlag("json", "print the JSON report instead of the summary")
  .setAction(
    command(async (args: { election: string; address?: string; fromBlock?: string; blockRange: string; vkey?: string; out?: string; html?: string; cacheDir?: string; compileCacheDir?: string; transcript?: string; ptau?: string; json: boolean }, hre) => {
      const fs = await import("node:fs");
      const { auditElection, formatAuditSummary, renderAuditHtml, renderAuditJson } = await import("../lib/audit");
      const { readDeployment } = await import("../lib/chain/deployments");
      const { decodeElectionMetadata } = await import("../lib/chain/electionSpec");
      const { progressBar } = await import("../lib/node/progress");
      const electionId = parseElectionId(args.election);
      const provider = hre.ethers.provider;
      const { chainId } = await provider.getNetwork();
      const recorded = readDeployment(chainId);
      const address = args.address ?? recorded?.zkBallot;
      if (address === undefined) throw new CliError(`no ZkBallot address given and none recorded for chain ${chainId}`, "pass --address 0x...");
      const blockRange = Number(args.blockRange);
      if (!Number.isInteger(blockRange) || blockRange < 1) throw new CliError(`--block-range must be a positive integer, got ${args.blockRange}`);
      const fromBlock = args.fromBlock === undefined ? (args.address === undefined ? recorded?.deployBlock : undefined) : Number(args.fromBlock);
      if (fromBlock !== undefined && (!Number.isInteger(fromBlock) || fromBlock < 0)) throw new CliError(`--from-block must be a block number, got ${args.fromBlock}`);
      let verificationKey: Record<string, unknown> | undefined;
      let verificationKeySha256: string | undefined;
      if (args.vkey) {
        try {
          const text = fs.readFileSync(args.vkey);
          verificationKey = JSON.parse(text.toString("utf8")) as Record<string, unknown>;
          verificationKeySha256 = (await import("node:crypto")).createHash("sha256").update(text).digest("hex");
        } catch (error) {
          throw new CliError(`cannot read verification key ${args.vkey}: ${(error as Error).message}`);
        }
      }
      const bars = new Map<string, ReturnType<typeof progressBar>>();
      const report = await auditElection({
        provider, contractAddress: address, electionId, fromBlock, blockRange, verificationKey, verificationKeySha256, cacheDir: args.cacheDir, compileCacheDir: args.compileCacheDir,
        transcripts: args.transcript?.split(",").filter((p) => p !== ""), ptau: args.ptau,
        onProgress: (stage, done, total) => {
          if (!bars.has(stage)) bars.set(stage, progressBar(stage, total, process.stderr, { quietForMs: 1_000 }));
          bars.get(stage)!.update(done);
          if (done === total) bars.get(stage)!.done();
        },
      });
      if (args.out) fs.writeFileSync(args.out, renderAuditJson(report));
      if (args.html) {
        const election = report.election as { metadataURI: string; metadataHash: string; numOptions: number };
        const names = decodeElectionMetadata(election.metadataURI, election.metadataHash, election.numOptions)?.options ?? [];
        fs.writeFileSync(args.html, renderAuditHtml(report, names));
      }
      if (args.json) printJson(report);
      else {
        console.log(formatAuditSummary(report));
        const provenance = report.checks.find((c) => c.id === "verifier-integrity")?.evidence.provenance as { provenance?: string; contributors?: string[] } | undefined;
        if (provenance) console.log(`verifier provenance: ${provenance.provenance}${provenance.contributors ? `; contributors: ${provenance.contributors.join(", ")}` : ""}`);
      }
      if (!report.result.ok) process.exitCode = 1;
    }),
  );
