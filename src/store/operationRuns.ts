import { Prisma, type Operation as OperationRow } from "../generated/prisma/client.js";
import type { DeploymentStatus } from "../domain/deploymentStatus.js";
import { StaleRunError, type RunFence } from "../domain/runFence.js";
import type { AuditEntry } from "../domain/audit.js";
import { auditInsert } from "./auditRepository.js";
import { jsonParameter } from "./jsonParameter.js";
import type { Database } from "./database.js";

type Transaction = Prisma.TransactionClient;

/** What an operation's end writes besides its own row: the deployment's status (or its removal) and the event. */
export interface RunSettlement {
  deploymentId: string | null;
  /** The status the deployment is left in, releasing its lock; "deleted" removes its record. */
  deploymentStatus: DeploymentStatus | "deleted";
  statusReason: string | null;
  event: { step: "succeeded" | "failed"; message: string; data?: Record<string, unknown> };
  finishedAt: Date;
  error?: string;
  result: Record<string, unknown>;
  /**
   * The outcome's audit entry, written in the same transaction: the trail never misses an outcome
   * the records show (a crash between two writes), nor shows one a stale run could not settle.
   * With `withStateAfter`, the deployment as the settlement leaves it is its `after`.
   */
  audit?: { entry: AuditEntry; withStateAfter: boolean };
}

/**
 * Starts a run: in one transaction the operation moves to running under the next epoch and its
 * deployment (still locked by it) takes the running status. Null when the operation is no longer
 * runnable (finished, at a gate, or claimed by a settler meanwhile).
 */
export async function beginRun(db: Database, id: string, runningStatus: DeploymentStatus, now: Date): Promise<OperationRow | null> {
  // One statement (a single round trip, atomic on its own): every job start runs it, and an
  // interactive transaction would hold a pooled connection over five round trips.
  const rows = await db.$queryRaw<OperationRow[]>`
    WITH started AS (
      UPDATE "Operation" SET status = 'running', "runEpoch" = "runEpoch" + 1, "startedAt" = COALESCE("startedAt", ${now})
      WHERE id = ${id}::uuid AND status IN ('queued', 'running') AND "settlingSince" IS NULL
      RETURNING *
    ), running AS (
      UPDATE "Deployment" SET status = ${runningStatus}, "statusReason" = NULL
      WHERE id = (SELECT "deploymentId" FROM started) AND "activeOperationId" = ${id}::uuid
    )
    SELECT * FROM started`;
  return rows[0] ?? null;
}

/** Refuses (throws) unless `fence` still holds the operation; run inside the transaction that writes. */
export async function holdFence(tx: Transaction, fence: RunFence, write: string): Promise<void> {
  // FOR SHARE: a settler's claim (which bumps the epoch) waits for this write to commit, never interleaves.
  const rows = await tx.$queryRaw<{ id: string }[]>`
    SELECT id FROM "Operation" WHERE id = ${fence.operationId}::uuid AND "runEpoch" = ${fence.epoch} FOR SHARE`;
  if (rows.length !== 1) throw new StaleRunError(fence, write);
}

export async function saveCheckpoint(db: Database, fence: RunFence, checkpoint: Record<string, unknown>): Promise<void> {
  const { count } = await db.operation.updateMany({
    where: { id: fence.operationId, runEpoch: fence.epoch },
    data: { checkpoint: checkpoint as Prisma.InputJsonValue },
  });
  if (count !== 1) throw new StaleRunError(fence, "checkpoint");
}

export async function recordRunEvent(db: Database, fence: RunFence, step: string, message: string, data?: Record<string, unknown>): Promise<void> {
  // One statement: the fence's share lock and the insert commit together, as in holdFence's
  // transaction, in one round trip instead of four (a run records several steps).
  const rows = await db.$queryRaw<{ id: bigint }[]>`
    WITH fence AS (
      SELECT id FROM "Operation" WHERE id = ${fence.operationId}::uuid AND "runEpoch" = ${fence.epoch} FOR SHARE
    )
    INSERT INTO "OperationEvent" ("operationId", at, step, message, data)
    SELECT id, ${new Date()}, ${step}, ${message}, ${jsonParameter(data)} FROM fence
    RETURNING id`;
  if (rows.length !== 1) throw new StaleRunError(fence, `"${step}" event`);
}

/** Refuses a run that no longer holds its operation (see fencedCluster: checked before each cluster change). */
export async function assertRunCurrent(db: Database, fence: RunFence, change: string): Promise<void> {
  const rows = await db.$queryRaw<{ id: string }[]>`SELECT id FROM "Operation" WHERE id = ${fence.operationId}::uuid AND "runEpoch" = ${fence.epoch}`;
  if (rows.length !== 1) throw new StaleRunError(fence, change);
}

/**
 * Claims settling an unfinished operation and fences every run before it: the claim takes the
 * next epoch. With `expectedEpoch` (a run failing its own operation) the claim is refused when a
 * newer run holds the operation. Returns the settler's epoch, or null when refused.
 */
export async function claimSettlement(db: Database, id: string, now: Date, staleBefore: Date, expectedEpoch?: number): Promise<number | null> {
  const rows = await db.$queryRaw<{ runEpoch: number }[]>`
    UPDATE "Operation" SET "settlingSince" = ${now}, "runEpoch" = "runEpoch" + 1
    WHERE id = ${id}::uuid AND status IN ('queued', 'running')
      AND ("settlingSince" IS NULL OR "settlingSince" < ${staleBefore})
      AND (${expectedEpoch ?? null}::int IS NULL OR "runEpoch" = ${expectedEpoch ?? null}::int)
    RETURNING "runEpoch"`;
  return rows[0]?.runEpoch ?? null;
}

/**
 * Ends a run in one statement (atomic on its own, one round trip): the operation's transition, its
 * deployment's status and lock (or the deployment's removal), the outcome event and its audit
 * entry happen together or not at all: every write after the first is conditional on it. Refused
 * (StaleRunError) when `fence` no longer holds the operation.
 */
export async function settleRun(db: Database, fence: RunFence, to: "succeeded" | "failed", settlement: RunSettlement): Promise<void> {
  const now = new Date();
  const from = to === "succeeded" ? ["running"] : ["queued", "running"];
  const { step, message, data } = settlement.event;
  const rows = await db.$queryRaw<{ settled: number }[]>`
    WITH settled AS (
      UPDATE "Operation" SET status = ${to}, "finishedAt" = ${settlement.finishedAt}, result = ${jsonParameter(settlement.result)}
        ${settlement.error !== undefined ? Prisma.sql`, error = ${settlement.error}` : Prisma.empty}
      WHERE id = ${fence.operationId}::uuid AND "runEpoch" = ${fence.epoch} AND status IN (${Prisma.join(from)})
      RETURNING id
    ), event AS (
      INSERT INTO "OperationEvent" ("operationId", at, step, message, data)
      SELECT id, ${now}, ${step}, ${message}, ${jsonParameter(data)} FROM settled
    ), released AS (
      ${deploymentWrite(fence, settlement, now)}
    )${outcomeAudit(settlement, now)}
    SELECT count(*)::int AS settled FROM settled`;
  if (rows[0]?.settled !== 1) throw new StaleRunError(fence, to);
}

/** The outcome's audit entry as one more step of the settlement's statement (none without one). */
function outcomeAudit({ audit, deploymentId }: RunSettlement, now: Date): Prisma.Sql {
  if (!audit) return Prisma.empty;
  const after = audit.withStateAfter && deploymentId ? { after: stateAfter(deploymentId, audit.entry) } : {};
  return Prisma.sql`, audit AS (${auditInsert(audit.entry, now, { when: SETTLED, ...after })})`;
}

const SETTLED = Prisma.sql`EXISTS (SELECT 1 FROM settled)`;
/** A deployment row as an outcome's audit entry shows it. */
const DEPLOYMENT_STATE = Prisma.sql`jsonb_build_object('status', status, 'replicas', replicas, 'spec', spec)`;

/** The settlement's write on the deployment: removed, or given its status with its lock released (if the run still holds it). */
function deploymentWrite(fence: RunFence, settlement: RunSettlement, now: Date): Prisma.Sql {
  const { deploymentId } = settlement;
  if (!deploymentId) return Prisma.sql`SELECT NULL::jsonb AS state WHERE FALSE`;
  if (settlement.deploymentStatus === "deleted") {
    return Prisma.sql`DELETE FROM "Deployment" WHERE id = ${deploymentId}::uuid AND ${SETTLED} RETURNING NULL::jsonb AS state`;
  }
  return Prisma.sql`
    UPDATE "Deployment" SET status = ${settlement.deploymentStatus}, "statusReason" = ${settlement.statusReason}, "activeOperationId" = NULL, "updatedAt" = ${now}
    WHERE id = ${deploymentId}::uuid AND "activeOperationId" = ${fence.operationId}::uuid AND ${SETTLED}
    RETURNING ${DEPLOYMENT_STATE} AS state`;
}

/**
 * The deployment as the settlement leaves it, for the outcome's audit entry: as released; as it
 * was when the run no longer held its lock; the entry's own `after` once it is deleted.
 */
function stateAfter(deploymentId: string, entry: AuditEntry): Prisma.Sql {
  return Prisma.sql`COALESCE(
    (SELECT state FROM released WHERE state IS NOT NULL),
    (SELECT ${DEPLOYMENT_STATE} FROM "Deployment" WHERE id = ${deploymentId}::uuid AND NOT EXISTS (SELECT 1 FROM released)),
    ${jsonParameter(entry.after)})`;
}
