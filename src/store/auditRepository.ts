import type { Prisma, AuditEvent as AuditEventRow } from "../generated/prisma/client.js";
import { AUDIT_ACTIONS, type AuditAction, type AuditEntry, type AuditRecord } from "../domain/audit.js";
import type { Database } from "./database.js";

function asJson(value: unknown): Prisma.InputJsonValue | undefined {
  return value === undefined || value === null ? undefined : (JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue);
}

function isAuditAction(value: string): value is AuditAction {
  return (AUDIT_ACTIONS as readonly string[]).includes(value);
}

function toRecord(row: AuditEventRow): AuditRecord {
  return {
    id: row.id,
    at: row.at,
    actorId: row.actorId,
    channelId: row.channelId,
    deploymentName: row.deploymentName,
    environment: row.environment,
    operationId: row.operationId,
    action: isAuditAction(row.action) ? row.action : "refused",
    decision: row.decision,
    reason: row.reason,
    before: row.before,
    after: row.after,
    ...(row.data && typeof row.data === "object" && !Array.isArray(row.data) ? { data: row.data as Record<string, unknown> } : {}),
  };
}

/** The row an entry becomes: also written inside other transactions (a run's settlement, see operationRuns). */
export function auditEventData(entry: AuditEntry): Prisma.AuditEventCreateInput {
  const before = asJson(entry.before);
  const after = asJson(entry.after);
  const data = asJson(entry.data);
  return {
    actorId: entry.actorId,
    channelId: entry.channelId ?? null,
    deploymentName: entry.deploymentName ?? null,
    environment: entry.environment ?? null,
    operationId: entry.operationId ?? null,
    action: entry.action,
    decision: entry.decision ?? null,
    reason: entry.reason ?? null,
    ...(before !== undefined ? { before } : {}),
    ...(after !== undefined ? { after } : {}),
    ...(data !== undefined ? { data } : {}),
  };
}

/** The append-only audit trail (database rules refuse UPDATE and DELETE on it). */
export class AuditRepository {
  constructor(private readonly db: Database) {}

  async append(entry: AuditEntry): Promise<void> {
    await this.db.auditEvent.create({ data: auditEventData(entry) });
  }

  /** A deployment's trail, newest first, one page at a time (page 1 is the newest). */
  async forDeployment(deploymentName: string, page: number, pageSize: number): Promise<{ records: AuditRecord[]; total: number }> {
    const [rows, total] = await Promise.all([
      this.db.auditEvent.findMany({ where: { deploymentName }, orderBy: { id: "desc" }, skip: (page - 1) * pageSize, take: pageSize }),
      this.db.auditEvent.count({ where: { deploymentName } }),
    ]);
    return { records: rows.map(toRecord), total };
  }

  /** Everything since a time, oldest first, bounded (an export is a file, not a stream). */
  async since(from: Date, limit: number): Promise<AuditRecord[]> {
    const rows = await this.db.auditEvent.findMany({ where: { at: { gte: from } }, orderBy: { id: "asc" }, take: limit });
    return rows.map(toRecord);
  }
}
