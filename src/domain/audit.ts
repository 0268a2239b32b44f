/**
 * One line of the audit trail: who did what, when, from which channel, to which deployment,
 * the state before and after, and the decision with its reason. Append-only: nothing rewrites
 * a line once written.
 */
export const AUDIT_ACTIONS = [
  "requested",
  "dry-run",
  "confirmed",
  "cancelled",
  "expired",
  "approved",
  "rejected",
  "refused",
  "started",
  "succeeded",
  "failed",
  "locked",
  "unlocked",
  "lock-broken",
  "access-changed",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export interface AuditEntry {
  actorId: string;
  channelId?: string | null;
  deploymentName?: string | null;
  environment?: string | null;
  operationId?: string | null;
  action: AuditAction;
  decision?: string | null;
  reason?: string | null;
  before?: unknown;
  after?: unknown;
  data?: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  id: bigint;
  at: Date;
}

const CSV_COLUMNS = ["id", "at", "actorId", "channelId", "deploymentName", "environment", "operationId", "action", "decision", "reason", "before", "after"] as const;

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return "";
  const text = value instanceof Date ? value.toISOString() : typeof value === "object" ? JSON.stringify(value) : String(value);
  // Quote every cell that could break the row, and neutralize spreadsheet formulas.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** RFC 4180 CSV, one line per event, JSON for the before/after columns. */
export function auditCsv(records: readonly AuditRecord[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const record of records) lines.push(CSV_COLUMNS.map((column) => csvCell(record[column])).join(","));
  return `${lines.join("\r\n")}\r\n`;
}

export function auditJson(records: readonly AuditRecord[]): string {
  return JSON.stringify(records.map((record) => ({ ...record, id: record.id.toString(), at: record.at.toISOString() })), null, 2);
}
