import { diagnoseDeployment } from "../cluster/deploymentDiagnosis.js";
import type { OperationRunContext } from "./runContext.js";

/**
 * The pod-level cause of a failed rollout, for its failure message: what Kubernetes says about
 * the pods (CrashLoopBackOff with the last log lines, ImagePullBackOff with the image, OOMKilled
 * with the limit, FailedScheduling with the scheduler's reason) and what to do next. Empty when
 * there is nothing to add; a failing diagnosis never hides the failure it explains.
 */
export async function podCause(context: Pick<OperationRunContext, "pods" | "deployment" | "logger">): Promise<string> {
  if (context.pods === undefined) return "";
  try {
    const diagnosis = await diagnoseDeployment(context.pods, context.deployment);
    return diagnosis ? `\nCause: ${diagnosis.summary}\nNext step: ${diagnosis.nextStep}` : "";
  } catch (error) {
    context.logger.warn({ err: error, deployment: context.deployment.name }, "could not diagnose the pods of a failed rollout");
    return "";
  }
}
