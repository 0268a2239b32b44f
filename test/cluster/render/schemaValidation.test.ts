import type { KubernetesObject } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { GPU_TYPES, LOAD_BALANCING_ALGORITHMS } from "../../../src/domain/deploymentSpec.js";
import type { DeploymentSpec } from "../../../src/domain/deploymentSpec.js";
import { TRAFFIC_PROVIDER_IDS, trafficCapabilityErrors } from "../../../src/domain/trafficCapabilities.js";
import type { TrafficProviderId } from "../../../src/domain/trafficCapabilities.js";
import { identityLabels } from "../../../src/cluster/render/labels.js";
import { RenderError, defaultRenderContext } from "../../../src/cluster/render/renderContext.js";
import { renderDeploymentObjects } from "../../../src/cluster/render/renderDeploymentObjects.js";
import type { DeploymentState } from "../../../src/cluster/render/renderDeploymentObjects.js";
import { usesWeightedRouting } from "../../../src/cluster/render/trafficProvider.js";
import type { V1Deployment } from "@kubernetes/client-node";
import { restrictedProfileProblems } from "./podSecurity.js";
import { allLabelMaps, buildSpec, isSubset, labelProblems, unknownFields, validateWithOfficialSchema } from "./fixtures.js";

/** A spread of specs covering every branch of the renderers. */
function specMatrix(): { label: string; spec: DeploymentSpec }[] {
  const specs: { label: string; spec: DeploymentSpec }[] = [
    { label: "cpu only, defaults", spec: buildSpec() },
    { label: "decimal cpu and memory", spec: buildSpec({ resources: { cpuCores: 0.5, memoryGb: 0.25 } }) },
    { label: "fractional cpu and memory", spec: buildSpec({ resources: { cpuCores: 2.5, memoryGb: 1.5, storageGb: 200 } }) },
    { label: "bandwidth", spec: buildSpec({ resources: { networkBandwidthMbps: 1000 } }) },
    { label: "autoscaled cpu", spec: buildSpec({ scaling: { autoscalingEnabled: true, minReplicas: 2, maxReplicas: 10 } }) },
    {
      label: "env plain and secret",
      spec: buildSpec({
        description: "BERT sentiment API: serves /predict for the support bot.",
        env: [
          { kind: "plain", name: "LOG_LEVEL", value: "debug" },
          { kind: "plain", name: "EMPTY", value: "" },
          { kind: "secret", name: "HF_TOKEN", secretName: "hf-credentials", secretKey: "token" },
        ],
      }),
    },
    { label: "max-length name", spec: buildSpec({ name: `m${"x".repeat(38)}9` }) },
  ];
  for (const gpuType of GPU_TYPES) {
    specs.push(
      { label: `1 ${gpuType}, fixed replicas`, spec: buildSpec({ resources: { gpuCount: 1, gpuType } }) },
      {
        label: `4 ${gpuType}, autoscaled on GPU`,
        spec: buildSpec({
          resources: { gpuCount: 4, gpuType, cpuCores: 16, memoryGb: 64 },
          scaling: { autoscalingEnabled: true, minReplicas: 2, maxReplicas: 8, targetGpuUtilization: 75 },
        }),
      },
      {
        label: `8 ${gpuType}, autoscaled without GPU target`,
        spec: buildSpec({ resources: { gpuCount: 8, gpuType }, scaling: { autoscalingEnabled: true } }),
      },
    );
  }
  for (const algorithm of LOAD_BALANCING_ALGORITHMS) {
    for (const stickySessions of [false, true]) {
      specs.push({
        label: `LB ${algorithm}${stickySessions ? " sticky" : ""}`,
        spec: buildSpec({
          loadBalancer: { enabled: true, algorithm, stickySessions, healthCheckPath: "/v1/health", healthCheckIntervalSeconds: 3 },
          scaling: { minReplicas: 3, maxReplicas: 6 },
        }),
      });
    }
  }
  return specs;
}

function statesFor(spec: DeploymentSpec, provider: TrafficProviderId): { label: string; state: DeploymentState }[] {
  const states: { label: string; state: DeploymentState }[] = [
    { label: "blue active", state: { activeSlot: "blue", replicas: 2 } },
    { label: "green active", state: { activeSlot: "green", replicas: 1 } },
    { label: "stopped", state: { activeSlot: "blue", replicas: 2, stopped: true } },
    {
      label: "both slots, service on green",
      state: { activeSlot: "blue", replicas: 2, slots: { green: { modelVersion: "v3.0.0+build.7", replicas: 1 } }, serviceSelectorSlot: "green" },
    },
  ];
  if (usesWeightedRouting(spec, defaultRenderContext("ml", { trafficProvider: provider }))) {
    states.push({
      label: "canary 90/10",
      state: {
        activeSlot: "blue",
        replicas: 2,
        slots: { green: { modelVersion: "v3.0.0", replicas: 1 } },
        trafficWeights: { blue: 90, green: 10 },
      },
    });
  }
  return states;
}

describe("every rendered object matches the official schemas", () => {
  for (const provider of TRAFFIC_PROVIDER_IDS) {
    const ctx = defaultRenderContext("ml-serving", { trafficProvider: provider });
    for (const { label, spec } of specMatrix()) {
      const impossible = trafficCapabilityErrors(spec, provider).length > 0;
      if (impossible) {
        it(`${provider} / ${label}: refused with a RenderError`, () => {
          expect(() => renderDeploymentObjects(spec, { activeSlot: "blue", replicas: 1 }, ctx)).toThrow(RenderError);
        });
        continue;
      }
      for (const { label: stateLabel, state } of statesFor(spec, provider)) {
        it(`${provider} / ${label} / ${stateLabel}`, () => {
          const { objects } = renderDeploymentObjects(spec, state, ctx);
          expect(objects.length).toBeGreaterThanOrEqual(2);
          for (const object of objects) checkObject(object, spec, ctx.namespace);
        });
      }
    }
  }
});

function checkObject(object: KubernetesObject, spec: DeploymentSpec, namespace: string): void {
  const where = `${object.kind}/${object.metadata?.name}`;
  expect(() => validateWithOfficialSchema(object), where).not.toThrow();
  expect(unknownFields(object), where).toEqual([]);
  for (const labels of allLabelMaps(object)) expect(labelProblems(labels), where).toEqual([]);
  expect(isSubset(identityLabels(spec.name), object.metadata?.labels), where).toBe(true);
  expect(object.metadata?.namespace, where).toBe(namespace);
  expect(object.metadata?.name ?? "", where).toMatch(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/);
  // Environment namespaces enforce the restricted Pod Security Standard (manifests/kubernetes).
  if (object.kind === "Deployment") expect(restrictedProfileProblems((object as V1Deployment).spec?.template.spec), where).toEqual([]);
}

describe("the schema check itself", () => {
  it("catches an invalid object", () => {
    const { objects } = renderDeploymentObjects(buildSpec(), { activeSlot: "blue", replicas: 1 }, defaultRenderContext("ml"));
    const broken = structuredClone(objects[0]) as KubernetesObject & { spec: { replicas: unknown } };
    broken.spec.replicas = "two";
    expect(() => validateWithOfficialSchema(broken)).toThrow(/replicas/);
  });

  it("catches a pod the restricted Pod Security Standard would refuse", () => {
    const { objects } = renderDeploymentObjects(buildSpec(), { activeSlot: "blue", replicas: 1 }, defaultRenderContext("ml"));
    const deployment = structuredClone(objects.find((o) => o.kind === "Deployment")) as V1Deployment;
    const pod = deployment.spec?.template.spec;
    const container = pod?.containers[0];
    if (pod === undefined || container === undefined) throw new Error("no pod");
    delete pod.automountServiceAccountToken;
    container.securityContext = { ...container.securityContext, allowPrivilegeEscalation: true, capabilities: { add: ["SYS_ADMIN"] } };
    pod.volumes = [...(pod.volumes ?? []), { name: "host", hostPath: { path: "/" } }];
    expect(restrictedProfileProblems(pod)).toEqual([
      "service-account token mounted",
      "volume host: hostPath",
      "container model-server: allowPrivilegeEscalation not false",
      "container model-server: capabilities not dropped",
      "container model-server: adds SYS_ADMIN",
    ]);
  });

  it("catches a misspelt field the schemas let through", () => {
    const { objects } = renderDeploymentObjects(buildSpec(), { activeSlot: "blue", replicas: 1 }, defaultRenderContext("ml"));
    const misspelt = { ...structuredClone(objects[0]), spec: { replica: 2 } } as KubernetesObject;
    expect(unknownFields(misspelt)).toEqual(["Deployment.spec.replica"]);
  });
});
