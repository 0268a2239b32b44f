import type { DeploymentSpec } from "./deploymentSpec.js";
import type { OperationKind } from "./deploymentStatus.js";
import type { OperationControl, OperationStatus } from "./operation.js";
import type { RevisionOutcome } from "./revision.js";
import type { RolloutStrategy } from "./strategy.js";

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

/** Where an operation's messages go: its own progress message (once posted) and that message's thread. */
export function messageTargetOf(operation: { id: string; channelId: string; messageTs: string | null; threadTs: string | null }): OperationMessageTarget {
  return { operationId: operation.id, channelId: operation.channelId, messageTs: operation.messageTs, threadTs: operation.threadTs };
}

/** Posts an operation's progress to its channel, and edits it in place as it changes. */
export interface ProgressPublisher {
  publish(target: OperationMessageTarget, progress: OperationProgress, options?: { final?: boolean }): Promise<void>;
  /** Posts a line in the thread of the operation's message (a step log, an outcome). */
  threadReply(target: OperationMessageTarget, text: string): Promise<void>;
}

/**
 * Where the id (`ts`) of each operation's progress message is kept, so that whichever process
 * runs the operation edits the message the request posted instead of posting another.
 */
export interface OperationMessageLinks {
  messageTsOf(operationId: string): Promise<string | null>;
  recordMessage(operationId: string, messageTs: string): Promise<void>;
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

/**
 * What a rollout's progress message shows besides the generic operation fields: where the plan
 * is, how traffic is split and how that split is made, readiness and health of both versions,
 * which buttons apply now, and how it ended. Produced by the rollout runners, rendered by Slack.
 */
/** How a rollout ended: the revision outcomes but "in-progress". */
export type RolloutOutcome = Exclude<RevisionOutcome, "in-progress">;

export interface SlotProgress {
  version: string;
  readyReplicas: number;
  desiredReplicas: number;
}

export interface RolloutProgress {
  strategy: RolloutStrategy;
  fromVersion: string;
  toVersion: string;
  /** 1-based; equals stepCount once the last step ran. */
  stepNumber: number;
  stepCount: number;
  stepLabel: string;
  /** Share of requests the new version gets, in whole percent. */
  newTrafficPercent: number;
  /** How the share is made: exact Istio weights, the replica ratio behind one Service, or the Service selector. */
  routing: "istio-weights" | "replica-ratio" | "service-selector" | "in-place";
  newSlot?: SlotProgress;
  oldSlot?: SlotProgress;
  /** The latest health verdict, with metrics when there are any. */
  health?: string;
  paused: boolean;
  /** Buttons that do something now; none once the rollout is over. */
  controls: OperationControl[];
  outcome?: RolloutOutcome;
  /** Why it was rolled back or failed, with the metrics that triggered it. */
  outcomeReason?: string;
}
