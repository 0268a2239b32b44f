import { previewApply, previewDeletion, type PreviewCluster } from "../cluster/changePreview.js";
import { summarizeChanges } from "../cluster/objectDiff.js";
import { identityLabels } from "../cluster/render/labels.js";
import type { RenderContext } from "../cluster/render/renderContext.js";
import { renderDeploymentObjects } from "../cluster/render/renderDeploymentObjects.js";
import { changeRisks, type ChangeRisk } from "../domain/changeRequest.js";
import type { DeploymentRecord } from "../domain/deployment.js";
import type { Environment } from "../domain/deploymentSpec.js";
import { checkTransition } from "../domain/deploymentStatus.js";
import type { OperationKind } from "../domain/deploymentStatus.js";
import type { Requester } from "../domain/operation.js";
import { parseStrategyOptions } from "../domain/rolloutPlan.js";
import { checkScale } from "../domain/scaling.js";
import type { UpdateStrategy } from "../domain/strategy.js";
import type { DeploymentRepository } from "../store/deploymentRepository.js";
import type { AccessControl } from "./accessControl.js";
import { planChange } from "./changeRequests.js";
import { findDeployment } from "./deploymentLookup.js";
import type { ModelUpdateRequests } from "./modelUpdateRequests.js";
import type { OperationRequests } from "./operationRequests.js";

export type DryRunRequest =
  | { kind: "scale"; name: string; replicas: number }
  | { kind: "stop" | "start" | "delete"; name: string }
  | { kind: "update-model"; name: string; version: string; strategy: UpdateStrategy }
  | { kind: "rollback"; name: string; revision?: number };

export interface DryRunResult {
  deploymentName: string;
  kind: OperationKind;
  /** Why the real command would be refused now, if it would. */
  refusal?: string;
  /** What the real command would wait for first. */
  gate?: string;
  fieldChanges: string[];
  /** Per object, what the API server says applying would do (server-side apply with dryRun=All). */
  objects: string;
  risks: ChangeRisk[];
}

/**
 * `--dry-run` on a changing command: what it would change, field by field and object by object
 * (asked of the API server with dry-run requests), whether it would be refused or wait for
 * approvals, and nothing else. No operation is recorded; the dry run itself is audited.
 */
export class DryRuns {
  constructor(
    private readonly deps: {
      deployments: DeploymentRepository;
      clusterFor(environment: Environment): PreviewCluster;
      renderContextFor(namespace: string): RenderContext;
      access: AccessControl;
      requests: OperationRequests;
      modelUpdates: ModelUpdateRequests;
    },
  ) {}

  async preview(request: DryRunRequest, requester: Requester): Promise<{ ok: true; result: DryRunResult } | { ok: false; message: string }> {
    const found = await findDeployment(this.deps.deployments, request.name);
    if (!found.ok) return found;
    const { deployment } = found;
    const view = await this.deps.access.check(requester, "view", deployment.environment);
    if (!view.ok) return view;
    const params = await this.paramsOf(request, deployment);
    if (!params.ok) return params;
    const refusal = (await this.deps.requests.changeRefusal(deployment, request.kind, requester)) ?? params.refusal;
    const rules = await this.deps.access.rules(deployment.environment);
    const plan = planChange({ kind: request.kind, params: params.value }, deployment, deployment.spec);
    const prune = { namespace: deployment.namespace, labels: identityLabels(deployment.name) };
    const changes = plan.after
      ? await previewApply(this.deps.clusterFor(deployment.environment), renderDeploymentObjects(plan.after.spec, plan.after.state, this.deps.renderContextFor(deployment.namespace)).objects, prune)
      : await previewDeletion(this.deps.clusterFor(deployment.environment), prune);
    await this.deps.requests.audit({
      actorId: requester.userId,
      channelId: requester.channelId,
      deploymentName: deployment.name,
      environment: deployment.environment,
      action: "dry-run",
      decision: request.kind,
      data: { params: params.value },
    });
    return {
      ok: true,
      result: {
        deploymentName: deployment.name,
        kind: request.kind,
        ...(refusal ? { refusal } : {}),
        ...(rules.requiredApprovals > 0 ? { gate: `${rules.requiredApprovals} approval(s) from someone other than you` } : {}),
        fieldChanges: plan.fieldChanges,
        // Room for the message around it within a section's 3000 characters.
        objects: summarizeChanges(changes, 2800),
        risks: changeRisks(plan.subject),
      },
    };
  }

  /** The parameters the real request would record, and a refusal the request's own rules would give. */
  private async paramsOf(
    request: DryRunRequest,
    deployment: DeploymentRecord,
  ): Promise<{ ok: true; value: Record<string, unknown>; refusal?: string } | { ok: false; message: string }> {
    switch (request.kind) {
      case "scale": {
        const check = checkScale(deployment.name, deployment.spec, deployment.replicas, request.replicas);
        return { ok: true, value: { replicas: request.replicas, from: deployment.replicas }, ...(check.allowed ? {} : { refusal: check.reason }) };
      }
      case "stop":
      case "start":
      case "delete": {
        const check = checkTransition(deployment.name, deployment.status, request.kind);
        return { ok: true, value: {}, ...(check.allowed ? {} : { refusal: check.reason }) };
      }
      case "update-model": {
        const errors = this.deps.modelUpdates.validate({ modelVersion: request.version, strategy: request.strategy, options: {} }, deployment);
        const options = parseStrategyOptions(request.strategy, {});
        return {
          ok: true,
          value: { modelVersion: request.version, strategy: request.strategy, options: options.ok ? options.value.options : {} },
          ...(errors.length > 0 ? { refusal: errors.map((error) => error.message).join(" ") } : {}),
        };
      }
      case "rollback": {
        const target = await this.deps.modelUpdates.rollbackTarget(deployment, request.revision);
        if (!target.ok) return target;
        return { ok: true, value: { toRevision: target.revision.number, modelVersion: target.revision.modelVersion } };
      }
    }
  }
}
