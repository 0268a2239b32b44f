import { modelVersionSchema, type FieldError } from "../domain/deploymentSpec.js";
import { parseStrategyOptions, rolloutPlan } from "../domain/rolloutPlan.js";
import { TRAFFIC_CAPABILITIES, type TrafficProviderId } from "../domain/trafficCapabilities.js";
import type { DeploymentRepository } from "../store/deploymentRepository.js";
import type { OperationRepository } from "../store/operationRepository.js";
import type { RevisionRepository } from "../store/revisionRepository.js";
import type { Requester } from "../domain/operation.js";
import type { AccessControl } from "./accessControl.js";
import { findDeployment, type DeploymentLookup } from "./deploymentLookup.js";
import type { OperationRequestResult, OperationRequests } from "./operationRequests.js";
import type { RolloutProgress } from "../domain/progress.js";
import { rollbackParamsSchema, type RollbackParams } from "./operationParams.js";
import { readCheckpoint } from "../domain/rolloutCheckpoint.js";
import { updateModelParamsSchema, type UpdateModelParams } from "./operationParams.js";
import type { DeploymentRecord } from "../domain/deployment.js";
import type { OperationControl, OperationRecord } from "../domain/operation.js";
import type { RevisionRecord } from "../domain/revision.js";
import { type UpdateStrategy } from "../domain/strategy.js";

export interface UpdateModelRequest {
  name: string;
  modelVersion: string;
  strategy: UpdateStrategy;
  /** Strategy options as typed (modal strings) or already numbers; validated here. */
  options: Record<string, unknown>;
  requester: Requester;
}

export type UpdateModelResult = OperationRequestResult | { ok: false; errors: FieldError[] };

export type RollbackResult =
  | OperationRequestResult
  /** A blue-green update still holds the old version warm: the rollback is that update's Abort, one switch. */
  | { ok: true; state: "switching-back"; message: string };

/** How a deployment's canary traffic is split on this cluster, for the modal's and message's wording. */
export interface TrafficFacts {
  exactWeights: boolean;
  metricsConfigured: boolean;
}

/**
 * The request side of model updates and rollbacks: validates the version, the strategy options
 * and the revision asked for, and records the operation through OperationRequests (which holds
 * the deployment's lock: one update per deployment at a time).
 */
export class ModelUpdateRequests {
  constructor(
    private readonly deps: {
      deployments: DeploymentRepository;
      operations: OperationRepository;
      revisions: RevisionRepository;
      requests: OperationRequests;
      trafficProvider: TrafficProviderId;
      metricsConfigured: boolean;
      access: AccessControl;
    },
  ) {}

  async find(name: string): Promise<DeploymentLookup> {
    return findDeployment(this.deps.deployments, name);
  }

  /** Deployments a model update can start on now, for the modal's select. */
  async updatable(): Promise<DeploymentRecord[]> {
    return (await this.deps.deployments.list()).filter((deployment) => deployment.status === "live" && deployment.activeOperationId === null);
  }

  trafficFacts(deployment: Pick<DeploymentRecord, "spec"> | null): TrafficFacts {
    const exact = TRAFFIC_CAPABILITIES[this.deps.trafficProvider].exactWeights && (deployment?.spec.loadBalancer.enabled ?? true);
    return { exactWeights: exact, metricsConfigured: this.deps.metricsConfigured };
  }

  /** Checks what the form holds; errors use the modal's block ids (`modelVersion`, `option.<name>`). */
  validate(input: Pick<UpdateModelRequest, "modelVersion" | "strategy" | "options">, current: DeploymentRecord | null): FieldError[] {
    const errors: FieldError[] = [];
    const version = modelVersionSchema.safeParse(input.modelVersion);
    if (!version.success) errors.push({ path: "modelVersion", message: version.error.issues[0]?.message ?? "Invalid model version." });
    else if (current && version.data === current.spec.modelVersion) {
      errors.push({ path: "modelVersion", message: `${current.name} already runs ${version.data}: choose another version.` });
    }
    const options = parseStrategyOptions(input.strategy, input.options);
    if (!options.ok) errors.push(...options.errors.map((error) => ({ path: `option.${error.path}`, message: error.message })));
    return errors;
  }

  async updateModel(request: UpdateModelRequest): Promise<UpdateModelResult> {
    const found = await findDeployment(this.deps.deployments, request.name);
    if (!found.ok) return found;
    const { deployment } = found;
    const errors = this.validate(request, deployment);
    if (errors.length > 0) return { ok: false, errors };
    const options = parseStrategyOptions(request.strategy, request.options);
    const chosen: Record<string, unknown> = options.ok ? { ...options.value.options } : {};
    // Whether each canary step waits for an approver is the environment's rule, never the requester's choice.
    if (request.strategy === "canary") chosen.stepApproval = (await this.deps.access.rules(deployment.environment)).canaryStepApproval;
    const params: UpdateModelParams = {
      modelVersion: request.modelVersion.trim(),
      strategy: request.strategy,
      options: chosen,
    };
    return this.deps.requests.request({ name: request.name, kind: "update-model", params: { ...params }, requester: request.requester, confirmation: false });
  }

  /**
   * Back to `revision`, or by default to the newest revision that went live with another version.
   * While a blue-green update keeps the previous version warm, that update is aborted instead:
   * traffic switches back at once.
   */
  async rollback(request: { name: string; revision?: number; requester: Requester }): Promise<RollbackResult> {
    const found = await findDeployment(this.deps.deployments, request.name);
    if (!found.ok) return found;
    const { deployment } = found;
    const switchBack = await this.switchBackInstead(deployment, request);
    if (switchBack) return switchBack;
    const target = await this.rollbackTarget(deployment, request.revision);
    if (!target.ok) return target;
    const params: RollbackParams = { toRevision: target.revision.number, modelVersion: target.revision.modelVersion };
    return this.deps.requests.request({ name: request.name, kind: "rollback", params: { ...params }, requester: request.requester, confirmation: false });
  }

  /**
   * A click on a rollout's button. It counts only from the operation's own message in its own
   * channel, while the rollout runs; the rollout itself decides whether it applies now.
   */
  async control(
    operationId: string,
    control: OperationControl,
    from: { requester: Requester; messageTs: string | undefined },
  ): Promise<{ ok: boolean; message: string }> {
    const operation = await this.deps.operations.get(operationId);
    if (!operation || (operation.kind !== "update-model" && operation.kind !== "rollback")) {
      return { ok: false, message: "This button does not belong to a model update." };
    }
    if (operation.channelId !== from.requester.channelId || (operation.messageTs !== null && from.messageTs !== operation.messageTs)) {
      return { ok: false, message: "This button does not belong to this update's progress message." };
    }
    if (operation.status !== "running") return { ok: false, message: "This update is no longer running: nothing to do." };
    return this.deps.requests.control(operationId, from.requester, control);
  }

  /** The rollout part of a just-queued update's message: its plan, before a worker picks it up. */
  queuedRollout(operation: OperationRecord, deployment: DeploymentRecord): RolloutProgress | null {
    const update = updateModelParamsSchema.safeParse(operation.params);
    const rollback = rollbackParamsSchema.safeParse(operation.params);
    let plan;
    let strategy: RolloutProgress["strategy"];
    let toVersion: string;
    if (operation.kind === "update-model" && update.success) {
      const options = parseStrategyOptions(update.data.strategy, update.data.options);
      if (!options.ok) return null;
      plan = rolloutPlan(options.value);
      strategy = update.data.strategy;
      toVersion = update.data.modelVersion;
    } else if (operation.kind === "rollback" && rollback.success) {
      plan = rolloutPlan({ strategy: "rollback", options: { toRevision: rollback.data.toRevision } });
      strategy = "rollback";
      toVersion = rollback.data.modelVersion;
    } else {
      return null;
    }
    const exact = this.trafficFacts(deployment).exactWeights;
    return {
      strategy,
      fromVersion: deployment.spec.modelVersion,
      toVersion,
      stepNumber: 0,
      stepCount: plan.length,
      stepLabel: "queued",
      newTrafficPercent: 0,
      routing: strategy === "rolling" ? "in-place" : exact ? "istio-weights" : strategy === "canary" ? "replica-ratio" : "service-selector",
      paused: false,
      controls: [],
    };
  }

  private async switchBackInstead(deployment: DeploymentRecord, request: { revision?: number; requester: Requester }): Promise<RollbackResult | null> {
    if (!deployment.activeOperationId) return null;
    const running = await this.deps.operations.get(deployment.activeOperationId);
    if (!running || running.kind !== "update-model" || running.status !== "running") return null;
    const checkpoint = readCheckpoint(running.checkpoint);
    if (!checkpoint || checkpoint.rollback || checkpoint.fromSlot === checkpoint.toSlot) return null;
    if (request.revision !== undefined) {
      const wanted = await this.deps.revisions.get(deployment.id, request.revision);
      if (wanted?.modelVersion !== checkpoint.fromVersion) return null;
    }
    const answer = await this.deps.requests.control(running.id, request.requester, "abort");
    if (!answer.ok) return null;
    const how = checkpoint.switched ? "switches traffic back" : "stops sending it traffic";
    return {
      ok: true,
      state: "switching-back",
      message: `The update of *${deployment.name}* to ${checkpoint.toVersion} is still running: it is being aborted, which ${how} to ${checkpoint.fromVersion} at once. Follow it on its progress message.`,
    };
  }

  async rollbackTarget(
    deployment: DeploymentRecord,
    number: number | undefined,
  ): Promise<{ ok: true; revision: RevisionRecord } | { ok: false; message: string }> {
    const current = deployment.spec.modelVersion;
    if (number === undefined) {
      const previous = await this.deps.revisions.previousPromoted(deployment.id, current);
      if (previous) return { ok: true, revision: previous };
      return { ok: false, message: `*${deployment.name}* has no earlier version to return to: it has run ${current} since it was created.` };
    }
    const revision = await this.deps.revisions.get(deployment.id, number);
    if (!revision) {
      const known = await this.deps.revisions.list(deployment.id, 10);
      const list = known.length > 0 ? ` Its revisions: ${known.map((r) => `${r.number} (${r.modelVersion}, ${r.outcome})`).join(", ")}.` : "";
      return { ok: false, message: `*${deployment.name}* has no revision ${number}.${list}` };
    }
    if (revision.outcome !== "promoted") {
      return { ok: false, message: `Revision ${number} (${revision.modelVersion}) never went live (${revision.outcome}): choose a revision that did.` };
    }
    if (revision.modelVersion === current) return { ok: false, message: `*${deployment.name}* already runs ${current} (revision ${number}).` };
    return { ok: true, revision };
  }
}
