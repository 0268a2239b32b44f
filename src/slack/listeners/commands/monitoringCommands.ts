import type { DeployCommand } from "../../../domain/command.js";
import type { LogsOptions } from "../../../domain/monitoringCommand.js";
import { ALERT_RULE_DEFAULTS, formatAlertValue } from "../../../domain/alertRules.js";
import type { MetricsWindowId } from "../../../operations/deploymentMonitoring.js";
import type { AlertRulesReport } from "../../../operations/alertRequests.js";
import { metricsMessage } from "../../messages/metricsMessage.js";
import { mrkdwn } from "../../messages/text.js";
import { postLogTail, uploadChartImages } from "../../monitoringPosts.js";
import { replyPrivately, requesterOf, type CommandContext } from "../listenerContext.js";

export type MonitoringCommand = Extract<DeployCommand, { verb: "metrics" | "logs" | "alerts" }>;

/** `/deploy metrics`, `/deploy logs`, `/deploy alerts`: watching what runs. */
export async function runMonitoringCommand(command: MonitoringCommand, context: CommandContext): Promise<void> {
  switch (command.verb) {
    case "metrics":
      return showMetrics(command.name, command.window, context);
    case "logs":
      return showLogs(command.name, command.options, context);
    case "alerts": {
      if (command.change === undefined) return showAlertRules(command.name, context);
      const answer = await context.deps.alerts.change(command.name, command.change, requesterOf(context));
      if (!answer.ok) return replyPrivately(context, answer.message);
      await context.respond({ response_type: "ephemeral", text: answer.message, blocks: [{ type: "section", text: mrkdwn(`:white_check_mark: ${answer.message}`) }] });
      return;
    }
  }
}

/** The summary and charts, in the channel: metrics are for everyone watching the deployment. */
export async function showMetrics(name: string, window: MetricsWindowId, context: CommandContext): Promise<void> {
  const answer = await context.deps.monitoring.metrics(name, window, requesterOf(context));
  if (!answer.ok) return replyPrivately(context, answer.message);
  const message = metricsMessage(answer.report);
  const posted = await context.client.chat.postMessage({ channel: context.channelId, text: message.text, blocks: message.blocks });
  if (posted.ts) await uploadChartImages(context.client, context.channelId, answer.report.charts, posted.ts);
}

/** The tail of the pods' logs, redacted; in a thread when asked from an alert. */
export async function showLogs(name: string, options: LogsOptions, context: CommandContext, threadTs?: string): Promise<void> {
  const answer = await context.deps.monitoring.logs(
    name,
    {
      ...(options.sinceMs === undefined ? {} : { sinceSeconds: Math.round(options.sinceMs / 1000) }),
      ...(options.pod === undefined ? {} : { pod: options.pod }),
      ...(options.previous ? { previous: true } : {}),
    },
    requesterOf(context),
  );
  if (!answer.ok) return replyPrivately(context, answer.message);
  await postLogTail(
    context.client,
    { channelId: context.channelId, requestedBy: context.userId, deployment: answer.deployment.name, ...(threadTs ? { threadTs } : {}) },
    answer.presentation,
  );
}

function rulesText(report: AlertRulesReport): string {
  const lines = report.rules.map((rule) => {
    const immediate = ALERT_RULE_DEFAULTS[rule.kind].immediate;
    const holds = immediate || rule.forSeconds === 0 ? "at once" : `held ${Math.round(rule.forSeconds / 60)} min`;
    const state = rule.enabled ? "" : " · _disabled_";
    const changed = rule.overridden ? " · _changed for this deployment_" : "";
    const relation = rule.direction === "above" ? "≥" : "≤";
    return `• \`${rule.kind}\`: fires at ${relation} ${formatAlertValue(rule.fireAt, rule.unit)} (${holds}), resolves past ${formatAlertValue(rule.resolveAt, rule.unit)}${state}${changed}`;
  });
  const firing = report.firing.length === 0 ? "Nothing is firing." : `Firing: ${report.firing.map((a) => `\`${a.rule}\``).join(", ")}.`;
  return [`*Alert rules of ${report.deployment.name}* (alerts go to <#${report.channelId}>)`, ...lines, firing].join("\n");
}

async function showAlertRules(name: string, context: CommandContext): Promise<void> {
  const report = await context.deps.alerts.rules(name, requesterOf(context));
  if (!report.ok) return replyPrivately(context, report.message);
  const text = rulesText(report);
  await context.respond({ response_type: "ephemeral", text: `Alert rules of ${name}`, blocks: [{ type: "section", text: mrkdwn(text) }] });
}
