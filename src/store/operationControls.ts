import type { OperationControl } from "../domain/operation.js";
import { isOperationControl } from "../domain/operation.js";
import { winningControl, type PendingControl } from "../domain/controlQueue.js";
import { StaleRunError, type RunFence } from "../domain/runFence.js";
import type { Database } from "./database.js";

export interface ControlRequestRecord extends PendingControl {
  id: bigint;
  requestedAt: Date;
  takenAt: Date | null;
  outcome: string | null;
}

/**
 * Appends a click to a running operation's control queue. Nothing is overwritten: two people
 * clicking Abort and Resume together both leave their click, and the runner decides between them.
 */
export async function appendControl(db: Database, operationId: string, control: OperationControl, requestedBy: string): Promise<boolean> {
  const rows = await db.$queryRaw<{ id: bigint }[]>`
    INSERT INTO "OperationControlRequest" ("operationId", control, "requestedBy")
    SELECT id, ${control}, ${requestedBy} FROM "Operation" WHERE id = ${operationId}::uuid AND status = 'running'
    RETURNING id`;
  return rows.length === 1;
}

/**
 * Takes every pending click of the run holding `fence` at once, in one transaction: the winner
 * is marked applied and returned, the others are marked superseded by it. A stale run takes
 * nothing (StaleRunError): the clicks stay for the run that holds the operation.
 */
export async function takeControls(db: Database, fence: RunFence, now: Date): Promise<PendingControl | undefined> {
  return db.$transaction(async (tx) => {
    const held = await tx.$queryRaw<{ id: string }[]>`
      SELECT id FROM "Operation" WHERE id = ${fence.operationId}::uuid AND "runEpoch" = ${fence.epoch} FOR UPDATE`;
    if (held.length !== 1) throw new StaleRunError(fence, "control take");
    const rows = await tx.operationControlRequest.findMany({ where: { operationId: fence.operationId, takenAt: null }, orderBy: { id: "asc" } });
    const pending = rows.flatMap((row) => (isOperationControl(row.control) ? [{ id: row.id, control: row.control, requestedBy: row.requestedBy }] : []));
    if (rows.length === 0) return undefined;
    const winner = winningControl(pending);
    await tx.operationControlRequest.updateMany({
      where: { id: { in: rows.map((row) => row.id).filter((id) => id !== winner?.id) } },
      data: { takenAt: now, outcome: winner ? `superseded by ${winner.control}` : "unknown control" },
    });
    if (!winner) return undefined;
    await tx.operationControlRequest.update({ where: { id: winner.id }, data: { takenAt: now, outcome: "applied" } });
    return { control: winner.control, requestedBy: winner.requestedBy };
  });
}

export async function controlRequests(db: Database, operationId: string): Promise<ControlRequestRecord[]> {
  const rows = await db.operationControlRequest.findMany({ where: { operationId }, orderBy: { id: "asc" } });
  return rows.flatMap((row) =>
    isOperationControl(row.control)
      ? [{ id: row.id, control: row.control, requestedBy: row.requestedBy, requestedAt: row.requestedAt, takenAt: row.takenAt, outcome: row.outcome }]
      : [],
  );
}
