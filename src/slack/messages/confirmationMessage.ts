import type { KnownBlock } from "@slack/types";
import { ENVIRONMENT_LABELS } from "../../domain/deploymentSpec.js";
import type { FieldChange } from "../../domain/editability.js";
import { OPERATION_KIND_LABELS } from "../../domain/operation.js";
import type { DeploymentRecord } from "../../domain/deployment.js";
import type { OperationRecord } from "../../domain/operation.js";
import type { SlackMessage } from "./helpMessage.js";
import { mrkdwn, plainText, truncate } from "./text.js";

export const CONFIRM_ACTION_ID = "operation:confirm";
export const CANCEL_ACTION_ID = "operation:cancel";
/** On a delete confirmation: the pods' logs, kept in the thread before they are gone with the pods. */
export const EXPORT_LOGS_ACTION_ID = "deployment:export-logs";

export interface ConfirmationContent {
  /** What will happen, in the guide's words. */
  consequences: readonly string[];
  warning?: string;
  checklist?: readonly string[];
  changes?: readonly FieldChange[];
  /** Extra facts for the decision, e.g. the current request rate before a delete. */
  facts?: readonly string[];
}

function bullets(lines: readonly string[]): string {
  return lines.map((line) => `• ${line}`).join("\n");
}

export function changesText(changes: readonly FieldChange[]): string {
  return changes
    .map((change) => {
      const note = change.editability.kind === "restart" ? "  :warning: restart" : change.editability.kind === "rolling" ? "  (rolling update)" : "";
      return `• *${change.label}*: ${truncate(change.before, 200)} → ${truncate(change.after, 200)}${note}`;
    })
    .join("\n");
}

function hhmm(date: Date | null): string {
  return date ? `${date.toISOString().slice(11, 16)} UTC` : "soon";
}

/**
 * The message that holds a destructive operation at its gate: what will happen, and Confirm /
 * Cancel buttons only the requester can use. Once answered it becomes the operation's progress
 * message, and its thread gets the outcome.
 */
export function confirmationMessage(operation: OperationRecord, deployment: DeploymentRecord, content: ConfirmationContent): SlackMessage {
  const action = OPERATION_KIND_LABELS[operation.kind].toLowerCase();
  const title = `:warning: <@${operation.requestedBy}> asked to *${action}* *${deployment.name}* (${ENVIRONMENT_LABELS[deployment.environment]}, \`${deployment.namespace}\`)`;
  const blocks: KnownBlock[] = [{ type: "section", block_id: "confirm-title", text: mrkdwn(title) }];
  if (content.warning) blocks.push({ type: "section", block_id: "confirm-warning", text: mrkdwn(`*${content.warning}*`) });
  if (content.consequences.length > 0) blocks.push({ type: "section", block_id: "confirm-consequences", text: mrkdwn(bullets(content.consequences)) });
  if (content.changes && content.changes.length > 0) {
    blocks.push({ type: "section", block_id: "confirm-changes", text: mrkdwn(`*Changes*\n${changesText(content.changes)}`) });
  }
  if (content.checklist && content.checklist.length > 0) {
    blocks.push({ type: "section", block_id: "confirm-checklist", text: mrkdwn(`*Before deleting*\n${bullets(content.checklist)}`) });
  }
  if (content.facts && content.facts.length > 0) blocks.push({ type: "context", block_id: "confirm-facts", elements: [mrkdwn(content.facts.join("  ·  "))] });
  blocks.push({
    type: "actions",
    block_id: "confirm-actions",
    elements: [
      {
        type: "button",
        action_id: CONFIRM_ACTION_ID,
        text: plainText(`Confirm ${action}`, 75),
        style: operation.kind === "delete" || operation.kind === "stop" ? "danger" : "primary",
        value: operation.id,
      },
      { type: "button", action_id: CANCEL_ACTION_ID, text: plainText("Cancel", 75), value: operation.id },
      ...(operation.kind === "delete" ? [{ type: "button" as const, action_id: EXPORT_LOGS_ACTION_ID, text: plainText("Export logs", 75), value: deployment.name }] : []),
    ],
  });
  blocks.push({
    type: "context",
    block_id: "confirm-meta",
    elements: [mrkdwn(`Only <@${operation.requestedBy}> can confirm. Expires at ${hhmm(operation.gateExpiresAt)}.`)],
  });
  return { text: `${deployment.name}: confirm ${action}?`, blocks };
}

/** The confirmation message once answered without running: cancelled, expired or refused. */
export function settledConfirmationMessage(operation: OperationRecord, outcome: string): SlackMessage {
  const action = OPERATION_KIND_LABELS[operation.kind].toLowerCase();
  const text = `:no_entry_sign: ${action[0]?.toUpperCase()}${action.slice(1)} *${operation.deploymentName}*: ${outcome}`;
  return {
    text: `${operation.deploymentName}: ${action} ${outcome}`,
    blocks: [
      { type: "section", block_id: "confirm-title", text: mrkdwn(text) },
      { type: "context", block_id: "confirm-meta", elements: [mrkdwn(`Requested by <@${operation.requestedBy}>`)] },
    ],
  };
}
