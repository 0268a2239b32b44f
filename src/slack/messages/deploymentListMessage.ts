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
};

/** Message limit is 50 blocks; one section per deployment keeps the list readable. */
const MAX_LISTED = 45;

export function replicasText(deployment: DeploymentRecord): string {
  const { scaling } = deployment.spec;
  if (deployment.status === "stopped") return "0 (stopped)";
  if (scaling.autoscalingEnabled) return `auto ${scaling.minReplicas}-${scaling.maxReplicas}`;
  return String(deployment.replicas);
}

export function deploymentListMessage(deployments: readonly DeploymentRecord[]): SlackMessage {
  if (deployments.length === 0) {
    return {
      text: "No deployments yet.",
      blocks: [{ type: "section", text: mrkdwn("No deployments yet. Create one with `/deploy create`.") }],
    };
  }
  const shown = deployments.slice(0, MAX_LISTED);
  const blocks: KnownBlock[] = [{ type: "section", text: mrkdwn(`*Deployments* (${deployments.length})`) }];
  for (const deployment of shown) {
    const line = [
      `${STATUS_EMOJI[deployment.status]} *${deployment.name}*`,
      `\`${escapeMrkdwn(deployment.spec.modelId)}@${escapeMrkdwn(deployment.spec.modelVersion)}\``,
      ENVIRONMENT_LABELS[deployment.environment],
      STATUS_LABELS[deployment.status],
      `replicas: ${replicasText(deployment)}`,
    ].join("  ·  ");
    blocks.push({
      type: "section",
      block_id: `deployment:${deployment.name}`,
      text: mrkdwn(line),
      accessory: { type: "button", action_id: "deployment:show", text: plainText("Details", 75), value: deployment.name },
    });
  }
  if (deployments.length > shown.length) {
    blocks.push({ type: "context", elements: [mrkdwn(`…and ${deployments.length - shown.length} more.`)] });
  }
  const text = shown.map((d) => `${d.name} ${d.spec.modelId}@${d.spec.modelVersion} ${d.environment} ${d.status} ${replicasText(d)}`).join("\n");
  return { text, blocks };
}
