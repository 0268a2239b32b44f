import type { KnownBlock } from "@slack/types";
import { ENVIRONMENT_LABELS } from "../../domain/deploymentSpec.js";
import { STATUS_LABELS, type DeploymentStatus } from "../../domain/deploymentStatus.js";
import type { DeploymentRecord } from "../../domain/deployment.js";
import type { SlackMessage } from "./helpMessage.js";
import { escapeMrkdwn, mrkdwn, plainText } from "./text.js";

export const STATUS_EMOJI: Record<DeploymentStatus, string> = {
  pending: ":hourglass_flowing_sand:",
  deploying: ":arrows_counterclockwise:",
  live: ":large_green_circle:",
  updating: ":arrows_counterclockwise:",
  scaling: ":arrows_counterclockwise:",
  stopping: ":double_vertical_bar:",
  stopped: ":black_circle:",
  starting: ":arrow_forward:",
  deleting: ":wastebasket:",
  failed: ":red_circle:",
  missing: ":warning:",
};

/** Message limit is 50 blocks: one section per deployment, a title and the page buttons. */
export const LIST_PAGE_SIZE = 40;
export const LIST_PAGE_ACTION_ID = "deployment-list:page";

export function replicasText(deployment: DeploymentRecord): string {
  const { scaling } = deployment.spec;
  if (deployment.status === "stopped") return "0 (stopped)";
  if (scaling.autoscalingEnabled) return `auto ${scaling.minReplicas}-${scaling.maxReplicas}`;
  return String(deployment.replicas);
}

export function deploymentListMessage(deployments: readonly DeploymentRecord[], paging: { page: number; pages: number; total: number } = { page: 1, pages: 1, total: deployments.length }): SlackMessage {
  if (deployments.length === 0) {
    return {
      text: "No deployments yet.",
      blocks: [{ type: "section", text: mrkdwn("No deployments yet. Create one with `/deploy create`.") }],
    };
  }
  const shown = deployments.slice(0, LIST_PAGE_SIZE);
  const pageNote = paging.pages > 1 ? `  ·  page ${paging.page} of ${paging.pages}` : "";
  const blocks: KnownBlock[] = [{ type: "section", text: mrkdwn(`*Deployments* (${paging.total})${pageNote}`) }];
  for (const deployment of shown) {
    const line = [
      `${STATUS_EMOJI[deployment.status]} *${deployment.name}*`,
      `\`${escapeMrkdwn(deployment.spec.modelId)}@${escapeMrkdwn(deployment.spec.modelVersion)}\``,
      ENVIRONMENT_LABELS[deployment.environment],
      STATUS_LABELS[deployment.status],
      `replicas: ${replicasText(deployment)}`,
      ...(deployment.freeze ? [`:lock: locked by <@${deployment.freeze.holder}>: ${escapeMrkdwn(deployment.freeze.reason).slice(0, 120)}`] : []),
    ].join("  ·  ");
    blocks.push({
      type: "section",
      block_id: `deployment:${deployment.name}`,
      text: mrkdwn(line),
      accessory: { type: "button", action_id: "deployment:show", text: plainText("Details", 75), value: deployment.name },
    });
  }
  const buttons = [];
  if (paging.page > 1) buttons.push({ type: "button" as const, action_id: `${LIST_PAGE_ACTION_ID}:previous`, text: plainText("← Previous", 75), value: String(paging.page - 1) });
  if (paging.page < paging.pages) buttons.push({ type: "button" as const, action_id: `${LIST_PAGE_ACTION_ID}:next`, text: plainText("Next →", 75), value: String(paging.page + 1) });
  if (buttons.length > 0) blocks.push({ type: "actions", elements: buttons });
  const text = shown.map((d) => `${d.name} ${d.spec.modelId}@${d.spec.modelVersion} ${d.environment} ${d.status} ${replicasText(d)}`).join("\n");
  return { text, blocks };
}
