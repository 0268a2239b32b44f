import type { KubernetesObject, V1ServiceSpec } from "@kubernetes/client-node";
import type { DeploymentSpec } from "../../domain/deploymentSpec.js";
import {
  TRAFFIC_CAPABILITIES,
  TRAFFIC_PROVIDER_LABELS,
  trafficCapabilityErrors,
} from "../../domain/trafficCapabilities.js";
import type { TrafficProviderId } from "../../domain/trafficCapabilities.js";
import { LABEL_SLOT, SLOTS, deploymentObjectMetadata } from "./labels.js";
import type { Slot } from "./labels.js";
import { RenderError } from "./renderContext.js";
import type { RenderContext, TrafficWeights } from "./renderContext.js";

/**
 * The traffic layer in front of the model-server pods, chosen per cluster in config. It decides how
 * the Service balances, which extra objects carry the balancing policy, and whether a canary can be
 * given an exact share of requests or only a replica ratio.
 */
export interface TrafficProvider {
  readonly id: TrafficProviderId;
  readonly label: string;
  /** Whether `renderPolicyObjects` honours arbitrary `TrafficWeights` between the slots. */
  readonly supportsExactWeights: boolean;
  /** Fields merged into a load-balanced (ClusterIP) Service. */
  serviceOverrides(spec: DeploymentSpec): ServiceOverrides;
  /** Which slot the Service should select when nothing else says: `null` means both. */
  defaultServiceSelectorSlot(spec: DeploymentSpec, activeSlot: Slot): Slot | null;
  /** Objects besides the Service that implement the balancing policy, in apply order. */
  renderPolicyObjects(spec: DeploymentSpec, ctx: RenderContext, weights: TrafficWeights): KubernetesObject[];
}

export type ServiceOverrides = Pick<V1ServiceSpec, "sessionAffinity" | "sessionAffinityConfig">;

/** kube-proxy's default and maximum is 10800 s (3 h); the default is what clients already expect. */
export const CLIENT_IP_AFFINITY_TIMEOUT_SECONDS = 10800;
export const STICKY_COOKIE_TTL = "3600s";

export function stickyCookieName(name: string): string {
  return `deploybot-${name}`;
}

/** Istio matches hosts by FQDN; short names would only resolve relative to the rule's own namespace. */
export function serviceHost(name: string, namespace: string): string {
  return `${name}.${namespace}.svc.cluster.local`;
}

export function defaultTrafficWeights(activeSlot: Slot): TrafficWeights {
  return activeSlot === "blue" ? { blue: 100, green: 0 } : { blue: 0, green: 100 };
}

function weightsAreValid(weights: TrafficWeights): boolean {
  const parts = [weights.blue, weights.green];
  return parts.every((w) => Number.isInteger(w) && w >= 0 && w <= 100) && weights.blue + weights.green === 100;
}

export function assertTrafficWeights(weights: TrafficWeights): void {
  if (!weightsAreValid(weights)) {
    throw new RenderError([
      {
        path: "trafficWeights",
        message: `Traffic weights must be whole percentages summing to 100 (got blue ${weights.blue}, green ${weights.green}).`,
      },
    ]);
  }
}

/** Throws what the form would have shown, for a spec that reached rendering without passing it. */
export function assertTrafficCapabilities(spec: DeploymentSpec, provider: TrafficProviderId): void {
  const errors = trafficCapabilityErrors(spec, provider);
  if (errors.length > 0) throw new RenderError(errors);
}

const serviceProvider: TrafficProvider = {
  id: "service",
  label: TRAFFIC_PROVIDER_LABELS.service,
  supportsExactWeights: TRAFFIC_CAPABILITIES.service.exactWeights,
  serviceOverrides(spec) {
    assertTrafficCapabilities(spec, "service");
    const { algorithm, stickySessions } = spec.loadBalancer;
    // Round robin needs nothing: kube-proxy spreads connections itself. IP hash and sticky sessions
    // both reduce to per-client-IP affinity, the only affinity a Service knows.
    if (algorithm === "ip-hash" || stickySessions) {
      return {
        sessionAffinity: "ClientIP",
        sessionAffinityConfig: { clientIP: { timeoutSeconds: CLIENT_IP_AFFINITY_TIMEOUT_SECONDS } },
      };
    }
    // Set explicitly so that turning affinity off is an apply that changes the field, not one that drops it.
    return { sessionAffinity: "None" };
  },
  defaultServiceSelectorSlot(_spec, activeSlot) {
    return activeSlot;
  },
  renderPolicyObjects(spec) {
    assertTrafficCapabilities(spec, "service");
    return [];
  },
};

export type IstioLoadBalancerSettings =
  | { simple: "ROUND_ROBIN" | "LEAST_REQUEST" }
  | { consistentHash: { useSourceIp: true } | { httpCookie: { name: string; path: string; ttl: string } } };

export interface IstioDestinationRule extends KubernetesObject {
  apiVersion: "networking.istio.io/v1";
  kind: "DestinationRule";
  spec: {
    host: string;
    trafficPolicy: { loadBalancer: IstioLoadBalancerSettings };
    subsets: { name: Slot; labels: Record<string, string> }[];
  };
}

export interface IstioRouteDestination {
  destination: { host: string; subset: Slot };
  weight: number;
}

export interface IstioVirtualService extends KubernetesObject {
  apiVersion: "networking.istio.io/v1";
  kind: "VirtualService";
  spec: {
    hosts: string[];
    http: { name: string; route: IstioRouteDestination[] }[];
  };
}

/**
 * Sticky sessions win over the algorithm: a session must stay on one pod, which only a hash can
 * promise. A cookie follows the client across IP changes (NAT, mobile), so it beats the source IP.
 * Istio applies VirtualService weights before the hash, so during a canary a session is only
 * sticky within the slot it was sent to.
 */
export function istioLoadBalancer(spec: DeploymentSpec): IstioLoadBalancerSettings {
  const { algorithm, stickySessions } = spec.loadBalancer;
  if (stickySessions) {
    return { consistentHash: { httpCookie: { name: stickyCookieName(spec.name), path: "/", ttl: STICKY_COOKIE_TTL } } };
  }
  switch (algorithm) {
    case "ip-hash":
      return { consistentHash: { useSourceIp: true } };
    case "least-connections":
      // LEAST_REQUEST replaced LEAST_CONN (deprecated) and is what Envoy actually implements.
      return { simple: "LEAST_REQUEST" };
    case "round-robin":
      return { simple: "ROUND_ROBIN" };
  }
}

export function renderDestinationRule(spec: DeploymentSpec, ctx: RenderContext): IstioDestinationRule {
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "DestinationRule",
    metadata: deploymentObjectMetadata(spec, ctx.namespace),
    spec: {
      host: serviceHost(spec.name, ctx.namespace),
      trafficPolicy: { loadBalancer: istioLoadBalancer(spec) },
      subsets: SLOTS.map((slot) => ({ name: slot, labels: { [LABEL_SLOT]: slot } })),
    },
  };
}

/** Both slots are always listed, a 0 weight included, so a weight change is a value change and never a list reshuffle. */
export function renderVirtualService(spec: DeploymentSpec, ctx: RenderContext, weights: TrafficWeights): IstioVirtualService {
  assertTrafficWeights(weights);
  const host = serviceHost(spec.name, ctx.namespace);
  return {
    apiVersion: "networking.istio.io/v1",
    kind: "VirtualService",
    metadata: deploymentObjectMetadata(spec, ctx.namespace),
    spec: {
      hosts: [host],
      http: [
        {
          name: "slots",
          route: SLOTS.map((slot) => ({ destination: { host, subset: slot }, weight: weights[slot] })),
        },
      ],
    },
  };
}

const istioProvider: TrafficProvider = {
  id: "istio",
  label: TRAFFIC_PROVIDER_LABELS.istio,
  supportsExactWeights: TRAFFIC_CAPABILITIES.istio.exactWeights,
  serviceOverrides(spec) {
    assertTrafficCapabilities(spec, "istio");
    // The sidecars balance by the DestinationRule and bypass kube-proxy; affinity here would only
    // confuse clients outside the mesh with a second, different policy.
    return { sessionAffinity: "None" };
  },
  defaultServiceSelectorSlot(spec, activeSlot) {
    // Subsets filter the Service's endpoints, so the Service must see both slots for the
    // VirtualService weights to reach them. A headless Service has no VirtualService in front.
    return spec.loadBalancer.enabled ? null : activeSlot;
  },
  renderPolicyObjects(spec, ctx, weights) {
    assertTrafficCapabilities(spec, "istio");
    // Headless: clients connect to pod IPs directly, so there is nothing for Istio to balance.
    if (!spec.loadBalancer.enabled) return [];
    // DestinationRule first: a VirtualService naming a subset that does not exist yet fails requests.
    return [renderDestinationRule(spec, ctx), renderVirtualService(spec, ctx, weights)];
  },
};

const PROVIDERS: Record<TrafficProviderId, TrafficProvider> = { service: serviceProvider, istio: istioProvider };

export function trafficProvider(id: TrafficProviderId): TrafficProvider {
  return PROVIDERS[id];
}

/** Whether a canary for this spec can get an exact share of requests rather than a replica ratio. */
export function usesWeightedRouting(spec: DeploymentSpec, ctx: RenderContext): boolean {
  return spec.loadBalancer.enabled && trafficProvider(ctx.trafficProvider).supportsExactWeights;
}
