import { describe, expect, it } from "vitest";
import {
  describeObjectChange,
  diffObjects,
  MASKED_VALUE,
  summarizeChanges,
  summarizeObjectChange,
  type ObjectChange,
} from "../../src/cluster/objectDiff.js";

interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string; valueFrom?: unknown }[];
}

function deployment(options: { replicas?: number; containers?: Container[]; metadata?: Record<string, unknown>; status?: unknown } = {}) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "resnet-prod-blue",
      namespace: "ml-dev",
      labels: { "deploybot.io/deployment": "resnet-prod" },
      ...options.metadata,
    },
    spec: {
      replicas: options.replicas ?? 2,
      template: {
        spec: { containers: options.containers ?? [{ name: "model-server", image: "model-server:1.0", env: [{ name: "LOG_LEVEL", value: "info" }] }] },
      },
    },
    ...(options.status === undefined ? {} : { status: options.status }),
  };
}

const SECRET = "s3cr3t-token-value";

describe("diffObjects", () => {
  it("reports a scale as spec.replicas only, ignoring what the server maintains", () => {
    const live = deployment({
      replicas: 2,
      metadata: {
        resourceVersion: "41",
        generation: 3,
        uid: "u-1",
        creationTimestamp: "2026-01-01T00:00:00Z",
        managedFields: [{ manager: "deploybot" }],
        annotations: { "deployment.kubernetes.io/revision": "3" },
      },
      status: { readyReplicas: 2 },
    });
    const after = deployment({
      replicas: 5,
      metadata: {
        resourceVersion: "41",
        generation: 4,
        uid: "u-1",
        creationTimestamp: "2026-01-01T00:00:00Z",
        managedFields: [{ manager: "deploybot", time: "later" }],
        annotations: { "deployment.kubernetes.io/revision": "4" },
      },
      status: { readyReplicas: 0 },
    });
    expect(diffObjects(live, after)).toEqual([{ path: "spec.replicas", before: 2, after: 5 }]);
  });

  it("still reports annotations the configuration sets", () => {
    const live = deployment({ metadata: { annotations: { "deploybot.io/description": "old" } } });
    const after = deployment({ metadata: { annotations: { "deploybot.io/description": "new" } } });
    expect(diffObjects(live, after)).toEqual([{ path: "metadata.annotations.deploybot.io/description", before: "old", after: "new" }]);
  });

  it("addresses containers and env vars by name, whatever their order", () => {
    const live = deployment({
      containers: [
        { name: "sidecar", image: "proxy:1" },
        { name: "model-server", image: "model-server:1.0" },
      ],
    });
    const after = deployment({
      containers: [
        { name: "model-server", image: "model-server:2.0" },
        { name: "sidecar", image: "proxy:1" },
      ],
    });
    expect(diffObjects(live, after)).toEqual([
      { path: "spec.template.spec.containers[model-server].image", before: "model-server:1.0", after: "model-server:2.0" },
    ]);
  });

  it("reports added and removed containers as whole items", () => {
    const live = deployment({ containers: [{ name: "model-server", image: "a:1" }] });
    const after = deployment({ containers: [{ name: "model-server", image: "a:1" }, { name: "exporter", image: "dcgm:3" }] });
    expect(diffObjects(live, after)).toEqual([
      { path: "spec.template.spec.containers[exporter]", before: undefined, after: { name: "exporter", image: "dcgm:3" } },
    ]);
    expect(diffObjects(after, live)[0]).toMatchObject({ path: "spec.template.spec.containers[exporter]", after: undefined });
  });

  it("never shows an environment variable's value, only that it changed", () => {
    const live = deployment({ containers: [{ name: "model-server", image: "a:1", env: [{ name: "API_TOKEN", value: "old-value" }] }] });
    const after = deployment({ containers: [{ name: "model-server", image: "a:1", env: [{ name: "API_TOKEN", value: SECRET }] }] });
    const fields = diffObjects(live, after);
    expect(fields).toEqual([
      { path: "spec.template.spec.containers[model-server].env[API_TOKEN].value", before: MASKED_VALUE, after: MASKED_VALUE },
    ]);
  });

  it("masks values inside env entries and containers that appear or disappear", () => {
    const live = deployment({ containers: [{ name: "model-server", image: "a:1", env: [{ name: "OLD", value: "old-secret" }] }] });
    const after = deployment({
      containers: [
        { name: "model-server", image: "a:1", env: [{ name: "NEW", value: SECRET }] },
        { name: "sidecar", image: "b:1", env: [{ name: "SIDE", value: SECRET }] },
      ],
    });
    const fields = diffObjects(live, after);
    const text = JSON.stringify(fields) + summarizeObjectChange(describeObjectChange(live, after), 10);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain("old-secret");
    expect(fields.map((f) => f.path)).toEqual([
      "spec.template.spec.containers[model-server].env[NEW]",
      "spec.template.spec.containers[model-server].env[OLD]",
      "spec.template.spec.containers[sidecar]",
    ]);
    expect(fields[0]?.after).toEqual({ name: "NEW", value: MASKED_VALUE });
  });

  it("shows a switch from a plain value to a secret reference without the old value", () => {
    const live = deployment({ containers: [{ name: "model-server", image: "a:1", env: [{ name: "API_TOKEN", value: SECRET }] }] });
    const after = deployment({
      containers: [{ name: "model-server", image: "a:1", env: [{ name: "API_TOKEN", valueFrom: { secretKeyRef: { name: "api", key: "token" } } }] }],
    });
    const summary = summarizeObjectChange(describeObjectChange(live, after), 10);
    expect(summary).not.toContain(SECRET);
    expect(summary).toContain("env[API_TOKEN].value (hidden) → (none)");
    expect(summary).toContain("env[API_TOKEN].valueFrom (none) → {\"secretKeyRef\":{\"name\":\"api\",\"key\":\"token\"}}");
  });

  it("compares unnamed lists by position and scalar lists as a whole", () => {
    const live = { kind: "Service", metadata: { name: "s" }, spec: { clusterIPs: ["10.96.0.1"], ports: [{ port: 80 }, { port: 81 }] } };
    const after = { kind: "Service", metadata: { name: "s" }, spec: { clusterIPs: ["None"], ports: [{ port: 80 }, { port: 82 }] } };
    expect(diffObjects(live, after)).toEqual([
      { path: "spec.clusterIPs", before: ["10.96.0.1"], after: ["None"] },
      { path: "spec.ports[1].port", before: 81, after: 82 },
    ]);
  });
});

describe("describeObjectChange", () => {
  it("tells created, deleted, unchanged and updated apart", () => {
    const live = deployment({ replicas: 2, metadata: { resourceVersion: "1" } });
    expect(describeObjectChange(null, live)).toEqual({ kind: "Deployment", name: "resnet-prod-blue", action: "created", fields: [] });
    expect(describeObjectChange(live, null)).toMatchObject({ action: "deleted", fields: [] });
    expect(describeObjectChange(live, deployment({ replicas: 2, metadata: { resourceVersion: "9" } }))).toMatchObject({ action: "unchanged" });
    expect(describeObjectChange(live, deployment({ replicas: 5 }))).toMatchObject({ action: "updated" });
    expect(describeObjectChange(live, deployment({ replicas: 2 }), { replaced: true })).toMatchObject({ action: "replaced" });
  });
});

describe("summaries", () => {
  const scale: ObjectChange = describeObjectChange(deployment({ replicas: 2 }), deployment({ replicas: 5 }));

  it("reads as one line per object", () => {
    const service = { kind: "Service", metadata: { name: "resnet-prod" } };
    const hpa = { kind: "HorizontalPodAutoscaler", metadata: { name: "resnet-prod" } };
    const pdb = { kind: "PodDisruptionBudget", metadata: { name: "resnet-prod" } };
    const text = summarizeChanges([
      scale,
      describeObjectChange(null, service),
      describeObjectChange(hpa, null),
      describeObjectChange(pdb, pdb),
    ]);
    expect(text).toBe(
      [
        "Deployment resnet-prod-blue: spec.replicas 2 → 5",
        "Service resnet-prod: created",
        "HorizontalPodAutoscaler resnet-prod: deleted",
        "PodDisruptionBudget resnet-prod: unchanged",
      ].join("\n"),
    );
  });

  it("says when a field was absent, and replaced objects", () => {
    const live = { kind: "Service", metadata: { name: "resnet-prod" }, spec: { clusterIP: "None" } };
    const after = { kind: "Service", metadata: { name: "resnet-prod" }, spec: {} };
    expect(summarizeObjectChange(describeObjectChange(live, after, { replaced: true }))).toBe(
      "Service resnet-prod: replaced (deleted and created again): spec.clusterIP None → (none)",
    );
  });

  it("lists at most maxFields fields and counts the rest", () => {
    const labels = (n: number, value: string) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`l${i}`, value]));
    const change = describeObjectChange(deployment({ metadata: { labels: labels(8, "a") } }), deployment({ metadata: { labels: labels(8, "b") } }));
    expect(change.fields).toHaveLength(8);
    const text = summarizeObjectChange(change, 3);
    expect(text).toBe("Deployment resnet-prod-blue: metadata.labels.l0 a → b; metadata.labels.l1 a → b; metadata.labels.l2 a → b; …and 5 more fields");
    expect(summarizeObjectChange(change, 7)).toMatch(/…and 1 more field$/);
  });

  it("cuts long values", () => {
    const change = describeObjectChange(deployment({ metadata: { annotations: { note: "x" } } }), deployment({ metadata: { annotations: { note: "y".repeat(500) } } }));
    const text = summarizeObjectChange(change);
    expect(text.length).toBeLessThan(150);
    expect(text.endsWith("…")).toBe(true);
  });

  it("fits Slack's 3000 characters, first by cutting fields, then objects", () => {
    const labels = (n: number, value: string) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`label-${i}`, value.repeat(60)]));
    const wide = Array.from({ length: 12 }, () =>
      describeObjectChange(deployment({ metadata: { labels: labels(10, "a") } }), deployment({ metadata: { labels: labels(10, "b") } })),
    );
    const text = summarizeChanges(wide);
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text.split("\n")).toHaveLength(12);
    expect(text).toContain("more fields");

    const many = Array.from({ length: 200 }, (_, i) => describeObjectChange(null, { kind: "ConfigMap", metadata: { name: `config-${i}` } }));
    const cut = summarizeChanges(many);
    expect(cut.length).toBeLessThanOrEqual(3000);
    expect(cut).toMatch(/\n…and \d+ more objects$/);
  });
});
