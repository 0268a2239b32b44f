import { needsRestart, validateEdit, type FieldChange } from "../domain/editability.js";
import { parseEnvironmentVariables } from "../domain/environmentVariablesText.js";
import type { Requester } from "../domain/operation.js";
import { quotaErrors, type EnvironmentRules } from "../domain/environmentRules.js";
import type { Logger } from "pino";
import type { AccessControl } from "./accessControl.js";
import { ClusterNameCheck, clusterNameErrors, type ClusterNameReader } from "./clusterNameCheck.js";
import type { OperationRequestResult, OperationRequests } from "./operationRequests.js";
import { validateDeploymentSpec, type DeploymentSpec, type Environment, type FieldError } from "../domain/deploymentSpec.js";
import { initialReplicas } from "../domain/deploymentSpec.js";
import { classifyFailure } from "../domain/failureClass.js";
import { trafficCapabilityErrors, type TrafficProviderId } from "../domain/trafficCapabilities.js";
import { DeploymentNameTakenError, type DeploymentRepository } from "../store/deploymentRepository.js";
import type { OperationRepository } from "../store/operationRepository.js";
import { type DeploymentRecord } from "../domain/deployment.js";
import type { OperationRecord } from "../domain/operation.js";
import { FreshSharedReads } from "./freshSharedReads.js";
import { adoptLiveValues, isCurrentDrift } from "../domain/drift.js";
import { specChanges } from "../domain/editability.js";
import type { DriftRepository } from "../store/driftRepository.js";

/** What the audit trail says of an edit requested by Adopt. */
export const ADOPT_REASON = "Adopt: the values changed outside deploybot become the stored configuration";

export type AdoptRequestResult =
  | { ok: false; message: string }
  | {
      ok: true;
      request: Extract<OperationRequestResult, { ok: true }>;
      /** Field by field, as an edit's confirmation shows them (empty when only the replica count is kept). */
      changes: FieldChange[];
      /** Drifted fields the configuration cannot hold: they stay as they are until a Re-apply. */
      notAdoptable: string[];
    };

export type EditRequestResult =
  | { ok: false; errors: FieldError[] }
  | { ok: false; message: string }
  | { ok: true; request: Extract<OperationRequestResult, { ok: true }>; changes: FieldChange[]; restart: boolean };

/** A new deployment that passed every check of `checkCreate`, ready to record. */
export interface CheckedCreate {
  spec: DeploymentSpec;
  rules: EnvironmentRules;
  requester: Requester;
  idempotencyKey: string;
  /** The cluster's name check when it had not answered before Slack's answer: read before recording. */
  clusterNames?: ClusterNameCheck;
}

/**
 * How much longer than the store's reads a create's acknowledgement waits for the cluster's name
 * check. The store answers in a few milliseconds; a cluster slower than that (an API server
 * throttling its clients, or a busy one) would make every submission wait for it. Past the
 * bound the modal closes and the check is read before recording: a name the cluster holds is
 * then told in the channel instead of on the field.
 */
export const CLUSTER_NAME_CHECK_WAIT_MS = 50;

export type CreateCheckResult =
  | { ok: false; errors: FieldError[] }
  /** The same submission again, already recorded: what the first one recorded. */
  | { ok: true; duplicate: Extract<CreateRequestResult, { ok: true }> }
  | { ok: true; checked: CheckedCreate };

function nameTaken(name: string): FieldError {
  return { path: "name", message: `A deployment named ${name} already exists: choose another name.` };
}

export interface DeploymentPage {
  deployments: DeploymentRecord[];
  page: number;
  pages: number;
  total: number;
}

export type CreateRequestResult =
  | { ok: true; deployment: DeploymentRecord; operation: OperationRecord; duplicate: boolean; awaitingApproval: boolean }
  | { ok: false; errors: FieldError[] };

/**
 * The request side of creating deployments: validates what a user asked for against the domain
 * rules and the store, and records it with its create operation, ready for the queue. Slack
 * handlers call this and only render what it answers.
 */
export class DeploymentRequests {
  constructor(
    private readonly deps: {
      deployments: DeploymentRepository;
      operations: OperationRepository;
      drift: DriftRepository;
      requests: OperationRequests;
      access: AccessControl;
      now?: () => Date;
      namespaces: Record<Environment, string>;
      trafficProvider: TrafficProviderId;
      clusterFor(environment: Environment): ClusterNameReader;
      logger: Logger;
    },
  ) {}

  /**
   * Every rule a new deployment must pass that the form can show on a field, before Slack gets
   * its answer: the schema and the cluster's capabilities (pure, checked first); then, read
   * together, the requester's access from this channel, the environment's quotas, a name the
   * bot does not use yet and that no object in the cluster holds (clusterNameCheck; when the
   * cluster is slow, read by `recordCreate` instead). Nothing is recorded here: `recordCreate`
   * does that once the modal has been answered.
   * A repeated submission (same idempotency key) that was already recorded answers the first.
   */
  async checkCreate(input: unknown, requester: Requester, idempotencyKey: string): Promise<CreateCheckResult> {
    const validation = validateDeploymentSpec(input);
    if (!validation.ok) return validation;
    const spec = validation.spec;
    const capabilityErrors = trafficCapabilityErrors(spec, this.deps.trafficProvider);
    if (capabilityErrors.length > 0) return { ok: false, errors: capabilityErrors };

    const { environment } = spec;
    const namespace = this.deps.namespaces[environment];
    // Every read at once, beside the cluster's answer: the acknowledgement waits for the slowest
    // store read, not for their sum (on a busy host each await waits for a CPU slice as well),
    // and for the cluster only a little longer (CLUSTER_NAME_CHECK_WAIT_MS).
    const clusterNames = new ClusterNameCheck(clusterNameErrors(this.deps.clusterFor(environment), namespace, spec.name, this.deps.logger));
    const [existing, stored, access] = await Promise.all([
      this.deps.operations.findByIdempotencyKey(idempotencyKey),
      this.deps.deployments.findByName(spec.name),
      this.deps.access.checkRequest(requester, environment),
    ]);
    const duplicate = await this.answerOfFirst(existing);
    if (duplicate) return { ok: true, duplicate };
    // Who may create here, from this channel: refused on the environment field; then its quotas.
    if (!access.ok) return { ok: false, errors: [{ path: "environment", message: access.message }] };
    const { rules } = access;
    const quota = quotaErrors(spec, rules);
    if (quota.length > 0) return { ok: false, errors: quota };
    // A stored deployment's objects are its own: the cluster's answer only counts for a new name.
    if (stored) return { ok: false, errors: [nameTaken(spec.name)] };
    const clusterErrors = await clusterNames.within(CLUSTER_NAME_CHECK_WAIT_MS);
    if (clusterErrors && clusterErrors.length > 0) return { ok: false, errors: clusterErrors };
    return { ok: true, checked: { spec, rules, requester, idempotencyKey, ...(clusterErrors ? {} : { clusterNames }) } };
  }

  /** The same submission again (its idempotency key recorded `first`): answered as the first one was. */
  private async answerOfFirst(first: OperationRecord | null): Promise<Extract<CreateRequestResult, { ok: true }> | null> {
    const deployment = first?.deploymentId ? await this.deps.deployments.get(first.deploymentId) : null;
    return first && deployment ? { ok: true, deployment, operation: first, duplicate: true, awaitingApproval: first.status === "awaiting_approval" } : null;
  }

  /**
   * Records a checked deployment and its create operation. The database's unique constraints
   * decide between two racing submissions: the same modal submitted twice is the first request,
   * already recorded (answered as a duplicate); another modal with the same name is refused.
   */
  async recordCreate(checked: CheckedCreate): Promise<CreateRequestResult> {
    const { spec, rules, requester, idempotencyKey } = checked;
    const clusterErrors = (await checked.clusterNames?.errors()) ?? [];
    if (clusterErrors.length > 0) return { ok: false, errors: clusterErrors };
    try {
      const now = this.deps.now?.() ?? new Date();
      const { deployment, operation } = await this.deps.deployments.createWithOperation({
        spec,
        namespace: this.deps.namespaces[spec.environment],
        replicas: initialReplicas(spec),
        channelId: requester.channelId,
        teamId: requester.teamId,
        requestedBy: requester.userId,
        idempotencyKey,
        ...(rules.requiredApprovals > 0
          ? { approval: { requiredApprovals: rules.requiredApprovals, expiresAt: new Date(now.getTime() + rules.approvalTtlMinutes * 60_000) } }
          : {}),
      });
      await this.deps.requests.audit({
        actorId: requester.userId,
        channelId: requester.channelId,
        deploymentName: deployment.name,
        environment: deployment.environment,
        operationId: operation.id,
        action: "requested",
        decision: "create",
        after: { spec },
        data: { state: operation.status },
      });
      return { ok: true, deployment, operation, duplicate: false, awaitingApproval: operation.status === "awaiting_approval" };
    } catch (error) {
      const first = error instanceof DeploymentNameTakenError || classifyFailure(error).kind === "duplicate" ? await this.answerOfFirst(await this.deps.operations.findByIdempotencyKey(idempotencyKey)) : null;
      if (first) return first;
      if (error instanceof DeploymentNameTakenError) return { ok: false, errors: [nameTaken(spec.name)] };
      throw error;
    }
  }

  /**
   * An edit from the Edit Deployment form: the environment variables come as the form's
   * `NAME=value` lines. Validated against the editability rules, then recorded waiting for the
   * requester's confirmation, with the diff that confirmation shows. A restart-needing change is
   * flagged so that it is confirmed in the channel rather than in the modal.
   */
  async requestEdit(name: string, input: Record<string, unknown>, environmentVariablesText: string, requester: Requester): Promise<EditRequestResult> {
    const found = await this.deps.requests.find(name);
    if (!found.ok) return found;
    const env = parseEnvironmentVariables(environmentVariablesText);
    if (!env.ok) return { ok: false, errors: [env.error] };
    const validation = validateEdit(found.deployment.spec, { ...input, env: env.variables }, this.deps.trafficProvider);
    if (!validation.ok) return validation;
    const quota = quotaErrors(validation.spec, await this.deps.access.rules(found.deployment.environment));
    if (quota.length > 0) return { ok: false, errors: quota };
    const changedPaths = validation.changes.map((change) => change.path);
    const request = await this.deps.requests.request({ name, kind: "edit", params: { spec: validation.spec, changedPaths }, requester, confirmation: true });
    if (!request.ok) return request;
    return { ok: true, request, changes: validation.changes, restart: needsRestart(validation.changes) };
  }

  /**
   * Adopt: the live values of the drifted fields become the stored configuration, requested as an
   * edit (or, when only the replica count drifted, a scale), so the same gates apply: access,
   * the lock, approvals in production, the confirmation and the audit trail. Fields the spec
   * cannot express are named and left to a Re-apply.
   */
  async requestAdopt(name: string, requester: Requester): Promise<AdoptRequestResult> {
    const found = await this.deps.requests.find(name);
    if (!found.ok) return found;
    const { deployment } = found;
    const drift = await this.deps.drift.get(deployment.id);
    if (!drift || !isCurrentDrift(drift, deployment) || drift.fields.length === 0) {
      return { ok: false, message: `*${deployment.name}* has nothing to adopt: the last drift check found its live objects as configured.` };
    }
    const adoption = adoptLiveValues(deployment.spec, deployment.replicas, drift.fields);
    const notAdoptable = adoption.notAdoptable.map((field) => `${field.kind} ${field.object}: ${field.path}`);
    if (adoption.adopted.length === 0) {
      return { ok: false, message: `None of the drifted fields of *${deployment.name}* can be stored in its configuration (${notAdoptable.join(", ")}). Re-apply sets them back.` };
    }
    const specChanged = specChanges(deployment.spec, adoption.spec).length > 0;
    if (!specChanged && notAdoptable.length === 0) {
      const request = await this.deps.requests.requestScale(name, adoption.replicas, requester);
      return request.ok ? { ok: true, request, changes: [], notAdoptable } : request;
    }
    let edited = { spec: deployment.spec, changes: [] as FieldChange[] };
    if (specChanged) {
      const validation = validateEdit(deployment.spec, { ...adoption.spec }, this.deps.trafficProvider);
      if (!validation.ok) return { ok: false, message: `The live values cannot be adopted: ${validation.errors.map((error) => error.message).join(" ")}` };
      const quota = quotaErrors(validation.spec, await this.deps.access.rules(deployment.environment));
      if (quota.length > 0) return { ok: false, message: quota.map((error) => error.message).join(" ") };
      edited = validation;
    }
    const changedPaths = edited.changes.map((change) => change.path);
    const replicas = adoption.replicas === deployment.replicas ? {} : { replicas: adoption.replicas };
    // The fields the spec cannot hold are set back by this apply (forced, on the deployment's own objects).
    const request = await this.deps.requests.request({ name, kind: "edit", params: { spec: edited.spec, changedPaths, ...replicas, takeOver: true }, requester, confirmation: true, reason: ADOPT_REASON });
    if (!request.ok) return request;
    return { ok: true, request, changes: edited.changes, notAdoptable };
  }

  /**
   * One page of the deployments, in environment then name order, with how many there are in all.
   * Lists asked for at the same time share their reads (FreshSharedReads), each still read after it was asked.
   */
  listPage(page: number, pageSize: number): Promise<DeploymentPage> {
    return this.pages.get(`${page}/${pageSize}`, async () => {
      const total = await this.deps.deployments.count();
      const pages = Math.max(1, Math.ceil(total / pageSize));
      const current = Math.min(Math.max(1, page), pages);
      const deployments = await this.deps.deployments.list({ limit: pageSize, offset: (current - 1) * pageSize });
      return { deployments, page: current, pages, total };
    });
  }

  private readonly pages = new FreshSharedReads<DeploymentPage>();
}
