import type { KnownBlock } from "@slack/types";
import type { ChangeRisk } from "../../domain/changeRequest.js";
import { ENVIRONMENT_LABELS, type Environment } from "../../domain/deploymentSpec.js";
import { OPERATION_KIND_LABELS } from "../../domain/operation.js";
import type { ChangeRequestView } from "../../operations/changeRequests.js";
import { CANCEL_ACTION_ID } from "./confirmationMessage.js";
import type { SlackMessage } from "./helpMessage.js";
import { escapeMrkdwn, mrkdwn, plainText, truncate } from "./text.js";

export const APPROVE_ACTION_ID = "change-request:approve";
export const REJECT_ACTION_ID = "change-request:reject";

const RISK_EMOJI: Record<ChangeRisk["kind"], string> = {
  restart: ":arrows_counterclockwise:",
  "capacity-drop": ":chart_with_downwards_trend:",
  "traffic-switch": ":twisted_rightwards_arrows:",
  "endpoint-removed": ":no_entry:",
  "new-capacity": ":heavy_plus_sign:",
};

function bullets(lines: readonly string[], max = 12): string {
  const shown = lines.slice(0, max).map((line) => `• ${escapeMrkdwn(line)}`);
  if (lines.length > max) shown.push(`…and ${lines.length - max} more`);
  return shown.join("\n");
}

function utc(date: Date | null): string {
  return date ? `${date.toISOString().slice(0, 16).replace("T", " ")} UTC` : "—";
}

function environmentLabel(environment: string): string {
  return ENVIRONMENT_LABELS[environment as Environment] ?? environment;
}

/**
 * A production change waiting for approvals, as reviewers see it in the channel (and in the
 * approvers' channel): who asked, the diff of fields and of Kubernetes objects, the risk, the
 * cost a month before → after, the decisions so far, and Approve / Reject (Cancel for the
 * requester). The same builder draws it after each decision, so every copy shows the same state.
 */
export function changeRequestMessage(view: ChangeRequestView, outcome?: string): SlackMessage {
  const { operation } = view;
  const action = OPERATION_KIND_LABELS[operation.kind].toLowerCase();
  const open = operation.status === "awaiting_approval" && outcome === undefined;
  const approved = view.approvals.filter((approval) => approval.decision === "approved");
  const rejected = view.approvals.filter((approval) => approval.decision === "rejected");
  const icon = open ? ":memo:" : operation.status === "rejected" ? ":no_entry_sign:" : ":white_check_mark:";
  const blocks: KnownBlock[] = [
    {
      type: "section",
      block_id: "change-title",
      text: mrkdwn(`${icon} *Change request:* ${action} *${view.deploymentName}* (${environmentLabel(view.environment)})\nRequested by <@${operation.requestedBy}> at ${utc(operation.createdAt)}`),
    },
  ];
  if (view.fieldChanges.length > 0) blocks.push({ type: "section", block_id: "change-fields", text: mrkdwn(`*Changes*\n${bullets(view.fieldChanges)}`) });
  if (view.objectChanges.length > 0) blocks.push({ type: "section", block_id: "change-objects", text: mrkdwn(`*Kubernetes objects*\n${bullets(view.objectChanges)}`) });
  if (view.risks.length > 0) {
    blocks.push({ type: "section", block_id: "change-risk", text: mrkdwn(`*Risk*\n${view.risks.map((risk) => `${RISK_EMOJI[risk.kind]} ${escapeMrkdwn(risk.detail)}`).join("\n")}`) });
  }
  blocks.push({ type: "section", block_id: "change-cost", text: mrkdwn(`*Cost*\n${escapeMrkdwn(view.cost)}`) });
  const decisions = [
    `Approvals: ${approved.length}/${operation.requiredApprovals}${approved.length > 0 ? ` (${approved.map((a) => `<@${a.reviewerId}>`).join(", ")})` : ""}`,
    ...rejected.map((r) => `Rejected by <@${r.reviewerId}>: ${escapeMrkdwn(truncate(r.reason ?? "", 500))}`),
  ];
  blocks.push({ type: "section", block_id: "change-decisions", text: mrkdwn(decisions.join("\n")) });
  if (open) {
    blocks.push({
      type: "actions",
      block_id: "change-actions",
      elements: [
        { type: "button", action_id: APPROVE_ACTION_ID, text: plainText("Approve", 75), style: "primary", value: operation.id },
        { type: "button", action_id: REJECT_ACTION_ID, text: plainText("Reject", 75), style: "danger", value: operation.id },
        { type: "button", action_id: CANCEL_ACTION_ID, text: plainText("Cancel request", 75), value: operation.id },
      ],
    });
    blocks.push({
      type: "context",
      block_id: "change-meta",
      elements: [mrkdwn(`Needs ${operation.requiredApprovals} approval(s) from someone other than <@${operation.requestedBy}>. Expires at ${utc(operation.gateExpiresAt)}.`)],
    });
  } else if (outcome) {
    blocks.push({ type: "context", block_id: "change-meta", elements: [mrkdwn(truncate(outcome, 2000))] });
  }
  return { text: `Change request: ${action} ${view.deploymentName} (${environmentLabel(view.environment)})`, blocks };
}
