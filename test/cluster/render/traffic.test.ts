import { describe, expect, it } from "vitest";
import { LOAD_BALANCING_ALGORITHMS } from "../../../src/domain/deploymentSpec.js";
import {
  TRAFFIC_CAPABILITIES,
  TRAFFIC_PROVIDER_IDS,
  isTrafficProviderId,
  trafficCapabilityErrors,
} from "../../../src/domain/trafficCapabilities.js";
import { RenderError, defaultRenderContext } from "../../../src/cluster/render/renderContext.js";
import { renderService, serviceNeedsReplacement } from "../../../src/cluster/render/renderService.js";
import {
  istioLoadBalancer,
  renderDestinationRule,
  renderVirtualService,
  trafficProvider,
  usesWeightedRouting,
} from "../../../src/cluster/render/trafficProvider.js";
import { buildSpec } from "./fixtures.js";

const serviceCtx = defaultRenderContext("ml-serving", { trafficProvider: "service" });
const istioCtx = defaultRenderContext("ml-serving", { trafficProvider: "istio" });

describe("trafficCapabilityErrors", () => {
  it("explains that Least Connections needs Istio on a plain-Service cluster", () => {
    const spec = buildSpec({ loadBalancer: { enabled: true, algorithm: "least-connections" } });
    expect(trafficCapabilityErrors(spec, "service")).toEqual([
      {
        path: "loadBalancer.algorithm",
        message:
          "Least Connections needs Istio; this cluster uses plain Kubernetes Services (round robin, IP hash and sticky sessions work).",
      },
    ]);
    expect(trafficCapabilityErrors(spec, "istio")).toEqual([]);
  });

  it("accepts every other combination", () => {
    for (const provider of TRAFFIC_PROVIDER_IDS) {
      for (const algorithm of LOAD_BALANCING_ALGORITHMS) {
        for (const stickySessions of [false, true]) {
          const spec = buildSpec({ loadBalancer: { enabled: true, algorithm, stickySessions } });
          const expected = provider === "service" && algorithm === "least-connections" ? 1 : 0;
          expect(trafficCapabilityErrors(spec, provider)).toHaveLength(expected);
        }
      }
    }
  });

  it("ignores the algorithm while the load balancer is disabled", () => {
    const spec = buildSpec({ loadBalancer: { enabled: false, algorithm: "least-connections" } });
    expect(trafficCapabilityErrors(spec, "service")).toEqual([]);
  });

  it("recognises provider ids from config", () => {
    expect(isTrafficProviderId("istio")).toBe(true);
    expect(isTrafficProviderId("nginx")).toBe(false);
    expect(TRAFFIC_CAPABILITIES.service.exactWeights).toBe(false);
  });
});

describe("renderService", () => {
  it("is headless when the load balancer is disabled", () => {
    const service = renderService(buildSpec(), serviceCtx, { selectorSlot: "blue" });
    expect(service.metadata?.name).toBe("resnet-prod");
    expect(service.spec?.clusterIP).toBe("None");
    expect(service.spec?.sessionAffinity).toBeUndefined();
    expect(service.spec?.ports).toEqual([{ name: "http", port: 80, targetPort: "http", protocol: "TCP", appProtocol: "http" }]);
  });

  it("is a ClusterIP Service when the load balancer is enabled", () => {
    const spec = buildSpec({ loadBalancer: { enabled: true } });
    const service = renderService(spec, serviceCtx, { selectorSlot: "blue" });
    expect(service.spec?.type).toBe("ClusterIP");
    expect(service.spec).not.toHaveProperty("clusterIP");
    expect(service.spec?.sessionAffinity).toBe("None");
  });

  it("selects one slot, or both when no slot is given", () => {
    const spec = buildSpec({ loadBalancer: { enabled: true } });
    expect(renderService(spec, serviceCtx, { selectorSlot: "green" }).spec?.selector).toEqual({
      "deploybot.io/deployment": "resnet-prod",
      "deploybot.io/slot": "green",
    });
    expect(renderService(spec, serviceCtx, { selectorSlot: null }).spec?.selector).toEqual({
      "deploybot.io/deployment": "resnet-prod",
    });
  });

  it.each([
    ["ip-hash", false],
    ["round-robin", true],
    ["ip-hash", true],
  ] as const)("plain Service: %s with sticky=%s pins clients by IP", (algorithm, stickySessions) => {
    const spec = buildSpec({ loadBalancer: { enabled: true, algorithm, stickySessions } });
    const service = renderService(spec, serviceCtx, { selectorSlot: "blue" });
    expect(service.spec?.sessionAffinity).toBe("ClientIP");
    expect(service.spec?.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
  });

  it("plain Service: refuses Least Connections", () => {
    const spec = buildSpec({ loadBalancer: { enabled: true, algorithm: "least-connections" } });
    expect(() => renderService(spec, serviceCtx, { selectorSlot: "blue" })).toThrow(RenderError);
  });

  it("Istio: leaves balancing and affinity to the DestinationRule", () => {
    for (const algorithm of LOAD_BALANCING_ALGORITHMS) {
      const spec = buildSpec({ loadBalancer: { enabled: true, algorithm, stickySessions: true } });
      const service = renderService(spec, istioCtx, { selectorSlot: null });
      expect(service.spec?.sessionAffinity).toBe("None");
      expect(service.spec).not.toHaveProperty("sessionAffinityConfig");
    }
  });

  it("needs replacing only when the load balancer is switched on or off", () => {
    const headless = renderService(buildSpec(), serviceCtx, { selectorSlot: "blue" });
    const balanced = renderService(buildSpec({ loadBalancer: { enabled: true } }), serviceCtx, { selectorSlot: "blue" });
    const live = { ...balanced, spec: { ...balanced.spec, clusterIP: "10.0.0.12" } };
    expect(serviceNeedsReplacement(headless, balanced)).toBe(true);
    expect(serviceNeedsReplacement(live, headless)).toBe(true);
    expect(serviceNeedsReplacement(live, balanced)).toBe(false);
    expect(serviceNeedsReplacement(headless, headless)).toBe(false);
  });
});

describe("Istio provider", () => {
  it.each([
    ["round-robin", { simple: "ROUND_ROBIN" }],
    ["least-connections", { simple: "LEAST_REQUEST" }],
    ["ip-hash", { consistentHash: { useSourceIp: true } }],
  ] as const)("maps %s", (algorithm, expected) => {
    expect(istioLoadBalancer(buildSpec({ loadBalancer: { enabled: true, algorithm } }))).toEqual(expected);
  });

  it("pins sticky sessions with a cookie, whatever the algorithm", () => {
    for (const algorithm of LOAD_BALANCING_ALGORITHMS) {
      const spec = buildSpec({ loadBalancer: { enabled: true, algorithm, stickySessions: true } });
      expect(istioLoadBalancer(spec)).toEqual({
        consistentHash: { httpCookie: { name: "deploybot-resnet-prod", path: "/", ttl: "3600s" } },
      });
    }
  });

  it("defines one subset per slot on the Service's FQDN", () => {
    const rule = renderDestinationRule(buildSpec({ loadBalancer: { enabled: true } }), istioCtx);
    expect(rule.metadata?.name).toBe("resnet-prod");
    expect(rule.spec.host).toBe("resnet-prod.ml-serving.svc.cluster.local");
    expect(rule.spec.subsets).toEqual([
      { name: "blue", labels: { "deploybot.io/slot": "blue" } },
      { name: "green", labels: { "deploybot.io/slot": "green" } },
    ]);
  });

  it("routes to both subsets with weights summing to 100", () => {
    const spec = buildSpec({ loadBalancer: { enabled: true } });
    const virtualService = renderVirtualService(spec, istioCtx, { blue: 90, green: 10 });
    expect(virtualService.spec.hosts).toEqual(["resnet-prod.ml-serving.svc.cluster.local"]);
    const routes = virtualService.spec.http.flatMap((http) => http.route);
    expect(routes.map((route) => [route.destination.subset, route.weight])).toEqual([
      ["blue", 90],
      ["green", 10],
    ]);
    expect(routes.reduce((sum, route) => sum + route.weight, 0)).toBe(100);
    expect(new Set(routes.map((route) => route.destination.host))).toEqual(new Set(virtualService.spec.hosts));
  });

  it.each([
    { blue: 60, green: 60 },
    { blue: 50.5, green: 49.5 },
    { blue: -10, green: 110 },
  ])("refuses weights %o", (weights) => {
    expect(() => renderVirtualService(buildSpec({ loadBalancer: { enabled: true } }), istioCtx, weights)).toThrow(RenderError);
  });

  it("renders the DestinationRule before the VirtualService, and nothing for a headless Service", () => {
    const provider = trafficProvider("istio");
    const enabled = provider.renderPolicyObjects(buildSpec({ loadBalancer: { enabled: true } }), istioCtx, { blue: 100, green: 0 });
    expect(enabled.map((object) => object.kind)).toEqual(["DestinationRule", "VirtualService"]);
    expect(provider.renderPolicyObjects(buildSpec(), istioCtx, { blue: 100, green: 0 })).toEqual([]);
  });

  it("lets the Service see both slots so that subsets can split traffic", () => {
    const provider = trafficProvider("istio");
    expect(provider.defaultServiceSelectorSlot(buildSpec({ loadBalancer: { enabled: true } }), "green")).toBeNull();
    expect(provider.defaultServiceSelectorSlot(buildSpec(), "green")).toBe("green");
    expect(trafficProvider("service").defaultServiceSelectorSlot(buildSpec({ loadBalancer: { enabled: true } }), "green")).toBe("green");
  });

  it("offers exact weights only with Istio and an enabled load balancer", () => {
    const balanced = buildSpec({ loadBalancer: { enabled: true } });
    expect(usesWeightedRouting(balanced, istioCtx)).toBe(true);
    expect(usesWeightedRouting(buildSpec(), istioCtx)).toBe(false);
    expect(usesWeightedRouting(balanced, serviceCtx)).toBe(false);
    expect(trafficProvider("service").renderPolicyObjects(balanced, serviceCtx, { blue: 100, green: 0 })).toEqual([]);
  });
});
