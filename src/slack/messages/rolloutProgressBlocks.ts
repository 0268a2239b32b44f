import type { ActionsBlock, Button, KnownBlock, MrkdwnElement } from "@slack/types";
import { UPDATE_STRATEGY_LABELS } from "../../domain/strategy.js";
import type { OperationProgress } from "../../domain/progress.js";
import type { RolloutProgress } from "../../domain/progress.js";
import type { OperationControl } from "../../domain/operation.js";
import { escapeMrkdwn, mrkdwn, plainText, truncate } from "./text.js";

/** Button action ids on a rollout's progress message; the value is the operation id. */
export const ROLLOUT_ACTION_PREFIX = "rollout:";

export function rolloutActionId(control: OperationControl): string {
  return `${ROLLOUT_ACTION_PREFIX}${control}`;
}

const ROUTING_WORDS: Record<RolloutProgress["routing"], string> = {
  "istio-weights": "exact (Istio weights)",
  "replica-ratio": "approximate: replica ratio behind a plain Service",
  "service-selector": "Service selector (all or nothing)",
  "in-place": "pods replaced in place",
};

function strategyName(rollout: RolloutProgress): string {
  return rollout.strategy === "rollback" ? "Rollback" : UPDATE_STRATEGY_LABELS[rollout.strategy];
}

function versions(rollout: RolloutProgress): string {
  return `\`${escapeMrkdwn(rollout.fromVersion)}\` → \`${escapeMrkdwn(rollout.toVersion)}\``;
}

/** The one line that says where the rollout is, in words and emoji. */
export function rolloutHeadline(progress: OperationProgress, rollout: RolloutProgress): string {
  const name = strategyName(rollout);
  switch (rollout.outcome) {
    case "promoted":
      return `:white_check_mark: ${rollout.strategy === "rollback" ? "Rolled back to" : "Promoted"} \`${escapeMrkdwn(rollout.toVersion)}\``;
    case "rolled-back":
      return rollout.strategy === "rollback"
        ? `:warning: Rollback to \`${escapeMrkdwn(rollout.toVersion)}\` did not complete: still serving \`${escapeMrkdwn(rollout.fromVersion)}\``
        : `:leftwards_arrow_with_hook: Rolled back to \`${escapeMrkdwn(rollout.fromVersion)}\``;
    case "failed":
      return ":red_circle: Failed";
    case undefined:
      break;
  }
  if (progress.phase === "failed") return ":red_circle: Failed";
  if (progress.phase === "queued") return `:hourglass_flowing_sand: ${name} ${versions(rollout)} queued`;
  if (progress.phase === "retrying") return ":warning: Waiting to retry";
  if (rollout.stepLabel === "roll back") return `:rewind: Rolling back to \`${escapeMrkdwn(rollout.fromVersion)}\``;
  const icon = rollout.paused ? ":double_vertical_bar: Paused" : ":arrows_counterclockwise:";
  return `${icon} ${name} ${versions(rollout)}: step ${rollout.stepNumber}/${rollout.stepCount}, ${rollout.stepLabel}`;
}

function readyText(slot: RolloutProgress["newSlot"]): string | undefined {
  if (!slot) return undefined;
  return `\`${escapeMrkdwn(slot.version)}\`: ${slot.readyReplicas}/${slot.desiredReplicas} ready`;
}

function fields(rollout: RolloutProgress): MrkdwnElement[] {
  const out: MrkdwnElement[] = [];
  if (rollout.routing !== "in-place") {
    out.push(mrkdwn(`*Traffic to new version*\n${rollout.newTrafficPercent}%  ·  ${ROUTING_WORDS[rollout.routing]}`, 2000));
  } else {
    out.push(mrkdwn(`*Rollout*\n${ROUTING_WORDS[rollout.routing]}`, 2000));
  }
  const ready = [readyText(rollout.newSlot), readyText(rollout.oldSlot)].filter((line): line is string => line !== undefined);
  if (ready.length > 0) out.push(mrkdwn(`*Ready*\n${ready.join("\n")}`, 2000));
  if (rollout.health) out.push(mrkdwn(`*Health*\n${truncate(rollout.health, 1900)}`, 2000));
  return out;
}

const BUTTONS: Record<OperationControl, (rollout: RolloutProgress) => Button> = {
  promote: (rollout) => ({
    type: "button",
    text: plainText(rollout.strategy === "blue-green" ? "Finish now" : "Promote", 75),
    style: "primary",
    action_id: rolloutActionId("promote"),
  }),
  advance: () => ({ type: "button", text: plainText("Promote to next step", 75), style: "primary", action_id: rolloutActionId("advance") }),
  pause: () => ({ type: "button", text: plainText("Pause", 75), action_id: rolloutActionId("pause") }),
  resume: () => ({ type: "button", text: plainText("Resume", 75), action_id: rolloutActionId("resume") }),
  abort: (rollout) => ({
    type: "button",
    text: plainText("Abort", 75),
    style: "danger",
    action_id: rolloutActionId("abort"),
    confirm: {
      title: plainText("Abort the rollout?", 100),
      text: mrkdwn(`All traffic goes back to \`${escapeMrkdwn(rollout.fromVersion)}\` and \`${escapeMrkdwn(rollout.toVersion)}\` is removed.`, 300),
      confirm: plainText("Roll back", 30),
      deny: plainText("Keep going", 30),
      style: "danger",
    },
  }),
};

/** The status part of a rollout's progress message: headline, split, readiness, health, buttons. */
export function rolloutStatusBlocks(progress: OperationProgress, rollout: RolloutProgress): KnownBlock[] {
  const lines = [`*${rolloutHeadline(progress, rollout)}*`];
  const reason = rollout.outcomeReason ?? progress.detail;
  // Details are the bot's own words (validated versions, counts, <@U…> mentions): kept as mrkdwn.
  if (reason) lines.push(truncate(reason, 2500));
  const blocks: KnownBlock[] = [{ type: "section", block_id: "operation-status", text: mrkdwn(lines.join("\n")) }];
  const shown = fields(rollout);
  if (shown.length > 0) blocks.push({ type: "section", block_id: "rollout-split", fields: shown });
  const running = progress.operationStatus === "running" && rollout.outcome === undefined;
  if (running && rollout.controls.length > 0) {
    const actions: ActionsBlock = {
      type: "actions",
      block_id: "rollout-controls",
      elements: rollout.controls.map((control) => ({ ...BUTTONS[control](rollout), value: progress.operationId })),
    };
    blocks.push(actions);
  }
  return blocks;
}
