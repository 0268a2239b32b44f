import type { TrafficProviderId } from "../domain/trafficCapabilities.js";
import { K8S_NAME_REGEX } from "../domain/deploymentRef.js";
import {
  promqlAnyOf,
  promqlDuration,
  promqlNumber,
  promqlPattern,
  promqlText,
  renderPromqlTemplate,
  templatePlaceholders,
  type PromqlValue,
} from "./promqlTemplate.js";

/**
 * The PromQL behind `/deploy metrics`, the charts and the alert rules. Every template answers one
 * series per deployment, labelled `namespace` and `deployment` (the deploybot name, both slots
 * together): the same template serves one deployment (`{deployment}` is its name) and every
 * deployment at once (`{deployment}` matches any name, `{namespace}` lists the environments'
 * namespaces), so an alert run costs one query per metric, not one per deployment.
 *
 * Placeholders: `{namespace}` and `{deployment}` (regex matchers only), `{window}` (rate window,
 * e.g. `300s`), `{quantile}` (latency only, 0.5/0.95/0.99).
 */

export const METRIC_IDS = [
  "requestsPerSecond",
  "errorRatePercent",
  "latencyMs",
  "cpuCores",
  "memoryBytes",
  "gpuUtilizationPercent",
  "containerRestarts",
  "oomKills",
  "availableReplicas",
] as const;
export type MetricId = (typeof METRIC_IDS)[number];

export type MetricTemplates = Readonly<Record<MetricId, string>>;

export const METRIC_UNITS: Readonly<Record<MetricId, string>> = {
  requestsPerSecond: "req/s",
  errorRatePercent: "%",
  latencyMs: "ms",
  cpuCores: "cores",
  memoryBytes: "bytes",
  gpuUtilizationPercent: "%",
  containerRestarts: "restarts",
  oomKills: "OOM kills",
  availableReplicas: "replicas",
};

/** `DEPLOYBOT_METRIC_QUERY_<NAME>` overrides a template: `latencyMs` → `DEPLOYBOT_METRIC_QUERY_LATENCY_MS`. */
export function metricQueryEnvName(id: MetricId): string {
  return `DEPLOYBOT_METRIC_QUERY_${id.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

export const METRIC_PLACEHOLDERS = ["namespace", "deployment", "window", "quantile"] as const;

/** Placeholders a template may use that this code does not fill would silently stay in the query. */
export function unknownPlaceholders(template: string): string[] {
  return templatePlaceholders(template).filter((name) => !(METRIC_PLACEHOLDERS as readonly string[]).includes(name));
}

// Pods are `<deployment>-<slot>-<pod-template-hash>-<suffix>`; Deployments are `<deployment>-<slot>`.
const POD_MATCHERS = 'namespace=~"{namespace}",pod=~"{deployment}-(blue|green)-.+"';
const CONTAINER_MATCHERS = `${POD_MATCHERS},container!="",container!="POD"`;
const DEPLOYMENT_FROM_POD = '"deployment", "$1", "pod", "(.+)-(?:blue|green)-[^-]+-[^-]+"';
const byDeploymentFromPod = (expression: string): string => `label_replace(${expression}, ${DEPLOYMENT_FROM_POD})`;

const ISTIO_MATCHERS = 'reporter="destination",destination_workload_namespace=~"{namespace}",destination_workload=~"{deployment}-(blue|green)"';
const byDeploymentFromIstio = (expression: string): string =>
  `label_replace(label_replace(${expression}, "deployment", "$1", "destination_workload", "(.+)-(?:blue|green)"), "namespace", "$1", "destination_workload_namespace", "(.+)")`;

/** Error rate that is 0, not "no data", while requests flow without a single 5xx series. */
const errorRate = (errors: string, all: string): string => `100 * ((${errors}) or (${all}) * 0) / (${all})`;

const modelServerRequests = (extra: string): string =>
  `sum by (namespace, deployment) (${byDeploymentFromPod(`rate(http_requests_total{${POD_MATCHERS}${extra}}[{window}])`)})`;
const istioRequests = (extra: string): string =>
  `sum by (namespace, deployment) (${byDeploymentFromIstio(`rate(istio_requests_total{${ISTIO_MATCHERS}${extra}}[{window}])`)})`;

/** Pod resources and restarts: cAdvisor, dcgm-exporter and kube-state-metrics, whatever the traffic layer. */
const WORKLOAD_TEMPLATES = {
  cpuCores: `sum by (namespace, deployment) (${byDeploymentFromPod(`rate(container_cpu_usage_seconds_total{${CONTAINER_MATCHERS}}[{window}])`)})`,
  memoryBytes: `sum by (namespace, deployment) (${byDeploymentFromPod(`container_memory_working_set_bytes{${CONTAINER_MATCHERS}}`)})`,
  gpuUtilizationPercent: `avg by (namespace, deployment) (${byDeploymentFromPod(`DCGM_FI_DEV_GPU_UTIL{${POD_MATCHERS}}`)})`,
  containerRestarts: `sum by (namespace, deployment) (${byDeploymentFromPod(`increase(kube_pod_container_status_restarts_total{${POD_MATCHERS}}[{window}])`)})`,
  // Restarts in the window of containers whose last termination was an OOM kill.
  oomKills:
    `sum by (namespace, deployment) (${byDeploymentFromPod(
      `(increase(kube_pod_container_status_restarts_total{${POD_MATCHERS}}[{window}]) > 0) * on (namespace, pod, container) (kube_pod_container_status_last_terminated_reason{${POD_MATCHERS},reason="OOMKilled"} == 1)`,
    )})`,
  availableReplicas:
    'sum by (namespace, deployment) (label_replace(kube_deployment_status_replicas_available{namespace=~"{namespace}",deployment=~"{deployment}-(blue|green)"}, "deployment", "$1", "deployment", "(.+)-(?:blue|green)"))',
} as const;

/** The model server's own `http_requests_total{status}` and `http_request_duration_seconds` histogram. */
export const SERVICE_METRIC_TEMPLATES: MetricTemplates = {
  requestsPerSecond: modelServerRequests(""),
  errorRatePercent: errorRate(modelServerRequests(',status=~"5.."'), modelServerRequests("")),
  latencyMs: `1000 * histogram_quantile({quantile}, sum by (namespace, deployment, le) (${byDeploymentFromPod(
    `rate(http_request_duration_seconds_bucket{${POD_MATCHERS}}[{window}])`,
  )}))`,
  ...WORKLOAD_TEMPLATES,
};

/** Istio's standard metrics as the destination sidecar reports them. */
export const ISTIO_METRIC_TEMPLATES: MetricTemplates = {
  requestsPerSecond: istioRequests(""),
  errorRatePercent: errorRate(istioRequests(',response_code=~"5.."'), istioRequests("")),
  latencyMs: `histogram_quantile({quantile}, sum by (namespace, deployment, le) (${byDeploymentFromIstio(
    `rate(istio_request_duration_milliseconds_bucket{${ISTIO_MATCHERS}}[{window}])`,
  )}))`,
  ...WORKLOAD_TEMPLATES,
};

export function defaultMetricTemplates(provider: TrafficProviderId): MetricTemplates {
  return provider === "istio" ? ISTIO_METRIC_TEMPLATES : SERVICE_METRIC_TEMPLATES;
}

/** Which deployments a query covers. */
export type DeploymentScope =
  | { kind: "one"; namespace: string; deployment: string }
  /** Every deploybot deployment in these namespaces: the alert evaluation's single query. */
  | { kind: "all"; namespaces: readonly string[] };

export interface MetricQueryInput {
  scope: DeploymentScope;
  windowSeconds: number;
  quantile?: number;
}

export function renderMetricQuery(template: string, input: MetricQueryInput): string {
  const { scope } = input;
  const values: Record<string, PromqlValue> = {
    namespace: scope.kind === "one" ? promqlText(scope.namespace) : promqlAnyOf(scope.namespaces),
    deployment: scope.kind === "one" ? promqlText(scope.deployment) : promqlPattern(K8S_NAME_REGEX),
    window: promqlDuration(input.windowSeconds),
  };
  if (input.quantile !== undefined) values.quantile = promqlNumber(input.quantile);
  return renderPromqlTemplate(template, values);
}
