import { randomUUID } from "node:crypto";
import { Prisma, type Operation as OperationRow, type OperationEvent as OperationEventRow } from "../generated/prisma/client.js";
import type { DeploymentStatus, OperationKind } from "../domain/deploymentStatus.js";
import { GATE_STATUSES, isOperationStatus, type OperationControl, type OperationEventRecord, type OperationRecord, type OperationStatus } from "../domain/operation.js";
import type { Database } from "./database.js";
import type { PendingControl } from "../domain/controlQueue.js";
import type { RunFence } from "../domain/runFence.js";
import { appendControl, controlRequests, takeControls, type ControlRequestRecord } from "./operationControls.js";
import { withRefusedField } from "./writeErrors.js";
import { jsonParameter } from "./jsonParameter.js";
import { queueFromGate, type GateQueueing, type QueueFromGate } from "./gateDecisions.js";
import { assertRunCurrent, beginRun, claimSettlement, recordRunEvent, saveCheckpoint, settleRun, type RunSettlement } from "./operationRuns.js";

function asObject(value: Prisma.JsonValue | null): Record<string, unknown> | null {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

export function toOperationRecord(row: OperationRow): OperationRecord {
  return {
    id: row.id,
    deploymentId: row.deploymentId,
    deploymentName: row.deploymentName,
    kind: row.kind as OperationKind,
    status: isOperationStatus(row.status) ? row.status : "failed",
    params: asObject(row.params) ?? {},
    requestedBy: row.requestedBy,
    channelId: row.channelId,
    messageTs: row.messageTs,
    threadTs: row.threadTs,
    gateExpiresAt: row.gateExpiresAt,
    baseSpecVersion: row.baseSpecVersion,
    requiredApprovals: row.requiredApprovals,
    environment: row.environment,
    decidedBy: row.decidedBy,
    decidedAt: row.decidedAt,
    error: row.error,
    result: asObject(row.result),
    checkpoint: asObject(row.checkpoint),
    settlingSince: row.settlingSince,
    runEpoch: row.runEpoch,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  };
}

function toEventRecord(row: OperationEventRow): OperationEventRecord {
  return { id: row.id, at: row.at, step: row.step, message: row.message, data: row.data };
}

export interface NewOperation {
  deploymentId: string;
  deploymentName: string;
  kind: OperationKind;
  status: Extract<OperationStatus, "awaiting_confirmation" | "awaiting_approval" | "queued">;
  params: Record<string, unknown>;
  requestedBy: string;
  channelId: string;
  threadTs?: string | null;
  gateExpiresAt?: Date | null;
  idempotencyKey?: string | null;
  baseSpecVersion?: number | null;
  requiredApprovals?: number;
  environment?: string | null;
}

/**
 * The INSERT of a new operation with its "requested" event, as one statement that answers the
 * operation's row: unconditional (`create`) or only once `lock`, a data-modifying step written
 * before it, took the deployment's lock (`createLocked`).
 */
function insertOperation(id: string, input: NewOperation, lock?: Prisma.Sql): Prisma.Sql {
  const now = new Date();
  return Prisma.sql`
    WITH ${lock ? Prisma.sql`locked AS (${lock}),` : Prisma.empty} created AS (
      INSERT INTO "Operation" (id, "deploymentId", "deploymentName", kind, status, params, "requestedBy", "channelId", "threadTs", "gateExpiresAt",
        "idempotencyKey", "baseSpecVersion", "requiredApprovals", environment, "createdAt")
      SELECT ${id}::uuid, ${input.deploymentId}::uuid, ${input.deploymentName}, ${input.kind}, ${input.status}, ${jsonParameter(input.params)}, ${input.requestedBy},
        ${input.channelId}, ${input.threadTs ?? null}, ${input.gateExpiresAt ?? null}, ${input.idempotencyKey ?? null}, ${input.baseSpecVersion ?? null}::int,
        ${input.requiredApprovals ?? 0}::int, ${input.environment ?? null}, ${now}
      WHERE ${lock ? Prisma.sql`EXISTS (SELECT 1 FROM locked)` : Prisma.sql`TRUE`}
      RETURNING *
    ), requested AS (
      INSERT INTO "OperationEvent" ("operationId", at, step, message)
      SELECT id, ${now}, 'requested', ${`Requested by <@${input.requestedBy}>`} FROM created
    )
    SELECT * FROM created`;
}

export class OperationRepository {
  constructor(private readonly db: Database) {}

  // Read by key on every button, operation step and create submission: one plain SELECT, the
  // same row as `findUnique` (test/store/repositories.test.ts) for about a third of the CPU.
  async get(id: string): Promise<OperationRecord | null> {
    const rows = await this.db.$queryRaw<OperationRow[]>`SELECT * FROM "Operation" WHERE id = ${id}::uuid`;
    return rows[0] ? toOperationRecord(rows[0]) : null;
  }

  async findByIdempotencyKey(key: string): Promise<OperationRecord | null> {
    const rows = await this.db.$queryRaw<OperationRow[]>`SELECT * FROM "Operation" WHERE "idempotencyKey" = ${key}`;
    return rows[0] ? toOperationRecord(rows[0]) : null;
  }

  // Every request records one: one statement instead of a transaction of three typed queries
  // (Prisma 6.19 compiles each typed query it runs, in WebAssembly, with no plan cache).
  async create(input: NewOperation): Promise<OperationRecord> {
    try {
      const rows = await this.db.$queryRaw<OperationRow[]>(insertOperation(randomUUID(), input));
      return toOperationRecord(rows[0] as OperationRow);
    } catch (error) {
      throw withRefusedField(error, { ...input });
    }
  }

  /**
   * Moves an operation from one status to another only if it is still in the expected one: two
   * clicks on the same button, or a click racing an expiry, cannot both win.
   */
  async transition(
    id: string,
    from: readonly OperationStatus[],
    to: OperationStatus,
    extra: Partial<Pick<OperationRecord, "error" | "decidedBy" | "decidedAt" | "startedAt" | "finishedAt">> & {
      result?: Record<string, unknown>;
    } = {},
  ): Promise<boolean> {
    const { result, ...rest } = extra;
    const { count } = await this.db.operation.updateMany({
      where: { id, status: { in: [...from] } },
      data: { status: to, ...rest, ...(result ? { result: result as Prisma.InputJsonValue } : {}) },
    });
    return count === 1;
  }

  /**
   * Claims the settling of an unfinished operation (its failure and clean-up) for one caller: a
   * conditional update that only the first of the worker, the recovery sweep or a second replica
   * wins. A claim older than `staleBefore` belongs to a process that died mid-settlement and is
   * taken over, so no operation stays locked for good. The claim fences every earlier run: it
   * returns the settler's own epoch (null when refused; see operationRuns.claimSettlement).
   */
  async claimSettlement(id: string, now: Date, staleBefore: Date, expectedEpoch?: number): Promise<number | null> {
    return claimSettlement(this.db, id, now, staleBefore, expectedEpoch);
  }

  /** Queues a gated operation holding its deployment's lock, in one transaction (see gateDecisions.queueFromGate). */
  async queueFromGate(input: QueueFromGate): Promise<GateQueueing> {
    return queueFromGate(this.db, input);
  }

  /** Starts a run under the next epoch, its deployment taking `runningStatus` (see operationRuns.beginRun). */
  async beginRun(id: string, runningStatus: DeploymentStatus, now: Date): Promise<OperationRecord | null> {
    const row = await beginRun(this.db, id, runningStatus, now);
    return row ? toOperationRecord(row) : null;
  }

  /** Ends a run (succeeded or failed) in one transaction with its deployment and event; refused when stale. */
  async settleRun(fence: RunFence, to: "succeeded" | "failed", settlement: RunSettlement): Promise<void> {
    await settleRun(this.db, fence, to, settlement);
  }

  /** A run's step, refused when the run is stale. */
  /** Throws StaleRunError when a newer run or a settler holds the operation. */
  async assertRunCurrent(fence: RunFence, change: string): Promise<void> {
    await assertRunCurrent(this.db, fence, change);
  }

  async recordRunEvent(fence: RunFence, step: string, message: string, data?: Record<string, unknown>): Promise<void> {
    await recordRunEvent(this.db, fence, step, message, data);
  }

  /**
   * Records an operation holding its deployment's lock, in one statement: either both happen or
   * neither (a busy deployment, or one in another status, refuses it: null). The lock is taken
   * first: inserting the operation first would share-lock the deployment row through the foreign
   * key, and two racing requests would then deadlock upgrading it.
   */
  async createLocked(input: NewOperation, allowedStatuses: readonly DeploymentStatus[]): Promise<OperationRecord | null> {
    const id = randomUUID();
    const lock = Prisma.sql`
      UPDATE "Deployment" SET "activeOperationId" = ${id}::uuid, "updatedAt" = ${new Date()}
      WHERE id = ${input.deploymentId}::uuid AND status IN (${Prisma.join([...allowedStatuses])}) AND "activeOperationId" IS NULL
      RETURNING id`;
    const rows = await this.db.$queryRaw<OperationRow[]>(insertOperation(id, input, lock));
    return rows[0] ? toOperationRecord(rows[0]) : null;
  }

  /** Saves a run's checkpoint; refused (StaleRunError) when a newer run holds the operation. */
  async saveCheckpoint(fence: RunFence, checkpoint: Record<string, unknown>): Promise<void> {
    await saveCheckpoint(this.db, fence, checkpoint);
  }

  /** Appends a click to a running operation's control queue; the runner takes the queue between steps. */
  async requestControl(id: string, control: OperationControl, requestedBy: string): Promise<boolean> {
    return appendControl(this.db, id, control, requestedBy);
  }

  /** Takes every pending click at once and returns the winner (abort wins); each click acts once. */
  async takeControl(fence: RunFence, now = new Date()): Promise<PendingControl | undefined> {
    return takeControls(this.db, fence, now);
  }

  async hasPendingControl(operationId: string): Promise<boolean> {
    return (await this.db.operationControlRequest.count({ where: { operationId, takenAt: null } })) > 0;
  }

  /** Every click on an operation, with what became of it. */
  async controlRequests(operationId: string): Promise<ControlRequestRecord[]> {
    return controlRequests(this.db, operationId);
  }

  /** Where the operation's progress message is (every operation's first message records it). */
  async setMessage(id: string, message: { messageTs?: string; threadTs?: string }): Promise<void> {
    await this.db.$executeRaw`
      UPDATE "Operation" SET "messageTs" = COALESCE(${message.messageTs ?? null}, "messageTs"), "threadTs" = COALESCE(${message.threadTs ?? null}, "threadTs")
      WHERE id = ${id}::uuid`;
  }

  async recordEvent(operationId: string, step: string, message: string, data?: Record<string, unknown>): Promise<void> {
    await this.db.$executeRaw`
      INSERT INTO "OperationEvent" ("operationId", at, step, message, data) VALUES (${operationId}::uuid, ${new Date()}, ${step}, ${message}, ${jsonParameter(data)})`;
  }

  /** An operation's events in the order they happened (every run reads them to show its steps so far). */
  async events(operationId: string): Promise<OperationEventRecord[]> {
    const rows = await this.db.$queryRaw<OperationEventRow[]>`SELECT * FROM "OperationEvent" WHERE "operationId" = ${operationId}::uuid ORDER BY id`;
    return rows.map(toEventRecord);
  }

  async recentForDeployment(deploymentId: string, limit = 5): Promise<OperationRecord[]> {
    const rows = await this.db.operation.findMany({ where: { deploymentId }, orderBy: { createdAt: "desc" }, take: limit });
    return rows.map(toOperationRecord);
  }

  async historyForName(deploymentName: string, limit = 20): Promise<OperationRecord[]> {
    const rows = await this.db.operation.findMany({ where: { deploymentName }, orderBy: { createdAt: "desc" }, take: limit });
    return rows.map(toOperationRecord);
  }

  /** Operations that should be in the queue: after an outage of Redis or the bot, they are enqueued again. */
  async unfinishedQueuedOrRunning(): Promise<OperationRecord[]> {
    const rows = await this.db.operation.findMany({ where: { status: { in: ["queued", "running"] } }, orderBy: { createdAt: "asc" } });
    return rows.map(toOperationRecord);
  }

  async expiredGates(now: Date): Promise<OperationRecord[]> {
    const rows = await this.db.operation.findMany({ where: { status: { in: [...GATE_STATUSES] }, gateExpiresAt: { lt: now } } });
    return rows.map(toOperationRecord);
  }

  /** Every Slack message about an operation besides its own (a copy in the approvers' channel). */
  async addMessage(operationId: string, message: { channelId: string; ts: string; purpose: string }): Promise<void> {
    await this.db.operationMessage.upsert({
      where: { channelId_ts: { channelId: message.channelId, ts: message.ts } },
      create: { operationId, ...message },
      update: {},
    });
  }

  async messages(operationId: string): Promise<{ channelId: string; ts: string; purpose: string }[]> {
    const rows = await this.db.operationMessage.findMany({ where: { operationId }, orderBy: { createdAt: "asc" } });
    return rows.map((row) => ({ channelId: row.channelId, ts: row.ts, purpose: row.purpose }));
  }
}
