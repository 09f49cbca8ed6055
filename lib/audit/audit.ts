/**
 * The auditor's public API, kept at its old path for tasks/public.ts and existing callers:
 * auditElection (lib/audit/index.ts), the report types, and the renderers.
 */
export * from "./index";
