import type { DeploymentStatus } from "../domain/deploymentStatus.js";
import type { GateStatus } from "../domain/operation.js";
import type { Database } from "./database.js";

export type GateQueueing = "queued" | "busy" | "answered";

/** Raised inside the transaction to undo the gate's transition when the lock cannot be taken. */
class DeploymentBusy extends Error {}

export interface QueueFromGate {
  operationId: string;
  deploymentId: string;
  from: readonly GateStatus[];
  /** Deployment statuses the operation may start from. */
  allowedStatuses: readonly DeploymentStatus[];
  decidedBy: string;
  decidedAt: Date;
  /** The event recording the decision (e.g. "confirmed"), written with the rest or not at all. */
  event?: { step: string; message: string };
}

/**
 * A gate's answer (a confirmation, the last approval) queues its operation in one transaction:
 * the operation leaves the gate, takes its deployment's lock and records the decision together.
 * "answered": another answer won (a double click, an expiry), nothing changed; "busy": the
 * deployment is held by something else or in a status that forbids the operation, nothing changed.
 */
export async function queueFromGate(db: Database, input: QueueFromGate): Promise<GateQueueing> {
  try {
    return await db.$transaction(async (tx) => {
      // The operation row first: a concurrent answer waits on it here, and finds it answered.
      const moved = await tx.operation.updateMany({
        where: { id: input.operationId, status: { in: [...input.from] } },
        data: { status: "queued", decidedBy: input.decidedBy, decidedAt: input.decidedAt },
      });
      if (moved.count !== 1) return "answered";
      const locked = await tx.deployment.updateMany({
        where: {
          id: input.deploymentId,
          status: { in: [...input.allowedStatuses] },
          OR: [{ activeOperationId: null }, { activeOperationId: input.operationId }],
        },
        data: { activeOperationId: input.operationId },
      });
      if (locked.count !== 1) throw new DeploymentBusy();
      if (input.event) await tx.operationEvent.create({ data: { operationId: input.operationId, ...input.event } });
      return "queued";
    });
  } catch (error) {
    if (error instanceof DeploymentBusy) return "busy";
    throw error;
  }
}
