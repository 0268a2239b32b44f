import type { KubernetesObject, V1Deployment, V1Service, V2HorizontalPodAutoscaler } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { RenderError, defaultRenderContext } from "../../../src/cluster/render/renderContext.js";
import { renderDeploymentObjects } from "../../../src/cluster/render/renderDeploymentObjects.js";
import type { DeploymentState } from "../../../src/cluster/render/renderDeploymentObjects.js";
import type { IstioVirtualService } from "../../../src/cluster/render/trafficProvider.js";
import { buildSpec } from "./fixtures.js";

const serviceCtx = defaultRenderContext("ml-serving", { trafficProvider: "service" });
const istioCtx = defaultRenderContext("ml-serving", { trafficProvider: "istio" });

function kinds(objects: KubernetesObject[]): string[] {
  return objects.map((object) => `${object.kind}/${object.metadata?.name}`);
}

function find<T extends KubernetesObject>(objects: KubernetesObject[], kind: string, name?: string): T {
  const found = objects.find((object) => object.kind === kind && (name === undefined || object.metadata?.name === name));
  if (found === undefined) throw new Error(`no ${kind} ${name ?? ""}`);
  return found as T;
}

function renderError(run: () => unknown): RenderError {
  try {
    run();
  } catch (error) {
    if (error instanceof RenderError) return error;
    throw error;
  }
  throw new Error("expected a RenderError");
}

describe("renderDeploymentObjects", () => {
  it("renders just a Deployment and a headless Service for the simplest spec", () => {
    const { objects } = renderDeploymentObjects(buildSpec(), { activeSlot: "blue", replicas: 1 }, serviceCtx);
    expect(kinds(objects)).toEqual(["Deployment/resnet-prod-blue", "Service/resnet-prod"]);
    expect(find<V1Deployment>(objects, "Deployment").spec?.replicas).toBe(1);
    expect(find<V1Service>(objects, "Service").spec?.selector?.["deploybot.io/slot"]).toBe("blue");
  });

  it("orders workload, Service, traffic policy, HPA, PDB", () => {
    const spec = buildSpec({
      loadBalancer: { enabled: true, algorithm: "least-connections" },
      scaling: { autoscalingEnabled: true, minReplicas: 2, maxReplicas: 6 },
    });
    const { objects } = renderDeploymentObjects(spec, { activeSlot: "green", replicas: 2 }, istioCtx);
    expect(kinds(objects)).toEqual([
      "Deployment/resnet-prod-green",
      "Service/resnet-prod",
      "DestinationRule/resnet-prod",
      "VirtualService/resnet-prod",
      "HorizontalPodAutoscaler/resnet-prod",
      "PodDisruptionBudget/resnet-prod",
    ]);
  });

  it("leaves replicas to the HPA, which targets the active slot", () => {
    const spec = buildSpec({ scaling: { autoscalingEnabled: true, minReplicas: 2, maxReplicas: 6 } });
    const { objects } = renderDeploymentObjects(spec, { activeSlot: "green", replicas: 4 }, serviceCtx);
    expect(find<V1Deployment>(objects, "Deployment").spec).not.toHaveProperty("replicas");
    expect(find<V2HorizontalPodAutoscaler>(objects, "HorizontalPodAutoscaler").spec?.scaleTargetRef.name).toBe("resnet-prod-green");
  });

  it("sends all traffic to the active slot behind Istio, with the Service spanning both slots", () => {
    const spec = buildSpec({ loadBalancer: { enabled: true } });
    const { objects } = renderDeploymentObjects(spec, { activeSlot: "green", replicas: 1 }, istioCtx);
    expect(find<V1Service>(objects, "Service").spec?.selector).toEqual({ "deploybot.io/deployment": "resnet-prod" });
    const routes = find<IstioVirtualService>(objects, "VirtualService").spec.http.flatMap((http) => http.route);
    expect(routes.map((route) => [route.destination.subset, route.weight])).toEqual([
      ["blue", 0],
      ["green", 100],
    ]);
  });

  it("renders both slots during an update, blue first whichever is active", () => {
    const spec = buildSpec({ loadBalancer: { enabled: true }, scaling: { autoscalingEnabled: true } });
    const state: DeploymentState = {
      activeSlot: "green",
      replicas: 3,
      slots: { blue: { modelVersion: "v3.0.0", replicas: 2 } },
      trafficWeights: { blue: 20, green: 80 },
    };
    const { objects } = renderDeploymentObjects(spec, state, istioCtx);
    const blue = find<V1Deployment>(objects, "Deployment", "resnet-prod-blue");
    const green = find<V1Deployment>(objects, "Deployment", "resnet-prod-green");
    expect(kinds(objects).slice(0, 2)).toEqual(["Deployment/resnet-prod-blue", "Deployment/resnet-prod-green"]);
    expect(blue.spec?.replicas).toBe(2);
    expect(blue.metadata?.annotations?.["deploybot.io/model-version"]).toBe("v3.0.0");
    expect(green.spec).not.toHaveProperty("replicas");
    expect(green.metadata?.annotations?.["deploybot.io/model-version"]).toBe("v2.1.0");
    const weights = find<IstioVirtualService>(objects, "VirtualService").spec.http.flatMap((http) => http.route.map((route) => route.weight));
    expect(weights).toEqual([20, 80]);
  });

  it("switches a plain Service's selector for blue-green", () => {
    const state: DeploymentState = {
      activeSlot: "blue",
      replicas: 2,
      slots: { green: { modelVersion: "v3.0.0", replicas: 2 } },
      serviceSelectorSlot: "green",
    };
    const { objects } = renderDeploymentObjects(buildSpec({ loadBalancer: { enabled: true } }), state, serviceCtx);
    expect(find<V1Service>(objects, "Service").spec?.selector?.["deploybot.io/slot"]).toBe("green");
  });

  it("selects both slots for a replica-ratio canary", () => {
    const state: DeploymentState = {
      activeSlot: "blue",
      replicas: 4,
      slots: { green: { modelVersion: "v3.0.0", replicas: 1 } },
      serviceSelectorSlot: null,
    };
    const { objects } = renderDeploymentObjects(buildSpec({ loadBalancer: { enabled: true } }), state, serviceCtx);
    expect(find<V1Service>(objects, "Service").spec?.selector).toEqual({ "deploybot.io/deployment": "resnet-prod" });
  });

  it("stops by scaling every slot to zero, without HPA or PDB", () => {
    const spec = buildSpec({ scaling: { autoscalingEnabled: true, minReplicas: 2, maxReplicas: 4 } });
    const state: DeploymentState = { activeSlot: "blue", replicas: 2, stopped: true, slots: { green: { modelVersion: "v3", replicas: 1 } } };
    const { objects } = renderDeploymentObjects(spec, state, serviceCtx);
    expect(kinds(objects)).toEqual(["Deployment/resnet-prod-blue", "Deployment/resnet-prod-green", "Service/resnet-prod"]);
    for (const object of objects.filter((candidate) => candidate.kind === "Deployment")) {
      expect((object as V1Deployment).spec?.replicas).toBe(0);
    }
  });

  describe("refuses what the cluster cannot do", () => {
    it("Least Connections on plain Services", () => {
      const spec = buildSpec({ loadBalancer: { enabled: true, algorithm: "least-connections" } });
      const error = renderError(() => renderDeploymentObjects(spec, { activeSlot: "blue", replicas: 1 }, serviceCtx));
      expect(error.errors.map((entry) => entry.path)).toEqual(["loadBalancer.algorithm"]);
      expect(error.message).toContain("Least Connections needs Istio");
    });

    it("an exact split without weighted routing", () => {
      const state: DeploymentState = {
        activeSlot: "blue",
        replicas: 1,
        slots: { green: { modelVersion: "v3", replicas: 1 } },
        trafficWeights: { blue: 90, green: 10 },
      };
      const balanced = buildSpec({ loadBalancer: { enabled: true } });
      expect(renderError(() => renderDeploymentObjects(balanced, state, serviceCtx)).errors[0]?.path).toBe("trafficWeights");
      expect(renderError(() => renderDeploymentObjects(buildSpec(), state, istioCtx)).errors[0]?.path).toBe("trafficWeights");
    });

    it("weights or a selector pointing at a slot with no Deployment", () => {
      const spec = buildSpec({ loadBalancer: { enabled: true } });
      const toMissing: DeploymentState = { activeSlot: "blue", replicas: 1, trafficWeights: { blue: 0, green: 100 } };
      expect(renderError(() => renderDeploymentObjects(spec, toMissing, istioCtx)).message).toContain("green slot");
      const selectMissing: DeploymentState = { activeSlot: "blue", replicas: 1, serviceSelectorSlot: "green" };
      expect(renderError(() => renderDeploymentObjects(spec, selectMissing, serviceCtx)).errors[0]?.path).toBe("serviceSelectorSlot");
    });

    it("weights that do not sum to 100", () => {
      const spec = buildSpec({ loadBalancer: { enabled: true } });
      const state: DeploymentState = {
        activeSlot: "blue",
        replicas: 1,
        slots: { green: { modelVersion: "v3", replicas: 1 } },
        trafficWeights: { blue: 90, green: 20 },
      };
      expect(() => renderDeploymentObjects(spec, state, istioCtx)).toThrow(RenderError);
    });
  });

  it("is deterministic: the same input renders deep-equal, independent output", () => {
    const spec = buildSpec({
      description: "deterministic",
      resources: { gpuCount: 2, gpuType: "nvidia-v100", networkBandwidthMbps: 100 },
      scaling: { autoscalingEnabled: true, minReplicas: 2, maxReplicas: 8, targetGpuUtilization: 70 },
      loadBalancer: { enabled: true, algorithm: "ip-hash", stickySessions: true },
      env: [
        { kind: "plain", name: "A", value: "1" },
        { kind: "secret", name: "B", secretName: "s", secretKey: "k" },
      ],
    });
    const state: DeploymentState = {
      activeSlot: "green",
      replicas: 2,
      slots: { blue: { modelVersion: "v9", replicas: 1 } },
      trafficWeights: { blue: 10, green: 90 },
    };
    const first = renderDeploymentObjects(spec, state, istioCtx);
    const second = renderDeploymentObjects(structuredClone(spec), structuredClone(state), { ...istioCtx });
    expect(second).toStrictEqual(first);
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    // Mutating one result (as an applier adding resourceVersion might) must not leak into the next.
    const firstLabels = (first.objects[0] as V1Deployment).metadata?.labels;
    if (firstLabels) firstLabels["x"] = "y";
    expect(renderDeploymentObjects(spec, state, istioCtx)).toStrictEqual(second);
  });
});
