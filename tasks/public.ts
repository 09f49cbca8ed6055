/** Commands for anyone: status, tally. */
import { task } from "hardhat/config";

import { EXAMPLE_NETWORK, command, parseElectionId, printJson } from "./cli";

task("status", `Anyone: an election's phase, roles, roll and times; without --election, every election.  Example: npx hardhat status --election 1 ${EXAMPLE_NETWORK}`)
  .addOptionalParam("election", "election id")
  .addFlag("json", "print JSON")
  .setAction(
    command(async (args: { election?: string; json: boolean }, hre) => {
      const { connectDeployment } = await import("../lib/deployments");
      const { readElectionStatus, formatTable } = await import("../lib/results");
      const { zkBallot, record } = await connectDeployment(hre.ethers.provider);
      if (args.election === undefined) {
        const count = Number(await zkBallot.electionCount());
        const all = [];
        for (let id = 1; id <= count; id++) all.push(await readElectionStatus(zkBallot, BigInt(id)));
        if (args.json) return printJson({ deployment: record, elections: all });
        console.log(`ZkBallot ${record.zkBallot} on chain ${record.chainId}${record.setupSecure ? "" : " (development setup: INSECURE)"}`);
        console.log(formatTable(["id", "title", "phase", "voters", "ballots"], all.map((s) => [s.electionId, s.title, s.phase, String(s.voterCount), s.ballotsCounted])));
        return;
      }
      const status = await readElectionStatus(zkBallot, parseElectionId(args.election));
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
      const { connectDeployment } = await import("../lib/deployments");
      const { readElectionStatus, formatTable } = await import("../lib/results");
      const { zkBallot } = await connectDeployment(hre.ethers.provider);
      const status = await readElectionStatus(zkBallot, parseElectionId(args.election));
      if (args.json) return printJson({ electionId: status.electionId, title: status.title, phase: status.phase, options: status.options, ballotsCounted: status.ballotsCounted });
      const total = Number(status.ballotsCounted);
      console.log(`${status.title} (election ${status.electionId}, ${status.phase === "Closed" ? "final" : `phase ${status.phase}, not final`})`);
      console.log(
        formatTable(["#", "option", "votes", "share"], [
          ...status.options.map((o) => [String(o.option), o.name, o.votes, total === 0 ? "-" : `${((100 * Number(o.votes)) / total).toFixed(1)}%`]),
          ["", "total", status.ballotsCounted, ""],
        ]),
      );
    }),
  );
