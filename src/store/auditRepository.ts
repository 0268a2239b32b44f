import { Prisma, type AuditEvent as AuditEventRow } from "../generated/prisma/client.js";
import { AUDIT_ACTIONS, type AuditAction, type AuditEntry, type AuditRecord } from "../domain/audit.js";
import type { Database } from "./database.js";
import { jsonParameter } from "./jsonParameter.js";

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

/**
 * The INSERT an entry becomes, written alone (`append`) or inside another statement (a run's
 * settlement, see operationRuns): `when` makes it conditional on that statement's other writes,
 * and `after` replaces the entry's own (the deployment as the statement leaves it).
 */
export function auditInsert(entry: AuditEntry, at: Date, options: { when?: Prisma.Sql; after?: Prisma.Sql } = {}): Prisma.Sql {
  return Prisma.sql`
    INSERT INTO "AuditEvent" (at, "actorId", "channelId", "deploymentName", environment, "operationId", action, decision, reason, before, after, data)
    SELECT ${at}, ${entry.actorId}, ${entry.channelId ?? null}, ${entry.deploymentName ?? null}, ${entry.environment ?? null}, ${entry.operationId ?? null}::uuid,
      ${entry.action}, ${entry.decision ?? null}, ${entry.reason ?? null}, ${jsonParameter(entry.before)}, ${options.after ?? jsonParameter(entry.after)}, ${jsonParameter(entry.data)}
    WHERE ${options.when ?? Prisma.sql`TRUE`}`;
}

/** The append-only audit trail (database rules refuse UPDATE and DELETE on it). */
export class AuditRepository {
  constructor(private readonly db: Database) {}

  // Every request, decision and outcome appends one: a plain INSERT, not a typed create
  // (Prisma compiles each typed query it runs; this one ran on every command).
  async append(entry: AuditEntry): Promise<void> {
    await this.db.$executeRaw(auditInsert(entry, new Date()));
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
