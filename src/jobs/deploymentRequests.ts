import type { Logger } from "pino";
import { validateDeploymentSpec, type DeploymentSpec, type Environment, type FieldError } from "../domain/deploymentSpec.js";
import { initialReplicas } from "../domain/deploymentSpec.js";
import { trafficCapabilityErrors, type TrafficProviderId } from "../domain/trafficCapabilities.js";
import { DeploymentNameTakenError, type DeploymentRecord, type DeploymentRepository } from "../store/deploymentRepository.js";
import type { OperationRecord, OperationRepository } from "../store/operationRepository.js";
import { enqueueOperation, type EnqueueResult, type OperationQueue } from "./operationQueue.js";

export interface Requester {
  userId: string;
  channelId: string;
  teamId: string | null;
}

export type CreateRequestResult =
  | { ok: true; deployment: DeploymentRecord; operation: OperationRecord; duplicate: boolean }
  | { ok: false; errors: FieldError[] };


/**
 * The request side of operations: validates what a user asked for against the domain rules and
 * the store, records it as an operation, and hands it to the queue. Slack handlers call this and
 * only render what it answers.
 */
export class DeploymentRequests {
  constructor(
    private readonly deps: {
      deployments: DeploymentRepository;
      operations: OperationRepository;
      queue: OperationQueue;
      namespaces: Record<Environment, string>;
      trafficProvider: TrafficProviderId;
      logger: Logger;
    },
  ) {}

  /** Every rule a new deployment must pass, with errors by field: schema, cluster capabilities, unique name. */
  async validateNewDeployment(input: unknown): Promise<{ ok: true; spec: DeploymentSpec } | { ok: false; errors: FieldError[] }> {
    const validation = validateDeploymentSpec(input);
    if (!validation.ok) return validation;
    const errors = trafficCapabilityErrors(validation.spec, this.deps.trafficProvider);
    if (await this.deps.deployments.findByName(validation.spec.name)) {
      errors.unshift({ path: "name", message: `A deployment named ${validation.spec.name} already exists: choose another name.` });
    }
    return errors.length > 0 ? { ok: false, errors } : validation;
  }

  /**
   * Records the deployment and its create operation. A repeated request with the same
   * idempotency key (a retried submission) returns the first one instead of creating twice.
   */
  async requestCreate(input: unknown, requester: Requester, idempotencyKey: string): Promise<CreateRequestResult> {
    const existing = await this.deps.operations.findByIdempotencyKey(idempotencyKey);
    if (existing?.deploymentId) {
      const deployment = await this.deps.deployments.get(existing.deploymentId);
      if (deployment) return { ok: true, deployment, operation: existing, duplicate: true };
    }
    const validation = await this.validateNewDeployment(input);
    if (!validation.ok) return validation;
    const spec = validation.spec;
    try {
      const { deployment, operation } = await this.deps.deployments.createWithOperation({
        spec,
        namespace: this.deps.namespaces[spec.environment],
        replicas: initialReplicas(spec),
        channelId: requester.channelId,
        teamId: requester.teamId,
        requestedBy: requester.userId,
        idempotencyKey,
      });
      return { ok: true, deployment, operation, duplicate: false };
    } catch (error) {
      if (error instanceof DeploymentNameTakenError) {
        return { ok: false, errors: [{ path: "name", message: `A deployment named ${spec.name} already exists: choose another name.` }] };
      }
      throw error;
    }
  }

  async enqueue(operationId: string): Promise<EnqueueResult> {
    return enqueueOperation(this.deps.queue, operationId, this.deps.logger);
  }

  async list(): Promise<DeploymentRecord[]> {
    return this.deps.deployments.list();
  }
}
