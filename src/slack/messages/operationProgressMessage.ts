import type { KnownBlock } from "@slack/types";
import { ENVIRONMENT_LABELS } from "../../domain/deploymentSpec.js";
import { OPERATION_KIND_LABELS } from "../../domain/operation.js";
import type { OperationProgress, ProgressPhase } from "../../domain/progress.js";
import type { SlackMessage } from "./helpMessage.js";
import { rolloutHeadline, rolloutStatusBlocks } from "./rolloutProgressBlocks.js";
import { escapeMrkdwn, mrkdwn, truncate } from "./text.js";

const PHASE_HEADLINE: Record<ProgressPhase, (p: OperationProgress) => string> = {
  queued: () => ":hourglass_flowing_sand: Queued",
  applying: () => ":gear: Applying to the cluster",
  "rolling-out": (p) => `:arrows_counterclockwise: Rolling out: ${p.readyReplicas ?? 0}/${p.desiredReplicas ?? "?"} ready`,
  retrying: () => ":warning: Waiting to retry",
  "cleaning-up": () => ":broom: Failed, cleaning up",
  succeeded: (p) => (p.kind === "create" || p.kind === "start" ? ":large_green_circle: Live" : ":white_check_mark: Done"),
  failed: () => ":red_circle: Failed",
};

const STEPS_SHOWN = 8;

/** A bar of ten cells: readable at a glance, and it changes only when a replica becomes ready. */
export function readinessBar(ready: number, desired: number): string {
  if (desired <= 0) return "";
  const filled = Math.round((Math.min(ready, desired) / desired) * 10);
  return `${"▰".repeat(filled)}${"▱".repeat(10 - filled)}`;
}

function time(date: Date): string {
  return date.toISOString().slice(11, 19);
}

/** The operation's message in the channel, edited in place as the operation advances. */
export function operationProgressMessage(progress: OperationProgress): SlackMessage {
  const kind = OPERATION_KIND_LABELS[progress.kind];
  const headline = progress.rollout ? rolloutHeadline(progress, progress.rollout) : PHASE_HEADLINE[progress.phase](progress);
  const model = `\`${escapeMrkdwn(progress.modelId)}@${escapeMrkdwn(progress.modelVersion)}\``;
  const title = `*${kind} ${progress.deploymentName}*  ·  ${model}  ·  ${ENVIRONMENT_LABELS[progress.environment]} (\`${progress.namespace}\`)`;
  const blocks: KnownBlock[] = [
    { type: "section", block_id: "operation-title", text: mrkdwn(title) },
    ...(progress.rollout
      ? rolloutStatusBlocks(progress, progress.rollout)
      : [{ type: "section" as const, block_id: "operation-status", text: mrkdwn(statusText(progress, headline)) }]),
  ];
  if (progress.cleanedUp && progress.cleanedUp.length > 0) {
    blocks.push({ type: "section", block_id: "operation-cleanup", text: mrkdwn(`*Cleaned up:* ${progress.cleanedUp.join(", ")}`) });
  }
  const steps = progress.steps.slice(-STEPS_SHOWN).map((step) => `\`${time(step.at)}\` ${truncate(step.message, 300)}`);
  if (steps.length > 0) blocks.push({ type: "context", block_id: "operation-steps", elements: [mrkdwn(steps.join("\n"))] });
  blocks.push({
    type: "context",
    block_id: "operation-meta",
    elements: [mrkdwn(`Requested by <@${progress.requestedBy}>  ·  operation \`${progress.operationId.slice(0, 8)}\``)],
  });
  return { text: `${kind} ${progress.deploymentName}: ${stripEmoji(headline)}${progress.detail ? `. ${progress.detail}` : ""}`, blocks };
}

function statusText(progress: OperationProgress, headline: string): string {
  const lines = [`*${headline}*`];
  if (progress.desiredReplicas !== undefined && progress.phase === "rolling-out") {
    lines.push(readinessBar(progress.readyReplicas ?? 0, progress.desiredReplicas));
  }
  if (progress.detail) lines.push(progress.detail);
  return lines.join("\n");
}

function stripEmoji(text: string): string {
  return text.replace(/:[a-z_]+:\s*/g, "");
}
