import type { KnownBlock } from "@slack/types";
import type { ChartImage } from "../../domain/alerts.js";
import type { MetricsReport, MetricsSummary } from "../../operations/deploymentMonitoring.js";
import type { SlackMessage } from "./helpMessage.js";
import { mrkdwn, plainText } from "./text.js";

/**
 * `/deploy metrics NAME [window]`: the numbers first (what an on-call person reads), then the
 * charts as image blocks when Slack can fetch them; PNGs are uploaded beside the message.
 */

const NO_DATA = "no data";

function number(value: number | null, unit: string, digits = 1): string {
  if (value === null) return NO_DATA;
  const shown = Math.abs(value) >= 100 ? Math.round(value).toString() : value.toFixed(digits);
  return `${shown}${unit}`;
}

function bytes(value: number | null): string {
  return value === null ? NO_DATA : `${(value / 1024 ** 3).toFixed(2)} GiB`;
}

function summaryLines(summary: MetricsSummary): string[] {
  const { latencyMs } = summary;
  return [
    `*Request rate:* ${number(summary.requestsPerSecond, " req/s")}`,
    `*Latency:* p50 ${number(latencyMs.p50, " ms", 0)} · p95 ${number(latencyMs.p95, " ms", 0)} · p99 ${number(latencyMs.p99, " ms", 0)}`,
    `*Error rate:* ${number(summary.errorRatePercent, "%", 2)}`,
    `*CPU:* ${number(summary.cpuCores, " cores", 2)} · *Memory:* ${bytes(summary.memoryBytes)} · *GPU:* ${number(summary.gpuUtilizationPercent, "%")}`,
    ...(summary.containerRestarts !== null && summary.containerRestarts > 0 ? [`*Restarts:* ${number(summary.containerRestarts, "", 0)}`] : []),
    ...summary.failures.map((f) => `:warning: ${f.metric}: ${f.reason}`),
  ];
}

function workloadLines(workload: MetricsReport["workload"]): string[] {
  if (workload === "absent") return ["*Replicas:* no Kubernetes Deployment (stopped or not created yet)"];
  if ("unreadable" in workload) return [`*Replicas:* unknown, the Kubernetes API did not answer (${workload.unreadable})`];
  const hpa = workload.hpa ? ` · HPA ${workload.hpa.minReplicas}–${workload.hpa.maxReplicas}${workload.hpa.currentReplicas >= workload.hpa.maxReplicas ? " (at its maximum)" : ""}` : " · no autoscaler";
  const { cpu, memory, gpu } = workload.requests;
  const requests = [cpu && `CPU ${cpu}`, memory && `memory ${memory}`, gpu && `GPU ${gpu}`].filter((r) => r).join(", ");
  return [
    `*Replicas:* ${workload.readyReplicas}/${workload.desiredReplicas} ready${hpa}`,
    ...(requests === "" ? [] : [`*Requests per pod:* ${requests}`]),
  ];
}

function metricsLines(report: MetricsReport): string[] {
  switch (report.metrics.kind) {
    case "measured":
      return summaryLines(report.metrics.summary);
    case "not-configured":
      return [":information_source: Metrics are not configured (no `PROMETHEUS_URL`): showing what the Kubernetes API says."];
    case "unavailable":
      return [`:warning: Prometheus is unavailable: ${report.metrics.reason}`];
  }
}

export function chartBlocks(charts: readonly ChartImage[]): KnownBlock[] {
  return charts.flatMap((chart): KnownBlock[] => {
    if (chart.kind === "image-url") return [{ type: "image", image_url: chart.url, alt_text: chart.altText, title: plainText(chart.title, 2000) }];
    if (chart.kind === "failed") return [{ type: "context", elements: [mrkdwn(`:warning: ${chart.title}: no chart (${chart.reason})`)] }];
    return [];
  });
}

export function metricsMessage(report: MetricsReport): SlackMessage {
  const { deployment, window } = report;
  const title = `Metrics of ${deployment.name} (${deployment.environment}), last ${window}`;
  return {
    text: title,
    blocks: [
      { type: "header", text: plainText(title) },
      { type: "section", text: mrkdwn([...metricsLines(report), ...workloadLines(report.workload)].join("\n")) },
      ...chartBlocks(report.charts),
    ],
  };
}
