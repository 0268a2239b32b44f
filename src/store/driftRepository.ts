import type { DeploymentDrift as DriftRow, Prisma } from "../generated/prisma/client.js";
import { isDeploymentStatus, type DeploymentStatus } from "../domain/deploymentStatus.js";
import type { DriftedField, DriftRecord, MissingObject } from "../domain/drift.js";
import type { Database } from "./database.js";

/**
 * What the drift check found, per deployment, and the *missing* status: a deployment whose
 * workloads were deleted outside the bot is marked missing only while nothing runs on it, and
 * returns to the status it had when they come back.
 */

function toDriftRecord(row: DriftRow): DriftRecord {
  return {
    deploymentId: row.deploymentId,
    fields: Array.isArray(row.fields) ? (row.fields as unknown as DriftedField[]) : [],
    missing: Array.isArray(row.missing) ? (row.missing as unknown as MissingObject[]) : [],
    specVersion: row.specVersion,
    detectedAt: row.detectedAt,
    checkedAt: row.checkedAt,
  };
}

/** JSON for a column: `undefined` values (absent fields) are dropped, as JSON does. */
function json(value: unknown): Prisma.InputJsonValue {
  return JSON.parse(JSON.stringify(value)) as Prisma.InputJsonValue;
}

export interface DriftFinding {
  fields: DriftedField[];
  missing: MissingObject[];
  specVersion: number;
}

export class DriftRepository {
  constructor(private readonly db: Database) {}

  async get(deploymentId: string): Promise<DriftRecord | null> {
    const row = await this.db.deploymentDrift.findUnique({ where: { deploymentId } });
    return row ? toDriftRecord(row) : null;
  }

  /** Records a finding; `detectedAt` stays the first time this drift was seen while it lasts. */
  async record(deploymentId: string, finding: DriftFinding, at: Date): Promise<void> {
    const data = { fields: json(finding.fields), missing: json(finding.missing), specVersion: finding.specVersion, checkedAt: at };
    await this.db.deploymentDrift.upsert({ where: { deploymentId }, create: { deploymentId, ...data, detectedAt: at }, update: data });
  }

  async clear(deploymentId: string): Promise<void> {
    await this.db.deploymentDrift.deleteMany({ where: { deploymentId } });
  }

  /** live/stopped → missing, only while no operation holds the deployment; true when it changed. */
  async markMissing(deploymentId: string, from: DeploymentStatus, reason: string): Promise<boolean> {
    const { count } = await this.db.deployment.updateMany({
      where: { id: deploymentId, status: from, activeOperationId: null },
      data: { status: "missing", statusReason: reason, statusBeforeMissing: from },
    });
    return count === 1;
  }

  /** missing → the status it had, when its workloads are back (re-created by the bot or by someone else). */
  async markFound(deploymentId: string): Promise<boolean> {
    const row = await this.db.deployment.findUnique({ where: { id: deploymentId }, select: { statusBeforeMissing: true } });
    const before = row?.statusBeforeMissing;
    const status = before && isDeploymentStatus(before) && before !== "missing" ? before : "live";
    const { count } = await this.db.deployment.updateMany({
      where: { id: deploymentId, status: "missing", activeOperationId: null },
      data: { status, statusReason: null, statusBeforeMissing: null },
    });
    return count === 1;
  }
}
