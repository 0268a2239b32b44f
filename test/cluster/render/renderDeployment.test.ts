import type { V1Container, V1Deployment } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { GPU_TYPES } from "../../../src/domain/deploymentSpec.js";
import { slotLabels } from "../../../src/cluster/render/labels.js";
import { DEFAULT_GPU_NODE_LABEL_VALUES, RenderError, defaultRenderContext } from "../../../src/cluster/render/renderContext.js";
import {
  MODEL_CACHE_PATH,
  MODEL_LOAD_TIMEOUT_SECONDS,
  cpuQuantity,
  gibQuantity,
  renderDeployment,
} from "../../../src/cluster/render/renderDeployment.js";
import { buildSpec, isSubset } from "./fixtures.js";

const ctx = defaultRenderContext("ml-serving");

function container(deployment: V1Deployment): V1Container {
  const first = deployment.spec?.template.spec?.containers[0];
  if (first === undefined) throw new Error("no container");
  return first;
}

describe("renderDeployment", () => {
  it("names the Deployment after the slot and selects only that slot's pods", () => {
    const deployment = renderDeployment(buildSpec(), ctx, { slot: "green", replicas: 2 });
    expect(deployment.metadata?.name).toBe("resnet-prod-green");
    expect(deployment.spec?.selector.matchLabels).toEqual(slotLabels("resnet-prod", "green"));
    expect(isSubset(slotLabels("resnet-prod", "green"), deployment.spec?.template.metadata?.labels)).toBe(true);
    expect(deployment.metadata?.labels?.["deploybot.io/slot"]).toBe("green");
  });

  it("runs the model server restricted: numeric non-root user, no token, read-only root with writable scratch and cache", () => {
    const deployment = renderDeployment(buildSpec(), defaultRenderContext("ml", { modelServerUserId: 4242 }), { slot: "blue", replicas: 1 });
    const pod = deployment.spec?.template.spec;
    expect(pod?.automountServiceAccountToken).toBe(false);
    expect(pod?.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 4242, runAsGroup: 4242, fsGroup: 4242, seccompProfile: { type: "RuntimeDefault" } });
    expect(container(deployment).securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
    expect(container(deployment).volumeMounts).toEqual([
      { name: "tmp", mountPath: "/tmp" },
      { name: "model-cache", mountPath: MODEL_CACHE_PATH },
    ]);
    expect(pod?.volumes).toEqual([
      { name: "tmp", emptyDir: {} },
      { name: "model-cache", emptyDir: {} },
    ]);
    expect(ctx.modelServerUserId).toBe(1000);
  });

  it("sets replicas when given and omits the field entirely when an HPA owns it", () => {
    expect(renderDeployment(buildSpec(), ctx, { slot: "blue", replicas: 3 }).spec?.replicas).toBe(3);
    expect(renderDeployment(buildSpec(), ctx, { slot: "blue", replicas: 0 }).spec?.replicas).toBe(0);
    const autoscaled = renderDeployment(buildSpec(), ctx, { slot: "blue", replicas: undefined });
    expect(Object.keys(autoscaled.spec ?? {})).not.toContain("replicas");
  });

  it("runs the model server with the slot's version, defaulting to the spec's", () => {
    const spec = buildSpec({ modelId: "org/bert-base", modelVersion: "v1" });
    const current = container(renderDeployment(spec, ctx, { slot: "blue", replicas: 1 }));
    expect(current.name).toBe("model-server");
    expect(current.image).toBe("ghcr.io/example/model-server:1.0");
    expect(current.args).toEqual(["--model-id=org/bert-base", "--model-version=v1", "--port=8080"]);
    const next = renderDeployment(spec, ctx, { slot: "green", modelVersion: "v2+rc.1", replicas: 1 });
    expect(container(next).args).toContain("--model-version=v2+rc.1");
    expect(next.spec?.template.metadata?.annotations?.["deploybot.io/model-version"]).toBe("v2+rc.1");
    expect(next.metadata?.annotations?.["deploybot.io/model-version"]).toBe("v2+rc.1");
    expect(next.metadata?.annotations?.["deploybot.io/model-id"]).toBe("org/bert-base");
  });

  it("keeps the model id and description out of labels", () => {
    const spec = buildSpec({ modelId: "org/bert-base", description: "Sentiment for support tickets" });
    const deployment = renderDeployment(spec, ctx, { slot: "blue", replicas: 1 });
    const labelValues = Object.values(deployment.metadata?.labels ?? {});
    expect(labelValues).not.toContain("org/bert-base");
    expect(deployment.metadata?.annotations?.["deploybot.io/description"]).toBe("Sentiment for support tickets");
    // Editing the description must not restart pods.
    expect(deployment.spec?.template.metadata?.annotations?.["deploybot.io/description"]).toBeUndefined();
    const undescribed = renderDeployment(buildSpec(), ctx, { slot: "blue", replicas: 1 });
    expect(undescribed.metadata?.annotations).not.toHaveProperty("deploybot.io/description");
  });

  it("uses the configured container port in args, port and probes", () => {
    const custom = defaultRenderContext("ml", { containerPort: 9000, modelServerImage: "registry.local/ms:2" });
    const deployment = renderDeployment(buildSpec(), custom, { slot: "blue", replicas: 1 });
    expect(container(deployment).ports).toEqual([{ name: "http", containerPort: 9000, protocol: "TCP" }]);
    expect(container(deployment).args).toContain("--port=9000");
    expect(container(deployment).image).toBe("registry.local/ms:2");
    expect(container(deployment).readinessProbe?.httpGet?.port).toBe("http");
  });

  describe("environment", () => {
    it("puts MODEL_ID and MODEL_VERSION first, plain values inline and secrets by reference", () => {
      const spec = buildSpec({
        env: [
          { kind: "plain", name: "LOG_LEVEL", value: "info" },
          { kind: "secret", name: "HF_TOKEN", secretName: "hf", secretKey: "token" },
        ],
      });
      expect(container(renderDeployment(spec, ctx, { slot: "blue", replicas: 1 })).env).toEqual([
        { name: "MODEL_ID", value: "acme/resnet-50" },
        { name: "MODEL_VERSION", value: "v2.1.0" },
        { name: "LOG_LEVEL", value: "info" },
        { name: "HF_TOKEN", valueFrom: { secretKeyRef: { name: "hf", key: "token" } } },
      ]);
    });

    it("refuses a variable that would shadow one the bot sets, even in a spec stored before the schema refused it", () => {
      const spec = { ...buildSpec(), env: [{ kind: "plain" as const, name: "MODEL_VERSION", value: "latest" }] };
      try {
        renderDeployment(spec, ctx, { slot: "blue", replicas: 1 });
        expect.unreachable();
      } catch (error) {
        expect(error).toBeInstanceOf(RenderError);
        expect((error as RenderError).errors).toEqual([{ path: "env.0.name", message: expect.stringContaining("MODEL_VERSION") }]);
      }
    });
  });

  describe("resources", () => {
    it.each([
      [4, "4"],
      [0.5, "500m"],
      [0.1, "100m"],
      [2.25, "2250m"],
      [96, "96"],
    ])("cpu %s cores → %s", (cores, quantity) => {
      expect(cpuQuantity(cores)).toBe(quantity);
    });

    it.each([
      [16, "16Gi"],
      [0.25, "256Mi"],
      [1.5, "1536Mi"],
      [1024, "1024Gi"],
    ])("memory %s GB (GiB) → %s", (gib, quantity) => {
      expect(gibQuantity(gib)).toBe(quantity);
    });

    it("requests equal limits, with ephemeral storage from the storage field", () => {
      const spec = buildSpec({ resources: { cpuCores: 0.5, memoryGb: 1.5, storageGb: 200 } });
      const { resources } = container(renderDeployment(spec, ctx, { slot: "blue", replicas: 1 }));
      expect(resources?.requests).toEqual({ cpu: "500m", memory: "1536Mi", "ephemeral-storage": "200Gi" });
      expect(resources?.limits).toEqual(resources?.requests);
    });

    it("defaults storage to 20Gi", () => {
      const { resources } = container(renderDeployment(buildSpec(), ctx, { slot: "blue", replicas: 1 }));
      expect(resources?.limits?.["ephemeral-storage"]).toBe("20Gi");
    });
  });

  describe("GPUs", () => {
    it("asks for nothing GPU-related without GPUs", () => {
      const deployment = renderDeployment(buildSpec(), ctx, { slot: "blue", replicas: 1 });
      expect(container(deployment).resources?.limits).not.toHaveProperty("nvidia.com/gpu");
      expect(deployment.spec?.template.spec?.tolerations).toBeUndefined();
      expect(deployment.spec?.template.spec?.affinity).toBeUndefined();
      expect(deployment.spec?.strategy?.rollingUpdate).toEqual({ maxSurge: "25%", maxUnavailable: 0 });
    });

    for (const gpuType of GPU_TYPES) {
      it(`${gpuType}: equal GPU request and limit, toleration, and node affinity on the type's products`, () => {
        const spec = buildSpec({ resources: { gpuCount: 2, gpuType } });
        const deployment = renderDeployment(spec, ctx, { slot: "blue", replicas: 1 });
        const { resources } = container(deployment);
        expect(resources?.limits?.["nvidia.com/gpu"]).toBe("2");
        expect(resources?.requests?.["nvidia.com/gpu"]).toBe("2");
        expect(resources?.requests).toEqual(resources?.limits);
        const podSpec = deployment.spec?.template.spec;
        expect(podSpec?.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
        expect(podSpec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual([
          { matchExpressions: [{ key: "nvidia.com/gpu.product", operator: "In", values: [...DEFAULT_GPU_NODE_LABEL_VALUES[gpuType]] }] },
        ]);
      });
    }

    it("follows the cluster's GPU node label (e.g. GKE)", () => {
      const gke = defaultRenderContext("ml", {
        gpuNodeLabelKey: "cloud.google.com/gke-accelerator",
        gpuNodeLabelValues: { "nvidia-t4": ["nvidia-tesla-t4"], "nvidia-v100": ["nvidia-tesla-v100"], "nvidia-a100": ["nvidia-tesla-a100", "nvidia-a100-80gb"] },
      });
      const spec = buildSpec({ resources: { gpuCount: 1, gpuType: "nvidia-a100" } });
      const terms = renderDeployment(spec, gke, { slot: "blue", replicas: 1 }).spec?.template.spec?.affinity?.nodeAffinity
        ?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
      expect(terms).toEqual([
        { matchExpressions: [{ key: "cloud.google.com/gke-accelerator", operator: "In", values: ["nvidia-tesla-a100", "nvidia-a100-80gb"] }] },
      ]);
    });

    it("refuses a GPU type the cluster has no node label values for", () => {
      const none = defaultRenderContext("ml", {
        gpuNodeLabelValues: { ...DEFAULT_GPU_NODE_LABEL_VALUES, "nvidia-v100": [] },
      });
      const spec = buildSpec({ resources: { gpuCount: 1, gpuType: "nvidia-v100" } });
      expect(() => renderDeployment(spec, none, { slot: "blue", replicas: 1 })).toThrow(RenderError);
    });

    it("frees a GPU before starting a replacement, since spare GPUs are rare", () => {
      const spec = buildSpec({ resources: { gpuCount: 1, gpuType: "nvidia-t4" } });
      expect(renderDeployment(spec, ctx, { slot: "blue", replicas: 2 }).spec?.strategy).toEqual({
        type: "RollingUpdate",
        rollingUpdate: { maxSurge: 0, maxUnavailable: 1 },
      });
    });

    it("does not share the context's GPU value arrays with the output", () => {
      const spec = buildSpec({ resources: { gpuCount: 1, gpuType: "nvidia-t4" } });
      const deployment = renderDeployment(spec, ctx, { slot: "blue", replicas: 1 });
      deployment.spec?.template.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]
        ?.matchExpressions?.[0]?.values?.push("tampered");
      expect(DEFAULT_GPU_NODE_LABEL_VALUES["nvidia-t4"]).toEqual(["Tesla-T4", "NVIDIA-T4"]);
    });
  });

  describe("network bandwidth", () => {
    it("annotates the pod template when set", () => {
      const spec = buildSpec({ resources: { networkBandwidthMbps: 1000 } });
      const annotations = renderDeployment(spec, ctx, { slot: "blue", replicas: 1 }).spec?.template.metadata?.annotations;
      expect(annotations?.["kubernetes.io/ingress-bandwidth"]).toBe("1000M");
      expect(annotations?.["kubernetes.io/egress-bandwidth"]).toBe("1000M");
    });

    it("leaves the annotations out when unset", () => {
      const annotations = renderDeployment(buildSpec(), ctx, { slot: "blue", replicas: 1 }).spec?.template.metadata?.annotations;
      expect(Object.keys(annotations ?? {}).filter((key) => key.includes("bandwidth"))).toEqual([]);
    });
  });

  describe("probes", () => {
    const spec = buildSpec({ loadBalancer: { healthCheckPath: "/v2/ready", healthCheckIntervalSeconds: 15 } });
    const probes = container(renderDeployment(spec, ctx, { slot: "blue", replicas: 1 }));

    it("check the health path on the http port at the chosen interval", () => {
      for (const probe of [probes.readinessProbe, probes.livenessProbe, probes.startupProbe]) {
        expect(probe?.httpGet).toEqual({ path: "/v2/ready", port: "http", scheme: "HTTP" });
        expect(probe?.timeoutSeconds ?? 0).toBeLessThanOrEqual(probe?.periodSeconds ?? 0);
      }
      expect(probes.readinessProbe?.periodSeconds).toBe(15);
      expect(probes.livenessProbe?.periodSeconds).toBe(15);
      expect(probes.livenessProbe?.failureThreshold).toBe(3);
    });

    it("give a slow model about ten minutes to load before liveness can restart it", () => {
      const startup = probes.startupProbe;
      expect(startup?.periodSeconds).toBe(10);
      expect((startup?.periodSeconds ?? 0) * (startup?.failureThreshold ?? 0)).toBeGreaterThanOrEqual(MODEL_LOAD_TIMEOUT_SECONDS);
    });

    it("never let a probe time out after its next one is due", () => {
      const fast = buildSpec({ loadBalancer: { healthCheckIntervalSeconds: 2 } });
      const readiness = container(renderDeployment(fast, ctx, { slot: "blue", replicas: 1 })).readinessProbe;
      expect(readiness?.timeoutSeconds).toBe(2);
    });
  });

  it("takes the surge bounds it is given", () => {
    const deployment = renderDeployment(buildSpec(), ctx, { slot: "blue", replicas: 2, rolling: { maxSurge: 2, maxUnavailable: "10%" } });
    expect(deployment.spec?.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: 2, maxUnavailable: "10%" } });
  });

  it("rolls out with zero unavailable pods, a progress deadline and bounded history", () => {
    const deployment = renderDeployment(buildSpec(), defaultRenderContext("ml", { progressDeadlineSeconds: 900 }), {
      slot: "blue",
      replicas: 2,
    });
    // The domain's zero-downtime default (rollingParameters), the same one a rolling model update starts from.
    expect(deployment.spec?.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: "25%", maxUnavailable: 0 } });
    expect(deployment.spec?.progressDeadlineSeconds).toBe(900);
    expect(deployment.spec?.revisionHistoryLimit).toBe(5);
    expect(deployment.spec?.template.spec?.terminationGracePeriodSeconds).toBe(30);
  });
});
