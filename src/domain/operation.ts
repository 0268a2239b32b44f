import type { OperationKind } from "./deploymentStatus.js";

/**
 * An operation is one requested change. It may wait at a gate (a confirmation today, an approval
 * later) before a job runs it; every step it takes is recorded as an event.
 */
export const OPERATION_STATUSES = [
  "awaiting_confirmation",
  "awaiting_approval",
  "queued",
  "running",
  "succeeded",
  "failed",
  "cancelled",
  "expired",
  "rejected",
] as const;
export type OperationStatus = (typeof OPERATION_STATUSES)[number];

export const FINISHED_OPERATION_STATUSES: readonly OperationStatus[] = ["succeeded", "failed", "cancelled", "expired", "rejected"];

/** Statuses in which an operation waits at a gate: nothing runs until someone answers. */
export const GATE_STATUSES = ["awaiting_confirmation", "awaiting_approval"] as const satisfies readonly OperationStatus[];
export type GateStatus = (typeof GATE_STATUSES)[number];

export function isAtGate(status: OperationStatus): status is GateStatus {
  return (GATE_STATUSES as readonly OperationStatus[]).includes(status);
}

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
  reapply: "Re-apply",
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

/** What a user may ask of a running operation from its message's buttons. */
export const OPERATION_CONTROLS = ["pause", "resume", "promote", "abort", "advance"] as const;
export type OperationControl = (typeof OPERATION_CONTROLS)[number];

export function isOperationControl(value: string): value is OperationControl {
  return (OPERATION_CONTROLS as readonly string[]).includes(value);
}

/** Who asked for something, and from where: the channel gets the operation's messages. */
export interface Requester {
  userId: string;
  channelId: string;
  teamId: string | null;
}

export interface OperationRecord {
  id: string;
  deploymentId: string | null;
  deploymentName: string;
  kind: OperationKind;
  status: OperationStatus;
  params: Record<string, unknown>;
  requestedBy: string;
  channelId: string;
  messageTs: string | null;
  threadTs: string | null;
  gateExpiresAt: Date | null;
  /** The deployment's spec version the request was based on; a change since makes it stale. */
  baseSpecVersion: number | null;
  /** Approvals it needs before it runs (production changes). */
  requiredApprovals: number;
  environment: string | null;
  decidedBy: string | null;
  decidedAt: Date | null;
  error: string | null;
  result: Record<string, unknown> | null;
  checkpoint: Record<string, unknown> | null;
  /** Set while one caller settles it as failed (and cleans up): no run starts beside that. */
  settlingSince: Date | null;
  /** The fencing epoch of the latest run (see runFence.ts); 0 before the first run. */
  runEpoch: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface OperationEventRecord {
  id: bigint;
  at: Date;
  step: string;
  message: string;
  data: unknown;
}
