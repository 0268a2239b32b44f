import type { Logger } from "pino";
import { controlRefusal, freezeRefusal } from "../domain/access.js";
import type { AuditEntry } from "../domain/audit.js";
import type { DeploymentRecord } from "../domain/deployment.js";
import { checkTransition, TRANSITIONS, type OperationKind } from "../domain/deploymentStatus.js";
import { deploymentSpecSchema } from "../domain/deploymentSpec.js";
import { specChanges } from "../domain/editability.js";
import { scaleQuotaRefusal, type EnvironmentRules } from "../domain/environmentRules.js";
import { OPERATION_KIND_LABELS, type OperationControl, type OperationRecord, type Requester } from "../domain/operation.js";
import { checkScale } from "../domain/scaling.js";
import { enqueueOperation, type EnqueueResult, type OperationQueue } from "../jobs/operationQueue.js";
import type { ApprovalRepository } from "../store/approvalRepository.js";
import type { AuditRepository } from "../store/auditRepository.js";
import type { DeploymentRepository } from "../store/deploymentRepository.js";
import type { OperationRepository } from "../store/operationRepository.js";
import type { AccessControl } from "./accessControl.js";
import { findDeployment, type DeploymentLookup } from "./deploymentLookup.js";
import type { OperationParams } from "./operationParams.js";

export type OperationRequestResult =
  | { ok: true; state: "queued"; operation: OperationRecord; deployment: DeploymentRecord }
  | { ok: true; state: "awaiting_confirmation"; operation: OperationRecord; deployment: DeploymentRecord }
  | { ok: true; state: "awaiting_approval"; operation: OperationRecord; deployment: DeploymentRecord }
  | { ok: false; message: string };

export type GateDecision =
  | { ok: true; operation: OperationRecord; deployment: DeploymentRecord }
  | { ok: false; message: string; operation?: OperationRecord; settled?: "cancelled" | "expired" | "rejected" };

/** An approval that counted: either the request now runs, or it waits for more approvals. */
export type ApprovalDecision =
  | { ok: true; state: "approved"; operation: OperationRecord; deployment: DeploymentRecord }
  | { ok: true; state: "needs-more"; operation: OperationRecord; approvals: number; required: number }
  | { ok: false; message: string; operation?: OperationRecord; settled?: "cancelled" | "expired" };

export interface OperationRequest<Kind extends OperationKind = OperationKind> {
  name: string;
  kind: Kind;
  /** The kind's parameters (see operationParams.ts); the status and spec it is based on are added here. */
  params: Omit<OperationParams<Kind>, "statusBefore" | "baseSpec">;
  requester: Requester;
  /** Waits for the requester's confirmation before anything runs (unless it waits for approvals). */
  confirmation: boolean;
  /** Why, for the audit trail, when the kind alone does not say (an edit requested by Adopt). */
  reason?: string;
}

function when(date: Date | null): string {
  return date ? ` since ${date.toISOString().slice(11, 16)} UTC` : "";
}

const ANSWERED: Record<string, string> = {
  queued: "This request was already answered and is queued.",
  running: "This request was already answered and is running.",
  succeeded: "This request was already answered and has finished.",
  failed: "This request was already answered and has finished.",
  cancelled: "This request was cancelled.",
  expired: "This request expired. Run the command again.",
  rejected: "This request was rejected.",
};

/** What a second answer to a gate is told: what became of the request, when that is known. */
function answered(status: string | undefined): string {
  return (status !== undefined && ANSWERED[status]) || "This request was already answered.";
}

/**
 * The request side of day-two operations. A change is authorized when it is asked for, then
 * either recorded holding its deployment's lock, ready for the queue, or left waiting at a gate:
 * the requester's confirmation, or, for production, approvals from other people. Every answer to
 * a gate is authorized again when it comes, and checked against the spec the request was based
 * on. Every step lands in the audit trail. Refusals come back as sentences for the user.
 */
export class OperationRequests {
  constructor(
    private readonly deps: {
      deployments: DeploymentRepository;
      operations: OperationRepository;
      approvals: ApprovalRepository;
      audit: AuditRepository;
      access: AccessControl;
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

  /** Appends to the audit trail; a failure there is logged, never hidden behind the change's own answer. */
  async audit(entry: AuditEntry): Promise<void> {
    try {
      await this.deps.audit.append(entry);
    } catch (error) {
      this.deps.logger.error({ err: error, action: entry.action, operationId: entry.operationId }, "could not append to the audit trail");
    }
  }

  /** Why a deployment cannot take an operation now, if it cannot (busy, or a status that forbids it). */
  async refusal(deployment: DeploymentRecord, kind: OperationKind, ownOperationId?: string): Promise<string | undefined> {
    // A production create holds its deployment from the start: it is not busy with itself.
    if (deployment.activeOperationId && deployment.activeOperationId !== ownOperationId) {
      const running = await this.deps.operations.get(deployment.activeOperationId);
      if (running) {
        const what = OPERATION_KIND_LABELS[running.kind].toLowerCase();
        return `*${deployment.name}* is busy: a ${what} requested by <@${running.requestedBy}> is ${running.status === "running" ? "running" : "queued"}${when(running.startedAt ?? running.createdAt)}. Try again when it finishes.`;
      }
    }
    const check = checkTransition(deployment.name, deployment.status, kind);
    return check.allowed ? undefined : check.reason;
  }

  /** Whether `requester` may change this deployment now, and whether it can take this kind of operation. */
  async changeRefusal(deployment: DeploymentRecord, kind: OperationKind, requester: Requester): Promise<string | undefined> {
    const check = await this.changeCheck(deployment, kind, requester);
    return check.ok ? undefined : check.message;
  }

  /** `changeRefusal`, and when allowed the environment's rules the change is recorded under (read with the access policy). */
  private async changeCheck(deployment: DeploymentRecord, kind: OperationKind, requester: Requester): Promise<{ ok: true; rules: EnvironmentRules } | { ok: false; message: string }> {
    const access = await this.deps.access.checkChange(requester, deployment);
    if (!access.ok) return access;
    const refusal = await this.refusal(deployment, kind);
    return refusal ? { ok: false, message: refusal } : { ok: true, rules: access.rules };
  }

  async request<Kind extends OperationKind>(request: OperationRequest<Kind>): Promise<OperationRequestResult> {
    const found = await this.find(request.name);
    if (!found.ok) return found;
    const { deployment } = found;
    const { requester } = request;
    const check = await this.changeCheck(deployment, request.kind, requester);
    if (!check.ok) {
      await this.audit({ actorId: requester.userId, channelId: requester.channelId, deploymentName: deployment.name, environment: deployment.environment, action: "refused", decision: request.kind, reason: check.message });
      return check;
    }
    return this.record(deployment, request, check.rules);
  }

  /**
   * Records a request that passed its checks: at a gate, or queued holding the deployment's lock.
   * The caller has found the deployment and read its environment's rules (each once per request).
   */
  private async record<Kind extends OperationKind>(
    deployment: DeploymentRecord,
    request: OperationRequest<Kind>,
    rules: EnvironmentRules,
  ): Promise<OperationRequestResult> {
    const { requester } = request;
    const base = {
      deploymentId: deployment.id,
      deploymentName: deployment.name,
      kind: request.kind,
      params: { ...request.params, statusBefore: deployment.status, baseSpec: deployment.spec },
      requestedBy: requester.userId,
      channelId: requester.channelId,
      environment: deployment.environment,
      baseSpecVersion: deployment.specVersion,
    };
    let result: OperationRequestResult;
    if (rules.requiredApprovals > 0) {
      const operation = await this.deps.operations.create({
        ...base,
        status: "awaiting_approval",
        requiredApprovals: rules.requiredApprovals,
        gateExpiresAt: new Date(this.now().getTime() + rules.approvalTtlMinutes * 60_000),
      });
      result = { ok: true, state: "awaiting_approval", operation, deployment };
    } else if (request.confirmation) {
      const operation = await this.deps.operations.create({
        ...base,
        status: "awaiting_confirmation",
        gateExpiresAt: new Date(this.now().getTime() + this.deps.confirmationTtlMs),
      });
      result = { ok: true, state: "awaiting_confirmation", operation, deployment };
    } else {
      const operation = await this.deps.operations.createLocked({ ...base, status: "queued" }, TRANSITIONS[request.kind].from);
      if (!operation) {
        const latest = await this.deps.deployments.get(deployment.id);
        return { ok: false, message: (latest && (await this.refusal(latest, request.kind))) ?? `*${deployment.name}* changed meanwhile; try again.` };
      }
      result = { ok: true, state: "queued", operation, deployment };
    }
    await this.audit({
      actorId: requester.userId,
      channelId: requester.channelId,
      deploymentName: deployment.name,
      environment: deployment.environment,
      operationId: result.operation.id,
      action: "requested",
      decision: request.kind,
      ...(request.reason ? { reason: request.reason } : {}),
      before: { status: deployment.status, replicas: deployment.replicas, spec: deployment.spec },
      after: request.params,
      data: { state: result.state, ...(result.state === "awaiting_approval" ? { requiredApprovals: rules.requiredApprovals } : {}) },
    });
    return result;
  }

  /**
   * A manual scale, checked against the scaling rules (never silently clamped) and the
   * environment's quota, then recorded; a scale to zero waits for a confirmation.
   */
  async requestScale(name: string, replicas: number, requester: Requester): Promise<OperationRequestResult> {
    const found = await this.find(name);
    if (!found.ok) return found;
    const { deployment } = found;
    // Busy and access first: "already runs 2" would be wrong while another scale is running.
    const access = await this.changeCheck(deployment, "scale", requester);
    if (!access.ok) return access;
    const { rules } = access;
    const quota = scaleQuotaRefusal(deployment.environment, replicas, rules);
    if (quota) return { ok: false, message: quota };
    const check = checkScale(name, deployment.spec, deployment.replicas, replicas);
    if (!check.allowed) return { ok: false, message: check.reason };
    // Found and checked once: recorded from here, without looking the deployment up again.
    return this.record(deployment, { name, kind: "scale", params: { replicas, from: deployment.replicas }, requester, confirmation: check.confirmation }, rules);
  }

  /** Re-apply the stored configuration over what changed in the cluster: always confirmed first, it overwrites someone's hand edits. */
  requestReapply(name: string, requester: Requester): Promise<OperationRequestResult> {
    return this.request({ name, kind: "reapply", params: {}, requester, confirmation: true });
  }

  /**
   * The requester confirmed: the operation leaves the gate and takes its deployment's lock,
   * ready for the queue. A second click, a click by someone else, one after expiry, or one
   * after the spec changed underneath it changes nothing.
   */
  async confirm(operationId: string, requester: Requester): Promise<GateDecision> {
    const operation = await this.deps.operations.get(operationId);
    const gate = await this.checkConfirmationGate(operation, requester.userId);
    if (!gate.ok) return gate;
    const open = gate.operation;
    const deployment = open.deploymentId ? await this.deps.deployments.get(open.deploymentId) : null;
    const refusal = deployment ? ((await this.staleRefusal(open, deployment)) ?? (await this.changeRefusal(deployment, open.kind, { ...requester, channelId: open.channelId }))) : "The deployment no longer exists.";
    if (!deployment || refusal) return this.cancelAtGate(open, ["awaiting_confirmation"], refusal ?? "Cancelled.", requester.userId);
    const taken = await this.takeLock(open, deployment, ["awaiting_confirmation"], requester.userId, { step: "confirmed", message: `Confirmed by <@${requester.userId}>` });
    if (!taken.ok) return taken;
    await this.audit({ actorId: requester.userId, channelId: requester.channelId, deploymentName: open.deploymentName, environment: deployment.environment, operationId: open.id, action: "confirmed" });
    return { ok: true, operation: taken.operation, deployment };
  }

  /** The requester withdraws a request waiting at a gate (a confirmation or approvals). */
  async cancel(operationId: string, userId: string): Promise<GateDecision> {
    const operation = await this.deps.operations.get(operationId);
    if (!operation) return { ok: false, message: "This request no longer exists." };
    if (operation.status !== "awaiting_confirmation" && operation.status !== "awaiting_approval") {
      return { ok: false, message: answered(operation.status) };
    }
    if (operation.requestedBy !== userId) return { ok: false, message: `Only <@${operation.requestedBy}>, who asked for it, can cancel this.` };
    if (!(await this.settle(operation, [operation.status], "cancelled", `Cancelled by <@${userId}>`, userId))) {
      return { ok: false, message: "This request was already answered." };
    }
    return { ok: false, message: `Cancelled by <@${userId}>. Nothing was changed.`, operation, settled: "cancelled" };
  }

  /**
   * One reviewer approves a change request. Refused: the requester themselves, someone without
   * the approver role in that environment (authorized now, not when the message was drawn), a
   * second decision by the same reviewer, an expired request, and a stale one (the spec changed
   * since it was asked for). The last approval needed takes the deployment's lock: it is queued.
   */
  async approve(operationId: string, reviewer: Requester): Promise<ApprovalDecision> {
    const operation = await this.deps.operations.get(operationId);
    const gate = await this.checkApprovalGate(operation, reviewer);
    if (!gate.ok) return gate;
    const { operation: open, deployment } = gate;
    const stale = await this.staleRefusal(open, deployment);
    if (stale) return this.cancelAtGate(open, ["awaiting_approval"], stale, reviewer.userId);
    if (!(await this.deps.approvals.record(open.id, reviewer.userId, "approved", null))) {
      return { ok: false, message: "You already approved this request." };
    }
    await this.deps.operations.recordEvent(open.id, "approved", `Approved by <@${reviewer.userId}>`);
    await this.audit({ actorId: reviewer.userId, channelId: reviewer.channelId, deploymentName: open.deploymentName, environment: deployment.environment, operationId: open.id, action: "approved", decision: open.kind });
    const approvals = (await this.deps.approvals.forOperation(open.id)).filter((approval) => approval.decision === "approved").length;
    if (approvals < open.requiredApprovals) return { ok: true, state: "needs-more", operation: open, approvals, required: open.requiredApprovals };
    const busy = await this.refusal(deployment, open.kind, open.id);
    if (busy) return this.cancelAtGate(open, ["awaiting_approval"], busy, reviewer.userId);
    const taken = await this.takeLock(open, deployment, ["awaiting_approval"], reviewer.userId);
    if (!taken.ok) return taken;
    return { ok: true, state: "approved", operation: taken.operation, deployment };
  }

  /** A reviewer rejects a change request, with a reason the requester and the channel see. */
  async reject(operationId: string, reviewer: Requester, reason: string): Promise<GateDecision> {
    const operation = await this.deps.operations.get(operationId);
    const gate = await this.checkApprovalGate(operation, reviewer);
    if (!gate.ok) return gate;
    const { operation: open, deployment } = gate;
    if (!(await this.deps.approvals.record(open.id, reviewer.userId, "rejected", reason))) {
      return { ok: false, message: "You already decided on this request." };
    }
    if (!(await this.deps.operations.transition(open.id, ["awaiting_approval"], "rejected", { decidedBy: reviewer.userId, decidedAt: this.now(), finishedAt: this.now(), error: reason }))) {
      return { ok: false, message: "This request was already answered." };
    }
    await this.forgetUncreated(open);
    await this.deps.operations.recordEvent(open.id, "rejected", `Rejected by <@${reviewer.userId}>: ${reason}`);
    await this.audit({ actorId: reviewer.userId, channelId: reviewer.channelId, deploymentName: open.deploymentName, environment: deployment.environment, operationId: open.id, action: "rejected", decision: open.kind, reason });
    return { ok: false, message: `Rejected by <@${reviewer.userId}>: ${reason}`, operation: { ...open, status: "rejected" }, settled: "rejected" };
  }

  /** Who decided so far on a change request. */
  async approvalsOf(operationId: string) {
    return this.deps.approvals.forOperation(operationId);
  }

  /** Settles every gate past its time; returns them so their messages can say so. */
  async expireGates(): Promise<OperationRecord[]> {
    const expired: OperationRecord[] = [];
    for (const operation of await this.deps.operations.expiredGates(this.now())) {
      const from = operation.status === "awaiting_approval" ? "awaiting_approval" : "awaiting_confirmation";
      const what = from === "awaiting_approval" ? "The change request expired without enough approvals" : "The confirmation expired";
      if (await this.settle(operation, [from], "expired", `${what}; nothing was changed.`, "deploybot")) expired.push(operation);
    }
    return expired;
  }

  /**
   * A button on a running operation's message (pause, resume, promote, abort), authorized for
   * whoever pressed it: see controlRefusal for who may press what.
   */
  async control(operationId: string, requester: Requester, control: OperationControl): Promise<{ ok: boolean; message: string }> {
    const operation = await this.deps.operations.get(operationId);
    if (!operation || operation.status !== "running") return { ok: false, message: "This operation is no longer running." };
    const deployment = operation.deploymentId ? await this.deps.deployments.get(operation.deploymentId) : null;
    if (!deployment) return { ok: false, message: "This operation is no longer running." };
    const access = await this.deps.access.check(requester, "view", deployment.environment);
    if (!access.ok) return access;
    const refused =
      freezeRefusal(deployment.name, deployment.freeze, requester.userId) ??
      controlRefusal(control, { isRequester: operation.requestedBy === requester.userId, actions: access.actions, environment: deployment.environment });
    if (refused) return { ok: false, message: refused };
    if (!(await this.deps.operations.requestControl(operationId, control, requester.userId))) return { ok: false, message: "This operation is no longer running." };
    await this.deps.operations.recordEvent(operationId, "control", `${control} requested by <@${requester.userId}>`);
    // A paused rollout waits parked in the queue: the click wakes it (if Redis is away now, the
    // recovery sweep wakes it later: the click stays pending in the control queue).
    await this.deps.queue.wake(operationId).catch((error: unknown) => this.deps.logger.warn({ err: error, operationId }, "could not wake the parked operation"));
    await this.audit({ actorId: requester.userId, channelId: requester.channelId, deploymentName: operation.deploymentName, environment: deployment.environment, operationId, action: "requested", decision: control });
    return { ok: true, message: `${control[0]?.toUpperCase()}${control.slice(1)} requested by <@${requester.userId}>.` };
  }

  /**
   * A queued operation whose first message could not be shown where it was asked (a DM or a
   * channel the bot is not in): it does not run, so no change happens without a record people see.
   */
  async withdraw(operationId: string, reason: string): Promise<void> {
    const operation = await this.deps.operations.get(operationId);
    if (!operation || operation.status !== "queued") return;
    if (!(await this.settle(operation, ["queued"], "cancelled", reason, "deploybot"))) return;
    if (operation.deploymentId) await this.deps.deployments.releaseLock(operation.deploymentId, operation.id);
  }

  /** The gate's message in the channel: it becomes the progress message, its thread gets the outcome. */
  async attachMessage(operationId: string, messageTs: string): Promise<void> {
    await this.deps.operations.setMessage(operationId, { messageTs, threadTs: messageTs });
  }

  /** Another message about the operation (the copy in the approvers' channel): every decision edits it too. */
  async addMessage(operationId: string, channelId: string, ts: string, purpose: string): Promise<void> {
    await this.deps.operations.addMessage(operationId, { channelId, ts, purpose });
  }

  async messagesOf(operationId: string): Promise<{ channelId: string; ts: string; purpose: string }[]> {
    return this.deps.operations.messages(operationId);
  }

  /** Where change requests of an environment are also posted, if anywhere. */
  async approversChannelOf(environment: string): Promise<string | null> {
    const known = ["development", "staging", "production"] as const;
    const env = known.find((candidate) => candidate === environment);
    return env ? (await this.deps.access.rules(env)).approversChannelId : null;
  }

  async get(operationId: string): Promise<OperationRecord | null> {
    return this.deps.operations.get(operationId);
  }

  /** Whether `userId` may answer this confirmation now, without answering it (delete asks for the name first). */
  async inspectGate(operationId: string, userId: string): Promise<{ ok: true; operation: OperationRecord } | GateDecision> {
    return this.checkConfirmationGate(await this.deps.operations.get(operationId), userId);
  }

  /**
   * A request made on one spec must not apply to another: when the stored spec changed since
   * (another edit, a model update that finished meanwhile), it is refused with what changed.
   */
  private async staleRefusal(operation: OperationRecord, deployment: DeploymentRecord): Promise<string | undefined> {
    if (operation.baseSpecVersion === null || operation.baseSpecVersion === deployment.specVersion) return undefined;
    const base = deploymentSpecSchema.safeParse(operation.params.baseSpec);
    const changed = base.success ? specChanges(base.data, deployment.spec).map((change) => `${change.label} ${change.before} → ${change.after}`) : [];
    const what = changed.length > 0 ? `: ${changed.join(", ")}` : "";
    return `This request is stale: *${deployment.name}* changed since it was requested${what}. Nothing was changed; request it again if it still applies.`;
  }

  /** A create that never ran leaves no deployment behind: its name is free again. */
  private async forgetUncreated(operation: OperationRecord): Promise<void> {
    if (operation.kind === "create" && operation.deploymentId) await this.deps.deployments.forgetPending(operation.deploymentId, operation.id);
  }

  /**
   * Cancels a request at its gate with why. When another answer moved it first (a double click,
   * a second approver: its own lock makes the deployment look busy to this one), nothing is
   * cancelled and the answer says what happened to the request instead.
   */
  private async cancelAtGate(
    operation: OperationRecord,
    from: ("awaiting_confirmation" | "awaiting_approval")[],
    reason: string,
    actorId: string,
  ): Promise<{ ok: false; message: string; operation?: OperationRecord; settled?: "cancelled" }> {
    if (await this.settle(operation, from, "cancelled", reason, actorId)) return { ok: false, message: reason, operation, settled: "cancelled" };
    const now = await this.deps.operations.get(operation.id);
    return { ok: false, message: answered(now?.status) };
  }

  private async settle(operation: OperationRecord, from: OperationRecord["status"][], to: "cancelled" | "expired", reason: string, actorId: string): Promise<boolean> {
    const moved = await this.deps.operations.transition(operation.id, from, to, { error: reason, decidedBy: actorId === "deploybot" ? null : actorId, decidedAt: this.now(), finishedAt: this.now() });
    if (!moved) return false;
    await this.forgetUncreated(operation);
    await this.deps.operations.recordEvent(operation.id, to, reason);
    await this.audit({ actorId, channelId: operation.channelId, deploymentName: operation.deploymentName, environment: operation.environment, operationId: operation.id, action: to, reason });
    return true;
  }

  /**
   * Queues a gated operation holding its deployment's lock: the transition, the lock and the
   * decision's event commit together (never a lock held by an operation still at its gate, nor
   * an operation queued without its lock). A busy deployment cancels the request with why.
   */
  private async takeLock(
    operation: OperationRecord,
    deployment: DeploymentRecord,
    from: ("awaiting_confirmation" | "awaiting_approval")[],
    actorId: string,
    event?: { step: string; message: string },
  ): Promise<{ ok: true; operation: OperationRecord } | { ok: false; message: string; operation?: OperationRecord; settled?: "cancelled" }> {
    const outcome = await this.deps.operations.queueFromGate({
      operationId: operation.id,
      deploymentId: deployment.id,
      from,
      allowedStatuses: TRANSITIONS[operation.kind].from,
      decidedBy: actorId,
      decidedAt: this.now(),
      ...(event ? { event } : {}),
    });
    if (outcome === "answered") return { ok: false, message: "This request was already answered." };
    if (outcome === "busy") {
      const message = (await this.refusal((await this.deps.deployments.get(deployment.id)) ?? deployment, operation.kind)) ?? "The deployment is busy.";
      return this.cancelAtGate(operation, from, message, actorId);
    }
    return { ok: true, operation: (await this.deps.operations.get(operation.id)) ?? operation };
  }

  private async checkConfirmationGate(operation: OperationRecord | null, userId: string): Promise<{ ok: true; operation: OperationRecord } | GateDecision> {
    if (!operation) return { ok: false, message: "This request no longer exists." };
    if (operation.status === "awaiting_approval") return { ok: false, message: "This change request waits for approvals: an approver answers it with Approve or Reject." };
    if (operation.status !== "awaiting_confirmation") {
      return { ok: false, message: operation.status === "expired" ? "This confirmation expired. Run the command again." : answered(operation.status) };
    }
    if (operation.requestedBy !== userId) {
      return { ok: false, message: `Only <@${operation.requestedBy}>, who asked for it, can answer this.` };
    }
    if (operation.gateExpiresAt && operation.gateExpiresAt.getTime() <= this.now().getTime()) {
      await this.settle(operation, ["awaiting_confirmation"], "expired", "The confirmation expired; nothing was changed.", "deploybot");
      return { ok: false, message: "This confirmation expired. Run the command again.", operation, settled: "expired" };
    }
    return { ok: true, operation };
  }

  private async checkApprovalGate(
    operation: OperationRecord | null,
    reviewer: Requester,
  ): Promise<{ ok: true; operation: OperationRecord; deployment: DeploymentRecord } | { ok: false; message: string; operation?: OperationRecord; settled?: "cancelled" | "expired" }> {
    if (!operation) return { ok: false, message: "This request no longer exists." };
    if (operation.status !== "awaiting_approval") return { ok: false, message: ANSWERED[operation.status] ?? "This request does not wait for approvals." };
    if (operation.requestedBy === reviewer.userId) return { ok: false, message: "You asked for this change: someone else must review it." };
    const deployment = operation.deploymentId ? await this.deps.deployments.get(operation.deploymentId) : null;
    if (!deployment) {
      await this.settle(operation, ["awaiting_approval"], "cancelled", "The deployment no longer exists.", reviewer.userId);
      return { ok: false, message: "The deployment no longer exists.", operation, settled: "cancelled" };
    }
    const access = await this.deps.access.check(reviewer, "approve", deployment.environment);
    if (!access.ok) return access;
    if (operation.gateExpiresAt && operation.gateExpiresAt.getTime() <= this.now().getTime()) {
      await this.settle(operation, ["awaiting_approval"], "expired", "The change request expired without enough approvals; nothing was changed.", "deploybot");
      return { ok: false, message: "This request expired. Ask for it again.", operation, settled: "expired" };
    }
    return { ok: true, operation, deployment };
  }

  /**
   * Hands a recorded, locked operation to the queue. Callers show its first message before, so
   * that the job edits that message instead of racing it with one of its own.
   */
  async enqueue(operationId: string): Promise<EnqueueResult> {
    return enqueueOperation(this.deps.queue, operationId, this.deps.logger);
  }
}
