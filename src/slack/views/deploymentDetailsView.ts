import type { ActionsBlock, Button, KnownBlock, ModalView } from "@slack/types";
import { ENVIRONMENT_LABELS, GPU_TYPE_LABELS, LOAD_BALANCING_ALGORITHM_LABELS } from "../../domain/deploymentSpec.js";
import { STATUS_LABELS, TRANSITIONS } from "../../domain/deploymentStatus.js";
import { OPERATION_KIND_LABELS } from "../../domain/operation.js";
import type { DeploymentDetails } from "../../operations/deploymentQueries.js";
import { escapeMrkdwn, mrkdwn, plainText } from "../messages/text.js";
import { UPDATE_STRATEGY_LABELS } from "../../domain/strategy.js";

export const DETAILS_CALLBACK_ID = "deployment-details";
export const DEPLOYMENT_ACTION_PREFIX = "deployment:";
export type DeploymentAction = "edit" | "update-model" | "scale" | "stop" | "start" | "delete" | "metrics" | "reapply" | "adopt";

/** Slack's limit for a section's text, less room for the heading. */
const DRIFT_TEXT_LIMIT = 2900;

/** Lines that fit one section: the rest are counted. */
function fitLines(lines: readonly string[], limit: number): string {
  for (let kept = lines.length; kept > 0; kept--) {
    const rest = lines.length - kept;
    const text = [...lines.slice(0, kept), ...(rest > 0 ? [`…and ${rest} more`] : [])].join("\n");
    if (text.length <= limit) return text;
  }
  return `${lines.length} changes (too long to list)`;
}

/** "Drifted": what changed outside deploybot, by whom and when, with Re-apply and Adopt. */
function driftBlocks(details: DeploymentDetails): KnownBlock[] {
  const { drift, deployment } = details;
  if (!drift) return [];
  const lines = [...drift.fields.map((line) => `• ${escapeMrkdwn(line)}`), ...drift.missing.map((object) => `• ${escapeMrkdwn(object)}: deleted outside deploybot`)];
  const heading = `:warning: *Drifted*: the cluster no longer holds the stored configuration (seen ${drift.detectedAt.toISOString().slice(0, 16).replace("T", " ")} UTC).`;
  const notAdoptable = drift.notAdoptable.length > 0 ? `Adopt cannot store ${drift.notAdoptable.length === drift.fields.length ? "any of these" : `${drift.notAdoptable.map(escapeMrkdwn).join(", ")}`} in the configuration: Adopt and Re-apply both set ${drift.notAdoptable.length === 1 ? "it" : "them"} back.` : "";
  return [
    { type: "section", block_id: "deployment-drift", text: mrkdwn(`${heading}\n${fitLines(lines, DRIFT_TEXT_LIMIT - heading.length)}`) },
    ...(notAdoptable ? [{ type: "context" as const, elements: [mrkdwn(notAdoptable.slice(0, 2900))] }] : []),
    {
      type: "actions",
      block_id: "deployment-drift-actions",
      elements: [button("reapply", "Re-apply", deployment.name, "primary"), ...(drift.adoptable ? [button("adopt", "Adopt", deployment.name)] : [])],
    },
  ];
}

function check(value: boolean): string {
  return value ? ":ballot_box_with_check: on" : ":white_square: off";
}

function fields(pairs: readonly [string, string][]): KnownBlock {
  return { type: "section", fields: pairs.map(([label, value]) => mrkdwn(`*${label}*\n${value}`, 2000)) };
}

function button(action: DeploymentAction, text: string, name: string, style?: "primary" | "danger"): Button {
  return { type: "button", action_id: `${DEPLOYMENT_ACTION_PREFIX}${action}`, text: plainText(text, 75), value: name, ...(style ? { style } : {}) };
}

/** The guide's details panel, as a modal: four sections, live instances, history and the actions. */
export function buildDeploymentDetailsView(details: DeploymentDetails, privateMetadata: string): ModalView {
  const endpoint = details.endpoint;
  const { deployment, recentOperations } = details;
  const { spec } = deployment;
  const current = details.currentInstances === null ? `unknown (${details.currentInstancesProblem ?? "cluster unreachable"})` : String(details.currentInstances);
  const gpu = spec.resources.gpuCount > 0;
  const history = recentOperations.map(
    (operation) =>
      `• ${OPERATION_KIND_LABELS[operation.kind]} · ${operation.status.replace("_", " ")} · <@${operation.requestedBy}> · ${operation.createdAt.toISOString().slice(0, 16).replace("T", " ")} UTC`,
  );
  const envNames = spec.env.map((variable) => (variable.kind === "secret" ? `\`${variable.name}\` (secret ${variable.secretName}/${variable.secretKey})` : `\`${variable.name}\``));
  const actions: ActionsBlock = {
    type: "actions",
    block_id: "deployment-actions",
    elements: [
      button("edit", "Edit", deployment.name),
      button("update-model", "Update Model", deployment.name),
      button("scale", "Scale", deployment.name),
      // Start wherever the state machine allows it (stopped, failed, missing), else Stop.
      TRANSITIONS.start.from.includes(deployment.status) ? button("start", "Start", deployment.name, "primary") : button("stop", "Stop", deployment.name),
      button("delete", "Delete", deployment.name, "danger"),
      button("metrics", "Metrics", deployment.name),
    ],
  };
  const blocks: KnownBlock[] = [
    { type: "header", text: plainText("Basic Information") },
    fields([
      ["Deployment Name", deployment.name],
      ["Status", `${STATUS_LABELS[deployment.status]}${deployment.statusReason ? `: ${escapeMrkdwn(deployment.statusReason).slice(0, 300)}` : ""}`],
      ["Model ID", `\`${escapeMrkdwn(spec.modelId)}\``],
      ["Model Version", `\`${escapeMrkdwn(spec.modelVersion)}\``],
      ["Environment", `${ENVIRONMENT_LABELS[spec.environment]} (\`${deployment.namespace}\`)`],
      ["Deployment Strategy", UPDATE_STRATEGY_LABELS[deployment.lastStrategy] ?? deployment.lastStrategy],
      ["Endpoint", `\`${endpoint}\``],
      ["Created by", `<@${deployment.createdBy}> on ${deployment.createdAt.toISOString().slice(0, 10)}`],
    ]),
    ...(deployment.freeze
      ? [{ type: "section" as const, text: mrkdwn(`:lock: *Locked* by <@${deployment.freeze.holder}> since ${deployment.freeze.since.toISOString().slice(0, 16).replace("T", " ")} UTC: ${escapeMrkdwn(deployment.freeze.reason)}`) }]
      : []),
    ...driftBlocks(details),
    { type: "section", text: mrkdwn(`*Description*\n${spec.description ? escapeMrkdwn(spec.description) : "—"}`) },
    { type: "divider" },
    { type: "header", text: plainText("Resource Configuration") },
    fields([
      ["CPU Cores", String(spec.resources.cpuCores)],
      ["Memory (GB)", `${spec.resources.memoryGb} GB`],
      ["GPU Count", String(spec.resources.gpuCount)],
      ["GPU Type", spec.resources.gpuType ? GPU_TYPE_LABELS[spec.resources.gpuType] : "—"],
      ["Storage (GB)", `${spec.resources.storageGb} GB`],
      ["Network Bandwidth (Mbps)", spec.resources.networkBandwidthMbps ? `${spec.resources.networkBandwidthMbps} Mbps (best effort)` : "not limited"],
    ]),
    { type: "divider" },
    { type: "header", text: plainText("Scaling Configuration") },
    fields([
      ["Current Instances", current],
      ["Enable Auto-Scaling", check(spec.scaling.autoscalingEnabled)],
      ["Min Instances", String(spec.scaling.minReplicas)],
      ["Max Instances", String(spec.scaling.maxReplicas)],
      ["Target CPU Utilization (%)", `${spec.scaling.targetCpuUtilization}%`],
      ["Target Memory Utilization (%)", `${spec.scaling.targetMemoryUtilization}%`],
      ["Target GPU Utilization (%)", gpu && spec.scaling.targetGpuUtilization ? `${spec.scaling.targetGpuUtilization}%` : "—"],
      ["Replicas without auto-scaling", String(deployment.replicas)],
    ]),
    { type: "divider" },
    { type: "header", text: plainText("Load Balancer") },
    fields([
      ["Enable Load Balancer", check(spec.loadBalancer.enabled)],
      ["Load Balancing Algorithm", LOAD_BALANCING_ALGORITHM_LABELS[spec.loadBalancer.algorithm]],
      ["Health Check Path", `\`${escapeMrkdwn(spec.loadBalancer.healthCheckPath)}\``],
      ["Health Check Interval (seconds)", String(spec.loadBalancer.healthCheckIntervalSeconds)],
      ["Sticky Sessions", check(spec.loadBalancer.stickySessions)],
    ]),
    { type: "section", text: mrkdwn(`*Environment Variables*\n${envNames.length > 0 ? envNames.join(", ") : "none"}`) },
    { type: "divider" },
    { type: "section", text: mrkdwn(`*Last operations*\n${history.length > 0 ? history.join("\n") : "none"}`) },
    actions,
  ];
  return {
    type: "modal",
    callback_id: DETAILS_CALLBACK_ID,
    title: plainText("Deployment Details"),
    close: plainText("Close"),
    private_metadata: privateMetadata,
    blocks,
  };
}
