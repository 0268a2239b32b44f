import type { WebClient } from "@slack/web-api";
import { DELETE_CHECKLIST, DELETE_WARNING, STOP_CONSEQUENCES, withName } from "../domain/operationConsequences.js";
import type { FieldChange } from "../domain/editability.js";
import type { GateDecision, OperationRequestResult } from "../operations/operationRequests.js";
import { messageTargetOf, queuedProgress, type OperationMessageTarget, type OperationProgress } from "../domain/progress.js";
import type { DeploymentRecord } from "../domain/deployment.js";
import type { OperationRecord } from "../domain/operation.js";
import { changeRequestMessage } from "./messages/changeRequestMessage.js";
import { confirmationMessage, settledConfirmationMessage, type ConfirmationContent } from "./messages/confirmationMessage.js";
import type { SlackDependencies } from "./listeners/listenerContext.js";

export interface AnnounceOptions {
  client: WebClient;
  deps: SlackDependencies;
  /** Tells the requester privately (a refusal, a problem posting). */
  tell: (text: string) => Promise<void>;
  changes?: readonly FieldChange[];
  /** An edit requested by Adopt: the live values become the configuration, nothing restarts for them. */
  adoption?: { notAdoptable: readonly string[] };
}

/** What the confirmation of each gated operation says, in the guide's words. */
export function confirmationContent(
  operation: OperationRecord,
  deployment: DeploymentRecord,
  extras: { changes?: readonly FieldChange[]; requestRate?: string; adoption?: AnnounceOptions["adoption"] } = {},
): ConfirmationContent {
  const { changes } = extras;
  switch (operation.kind) {
    case "stop":
      return { consequences: withName(STOP_CONSEQUENCES, deployment.name) };
    case "delete":
      return {
        warning: "Deleting a deployment will:",
        consequences: [...DELETE_WARNING, "This action cannot be undone!"],
        checklist: DELETE_CHECKLIST,
        facts: [`Endpoint: ${deployment.name}.${deployment.namespace}.svc`, extras.requestRate ?? "Current request rate: unknown"],
      };
    case "scale":
      return { consequences: ["All instances will shut down", "Endpoint will become unavailable until you scale up again"] };
    case "edit":
      if (extras.adoption) {
        return {
          warning: "Adopt: the values changed outside deploybot become the stored configuration.",
          consequences: [
            "The running instances already have these values: applying them changes nothing in the cluster",
            ...(extras.adoption.notAdoptable.length > 0 ? [`Not adoptable, set back to the stored configuration: ${extras.adoption.notAdoptable.join(", ")}`.slice(0, 500)] : []),
          ],
          ...(changes ? { changes } : {}),
        };
      }
      return {
        warning: "These changes require a restart of every instance.",
        consequences: ["Instances are replaced one by one with the new resources (rolling restart)"],
        ...(changes ? { changes } : {}),
      };
    case "reapply":
      return {
        warning: "Re-apply takes back what was changed outside deploybot.",
        consequences: ["Fields changed outside deploybot are set back to the stored configuration", "Objects deleted outside deploybot are created again"],
      };
    default:
      return { consequences: [] };
  }
}

/**
 * Shows a request's first state in the channel: its progress message when it was queued, or its
 * confirmation message when it waits at the gate (that message later becomes its progress
 * message, and its thread gets the outcome). Refusals go privately to the requester.
 */
export async function announceRequest(result: OperationRequestResult, options: AnnounceOptions): Promise<void> {
  const { client, deps } = options;
  if (!result.ok) {
    await options.tell(result.message);
    return;
  }
  const { operation, deployment } = result;
  if (result.state === "queued") {
    await showThenEnqueue(deps, newMessageTarget(operation), queuedProgress(operation, deployment), options.tell);
    return;
  }
  if (result.state === "awaiting_approval") {
    await announceChangeRequest(operation, client, deps, options.tell);
    return;
  }
  const requestRate = operation.kind === "delete" ? await deps.queries.requestRateFact(deployment) : undefined;
  const message = confirmationMessage(
    operation,
    deployment,
    confirmationContent(operation, deployment, {
      ...(options.changes ? { changes: options.changes } : {}),
      ...(requestRate ? { requestRate } : {}),
      ...(options.adoption ? { adoption: options.adoption } : {}),
    }),
  );
  try {
    const posted = await client.chat.postMessage({ channel: operation.channelId, text: message.text, blocks: message.blocks });
    if (posted.ts) await deps.operations.attachMessage(operation.id, posted.ts);
  } catch (error) {
    deps.logger.warn({ err: error, operationId: operation.id }, "could not post the confirmation");
    await deps.operations.cancel(operation.id, operation.requestedBy);
    await options.tell("deploybot could not post the confirmation in this channel (invite it with `/invite @deploybot`). Nothing was changed.");
  }
}

/** A progress message of its own, for an operation that did not start from a confirmation message. */
export function newMessageTarget(operation: OperationRecord): OperationMessageTarget {
  return { ...messageTargetOf(operation), messageTs: null, threadTs: null };
}

/**
 * Starts a recorded operation: shows its first state, then hands it to the queue. In that order,
 * so that the job finds the message to edit instead of posting one of its own. When Redis is
 * away the operation stays recorded (the recovery sweep enqueues it later) and the message says so.
 */
export async function showThenEnqueue(deps: SlackDependencies, target: OperationMessageTarget, progress: OperationProgress, tell?: (text: string) => Promise<void>): Promise<void> {
  let unreachable: string | undefined;
  const shown = await deps.publisher.publish(target, progress).then(
    () => true,
    (error: unknown) => {
      deps.logger.warn({ err: error, operationId: target.operationId }, "could not show the operation's first state");
      unreachable = unreachableConversation(error);
      return false;
    },
  );
  if (unreachable) {
    // Slack answered that the bot cannot post there (not a passing outage): the change does not
    // run without a message where people can see it.
    const reason = `deploybot cannot post in this conversation (${unreachable}): invite it with \`/invite @deploybot\`, or ask from a channel. Nothing was changed.`;
    await deps.operations.withdraw(target.operationId, reason);
    await tell?.(reason);
    return;
  }
  const enqueued = await deps.operations.enqueue(target.operationId);
  if (!enqueued.enqueued && shown) {
    const detail = `Recorded, but ${enqueued.reason}: it starts as soon as the queue is back.`;
    await deps.publisher.publish(target, { ...progress, detail }).catch(() => undefined);
  }
}

/** Slack's answers that mean "never here": the bot is not in the conversation, or it is gone. */
function unreachableConversation(error: unknown): string | undefined {
  const code = (error as { data?: { error?: unknown } } | null)?.data?.error;
  return typeof code === "string" && ["not_in_channel", "channel_not_found", "is_archived", "cannot_dm_bot", "restricted_action"].includes(code) ? code : undefined;
}

/** After a confirmation: its message turns into the operation's progress message, then the job starts. */
export async function announceConfirmed(operation: OperationRecord, deployment: DeploymentRecord, deps: SlackDependencies): Promise<void> {
  const target = messageTargetOf(operation);
  await showThenEnqueue(deps, target, queuedProgress(operation, deployment));
  if (operation.threadTs) await deps.publisher.threadReply(target, `Confirmed by <@${operation.decidedBy ?? operation.requestedBy}>`).catch(() => undefined);
}

/** A gate answered without running (cancelled, expired, refused): the message says so, and its thread. */
export async function announceSettled(client: WebClient, deps: SlackDependencies, operation: OperationRecord, outcome: string): Promise<void> {
  if (!operation.messageTs) return;
  const message = settledConfirmationMessage(operation, outcome);
  try {
    await client.chat.update({ channel: operation.channelId, ts: operation.messageTs, text: message.text, blocks: message.blocks });
    await deps.publisher.threadReply({ ...messageTargetOf(operation), threadTs: operation.messageTs }, outcome);
  } catch (error) {
    deps.logger.warn({ err: error, operationId: operation.id }, "could not show the settled confirmation");
  }
}

/** An update or rollback: its queued message already shows the plan; a gate or a refusal goes the usual way. */
export async function announceModelUpdate(result: OperationRequestResult, options: AnnounceOptions): Promise<void> {
  if (!result.ok || result.state !== "queued") {
    await announceRequest(result, options);
    return;
  }
  const { operation, deployment } = result;
  const rollout = options.deps.modelUpdates.queuedRollout(operation, deployment);
  const progress = { ...queuedProgress(operation, deployment), ...(rollout ? { modelVersion: rollout.toVersion, rollout } : {}) };
  await showThenEnqueue(options.deps, newMessageTarget(operation), progress, options.tell);
}

/** Shows, on their messages, the confirmations that expired unanswered. */
export async function showExpiredConfirmations(client: WebClient, deps: SlackDependencies): Promise<number> {
  const expired = await deps.operations.expireGates();
  for (const operation of expired) {
    if (operation.status === "awaiting_approval") await refreshChangeRequest(operation.id, client, deps, "Expired without enough approvals; nothing was changed.");
    else await announceSettled(client, deps, operation, "the confirmation expired; nothing was changed.");
  }
  return expired.length;
}

/** What follows a gate decision: progress once confirmed, the settled message, or a private note. */
export async function showDecision(decision: GateDecision, client: WebClient, deps: SlackDependencies, tell: (text: string) => Promise<void>): Promise<void> {
  if (decision.ok) {
    await announceConfirmed(decision.operation, decision.deployment, deps);
    return;
  }
  if (decision.settled && decision.operation) {
    if (decision.operation.requiredApprovals > 0) await refreshChangeRequest(decision.operation.id, client, deps, decision.message);
    else await announceSettled(client, deps, decision.operation, decision.message);
  } else await tell(decision.message);
}

/**
 * Posts a change request where the team and its approvers see it: in the requester's channel
 * (that message later becomes the progress message) and, when configured, in the approvers'
 * channel. A request that cannot be shown in its channel is withdrawn: a production change
 * must leave its record where people can see it.
 */
export async function announceChangeRequest(operation: OperationRecord, client: WebClient, deps: SlackDependencies, tell: (text: string) => Promise<void>): Promise<void> {
  const view = await deps.changeRequests.describe(operation);
  if (!view) return;
  const message = changeRequestMessage(view);
  try {
    const posted = await client.chat.postMessage({ channel: operation.channelId, text: message.text, blocks: message.blocks });
    if (posted.ts) await deps.operations.attachMessage(operation.id, posted.ts);
  } catch (error) {
    deps.logger.warn({ err: error, operationId: operation.id }, "could not post the change request");
    await deps.operations.cancel(operation.id, operation.requestedBy);
    await tell("deploybot could not post the change request in this conversation (invite it with `/invite @deploybot`, or ask from a channel). Nothing was changed.");
    return;
  }
  const approversChannel = await deps.operations.approversChannelOf(view.environment);
  if (approversChannel && approversChannel !== operation.channelId) {
    try {
      const copy = await client.chat.postMessage({ channel: approversChannel, text: message.text, blocks: message.blocks });
      if (copy.ts) await deps.operations.addMessage(operation.id, approversChannel, copy.ts, "approvers");
    } catch (error) {
      deps.logger.warn({ err: error, operationId: operation.id, channel: approversChannel }, "could not post the change request in the approvers' channel");
    }
  }
}

/** Redraws every message about a change request with its current state (each decision edits all of them). */
export async function refreshChangeRequest(operationId: string, client: WebClient, deps: SlackDependencies, outcome?: string, options: { skipOwnMessage?: boolean } = {}): Promise<void> {
  const operation = await deps.operations.get(operationId);
  if (!operation) return;
  const view = await deps.changeRequests.describe(operation);
  if (!view) return;
  const message = changeRequestMessage(view, outcome);
  const targets = [
    ...(operation.messageTs && !options.skipOwnMessage ? [{ channelId: operation.channelId, ts: operation.messageTs }] : []),
    ...(await deps.operations.messagesOf(operation.id)),
  ];
  for (const target of targets) {
    await client.chat.update({ channel: target.channelId, ts: target.ts, text: message.text, blocks: message.blocks }).catch((error: unknown) => {
      deps.logger.warn({ err: error, operationId, channel: target.channelId }, "could not update a change request message");
    });
  }
}

/** The last approval came: the request's own message becomes its progress message, the copies say so. */
export async function announceApproved(operation: OperationRecord, deployment: DeploymentRecord, client: WebClient, deps: SlackDependencies, approverId: string): Promise<void> {
  await refreshChangeRequest(operation.id, client, deps, `Approved by <@${approverId}>: running, follow it in <#${operation.channelId}>.`, { skipOwnMessage: true });
  const target = messageTargetOf(operation);
  await showThenEnqueue(deps, target, queuedProgress(operation, deployment));
  if (operation.threadTs) await deps.publisher.threadReply(target, `Approved by <@${approverId}>`).catch(() => undefined);
}
