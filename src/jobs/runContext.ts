import type { Logger } from "pino";
import type { KubernetesCluster } from "../cluster/kubernetesClient.js";
import type { ApplyOwner } from "../cluster/ownership.js";
import type { DeploymentPods } from "../cluster/deploymentPods.js";
import type { RenderContext } from "../cluster/render/renderContext.js";
import type { DeploymentRepository } from "../store/deploymentRepository.js";
import type { OperationRecord } from "../domain/operation.js";
import type { OperationProgress } from "../domain/progress.js";
import type { DeploymentRecord } from "../domain/deployment.js";

export type ProgressUpdate = Partial<Pick<OperationProgress, "phase" | "readyReplicas" | "desiredReplicas" | "detail" | "modelVersion" | "rollout">>;

/** What a runner may use while it runs one operation. */
export interface OperationRunContext {
  operation: OperationRecord;
  deployment: DeploymentRecord;
  cluster: KubernetesCluster;
  /** The mark every object this operation applies carries, and the one it may delete by. */
  owner: ApplyOwner;
  /** Reads why pods do not run, for failure messages; absent in runners' unit tests. */
  pods?: DeploymentPods;
  deployments: DeploymentRepository;
  renderContext: RenderContext;
  logger: Logger;
  /** Records a step in the operation's history and in the thread of its progress message. */
  step(message: string, data?: Record<string, unknown>): Promise<void>;
  /** Updates the progress message (throttled by the publisher). */
  progress(update: ProgressUpdate): Promise<void>;
  /** Aborted when the worker shuts down: the job is then picked up again by the next worker. */
  signal: AbortSignal;
}

export interface RunResult {
  /** The final line of the progress message. */
  detail: string;
  readyReplicas?: number;
  desiredReplicas?: number;
}

/**
 * One kind of operation, as explicit steps. `compensate` runs when the operation ends in failure
 * and undoes what `run` left behind (no orphaned objects); it returns what it removed.
 */
export interface KindRunner {
  run(context: OperationRunContext): Promise<RunResult>;
  compensate?(context: OperationRunContext, error: unknown): Promise<string[]>;
}
