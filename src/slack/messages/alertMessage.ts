import type { KnownBlock } from "@slack/types";
import { formatAlertDuration, type AlertView } from "../../domain/alerts.js";
import type { SlackMessage } from "./helpMessage.js";
import { chartBlocks } from "./metricsMessage.js";
import { escapeMrkdwn, mrkdwn, plainText } from "./text.js";

/** Action ids of an alert's buttons; the value is the alert's id. */
export const ALERT_ACTIONS = {
  acknowledge: "alert:acknowledge",
  scaleUp: "alert:scale-up",
  rollback: "alert:rollback",
  logs: "alert:logs",
  silence: "alert:silence",
} as const;
export type AlertActionId = (typeof ALERT_ACTIONS)[keyof typeof ALERT_ACTIONS];

function time(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 16)} UTC`;
}

/**
 * One alert, one message: posted when it fires, edited in place when it is acknowledged,
 * silenced or resolved. Buttons only while it fires.
 */
export function alertMessage(view: AlertView): SlackMessage {
  const { alert, deployment } = view;
  const resolved = view.resolvedAfterMs !== undefined;
  const status = resolved ? `:white_check_mark: Resolved after ${formatAlertDuration(view.resolvedAfterMs ?? 0)}` : ":rotating_light: Firing";
  const since = alert.state.phase === "ok" ? "" : ` since ${time(alert.state.since)}`;
  const mention = !resolved && view.oncallGroupId ? `<!subteam^${view.oncallGroupId}> ` : "";
  const source = alert.source === "alertmanager" ? " (Alertmanager)" : "";
  const text = `${resolved ? "Resolved" : "Firing"}: ${deployment.name}: ${view.headline}`;
  const lines = [`${mention}*${status}*${resolved ? "" : since} · *${deployment.name}* (${deployment.environment})${source}`, escapeMrkdwn(view.headline)];
  const blocks: KnownBlock[] = [{ type: "section", text: mrkdwn(lines.join("\n")) }];
  if (view.cause) blocks.push({ type: "section", text: mrkdwn(`*Cause:* ${escapeMrkdwn(view.cause.summary)}\n*Next step:* ${escapeMrkdwn(view.cause.nextStep)}`) });
  blocks.push(...chartBlocks(view.chart ? [view.chart] : []));
  const notes = [
    ...(alert.ackedBy ? [`Acknowledged by <@${alert.ackedBy}>${alert.ackedAt ? ` at ${time(alert.ackedAt.getTime())}` : ""}`] : []),
    ...(alert.silencedUntil && alert.silencedUntil.getTime() > Date.now() ? [`Silenced by <@${alert.silencedBy ?? "?"}> until ${time(alert.silencedUntil.getTime())}`] : []),
  ];
  if (notes.length > 0) blocks.push({ type: "context", elements: [mrkdwn(notes.join(" · "))] });
  if (!resolved) {
    const button = (actionId: AlertActionId, label: string, style?: "primary" | "danger") => ({
      type: "button" as const,
      action_id: actionId,
      text: plainText(label, 75),
      value: alert.id,
      ...(style ? { style } : {}),
    });
    blocks.push({
      type: "actions",
      elements: [
        ...(alert.ackedBy ? [] : [button(ALERT_ACTIONS.acknowledge, "Acknowledge", "primary")]),
        button(ALERT_ACTIONS.scaleUp, "Scale up"),
        button(ALERT_ACTIONS.rollback, "Roll back", "danger"),
        button(ALERT_ACTIONS.logs, "View logs"),
        button(ALERT_ACTIONS.silence, "Silence 1 h"),
      ],
    });
  }
  return { text, blocks };
}
