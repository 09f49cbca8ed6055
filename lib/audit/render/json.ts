/** The JSON renderer: the report, version 2 (lib/audit/types.ts AuditReport), as written by `audit --out`. */
import type { AuditReport } from "../types";

export function renderAuditJson(report: AuditReport): string {
  return JSON.stringify(report, null, 2) + "\n";
}
