import type { TrafficProviderId } from "../domain/trafficCapabilities.js";
import { PrometheusClient } from "./prometheusClient.js";
import { promqlText, renderPromqlTemplate } from "./promqlTemplate.js";

/**
 * Requests per second a deployment serves now (both slots), for the "stop sending traffic"
 * item of the delete checklist. Same metric sources as the canary analysis: Istio's sidecar
 * metrics, or the model server's own `http_requests_total`.
 */
export interface RequestRateSource {
  readonly configured: boolean;
  /** Null when there is no traffic to measure; throws when Prometheus cannot answer. */
  requestsPerSecond(namespace: string, deployment: string): Promise<number | null>;
}

const REQUEST_RATE_QUERIES: Record<TrafficProviderId, string> = {
  istio: 'sum(rate(istio_requests_total{reporter="destination",destination_workload_namespace="{namespace}",destination_workload=~"{deployment}-(blue|green)"}[5m]))',
  service: 'sum(rate(http_requests_total{namespace="{namespace}",pod=~"{deployment}-(blue|green)-.*"}[5m]))',
};

export function requestRateQuery(provider: TrafficProviderId, namespace: string, deployment: string): string {
  return renderPromqlTemplate(REQUEST_RATE_QUERIES[provider], { namespace: promqlText(namespace), deployment: promqlText(deployment) });
}

export function createRequestRateSource(settings: { prometheusUrl?: string; trafficProvider: TrafficProviderId }): RequestRateSource {
  const { prometheusUrl, trafficProvider } = settings;
  if (!prometheusUrl) {
    return {
      configured: false,
      async requestsPerSecond() {
        return null;
      },
    };
  }
  const client = new PrometheusClient({ url: prometheusUrl, timeoutMs: 1500 });
  return {
    configured: true,
    requestsPerSecond: (namespace, deployment) => client.queryValue(requestRateQuery(trafficProvider, namespace, deployment)),
  };
}
