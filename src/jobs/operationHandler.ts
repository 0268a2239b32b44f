import type { Logger } from "pino";
import type { KubernetesCluster } from "../cluster/kubernetesClient.js";
import type { RenderContext } from "../cluster/render/renderContext.js";
import type { DeploymentRecord, DeploymentRepository } from "../store/deploymentRepository.js";
import type { OperationRecord } from "../store/operationRepository.js";
import type { OperationProgress } from "./progress.js";

export type ProgressUpdate = Partial<Pick<OperationProgress, "phase" | "readyReplicas" | "desiredReplicas" | "detail" | "modelVersion" | "rollout">>;

/** What a handler may use while it runs one operation. */
export interface OperationRunContext {
  operation: OperationRecord;
  deployment: DeploymentRecord;
  cluster: KubernetesCluster;
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

export interface HandlerResult {
  /** The final line of the progress message. */
  detail: string;
  readyReplicas?: number;
  desiredReplicas?: number;
}

/**
 * One kind of operation, as explicit steps. `compensate` runs when the operation ends in failure
 * and undoes what `run` left behind (no orphaned objects); it returns what it removed.
 */
export interface OperationHandler {
  run(context: OperationRunContext): Promise<HandlerResult>;
  compensate?(context: OperationRunContext, error: unknown): Promise<string[]>;
}
