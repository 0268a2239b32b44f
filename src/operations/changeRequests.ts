import type { KubernetesObject } from "@kubernetes/client-node";
import type { RenderContext } from "../cluster/render/renderContext.js";
import { renderDeploymentObjects, type DeploymentState } from "../cluster/render/renderDeploymentObjects.js";
import { changeRisks, describeCostChange, monthlyCost, type ChangeRisk, type ChangeSubject, type ResourcePrices, type RunningState } from "../domain/changeRequest.js";
import type { DeploymentRecord } from "../domain/deployment.js";
import { deploymentSpecSchema, type DeploymentSpec } from "../domain/deploymentSpec.js";
import { specChanges } from "../domain/editability.js";
import type { OperationRecord } from "../domain/operation.js";
import { otherSlot } from "../domain/slot.js";
import type { ApprovalRecord } from "../store/approvalRepository.js";
import type { DeploymentRepository } from "../store/deploymentRepository.js";
import { editParamsSchema, rollbackParamsSchema, scaleParamsSchema, updateModelParamsSchema } from "./operationParams.js";

/** What a change request's message shows reviewers: who, what (fields and objects), risk, cost, decisions so far. */
export interface ChangeRequestView {
  operation: OperationRecord;
  deploymentName: string;
  environment: string;
  /** Field by field, display-safe (environment variable values never appear). */
  fieldChanges: string[];
  /** Kubernetes objects that will be created, changed or removed. */
  objectChanges: string[];
  risks: ChangeRisk[];
  cost: string;
  approvals: ApprovalRecord[];
}

function objectKey(object: KubernetesObject): string {
  return `${object.kind ?? "?"} ${object.metadata?.name ?? "?"}`;
}

/** Which objects a steady state would create, change or remove, compared with another. */
function compareObjects(before: readonly KubernetesObject[], after: readonly KubernetesObject[]): string[] {
  const beforeByKey = new Map(before.map((object) => [objectKey(object), JSON.stringify(object)]));
  const afterByKey = new Map(after.map((object) => [objectKey(object), JSON.stringify(object)]));
  const lines: string[] = [];
  for (const [key, body] of afterByKey) {
    const old = beforeByKey.get(key);
    if (old === undefined) lines.push(`${key}: created`);
    else if (old !== body) lines.push(`${key}: changed`);
  }
  for (const key of beforeByKey.keys()) if (!afterByKey.has(key)) lines.push(`${key}: removed`);
  return lines;
}

/**
 * Builds the reviewers' view of a change request from its operation: the state it starts from
 * (the spec it was based on) and the state it asks for, rendered the way the cluster will get
 * them, so the objects listed are the ones that will really change.
 */
export class ChangeRequests {
  constructor(
    private readonly deps: {
      deployments: DeploymentRepository;
      renderContextFor(namespace: string): RenderContext;
      prices: ResourcePrices;
      approvalsOf(operationId: string): Promise<ApprovalRecord[]>;
    },
  ) {}

  async describe(operation: OperationRecord): Promise<ChangeRequestView | null> {
    const deployment = operation.deploymentId ? await this.deps.deployments.get(operation.deploymentId) : null;
    if (!deployment) return null;
    const base = deploymentSpecSchema.safeParse(operation.params.baseSpec);
    const baseSpec = base.success ? base.data : deployment.spec;
    const plan = planChange(operation, deployment, baseSpec);
    const ctx = this.deps.renderContextFor(deployment.namespace);
    const render = (state: { spec: DeploymentSpec; state: DeploymentState } | null) => (state ? renderDeploymentObjects(state.spec, state.state, ctx).objects : []);
    const beforeCost = monthlyCost(plan.beforeRunning, this.deps.prices);
    const afterCost = monthlyCost(plan.afterRunning, this.deps.prices);
    return {
      operation,
      deploymentName: deployment.name,
      environment: deployment.environment,
      fieldChanges: plan.fieldChanges,
      objectChanges: compareObjects(render(plan.before), render(plan.after)),
      risks: changeRisks(plan.subject),
      cost: describeCostChange(beforeCost, afterCost, this.deps.prices.currency),
      approvals: await this.deps.approvalsOf(operation.id),
    };
  }
}

/**
 * The states a change goes from and to: what runs now (from the spec it is based on) and what
 * will run once it is done, as renderer input and for cost, with the risk subject and the
 * field-by-field diff. Used by change requests and by dry runs alike.
 */
export function planChange(operation: Pick<OperationRecord, "kind" | "params">, deployment: DeploymentRecord, baseSpec: DeploymentSpec) {
  const running = deployment.status !== "stopped" && deployment.status !== "pending";
  const steady: DeploymentState = { activeSlot: deployment.activeSlot, replicas: deployment.replicas, ...(running ? {} : { stopped: true }) };
  const before = deployment.status === "pending" ? null : { spec: baseSpec, state: steady };
  const beforeRunning: RunningState | null = before ? { spec: baseSpec, replicas: deployment.replicas, running } : null;
  const same = { before, beforeRunning };
  switch (operation.kind) {
    case "create": {
      const after: RunningState = { spec: deployment.spec, replicas: deployment.replicas, running: true };
      return {
        ...same,
        after: { spec: deployment.spec, state: { activeSlot: deployment.activeSlot, replicas: deployment.replicas } },
        afterRunning: after,
        subject: { kind: "create", after } satisfies ChangeSubject,
        fieldChanges: [
          `Model ${deployment.spec.modelId}@${deployment.spec.modelVersion}`,
          `${deployment.spec.resources.cpuCores} CPU, ${deployment.spec.resources.memoryGb} GB${deployment.spec.resources.gpuCount > 0 ? `, ${deployment.spec.resources.gpuCount} × ${deployment.spec.resources.gpuType ?? "GPU"}` : ""} per instance`,
          `Replicas ${deployment.spec.scaling.minReplicas}–${deployment.spec.scaling.maxReplicas}${deployment.spec.scaling.autoscalingEnabled ? " (auto-scaling)" : ""}`,
        ],
      };
    }
    case "edit": {
      const params = editParamsSchema.safeParse(operation.params);
      const spec = params.success ? params.data.spec : baseSpec;
      const changes = specChanges(baseSpec, spec);
      const replicas = (params.success ? params.data.replicas : undefined) ?? Math.min(Math.max(deployment.replicas, spec.scaling.minReplicas), spec.scaling.maxReplicas);
      const after: RunningState = { spec, replicas, running };
      return {
        ...same,
        after: { spec, state: { ...steady, replicas } },
        afterRunning: after,
        subject: { kind: "edit", changes, before: beforeRunning ?? after, after } satisfies ChangeSubject,
        fieldChanges: changes.map((change) => `${change.label}: ${change.before} → ${change.after}`),
      };
    }
    case "scale": {
      const params = scaleParamsSchema.safeParse(operation.params);
      const replicas = params.success ? params.data.replicas : deployment.replicas;
      const after: RunningState = { spec: baseSpec, replicas, running: replicas > 0 };
      return {
        ...same,
        after: { spec: baseSpec, state: { ...steady, replicas } },
        afterRunning: after,
        subject: { kind: "scale", before: beforeRunning ?? after, after } satisfies ChangeSubject,
        fieldChanges: [`Replicas: ${deployment.replicas} → ${replicas}`],
      };
    }
    case "reapply": {
      const after: RunningState = beforeRunning ?? { spec: baseSpec, replicas: deployment.replicas, running };
      return {
        ...same,
        after: { spec: baseSpec, state: steady },
        afterRunning: after,
        subject: { kind: "reapply", before: after } satisfies ChangeSubject,
        fieldChanges: ["Takes back the fields changed outside deploybot: the cluster gets the stored configuration again"],
      };
    }
    case "stop":
    case "start":
    case "delete": {
      const beforeState = beforeRunning ?? { spec: baseSpec, replicas: deployment.replicas, running };
      const after = operation.kind === "delete" ? null : { spec: baseSpec, state: { ...steady, stopped: operation.kind === "stop" } };
      const afterRunning = operation.kind === "start" ? { ...beforeState, running: true } : { ...beforeState, running: false };
      const status = operation.kind === "delete" ? "removed" : operation.kind === "stop" ? "stopped (0 instances)" : `live (${deployment.replicas} instances)`;
      return {
        ...same,
        after,
        afterRunning,
        subject: { kind: operation.kind, before: beforeState } satisfies ChangeSubject,
        fieldChanges: [`Status: ${deployment.status} → ${status}`],
      };
    }
    case "update-model":
    case "rollback": {
      const update = updateModelParamsSchema.safeParse(operation.params);
      const rollback = rollbackParamsSchema.safeParse(operation.params);
      const toVersion = update.success ? update.data.modelVersion : rollback.success ? rollback.data.modelVersion : baseSpec.modelVersion;
      const strategy = update.success ? update.data.strategy : "blue-green";
      const spec = { ...baseSpec, modelVersion: toVersion };
      // Blue-green, canary and rollback end with the new version in the other slot; rolling changes it in place.
      const state: DeploymentState = strategy === "rolling" ? steady : { ...steady, activeSlot: otherSlot(deployment.activeSlot) };
      const subject: ChangeSubject =
        operation.kind === "rollback"
          ? { kind: "rollback", fromVersion: baseSpec.modelVersion, toVersion }
          : { kind: "update-model", strategy, fromVersion: baseSpec.modelVersion, toVersion };
      const how = operation.kind === "rollback" ? `rollback to revision ${rollback.success ? rollback.data.toRevision : "?"}` : strategy;
      return {
        ...same,
        after: { spec, state },
        afterRunning: beforeRunning,
        subject,
        fieldChanges: [`Model version: ${baseSpec.modelVersion} → ${toVersion} (${how})`],
      };
    }
  }
}
