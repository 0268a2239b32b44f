import type { DeploymentSpec } from "./deploymentSpec.js";
import type { DeploymentStatus } from "./deploymentStatus.js";
import type { Slot } from "./slot.js";
import type { UpdateStrategy } from "./strategy.js";

/**
 * A model deployment as deploybot keeps it: the spec a user asked for, where it runs, what it
 * is doing now, and which operation (if any) holds its lock.
 */
export interface DeploymentRecord {
  id: string;
  name: string;
  environment: DeploymentSpec["environment"];
  namespace: string;
  spec: DeploymentSpec;
  status: DeploymentStatus;
  statusReason: string | null;
  activeSlot: Slot;
  replicas: number;
  lastStrategy: UpdateStrategy;
  channelId: string;
  teamId: string | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  activeOperationId: string | null;
  /** Counts changes of `spec`; requests record the version they were based on. */
  specVersion: number;
  /** A freeze set with `/deploy lock`: only its holder may request changes. */
  freeze: DeploymentFreeze | null;
  /** While `missing`: the status it had before its workloads were deleted outside the bot. */
  statusBeforeMissing: DeploymentStatus | null;
}

export interface DeploymentFreeze {
  holder: string;
  reason: string;
  since: Date;
}
