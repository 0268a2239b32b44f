import { Prisma } from "../generated/prisma/client.js";
import type { Deployment as DeploymentRow } from "../generated/prisma/client.js";
import { deploymentSpecSchema, type DeploymentSpec } from "../domain/deploymentSpec.js";
import { isDeploymentStatus, type DeploymentStatus } from "../domain/deploymentStatus.js";
import type { DeploymentRecord } from "../domain/deployment.js";
import type { DeploymentRef } from "../domain/deploymentRef.js";
import type { Database } from "./database.js";
import { isUniqueViolation } from "./uniqueViolation.js";
import type { OperationRecord } from "../domain/operation.js";
import { toOperationRecord } from "./operationRepository.js";
import { type UpdateStrategy } from "../domain/strategy.js";
import { StaleRunError, type RunFence } from "../domain/runFence.js";
import { jsonParameter } from "./jsonParameter.js";


export class DeploymentNameTakenError extends Error {
  constructor(readonly deploymentName: string) {
    super(`A deployment named ${deploymentName} already exists.`);
  }
}

export function toDeploymentRecord(row: DeploymentRow): DeploymentRecord {
  const status = isDeploymentStatus(row.status) ? row.status : "failed";
  return {
    id: row.id,
    name: row.name,
    environment: row.environment as DeploymentSpec["environment"],
    namespace: row.namespace,
    spec: deploymentSpecSchema.parse(row.spec),
    status,
    statusReason: row.statusReason,
    activeSlot: row.activeSlot === "green" ? "green" : "blue",
    replicas: row.replicas,
    lastStrategy: row.lastStrategy as UpdateStrategy,
    channelId: row.channelId,
    teamId: row.teamId,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    activeOperationId: row.activeOperationId,
    specVersion: row.specVersion,
    freeze: row.lockedBy && row.lockedAt ? { holder: row.lockedBy, reason: row.lockReason ?? "", since: row.lockedAt } : null,
    statusBeforeMissing: row.statusBeforeMissing && isDeploymentStatus(row.statusBeforeMissing) ? row.statusBeforeMissing : null,
  };
}

export interface NewDeployment {
  spec: DeploymentSpec;
  namespace: string;
  replicas: number;
  channelId: string;
  teamId: string | null;
  requestedBy: string;
  idempotencyKey?: string;
  /** A production create waits for approvals: its operation holds the name (and the lock) until then. */
  approval?: { requiredApprovals: number; expiresAt: Date };
}

export class DeploymentRepository {
  constructor(private readonly db: Database) {}

  // The two reads by key every command, button and operation step makes, as one plain SELECT:
  // the same row as `findUnique` (test/store/repositories.test.ts), for about a third of the CPU
  // (Prisma 6.19 compiles each typed query it runs and has no plan cache).
  async findByName(name: string): Promise<DeploymentRecord | null> {
    const rows = await this.db.$queryRaw<DeploymentRow[]>`SELECT * FROM "Deployment" WHERE name = ${name}`;
    return rows[0] ? toDeploymentRecord(rows[0]) : null;
  }

  async get(id: string): Promise<DeploymentRecord | null> {
    const rows = await this.db.$queryRaw<DeploymentRow[]>`SELECT * FROM "Deployment" WHERE id = ${id}::uuid`;
    return rows[0] ? toDeploymentRecord(rows[0]) : null;
  }

  async list(options: { limit?: number; offset?: number } = {}): Promise<DeploymentRecord[]> {
    const rows = await this.db.deployment.findMany({ orderBy: [{ environment: "asc" }, { name: "asc" }], take: options.limit ?? 200, skip: options.offset ?? 0 });
    return rows.map(toDeploymentRecord);
  }

  /**
   * A page of a walk over the deployments in id order after `afterId` (keyset: a page boundary
   * skips none when deployments come and go): a sweep over a large fleet holds one page at a
   * time, not the fleet. `atRest` keeps those in one of its statuses that no operation holds.
   */
  async listPage(page: { afterId?: string; limit: number; atRest?: readonly DeploymentStatus[] }): Promise<DeploymentRecord[]> {
    const rows = await this.db.deployment.findMany({
      where: {
        ...(page.afterId ? { id: { gt: page.afterId } } : {}),
        ...(page.atRest ? { status: { in: [...page.atRest] }, activeOperationId: null } : {}),
      },
      orderBy: { id: "asc" },
      take: page.limit,
    });
    return rows.map(toDeploymentRecord);
  }

  /** Every page of `listPage`'s walk, one after the other, until the last (shorter or empty) one. */
  async *pages(walk: { pageSize: number; atRest?: readonly DeploymentStatus[] }): AsyncGenerator<DeploymentRecord[]> {
    let afterId: string | undefined;
    for (;;) {
      const page = await this.listPage({ ...(afterId ? { afterId } : {}), limit: walk.pageSize, ...(walk.atRest ? { atRest: walk.atRest } : {}) });
      yield page;
      const last = page.at(-1);
      if (page.length < walk.pageSize || !last) return;
      afterId = last.id;
    }
  }

  /** Where every deployment runs, and nothing more: what a fleet-wide read needs. */
  async refs(): Promise<DeploymentRef[]> {
    return this.db.deployment.findMany({ select: { namespace: true, name: true }, orderBy: { id: "asc" } });
  }

  async count(): Promise<number> {
    return this.db.deployment.count();
  }

  /**
   * Records a new deployment and its `create` operation in one transaction, with the operation
   * already holding the deployment's lock: nothing else can run on it until creation ends.
   */
  async createWithOperation(input: NewDeployment): Promise<{ deployment: DeploymentRecord; operation: OperationRecord }> {
    try {
      return await this.db.$transaction(async (tx) => {
        const deployment = await tx.deployment.create({
          data: {
            name: input.spec.name,
            environment: input.spec.environment,
            namespace: input.namespace,
            spec: input.spec as unknown as Prisma.InputJsonValue,
            status: "pending",
            replicas: input.replicas,
            channelId: input.channelId,
            teamId: input.teamId,
            createdBy: input.requestedBy,
          },
        });
        const operation = await tx.operation.create({
          data: {
            deploymentId: deployment.id,
            deploymentName: deployment.name,
            kind: "create",
            status: input.approval ? "awaiting_approval" : "queued",
            environment: input.spec.environment,
            ...(input.approval ? { requiredApprovals: input.approval.requiredApprovals, gateExpiresAt: input.approval.expiresAt } : {}),
            requestedBy: input.requestedBy,
            channelId: input.channelId,
            idempotencyKey: input.idempotencyKey ?? null,
            params: {},
            events: { create: { step: "recorded", message: `Deployment recorded by <@${input.requestedBy}>` } },
          },
        });
        const locked = await tx.deployment.update({ where: { id: deployment.id }, data: { activeOperationId: operation.id } });
        return { deployment: toDeploymentRecord(locked), operation: toOperationRecord(operation) };
      });
    } catch (error) {
      if (isUniqueViolation(error, "name")) throw new DeploymentNameTakenError(input.spec.name);
      throw error;
    }
  }

  /**
   * Takes the deployment's lock for an operation if nothing holds it and the deployment is in
   * one of the allowed statuses. A conditional update makes this atomic across bot replicas.
   */
  async tryLock(deploymentId: string, operationId: string, allowedStatuses: readonly DeploymentStatus[]): Promise<boolean> {
    const { count } = await this.db.deployment.updateMany({
      where: {
        id: deploymentId,
        status: { in: [...allowedStatuses] },
        OR: [{ activeOperationId: null }, { activeOperationId: operationId }],
      },
      data: { activeOperationId: operationId },
    });
    return count === 1;
  }

  /** Sets the status an operation leaves and releases its lock in one statement: no reader sees one without the other. */
  async settle(deploymentId: string, operationId: string, status: DeploymentStatus, reason: string | null = null): Promise<void> {
    await this.db.deployment.updateMany({
      where: { id: deploymentId, activeOperationId: operationId },
      data: { status, statusReason: reason, activeOperationId: null },
    });
  }

  async releaseLock(deploymentId: string, operationId: string): Promise<void> {
    await this.db.deployment.updateMany({ where: { id: deploymentId, activeOperationId: operationId }, data: { activeOperationId: null } });
  }

  async setStatus(deploymentId: string, status: DeploymentStatus, reason: string | null = null): Promise<void> {
    await this.db.deployment.updateMany({ where: { id: deploymentId }, data: { status, statusReason: reason } });
  }

  /**
   * A run's change of its stored deployment, refused (StaleRunError) unless that run still holds
   * its operation: a stale worker cannot record a spec or a serving slot over the newer run's.
   * One statement, the fence's share lock and the update committing together (as recordRunEvent).
   */
  async update(
    deploymentId: string,
    changes: Partial<Pick<DeploymentRecord, "spec" | "replicas" | "activeSlot" | "lastStrategy" | "status" | "statusReason">>,
    fence: RunFence,
  ): Promise<DeploymentRecord> {
    const { spec, replicas, activeSlot, lastStrategy, status, statusReason } = changes;
    const assignments = [
      Prisma.sql`"updatedAt" = ${new Date()}`,
      // Every change of the stored spec moves its version: requests based on the old one become stale.
      ...(spec ? [Prisma.sql`spec = ${jsonParameter(spec)}, environment = ${spec.environment}, "specVersion" = "specVersion" + 1`] : []),
      ...(replicas !== undefined ? [Prisma.sql`replicas = ${replicas}`] : []),
      ...(activeSlot !== undefined ? [Prisma.sql`"activeSlot" = ${activeSlot}`] : []),
      ...(lastStrategy !== undefined ? [Prisma.sql`"lastStrategy" = ${lastStrategy}`] : []),
      ...(status !== undefined ? [Prisma.sql`status = ${status}`] : []),
      ...(statusReason !== undefined ? [Prisma.sql`"statusReason" = ${statusReason}`] : []),
    ];
    const rows = await this.db.$queryRaw<(DeploymentRow & { fenceHeld: boolean })[]>`
      WITH fence AS (
        SELECT id FROM "Operation" WHERE id = ${fence.operationId}::uuid AND "runEpoch" = ${fence.epoch} FOR SHARE
      ), updated AS (
        UPDATE "Deployment" SET ${Prisma.join(assignments)} WHERE id = ${deploymentId}::uuid AND EXISTS (SELECT 1 FROM fence) RETURNING *
      )
      SELECT updated.*, EXISTS (SELECT 1 FROM fence) AS "fenceHeld" FROM (SELECT 1) AS one LEFT JOIN updated ON TRUE`;
    const row = rows[0];
    if (!row?.fenceHeld) throw new StaleRunError(fence, "deployment update");
    if (row.id === null) throw new Error(`The deployment ${deploymentId} no longer exists.`);
    const { fenceHeld: _, ...deployment } = row;
    return toDeploymentRecord(deployment);
  }

  /**
   * Freezes a deployment for everyone but `holder`. Refused (false) while someone else holds a
   * freeze; the holder may lock again to change the reason.
   */
  async freeze(deploymentId: string, holder: string, reason: string, now: Date): Promise<boolean> {
    const { count } = await this.db.deployment.updateMany({
      where: { id: deploymentId, OR: [{ lockedBy: null }, { lockedBy: holder }] },
      data: { lockedBy: holder, lockReason: reason, lockedAt: now },
    });
    return count === 1;
  }

  /** Lifts a freeze held by `holder`, or any freeze when `holder` is null (an admin breaking it). */
  async unfreeze(deploymentId: string, holder: string | null): Promise<boolean> {
    const { count } = await this.db.deployment.updateMany({
      where: { id: deploymentId, ...(holder === null ? { lockedBy: { not: null } } : { lockedBy: holder }) },
      data: { lockedBy: null, lockReason: null, lockedAt: null },
    });
    return count === 1;
  }

  /**
   * Forgets a deployment whose create never ran (its change request was rejected, cancelled or
   * expired): only while it is still pending and held by that create, so nothing else is lost.
   */
  async forgetPending(deploymentId: string, operationId: string): Promise<void> {
    await this.db.deployment.deleteMany({ where: { id: deploymentId, status: "pending", activeOperationId: operationId } });
  }

  /** Removes the stored configuration; operations and revisions stay (their deploymentId becomes null). */
  async delete(deploymentId: string): Promise<void> {
    await this.db.deployment.deleteMany({ where: { id: deploymentId } });
  }
}
