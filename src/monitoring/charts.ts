import type { AlertRule } from "../domain/alertRules.js";
import type { DeploymentSeries, TimePoint } from "./deploymentMetrics.js";
import type { MetricsWindowId } from "./metricsWindow.js";

/**
 * Pure builders of the Chart.js (v4) configurations deploybot posts: latency percentiles, request
 * and error rate, replicas against the HPA bounds, and the last hour of an alert's metric. The
 * time axis is a category axis of pre-formatted UTC labels: it needs no date adapter, which
 * QuickChart and a plain Chart.js page may not have. Deploys and rollbacks are marker series
 * drawn on the time axis (a plugin-free way, so the same config renders anywhere).
 */

export const CHART_JS_VERSION = "4";

export interface ChartDataset {
  label: string;
  data: (number | null)[];
  borderColor: string;
  backgroundColor: string;
  borderWidth: number;
  pointRadius: number;
  pointStyle?: "triangle" | "rectRot";
  showLine?: boolean;
  borderDash?: number[];
  stepped?: boolean;
  fill: boolean;
  spanGaps: boolean;
  yAxisID: "y" | "y1";
}

export interface ChartAxis {
  position: "left" | "right";
  beginAtZero: boolean;
  suggestedMax?: number;
  title: { display: true; text: string };
  ticks?: { precision?: number };
  grid?: { drawOnChartArea: boolean };
}

/** A Chart.js v4 line chart configuration, JSON only (QuickChart receives it as text). */
export interface ChartSpec {
  type: "line";
  data: { labels: string[]; datasets: ChartDataset[] };
  options: {
    animation: false;
    plugins: {
      title: { display: true; text: string; font: { size: number } };
      subtitle: { display: boolean; text: string };
      legend: { display: true; position: "bottom"; labels: { usePointStyle: boolean } };
    };
    scales: {
      x: { title: { display: true; text: string }; ticks: { maxTicksLimit: number; maxRotation: 0; autoSkip: true } };
      y: ChartAxis;
      y1?: ChartAxis;
    };
  };
}

/** A moment worth seeing on the time axis. */
export interface ChartMarker {
  kind: "deploy" | "rollback";
  /** Unix seconds. */
  time: number;
  /** "v2.2.0". */
  label: string;
}

/** One colour per series, the same colour for the same series in every chart. */
export const SERIES_COLOURS = {
  p50: "#2e7d32",
  p95: "#f9a825",
  p99: "#c62828",
  requests: "#1565c0",
  errors: "#d81b60",
  replicas: "#00838f",
  hpaMin: "#8e24aa",
  hpaMax: "#6d4c41",
  metric: "#1565c0",
  threshold: "#c62828",
  deploy: "#37474f",
  rollback: "#ef6c00",
} as const;

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const pad = (n: number): string => String(n).padStart(2, "0");

/** "14:05" within a day; "Tue 14:00" over a week, where the hour alone would repeat. */
export function timeLabel(timeSeconds: number, window: MetricsWindowId): string {
  const date = new Date(timeSeconds * 1000);
  const clock = `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
  return window === "7d" ? `${WEEKDAYS[date.getUTCDay()] ?? ""} ${clock}` : clock;
}

const WINDOW_WORDS: Record<MetricsWindowId, string> = { "1h": "last hour", "6h": "last 6 hours", "24h": "last 24 hours", "7d": "last 7 days" };

function line(label: string, points: readonly TimePoint[], colour: string, yAxisID: "y" | "y1" = "y"): ChartDataset {
  return {
    label,
    data: points.map((p) => (p.value === null ? null : round(p.value))),
    borderColor: colour,
    backgroundColor: colour,
    borderWidth: 2,
    pointRadius: 0,
    fill: false,
    // A gap is missing data and must look like one, not like a straight line across it.
    spanGaps: false,
    yAxisID,
  };
}

function constantLine(label: string, value: number, length: number, colour: string): ChartDataset {
  return { ...line(label, Array.from({ length }, () => ({ time: 0, value })), colour), borderDash: [6, 4], borderWidth: 1.5 };
}

function round(value: number): number {
  return Math.abs(value) >= 100 ? Math.round(value) : Math.round(value * 100) / 100;
}

/** Marker series: a point on the time axis (y = 0) at the step nearest each marker; one series per kind. */
function markerDatasets(times: readonly number[], markers: readonly ChartMarker[]): ChartDataset[] {
  const datasets: ChartDataset[] = [];
  for (const kind of ["deploy", "rollback"] as const) {
    const ofKind = markers.filter((m) => m.kind === kind && times.length > 0 && m.time >= (times[0] ?? 0) && m.time <= (times.at(-1) ?? 0));
    if (ofKind.length === 0) continue;
    const data: (number | null)[] = times.map(() => null);
    for (const marker of ofKind) data[nearestIndex(times, marker.time)] = 0;
    const colour = SERIES_COLOURS[kind];
    datasets.push({
      label: `${kind === "deploy" ? "Deploy" : "Rollback"} ${ofKind.map((m) => m.label).join(", ")}`,
      data,
      borderColor: colour,
      backgroundColor: colour,
      borderWidth: 1,
      pointRadius: 8,
      pointStyle: kind === "deploy" ? "triangle" : "rectRot",
      showLine: false,
      fill: false,
      spanGaps: false,
      yAxisID: "y",
    });
  }
  return datasets;
}

function nearestIndex(times: readonly number[], time: number): number {
  let best = 0;
  times.forEach((t, i) => {
    if (Math.abs(t - time) < Math.abs((times[best] ?? 0) - time)) best = i;
  });
  return best;
}

function axis(title: string, position: "left" | "right" = "left"): ChartAxis {
  return { position, beginAtZero: true, title: { display: true, text: title } };
}

function chart(title: string, subtitle: string, labels: string[], datasets: ChartDataset[], y: ChartAxis, y1?: ChartAxis): ChartSpec {
  return {
    type: "line",
    data: { labels, datasets },
    options: {
      animation: false,
      plugins: {
        title: { display: true, text: title, font: { size: 16 } },
        subtitle: { display: subtitle !== "", text: subtitle },
        legend: { display: true, position: "bottom", labels: { usePointStyle: true } },
      },
      scales: {
        x: { title: { display: true, text: "time (UTC)" }, ticks: { maxTicksLimit: 8, maxRotation: 0, autoSkip: true } },
        y,
        ...(y1 === undefined ? {} : { y1 }),
      },
    },
  };
}

export interface DeploymentChartInput {
  deployment: string;
  series: DeploymentSeries;
  markers?: readonly ChartMarker[];
}

function timesAndLabels(series: DeploymentSeries): { times: number[]; labels: string[] } {
  const times = series.requestsPerSecond.map((p) => p.time);
  return { times, labels: times.map((t) => timeLabel(t, series.window)) };
}

export function latencyChart({ deployment, series, markers = [] }: DeploymentChartInput): ChartSpec {
  const { times, labels } = timesAndLabels(series);
  return chart(
    `${deployment}: latency (ms), ${WINDOW_WORDS[series.window]}`,
    "p50, p95 and p99 of request duration",
    labels,
    [
      line("p50 (ms)", series.latencyMs.p50, SERIES_COLOURS.p50),
      line("p95 (ms)", series.latencyMs.p95, SERIES_COLOURS.p95),
      line("p99 (ms)", series.latencyMs.p99, SERIES_COLOURS.p99),
      ...markerDatasets(times, markers),
    ],
    axis("latency (ms)"),
  );
}

export function trafficChart({ deployment, series, markers = [] }: DeploymentChartInput): ChartSpec {
  const { times, labels } = timesAndLabels(series);
  const errorAxis = { ...axis("error rate (%)", "right"), suggestedMax: 5, grid: { drawOnChartArea: false } };
  return chart(
    `${deployment}: requests and errors, ${WINDOW_WORDS[series.window]}`,
    "request rate (left) and share of 5xx answers (right)",
    labels,
    [
      line("requests (req/s)", series.requestsPerSecond, SERIES_COLOURS.requests),
      line("errors (%)", series.errorRatePercent, SERIES_COLOURS.errors, "y1"),
      ...markerDatasets(times, markers),
    ],
    axis("requests (req/s)"),
    errorAxis,
  );
}

export interface HpaBounds {
  minReplicas: number;
  maxReplicas: number;
}

export function replicasChart({ deployment, series, markers = [], hpa }: DeploymentChartInput & { hpa?: HpaBounds }): ChartSpec {
  const { times, labels } = timesAndLabels(series);
  const replicas = { ...line("available replicas", series.availableReplicas, SERIES_COLOURS.replicas), stepped: true };
  const bounds =
    hpa === undefined
      ? []
      : [
          constantLine(`HPA max (${hpa.maxReplicas})`, hpa.maxReplicas, times.length, SERIES_COLOURS.hpaMax),
          constantLine(`HPA min (${hpa.minReplicas})`, hpa.minReplicas, times.length, SERIES_COLOURS.hpaMin),
        ];
  const y: ChartAxis = { ...axis("replicas"), ticks: { precision: 0 }, ...(hpa === undefined ? {} : { suggestedMax: hpa.maxReplicas + 1 }) };
  return chart(
    `${deployment}: replicas, ${WINDOW_WORDS[series.window]}`,
    hpa === undefined ? "available replicas (no autoscaler)" : "available replicas against the autoscaler's bounds",
    labels,
    [replicas, ...bounds, ...markerDatasets(times, markers)],
    y,
  );
}

/** The last hour of the metric that fired an alert, with the rule's threshold. */
export function alertChart(input: { deployment: string; rule: AlertRule; points: readonly TimePoint[]; markers?: readonly ChartMarker[] }): ChartSpec {
  const times = input.points.map((p) => p.time);
  const { rule } = input;
  return chart(
    `${input.deployment}: ${rule.signal} (${rule.unit}), last hour`,
    `alert fires at ${rule.fireAt} ${rule.unit} held for ${Math.round(rule.forSeconds / 60)} min`,
    times.map((t) => timeLabel(t, "1h")),
    [
      line(`${rule.signal} (${rule.unit})`, input.points, SERIES_COLOURS.metric),
      constantLine(`threshold (${rule.fireAt} ${rule.unit})`, rule.fireAt, times.length, SERIES_COLOURS.threshold),
      ...markerDatasets(times, input.markers ?? []),
    ],
    axis(rule.unit),
  );
}

/** Alt text for an image block (at most 2000 characters): what the chart says, in words. */
export function chartAltText(spec: ChartSpec): string {
  const lastValues = spec.data.datasets
    .filter((d) => d.showLine !== false)
    .map((d) => {
      const last = [...d.data].reverse().find((v) => v !== null);
      return `${d.label}: ${last === undefined || last === null ? "no data" : `latest ${last}`}`;
    });
  return `${spec.options.plugins.title.text}. ${lastValues.join("; ")}.`.slice(0, 2000);
}
