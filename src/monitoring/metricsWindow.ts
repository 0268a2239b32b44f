/**
 * The windows `/deploy metrics NAME [1h|6h|24h|7d]` offers, each with a step that gives a chart
 * 60 to 100 points: enough to see a trend, few enough for a QuickChart URL and a fast query.
 */

export const METRICS_WINDOWS = {
  "1h": { seconds: 3_600, stepSeconds: 60 },
  "6h": { seconds: 21_600, stepSeconds: 300 },
  "24h": { seconds: 86_400, stepSeconds: 900 },
  "7d": { seconds: 604_800, stepSeconds: 7_200 },
} as const;
export type MetricsWindowId = keyof typeof METRICS_WINDOWS;
export const DEFAULT_METRICS_WINDOW: MetricsWindowId = "1h";

export function isMetricsWindowId(value: string): value is MetricsWindowId {
  return Object.hasOwn(METRICS_WINDOWS, value);
}

/**
 * The rate window behind each point: at least two scrapes at the usual 30-60 s interval, and at
 * least the step so that no request between two points is missed.
 */
export function rateWindowSeconds(stepSeconds: number): number {
  return Math.max(stepSeconds, 120);
}

/** Start and end aligned to the step, so that consecutive calls give the same grid of points. */
export function alignedRange(windowId: MetricsWindowId, nowSeconds: number): { start: number; end: number; stepSeconds: number } {
  const { seconds, stepSeconds } = METRICS_WINDOWS[windowId];
  const end = Math.floor(nowSeconds / stepSeconds) * stepSeconds;
  return { start: end - seconds, end, stepSeconds };
}
