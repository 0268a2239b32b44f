import type { OperationKind } from "./deploymentStatus.js";

/**
 * An operation is one requested change. It may wait at a gate (a confirmation today, an approval
 * later) before a job runs it; every step it takes is recorded as an event.
 */
export const OPERATION_STATUSES = [
  "awaiting_confirmation",
  "queued",
  "running",
  "succeeded",
  "failed",
  "cancelled",
  "expired",
] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

export const FINISHED_OPERATION_STATUSES: readonly OperationStatus[] = ["succeeded", "failed", "cancelled", "expired"];

export function isFinished(status: OperationStatus): boolean {
  return FINISHED_OPERATION_STATUSES.includes(status);
}

export const OPERATION_KIND_LABELS: Record<OperationKind, string> = {
  create: "Create",
  edit: "Edit",
  scale: "Scale",
  stop: "Stop",
  start: "Start",
  delete: "Delete",
  "update-model": "Update model",
  rollback: "Rollback",
};

export function isOperationStatus(value: string): value is OperationStatus {
  return (OPERATION_STATUSES as readonly string[]).includes(value);
}

/**
 * Destructive operations never run straight from a command: they wait for the requester's
 * confirmation. (A scale to zero and a restart-needing edit do too: see checkScale and needsRestart.)
 */
export function alwaysConfirmed(kind: OperationKind): boolean {
  return kind === "stop" || kind === "delete";
}
