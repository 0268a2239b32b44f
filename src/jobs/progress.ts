import type { DeploymentSpec } from "../domain/deploymentSpec.js";
import type { OperationKind } from "../domain/deploymentStatus.js";
import type { OperationStatus } from "../domain/operation.js";
import type { RolloutProgress } from "./rolloutProgress.js";

/**
 * What an operation's progress message shows. Runners produce it; the Slack layer renders it
 * (and edits the channel message in place). Runners never build Block Kit themselves.
 */
export type ProgressPhase =
  | "queued"
  | "applying"
  | "rolling-out"
  | "retrying"
  | "cleaning-up"
  | "succeeded"
  | "failed";

export interface ProgressStep {
  at: Date;
  message: string;
}

export interface OperationProgress {
  operationId: string;
  kind: OperationKind;
  operationStatus: OperationStatus;
  phase: ProgressPhase;
  requestedBy: string;
  deploymentName: string;
  environment: DeploymentSpec["environment"];
  namespace: string;
  modelId: string;
  modelVersion: string;
  readyReplicas?: number;
  desiredReplicas?: number;
  /** One line on what is happening now, or why it failed. */
  detail?: string;
  /** Objects removed while cleaning up after a failure. */
  cleanedUp?: string[];
  /** Set by model updates and rollbacks: steps, traffic split, health and buttons. */
  rollout?: RolloutProgress;
  steps: ProgressStep[];
  startedAt?: Date;
  finishedAt?: Date;
}

export interface OperationMessageTarget {
  operationId: string;
  channelId: string;
  messageTs: string | null;
  threadTs: string | null;
}

/** Posts an operation's progress to its channel, and edits it in place as it changes. */
export interface ProgressPublisher {
  publish(target: OperationMessageTarget, progress: OperationProgress, options?: { final?: boolean }): Promise<void>;
  /** Posts a line in the thread of the operation's message (a step log, an outcome). */
  threadReply(target: OperationMessageTarget, text: string): Promise<void>;
}

/** The first state of an operation's message, posted as soon as the request is recorded. */
export function queuedProgress(
  operation: { id: string; kind: OperationKind; requestedBy: string },
  deployment: { name: string; namespace: string; spec: Pick<DeploymentSpec, "environment" | "modelId" | "modelVersion"> },
  detail?: string,
): OperationProgress {
  return {
    operationId: operation.id,
    kind: operation.kind,
    operationStatus: "queued",
    phase: "queued",
    requestedBy: operation.requestedBy,
    deploymentName: deployment.name,
    environment: deployment.spec.environment,
    namespace: deployment.namespace,
    modelId: deployment.spec.modelId,
    modelVersion: deployment.spec.modelVersion,
    ...(detail ? { detail } : {}),
    steps: [],
  };
}
