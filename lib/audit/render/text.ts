/** The text renderer: the human summary of an audit report. */
import type { AuditReport } from "../types";

/** The human summary: one line per check, then each finding with its block and transaction. */
export function formatAuditSummary(report: AuditReport): string {
  const lines = [`zkballot audit of election ${report.electionId} ("${String(report.election.title)}") at ${report.contract} on chain ${report.chainId}, blocks ${report.blocks.from}-${report.blocks.to}`];
  for (const check of report.checks) {
    lines.push(`  [${check.status.toUpperCase().padEnd(4)}] ${check.id.padEnd(18)} ${check.title}`);
    for (const finding of check.findings) {
      const where = finding.blockNumber !== undefined ? ` (block ${finding.blockNumber}${finding.transactionHash ? `, tx ${finding.transactionHash}` : ""})` : "";
      lines.push(`         - ${finding.code ? `${finding.code}: ` : ""}${finding.message}${where}`);
    }
    for (const warning of check.warnings) lines.push(`         ! ${warning}`);
  }
  lines.push(report.result.ok ? `RESULT: PASS (${report.result.passed} passed, ${report.result.warned} with warnings)` : `RESULT: FAIL (${report.result.failed} checks failed)`);
  return lines.join("\n");
}
