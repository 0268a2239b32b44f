import type { DeploymentSeries, TimePoint } from "../../src/monitoring/deploymentMetrics.js";
import { alignedRange } from "../../src/monitoring/metricsWindow.js";

/**
 * An hour of a believable model server: steady traffic with a daily-looking swell, a deploy at
 * minute 20 that makes latency and errors jump for a few minutes and the HPA add a replica, and a
 * rollback at minute 35 that brings them back. Deterministic, for chart tests and the rendered
 * image in docs/.
 */
export const SAMPLE_NOW_SECONDS = Date.UTC(2026, 10, 20, 15, 0, 0) / 1000;

export function sampleDeploymentSeries(): { series: DeploymentSeries; deployAt: number; rollbackAt: number } {
  const range = alignedRange("1h", SAMPLE_NOW_SECONDS);
  const times: number[] = [];
  for (let t = range.start; t <= range.end; t += range.stepSeconds) times.push(t);
  const deployAt = range.start + 20 * 60;
  const rollbackAt = range.start + 35 * 60;
  const degraded = (t: number) => t >= deployAt && t < rollbackAt;
  const wave = (i: number) => Math.sin(i / 6) * 0.5 + Math.sin(i / 2.3) * 0.2;
  const points = (f: (t: number, i: number) => number | null): TimePoint[] => times.map((time, i) => ({ time, value: f(time, i) }));
  return {
    deployAt,
    rollbackAt,
    series: {
      window: "1h",
      ...range,
      latencyMs: {
        p50: points((t, i) => 38 + 4 * wave(i) + (degraded(t) ? 22 : 0)),
        p95: points((t, i) => 110 + 15 * wave(i) + (degraded(t) ? 140 : 0)),
        p99: points((t, i) => (i === 7 ? null : 190 + 30 * wave(i) + (degraded(t) ? 420 : 0))),
      },
      requestsPerSecond: points((_t, i) => 120 + 25 * wave(i)),
      errorRatePercent: points((t, i) => (degraded(t) ? 4.2 + wave(i) : 0.3 + 0.1 * wave(i))),
      availableReplicas: points((t) => (t >= deployAt + 180 && t < rollbackAt + 300 ? 4 : 3)),
      failures: [],
    },
  };
}
