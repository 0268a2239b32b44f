/**
 * The deployment status state machine. Every operation kind declares which statuses it may start
 * from, the status shown while it runs, and where it leaves the deployment when it succeeds or
 * fails. Slack handlers ask `checkTransition` before recording an operation; runners use the
 * same table to move the status, so a refusal and a transition can never disagree.
 */

export const DEPLOYMENT_STATUSES = [
  "pending",
  "deploying",
  "live",
  "updating",
  "scaling",
  "stopping",
  "stopped",
  "starting",
  "deleting",
  "failed",
  /** Its workloads were deleted outside the bot (found by the drift check); it returns to its previous status when they come back. */
  "missing",
] as const;
export type DeploymentStatus = (typeof DEPLOYMENT_STATUSES)[number];

export const OPERATION_KINDS = ["create", "edit", "scale", "stop", "start", "delete", "update-model", "rollback", "reapply"] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

/** `deleted` is not a status: the deployment record is gone, its operations stay as history. */
export type StatusAfter = DeploymentStatus | "deleted";

interface Transition {
  from: readonly DeploymentStatus[];
  running: DeploymentStatus;
  /** `unchanged`: back to the status it had (editing a stopped deployment keeps it stopped). */
  succeeded: StatusAfter | "unchanged";
  /** Where a failure leaves it; `unchanged` means the status it had before the operation. */
  failed: DeploymentStatus | "unchanged";
  /** Present participle for messages: "scaling", "stopping". */
  verb: string;
}

export const TRANSITIONS: Record<OperationKind, Transition> = {
  create: { from: ["pending"], running: "deploying", succeeded: "live", failed: "failed", verb: "create" },
  edit: { from: ["live", "stopped"], running: "updating", succeeded: "unchanged", failed: "unchanged", verb: "edit" },
  scale: { from: ["live"], running: "scaling", succeeded: "live", failed: "unchanged", verb: "scale" },
  stop: { from: ["live", "failed"], running: "stopping", succeeded: "stopped", failed: "failed", verb: "stop" },
  start: { from: ["stopped", "failed", "missing"], running: "starting", succeeded: "live", failed: "failed", verb: "start" },
  delete: { from: ["live", "stopped", "failed", "missing"], running: "deleting", succeeded: "deleted", failed: "failed", verb: "delete" },
  "update-model": { from: ["live"], running: "updating", succeeded: "live", failed: "unchanged", verb: "update the model of" },
  rollback: { from: ["live", "failed"], running: "updating", succeeded: "live", failed: "unchanged", verb: "roll back" },
  // Back to the status it had: a missing deployment returns to its previous status once the drift check sees its workloads again.
  reapply: { from: ["live", "stopped", "missing"], running: "updating", succeeded: "unchanged", failed: "unchanged", verb: "re-apply" },
};

export const STATUS_LABELS: Record<DeploymentStatus, string> = {
  pending: "Pending",
  deploying: "Deploying",
  live: "Live",
  updating: "Updating",
  scaling: "Scaling",
  stopping: "Stopping",
  stopped: "Stopped",
  starting: "Starting",
  deleting: "Deleting",
  failed: "Failed",
  missing: "Missing",
};

export type TransitionCheck = { allowed: true } | { allowed: false; reason: string };

const HINTS: Partial<Record<DeploymentStatus, string>> = {
  stopped: "Start it first with `/deploy start NAME`.",
  failed: "Look at the failure above, then start it again or delete it.",
  pending: "Wait for its creation to finish.",
  missing: "Its workloads were deleted outside deploybot: re-create them with `/deploy start NAME` or Re-apply on the details panel, or delete it.",
};

export function checkTransition(name: string, status: DeploymentStatus, kind: OperationKind): TransitionCheck {
  const transition = TRANSITIONS[kind];
  if (transition.from.includes(status)) return { allowed: true };
  const hint = HINTS[status]?.replace("NAME", name);
  const reason = `Cannot ${transition.verb} *${name}*: it is ${STATUS_LABELS[status].toLowerCase()}.${hint ? ` ${hint}` : ""}`;
  return { allowed: false, reason };
}

export function statusWhileRunning(kind: OperationKind): DeploymentStatus {
  return TRANSITIONS[kind].running;
}

/**
 * `beforeMissing`: for a deployment that was missing, the status it had before its workloads
 * were deleted; an operation that succeeds on it (a Re-apply re-created them) returns it there.
 */
export function statusAfter(kind: OperationKind, outcome: "succeeded" | "failed", before: DeploymentStatus, beforeMissing: DeploymentStatus | null = null): StatusAfter {
  const transition = TRANSITIONS[kind];
  const after = outcome === "succeeded" ? transition.succeeded : transition.failed;
  const status = after === "unchanged" ? before : after;
  return status === "missing" && outcome === "succeeded" ? (beforeMissing !== null && beforeMissing !== "missing" ? beforeMissing : "live") : status;
}

export function isDeploymentStatus(value: string): value is DeploymentStatus {
  return (DEPLOYMENT_STATUSES as readonly string[]).includes(value);
}
