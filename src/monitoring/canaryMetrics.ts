import type { TrafficProviderId } from "../domain/trafficCapabilities.js";
import type { MetricsObservation } from "../domain/rolloutPlan.js";
import { PrometheusClient } from "./prometheusClient.js";
import { promqlDuration, promqlText, renderPromqlTemplate } from "./promqlTemplate.js";

/**
 * Error rate and p99 latency of one slot of a deployment, for canary analysis. Without
 * `PROMETHEUS_URL` there are no metrics and analysis is readiness-only; the channel is told so.
 */
export interface CanaryMetrics {
  readonly configured: boolean;
  measure(target: MetricsTarget, signal?: AbortSignal): Promise<MetricsObservation>;
}

export interface MetricsTarget {
  namespace: string;
  /** The deploybot deployment name. */
  deployment: string;
  slot: string;
  /** The Kubernetes Deployment serving the slot (`<name>-<slot>`). */
  workload: string;
  /** Look-back window of the rates, in seconds. */
  windowSeconds: number;
}

export interface QueryTemplates {
  /** Must evaluate to a percentage (0-100) of failed requests. */
  errorRatePercent: string;
  /** Must evaluate to milliseconds. */
  p99LatencyMs: string;
}

/**
 * Istio's standard metrics, as the destination sidecar reports them for the slot's workload
 * (`destination_workload` is the Deployment name). 5xx answers count as errors, as in Flagger's
 * built-in request-success-rate check.
 */
export const ISTIO_QUERY_TEMPLATES: QueryTemplates = {
  errorRatePercent:
    '100 * sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="{namespace}",destination_workload="{workload}",response_code=~"5.."}[{window}]))' +
    ' / sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="{namespace}",destination_workload="{workload}"}[{window}]))',
  p99LatencyMs:
    'histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket{reporter="destination",destination_workload_namespace="{namespace}",destination_workload="{workload}"}[{window}])))',
};

/**
 * Without a mesh, the model server's own metrics: `http_requests_total{status}` and the
 * `http_request_duration_seconds` histogram, scraped with the usual Kubernetes service-discovery
 * relabelling that adds `namespace` and `pod` labels. Pods are named `<workload>-<hash>-<id>`.
 */
export const MODEL_SERVER_QUERY_TEMPLATES: QueryTemplates = {
  errorRatePercent:
    '100 * sum(rate(http_requests_total{namespace="{namespace}",pod=~"{workload}-.*",status=~"5.."}[{window}]))' +
    ' / sum(rate(http_requests_total{namespace="{namespace}",pod=~"{workload}-.*"}[{window}]))',
  p99LatencyMs:
    '1000 * histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{namespace="{namespace}",pod=~"{workload}-.*"}[{window}])))',
};

export function defaultQueryTemplates(provider: TrafficProviderId): QueryTemplates {
  return provider === "istio" ? ISTIO_QUERY_TEMPLATES : MODEL_SERVER_QUERY_TEMPLATES;
}

export const CANARY_TEMPLATE_PLACEHOLDERS = ["namespace", "deployment", "slot", "workload", "window"] as const;

export function renderQuery(template: string, target: MetricsTarget): string {
  return renderPromqlTemplate(template, {
    namespace: promqlText(target.namespace),
    deployment: promqlText(target.deployment),
    slot: promqlText(target.slot),
    workload: promqlText(target.workload),
    window: promqlDuration(target.windowSeconds),
  });
}

export const noCanaryMetrics: CanaryMetrics = {
  configured: false,
  async measure() {
    return { kind: "not-configured" };
  },
};

export class PrometheusCanaryMetrics implements CanaryMetrics {
  readonly configured = true;

  constructor(
    private readonly client: PrometheusClient,
    private readonly templates: QueryTemplates,
  ) {}

  async measure(target: MetricsTarget, signal?: AbortSignal): Promise<MetricsObservation> {
    try {
      const [errorRatePercent, p99LatencyMs] = await Promise.all([
        this.client.queryValue(renderQuery(this.templates.errorRatePercent, target), signal),
        this.client.queryValue(renderQuery(this.templates.p99LatencyMs, target), signal),
      ]);
      return { kind: "measured", errorRatePercent, p99LatencyMs };
    } catch (error) {
      return { kind: "unavailable", reason: error instanceof Error ? error.message : String(error) };
    }
  }
}

export interface CanaryMetricsSettings {
  prometheusUrl?: string;
  errorRateQuery?: string;
  p99LatencyQuery?: string;
  trafficProvider: TrafficProviderId;
}

export function createCanaryMetrics(settings: CanaryMetricsSettings): CanaryMetrics {
  if (!settings.prometheusUrl) return noCanaryMetrics;
  const defaults = defaultQueryTemplates(settings.trafficProvider);
  return new PrometheusCanaryMetrics(new PrometheusClient({ url: settings.prometheusUrl }), {
    errorRatePercent: settings.errorRateQuery ?? defaults.errorRatePercent,
    p99LatencyMs: settings.p99LatencyQuery ?? defaults.p99LatencyMs,
  });
}
