import type { Prisma, Revision as RevisionRow } from "../generated/prisma/client.js";
import { deploymentSpecSchema, type DeploymentSpec } from "../domain/deploymentSpec.js";
import { isRevisionOutcome, type RevisionOutcome, type RevisionRecord } from "../domain/revision.js";
import { isRevisionStrategy, type RevisionStrategy } from "../domain/strategy.js";
import type { Database } from "./database.js";
import type { RunFence } from "../domain/runFence.js";
import { holdFence } from "./operationRuns.js";







function toRevisionRecord(row: RevisionRow): RevisionRecord {
  const spec = deploymentSpecSchema.safeParse(row.spec);
  return {
    id: row.id,
    deploymentId: row.deploymentId,
    deploymentName: row.deploymentName,
    number: row.number,
    modelVersion: row.modelVersion,
    strategy: isRevisionStrategy(row.strategy) ? row.strategy : "rolling",
    // A spec stored by an older release may no longer validate; the version alone still identifies it.
    spec: spec.success ? spec.data : null,
    outcome: isRevisionOutcome(row.outcome) ? row.outcome : "failed",
    operationId: row.operationId,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    finishedAt: row.finishedAt,
  };
}

export interface DeploymentForRevision {
  id: string;
  name: string;
  spec: DeploymentSpec;
  createdBy: string;
  createdAt: Date;
}

export interface NewRevision {
  deployment: DeploymentForRevision;
  operationId: string;
  modelVersion: string;
  strategy: RevisionStrategy;
  spec: DeploymentSpec;
  createdBy: string;
}

export class RevisionRepository {
  constructor(private readonly db: Database) {}

  /**
   * The revision of an operation, recorded on its first run and found again when a resumed job
   * runs it once more. Revision 1, the version the deployment was created with, is recorded
   * first if the deployment has none yet.
   */
  async startForOperation(input: NewRevision): Promise<RevisionRecord> {
    const existing = await this.db.revision.findFirst({ where: { operationId: input.operationId } });
    if (existing) return toRevisionRecord(existing);
    return this.db.$transaction(async (tx) => {
      let latest = await tx.revision.findFirst({ where: { deploymentId: input.deployment.id }, orderBy: { number: "desc" } });
      if (!latest) {
        latest = await tx.revision.create({
          data: {
            deploymentId: input.deployment.id,
            deploymentName: input.deployment.name,
            number: 1,
            modelVersion: input.deployment.spec.modelVersion,
            strategy: "initial",
            spec: input.deployment.spec as unknown as Prisma.InputJsonValue,
            outcome: "promoted",
            createdBy: input.deployment.createdBy,
            createdAt: input.deployment.createdAt,
            finishedAt: input.deployment.createdAt,
          },
        });
      }
      const row = await tx.revision.create({
        data: {
          deploymentId: input.deployment.id,
          deploymentName: input.deployment.name,
          number: latest.number + 1,
          modelVersion: input.modelVersion,
          strategy: input.strategy,
          spec: input.spec as unknown as Prisma.InputJsonValue,
          outcome: "in-progress",
          operationId: input.operationId,
          createdBy: input.createdBy,
        },
      });
      return toRevisionRecord(row);
    });
  }

  /** Records how the operation's revision ended; a second call with the same outcome changes nothing. */
  /** Records how the revision of a run ended; refused (StaleRunError) when a newer run or a settler holds the operation. */
  async finish(fence: RunFence, outcome: Exclude<RevisionOutcome, "in-progress">): Promise<void> {
    await this.db.$transaction(async (tx) => {
      await holdFence(tx, fence, "revision outcome");
      await tx.revision.updateMany({ where: { operationId: fence.operationId, outcome: "in-progress" }, data: { outcome, finishedAt: new Date() } });
    });
  }

  async get(deploymentId: string, number: number): Promise<RevisionRecord | null> {
    const row = await this.db.revision.findFirst({ where: { deploymentId, number } });
    return row ? toRevisionRecord(row) : null;
  }

  /** Newest first. */
  async list(deploymentId: string, limit = 20): Promise<RevisionRecord[]> {
    const rows = await this.db.revision.findMany({ where: { deploymentId }, orderBy: { number: "desc" }, take: limit });
    return rows.map(toRevisionRecord);
  }

  /**
   * Where `/deploy rollback NAME` returns to: the newest revision that went live with a model
   * version other than the one running now.
   */
  async previousPromoted(deploymentId: string, currentVersion: string): Promise<RevisionRecord | null> {
    const row = await this.db.revision.findFirst({
      where: { deploymentId, outcome: "promoted", modelVersion: { not: currentVersion } },
      orderBy: { number: "desc" },
    });
    return row ? toRevisionRecord(row) : null;
  }
}
