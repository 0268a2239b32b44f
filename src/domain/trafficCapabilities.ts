import { LOAD_BALANCING_ALGORITHM_LABELS } from "./deploymentSpec.js";
import type { DeploymentSpec, FieldError, LoadBalancingAlgorithm } from "./deploymentSpec.js";

/**
 * What each traffic layer a cluster can be configured with is able to do. Pure and I/O-free so the
 * Slack modal can reject an impossible load-balancer choice inline, before anything is rendered.
 */

export const TRAFFIC_PROVIDER_IDS = ["service", "istio"] as const;
export type TrafficProviderId = (typeof TRAFFIC_PROVIDER_IDS)[number];

export const TRAFFIC_PROVIDER_LABELS: Record<TrafficProviderId, string> = {
  service: "plain Kubernetes Services",
  istio: "Istio",
};

export interface TrafficCapabilities {
  algorithms: readonly LoadBalancingAlgorithm[];
  stickySessions: boolean;
  /**
   * Whether a canary can receive an exact percentage of requests. Without it a canary's share is
   * only approximated by the ratio of its replicas behind one Service.
   */
  exactWeights: boolean;
}

export const TRAFFIC_CAPABILITIES: Record<TrafficProviderId, TrafficCapabilities> = {
  // kube-proxy balances per connection (random in iptables mode, round robin in IPVS) and knows no
  // policy but ClientIP affinity, so least connections is out of reach.
  service: { algorithms: ["round-robin", "ip-hash"], stickySessions: true, exactWeights: false },
  istio: { algorithms: ["round-robin", "least-connections", "ip-hash"], stickySessions: true, exactWeights: true },
};

export function isTrafficProviderId(value: unknown): value is TrafficProviderId {
  return typeof value === "string" && (TRAFFIC_PROVIDER_IDS as readonly string[]).includes(value);
}

function supportedAlgorithmsSentence(provider: TrafficProviderId): string {
  const capabilities = TRAFFIC_CAPABILITIES[provider];
  const names = capabilities.algorithms.map((algorithm) => ALGORITHM_WORDS[algorithm]);
  if (capabilities.stickySessions) names.push("sticky sessions");
  return joinWords(names);
}

const ALGORITHM_WORDS: Record<LoadBalancingAlgorithm, string> = {
  "round-robin": "round robin",
  "least-connections": "least connections",
  "ip-hash": "IP hash",
};

function joinWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join("");
  return `${words.slice(0, -1).join(", ")} and ${words[words.length - 1]}`;
}

function providersSupportingAlgorithm(algorithm: LoadBalancingAlgorithm): TrafficProviderId[] {
  return TRAFFIC_PROVIDER_IDS.filter((id) => TRAFFIC_CAPABILITIES[id].algorithms.includes(algorithm));
}

/**
 * Problems with the spec's load-balancer section on a cluster using `provider`, as form errors.
 * A disabled load balancer asks nothing of the traffic layer, so it never produces an error.
 */
export function trafficCapabilityErrors(
  spec: Pick<DeploymentSpec, "loadBalancer">,
  provider: TrafficProviderId,
): FieldError[] {
  const { loadBalancer } = spec;
  if (!loadBalancer.enabled) return [];
  const capabilities = TRAFFIC_CAPABILITIES[provider];
  const errors: FieldError[] = [];
  if (!capabilities.algorithms.includes(loadBalancer.algorithm)) {
    const needed = providersSupportingAlgorithm(loadBalancer.algorithm).map((id) => TRAFFIC_PROVIDER_LABELS[id]);
    errors.push({
      path: "loadBalancer.algorithm",
      message:
        `${LOAD_BALANCING_ALGORITHM_LABELS[loadBalancer.algorithm]} needs ${joinWords(needed)}; this cluster uses ${TRAFFIC_PROVIDER_LABELS[provider]} ` +
        `(${supportedAlgorithmsSentence(provider)} work).`,
    });
  }
  if (loadBalancer.stickySessions && !capabilities.stickySessions) {
    errors.push({
      path: "loadBalancer.stickySessions",
      message: `Sticky sessions are not available with ${TRAFFIC_PROVIDER_LABELS[provider]}.`,
    });
  }
  return errors;
}
