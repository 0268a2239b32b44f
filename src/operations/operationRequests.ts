import type { Logger } from "pino";
import { checkTransition, TRANSITIONS, type OperationKind } from "../domain/deploymentStatus.js";
import { OPERATION_KIND_LABELS } from "../domain/operation.js";
import { checkScale } from "../domain/scaling.js";
import type { DeploymentRepository } from "../store/deploymentRepository.js";
import type { OperationRepository } from "../store/operationRepository.js";
import type { Requester } from "../domain/operation.js";
import { findDeployment, type DeploymentLookup } from "./deploymentLookup.js";
import type { OperationParams } from "./operationParams.js";
import { enqueueOperation, type EnqueueResult, type OperationQueue } from "../jobs/operationQueue.js";
import type { DeploymentRecord } from "../domain/deployment.js";
import type { OperationControl, OperationRecord } from "../domain/operation.js";

export type OperationRequestResult =
  | { ok: true; state: "queued"; operation: OperationRecord; deployment: DeploymentRecord }
  | { ok: true; state: "awaiting_confirmation"; operation: OperationRecord; deployment: DeploymentRecord }
  | { ok: false; message: string };

export type GateDecision =
  | { ok: true; operation: OperationRecord; deployment: DeploymentRecord }
  | { ok: false; message: string; operation?: OperationRecord; settled?: "cancelled" | "expired" };

export interface OperationRequest<Kind extends OperationKind = OperationKind> {
  name: string;
  kind: Kind;
  /** The kind's parameters (see operationParams.ts); the deployment's status before is added here. */
  params: Omit<OperationParams<Kind>, "statusBefore">;
  requester: Requester;
  /** Waits for the requester's confirmation before anything runs. */
  confirmation: boolean;
}

function when(date: Date | null): string {
  return date ? ` since ${date.toISOString().slice(11, 16)} UTC` : "";
}

/**
 * The request side of day-two operations. An operation is either recorded holding its
 * deployment's lock, ready for the queue, or waits at a gate (a confirmation today; an approval later)
 * until the person who asked confirms it. Refusals come back as sentences for the user.
 */
export class OperationRequests {
  constructor(
    private readonly deps: {
      deployments: DeploymentRepository;
      operations: OperationRepository;
      queue: OperationQueue;
      confirmationTtlMs: number;
      logger: Logger;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Finds a deployment by name, or says there is none. */
  async find(name: string): Promise<DeploymentLookup> {
    return findDeployment(this.deps.deployments, name);
  }

  /** Why a deployment cannot take an operation now, if it cannot. */
  async refusal(deployment: DeploymentRecord, kind: OperationKind): Promise<string | undefined> {
    if (deployment.activeOperationId) {
      const running = await this.deps.operations.get(deployment.activeOperationId);
      if (running) {
        const what = OPERATION_KIND_LABELS[running.kind].toLowerCase();
        return `*${deployment.name}* is busy: a ${what} requested by <@${running.requestedBy}> is ${running.status === "running" ? "running" : "queued"}${when(running.startedAt ?? running.createdAt)}. Try again when it finishes.`;
      }
    }
    const check = checkTransition(deployment.name, deployment.status, kind);
    return check.allowed ? undefined : check.reason;
  }

  async request<Kind extends OperationKind>(request: OperationRequest<Kind>): Promise<OperationRequestResult> {
    const found = await this.find(request.name);
    if (!found.ok) return found;
    const { deployment } = found;
    const refusal = await this.refusal(deployment, request.kind);
    if (refusal) return { ok: false, message: refusal };

    const base = {
      deploymentId: deployment.id,
      deploymentName: deployment.name,
      kind: request.kind,
      params: { ...request.params, statusBefore: deployment.status },
      requestedBy: request.requester.userId,
      channelId: request.requester.channelId,
    };
    if (request.confirmation) {
      const operation = await this.deps.operations.create({
        ...base,
        status: "awaiting_confirmation",
        gateExpiresAt: new Date(this.now().getTime() + this.deps.confirmationTtlMs),
      });
      return { ok: true, state: "awaiting_confirmation", operation, deployment };
    }
    const operation = await this.deps.operations.createLocked({ ...base, status: "queued" }, TRANSITIONS[request.kind].from);
    if (!operation) {
      const latest = await this.deps.deployments.get(deployment.id);
      return { ok: false, message: (latest && (await this.refusal(latest, request.kind))) ?? `*${deployment.name}* changed meanwhile; try again.` };
    }
    return { ok: true, state: "queued", operation, deployment };
  }

  /**
   * A manual scale, checked against the scaling rules (never silently clamped) and recorded; a
   * scale to zero waits for a confirmation.
   */
  async requestScale(name: string, replicas: number, requester: Requester): Promise<OperationRequestResult> {
    const found = await this.find(name);
    if (!found.ok) return found;
    const check = checkScale(name, found.deployment.spec, found.deployment.replicas, replicas);
    if (!check.allowed) return { ok: false, message: check.reason };
    return this.request({ name, kind: "scale", params: { replicas, from: found.deployment.replicas }, requester, confirmation: check.confirmation });
  }

  /**
   * The requester confirmed: the operation leaves the gate and takes its deployment's lock,
   * ready for the queue. A second click, a click by someone else, or one after expiry changes nothing.
   */
  async confirm(operationId: string, userId: string): Promise<GateDecision> {
    const operation = await this.deps.operations.get(operationId);
    const gate = await this.checkGate(operation, userId);
    if (!gate.ok) return gate;
    const open = gate.operation;
    const deployment = open.deploymentId ? await this.deps.deployments.get(open.deploymentId) : null;
    const refusal = deployment ? await this.refusal(deployment, open.kind) : "The deployment no longer exists.";
    if (!deployment || refusal) {
      await this.deps.operations.transition(open.id, ["awaiting_confirmation"], "cancelled", { error: refusal, finishedAt: this.now() });
      return { ok: false, message: refusal ?? "Cancelled.", operation: open, settled: "cancelled" };
    }
    if (!(await this.deps.operations.transition(open.id, ["awaiting_confirmation"], "queued", { decidedBy: userId, decidedAt: this.now() }))) {
      return { ok: false, message: "This request was already answered." };
    }
    if (!(await this.deps.deployments.tryLock(deployment.id, open.id, TRANSITIONS[open.kind].from))) {
      const message = (await this.refusal((await this.deps.deployments.get(deployment.id)) ?? deployment, open.kind)) ?? "The deployment is busy.";
      await this.deps.operations.transition(open.id, ["queued"], "cancelled", { error: message, finishedAt: this.now() });
      return { ok: false, message, operation: open, settled: "cancelled" };
    }
    await this.deps.operations.recordEvent(open.id, "confirmed", `Confirmed by <@${userId}>`);
    const confirmed = (await this.deps.operations.get(open.id)) ?? open;
    return { ok: true, operation: confirmed, deployment };
  }

  async cancel(operationId: string, userId: string): Promise<GateDecision> {
    const operation = await this.deps.operations.get(operationId);
    const gate = await this.checkGate(operation, userId);
    if (!gate.ok) return gate;
    if (!(await this.deps.operations.transition(gate.operation.id, ["awaiting_confirmation"], "cancelled", { decidedBy: userId, decidedAt: this.now(), finishedAt: this.now() }))) {
      return { ok: false, message: "This request was already answered." };
    }
    await this.deps.operations.recordEvent(gate.operation.id, "cancelled", `Cancelled by <@${userId}>`);
    return { ok: false, message: `Cancelled by <@${userId}>. Nothing was changed.`, operation: gate.operation, settled: "cancelled" };
  }

  /** Settles every confirmation past its time; returns them so their messages can say so. */
  async expireGates(): Promise<OperationRecord[]> {
    const expired: OperationRecord[] = [];
    for (const operation of await this.deps.operations.expiredGates(this.now())) {
      if (await this.deps.operations.transition(operation.id, ["awaiting_confirmation"], "expired", { finishedAt: this.now() })) {
        await this.deps.operations.recordEvent(operation.id, "expired", "The confirmation expired; nothing was changed.");
        expired.push(operation);
      }
    }
    return expired;
  }

  /** A button on a running operation's message (pause, resume, promote, abort). */
  async control(operationId: string, userId: string, control: OperationControl): Promise<{ ok: boolean; message: string }> {
    const operation = await this.deps.operations.get(operationId);
    if (!operation || operation.status !== "running") return { ok: false, message: "This operation is no longer running." };
    if (!(await this.deps.operations.requestControl(operationId, control))) return { ok: false, message: "This operation is no longer running." };
    await this.deps.operations.recordEvent(operationId, "control", `${control} requested by <@${userId}>`);
    return { ok: true, message: `${control[0]?.toUpperCase()}${control.slice(1)} requested by <@${userId}>.` };
  }

  /** The gate's message in the channel: it becomes the progress message, its thread gets the outcome. */
  async attachMessage(operationId: string, messageTs: string): Promise<void> {
    await this.deps.operations.setMessage(operationId, { messageTs, threadTs: messageTs });
  }

  /** Whether `userId` may answer this gate now, without answering it (delete asks for the name first). */
  async inspectGate(operationId: string, userId: string): Promise<{ ok: true; operation: OperationRecord } | GateDecision> {
    return this.checkGate(await this.deps.operations.get(operationId), userId);
  }

  private async checkGate(operation: OperationRecord | null, userId: string): Promise<{ ok: true; operation: OperationRecord } | GateDecision> {
    if (!operation) return { ok: false, message: "This request no longer exists." };
    if (operation.status !== "awaiting_confirmation") {
      const answered: Record<string, string> = {
        queued: "This request was already confirmed.",
        running: "This request was already confirmed and is running.",
        succeeded: "This request was already confirmed and has finished.",
        failed: "This request was already confirmed and has finished.",
        cancelled: "This request was cancelled.",
        expired: "This confirmation expired. Run the command again.",
      };
      return { ok: false, message: answered[operation.status] ?? "This request was already answered." };
    }
    if (operation.requestedBy !== userId) {
      return { ok: false, message: `Only <@${operation.requestedBy}>, who asked for it, can answer this.` };
    }
    if (operation.gateExpiresAt && operation.gateExpiresAt.getTime() <= this.now().getTime()) {
      if (await this.deps.operations.transition(operation.id, ["awaiting_confirmation"], "expired", { finishedAt: this.now() })) {
        await this.deps.operations.recordEvent(operation.id, "expired", "The confirmation expired; nothing was changed.");
      }
      return { ok: false, message: "This confirmation expired. Run the command again.", operation, settled: "expired" };
    }
    return { ok: true, operation };
  }

  /**
   * Hands a recorded, locked operation to the queue. Callers show its first message before, so
   * that the job edits that message instead of racing it with one of its own.
   */
  async enqueue(operationId: string): Promise<EnqueueResult> {
    return enqueueOperation(this.deps.queue, operationId, this.deps.logger);
  }
}
