import type { OperationControl } from "../store/operationRepository.js";

/**
 * What a rollout's progress message shows besides the generic operation fields: where the plan
 * is, how traffic is split and how that split is made, readiness and health of both versions,
 * which buttons apply now, and how it ended. Produced by the rollout runners, rendered by Slack.
 */
export type RolloutStrategyName = "rolling" | "blue-green" | "canary" | "rollback";

export type RolloutOutcome = "promoted" | "rolled-back" | "failed";

export interface SlotProgress {
  version: string;
  readyReplicas: number;
  desiredReplicas: number;
}

export interface RolloutProgress {
  strategy: RolloutStrategyName;
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
