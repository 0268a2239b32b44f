import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { DeploymentPods } from "../../src/cluster/deploymentPods.js";
import { FakeKubeApiServer, type KubeObject } from "../harness/fakeKubeApiServer.js";

const NAMESPACE = "ml-staging";
const REF = { namespace: NAMESPACE, name: "resnet-prod" };
const IMAGE = "ghcr.io/deploybot/model-server:1.0";

let server: FakeKubeApiServer;
let pods: DeploymentPods;

beforeAll(async () => {
  server = await FakeKubeApiServer.start({ namespaces: [NAMESPACE] });
  pods = new DeploymentPods(server.kubeConfig(), { requestTimeoutMs: 5_000 });
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  for (const kind of ["Pod", "Event", "Secret"]) for (const o of server.list(kind, NAMESPACE)) server.remove(kind, NAMESPACE, o.metadata.name);
});

interface PodFixture {
  name?: string;
  ready?: boolean;
  containerStatus?: Record<string, unknown>;
  conditions?: Record<string, unknown>[];
  containers?: string[];
}

function putPod({ name = "resnet-prod-blue-5d9c7b-x2x4z", ready = false, containerStatus = {}, conditions, containers = ["model-server"] }: PodFixture = {}): KubeObject {
  return server.put({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: NAMESPACE, uid: `uid-${name}`, labels: { "deploybot.io/deployment": "resnet-prod", "deploybot.io/slot": "blue" } },
    spec: { containers: containers.map((c) => ({ name: c, image: IMAGE, resources: { limits: { memory: "16Gi", cpu: "4" } } })) },
    status: {
      phase: ready ? "Running" : "Pending",
      conditions: conditions ?? [{ type: "Ready", status: ready ? "True" : "False" }],
      containerStatuses: containers.map((c) => ({ name: c, image: IMAGE, imageID: "", ready, restartCount: 0, ...containerStatus })),
    },
  });
}

let eventCounter = 0;
function putEvent(pod: string, reason: string, message: string, type = "Warning"): void {
  eventCounter += 1;
  server.put({
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: `${pod}.${eventCounter}`, namespace: NAMESPACE },
    involvedObject: { kind: "Pod", name: pod, namespace: NAMESPACE, uid: `uid-${pod}` },
    reason,
    message,
    type,
    lastTimestamp: new Date(Date.now() + eventCounter).toISOString(),
  });
}

describe("diagnosing why a deployment's pods do not run, through the Kubernetes API", () => {
  it("CrashLoopBackOff: names the container, exit code and the crashed run's last log lines, redacted", async () => {
    const pod = putPod({
      containerStatus: {
        restartCount: 5,
        state: { waiting: { reason: "CrashLoopBackOff", message: "back-off 2m40s restarting failed container" } },
        lastState: { terminated: { reason: "Error", exitCode: 1, startedAt: "2026-11-20T10:00:00Z", finishedAt: "2026-11-20T10:00:05Z" } },
      },
    });
    server.setPodLogs(NAMESPACE, pod.metadata.name, "model-server", ["loading model resnet-50", "using HF token hf_abcdefghijklmnopqrstuvwx", "KeyError: 'weights'"], { previous: true });
    const diagnosis = await pods.diagnose(REF);
    expect(diagnosis?.cause).toMatchObject({ kind: "crash-loop", container: "model-server", exitCode: 1, restarts: 5 });
    expect(diagnosis?.summary).toBe(
      "Container model-server of pod resnet-prod-blue-5d9c7b-x2x4z keeps crashing (CrashLoopBackOff, exit code 1; 5 restarts). Last log lines:\n" +
        "loading model resnet-50\nusing HF token [REDACTED]\nKeyError: 'weights'",
    );
    expect(diagnosis?.nextStep).toMatch(/--previous/);
  });

  it("ImagePullBackOff: names the image", async () => {
    putPod({ containerStatus: { state: { waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${IMAGE}"` } } } });
    const diagnosis = await pods.diagnose(REF);
    expect(diagnosis?.cause).toMatchObject({ kind: "image-pull", image: IMAGE, reason: "ImagePullBackOff" });
    expect(diagnosis?.summary).toContain(`cannot pull image ${IMAGE} (ImagePullBackOff`);
    expect(diagnosis?.nextStep).toMatch(/registry/);
  });

  it("OOMKilled: names the memory limit", async () => {
    putPod({
      containerStatus: {
        restartCount: 2,
        state: { waiting: { reason: "CrashLoopBackOff" } },
        lastState: { terminated: { reason: "OOMKilled", exitCode: 137 } },
      },
    });
    const diagnosis = await pods.diagnose(REF);
    expect(diagnosis?.cause).toMatchObject({ kind: "oom-killed", memoryLimit: "16Gi", restarts: 2 });
    expect(diagnosis?.summary).toContain("(OOMKilled, limit 16Gi; 2 restarts)");
    expect(diagnosis?.nextStep).toMatch(/Raise Memory/);
  });

  it("FailedScheduling: quotes the scheduler's reason and advises on GPUs", async () => {
    const pod = putPod({
      conditions: [
        { type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/12 nodes are available: 12 Insufficient nvidia.com/gpu." },
        { type: "Ready", status: "False" },
      ],
      containerStatus: { state: { waiting: { reason: "ContainerCreating" } } },
    });
    putEvent(pod.metadata.name, "FailedScheduling", "0/12 nodes are available: 12 Insufficient nvidia.com/gpu. preemption: 0/12 nodes are available.");
    putEvent("some-other-pod", "FailedScheduling", "not ours");
    const diagnosis = await pods.diagnose(REF);
    expect(diagnosis?.cause.kind).toBe("unschedulable");
    expect(diagnosis?.summary).toBe(
      "Kubernetes cannot place pod resnet-prod-blue-5d9c7b-x2x4z: 0/12 nodes are available: 12 Insufficient nvidia.com/gpu. preemption: 0/12 nodes are available.",
    );
    expect(diagnosis?.nextStep).toMatch(/enough free GPUs/);
    const eventQueries = server.requests.filter((r) => r.path === `/api/v1/namespaces/${NAMESPACE}/events`).map((r) => r.query.fieldSelector);
    expect(eventQueries.at(-1)).toBe("involvedObject.kind=Pod,involvedObject.name=resnet-prod-blue-5d9c7b-x2x4z");
  });

  it("CreateContainerConfigError: names the missing Secret", async () => {
    putPod({ containerStatus: { state: { waiting: { reason: "CreateContainerConfigError", message: 'secret "db-credentials" not found' } } } });
    const diagnosis = await pods.diagnose(REF);
    expect(diagnosis?.summary).toBe('Container model-server of pod resnet-prod-blue-5d9c7b-x2x4z cannot be created: secret "db-credentials" not found');
    expect(diagnosis?.nextStep).toMatch(/Secret/);
  });

  it("a failing readiness probe: quotes the probe's output", async () => {
    const pod = putPod({ containerStatus: { state: { running: { startedAt: "2026-11-20T10:00:00Z" } } } });
    putEvent(pod.metadata.name, "Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503");
    const diagnosis = await pods.diagnose(REF);
    expect(diagnosis).toMatchObject({ cause: { kind: "probe-failure" }, summary: expect.stringContaining("HTTP probe failed with statuscode: 503") });
  });

  it("prefers the blocking cause and counts the pods that share it; nothing to say when all are ready", async () => {
    putPod({ name: "resnet-prod-blue-5d9c7b-aaaaa", containerStatus: { state: { waiting: { reason: "ErrImagePull", message: "not found" } } } });
    putPod({ name: "resnet-prod-blue-5d9c7b-bbbbb", containerStatus: { state: { waiting: { reason: "ErrImagePull", message: "not found" } } } });
    putPod({ name: "resnet-prod-blue-5d9c7b-ccccc", containerStatus: { restartCount: 1, state: { waiting: { reason: "CrashLoopBackOff" } }, lastState: { terminated: { reason: "Error", exitCode: 2 } } } });
    expect(await pods.diagnose(REF)).toMatchObject({ cause: { kind: "image-pull" }, affectedPods: 2 });
    for (const o of server.list("Pod", NAMESPACE)) server.remove("Pod", NAMESPACE, o.metadata.name);
    putPod({ ready: true });
    expect(await pods.diagnose(REF)).toBeUndefined();
  });
});

describe("tailing a deployment's logs through the Kubernetes API", () => {
  it("reads tailLines, sinceSeconds, the previous run and one container, and redacts secret values", async () => {
    server.put({ apiVersion: "v1", kind: "Secret", metadata: { name: "db", namespace: NAMESPACE }, data: { password: Buffer.from("s3cr3t-db-pass").toString("base64") } });
    const secretValues = await pods.readSecretValues(NAMESPACE, [{ secretName: "db", secretKey: "password" }, { secretName: "absent", secretKey: "x" }]);
    expect(secretValues).toEqual(["s3cr3t-db-pass"]);

    const pod = putPod({ ready: true, containers: ["model-server", "sidecar"] }).metadata.name;
    const now = Date.now();
    server.setPodLogs(NAMESPACE, pod, "model-server", [
      { time: new Date(now - 3_600_000), text: "an hour ago" },
      { time: new Date(now - 120_000), text: "connecting to db with s3cr3t-db-pass" },
      { time: new Date(now - 60_000), text: "Authorization: Bearer abcdefghijklmnop" },
      { time: new Date(now - 1_000), text: "ready" },
    ]);
    server.setPodLogs(NAMESPACE, pod, "sidecar", ["sidecar up"]);
    server.setPodLogs(NAMESPACE, pod, "model-server", ["previous run died"], { previous: true });

    const recent = await pods.tailLogs(REF, { sinceSeconds: 600, container: "model-server" }, secretValues);
    expect(recent).toEqual([{ pod, container: "model-server", text: "connecting to db with [REDACTED]\nAuthorization: [REDACTED]\nready\n" }]);

    const lastTwo = await pods.tailLogs(REF, { tailLines: 2 }, secretValues);
    expect(lastTwo.map((t) => [t.container, t.text])).toEqual([
      ["model-server", "Authorization: [REDACTED]\nready\n"],
      ["sidecar", "sidecar up\n"],
    ]);
    const logRequest = server.requests.filter((r) => r.path.endsWith("/log")).at(-1);
    expect(logRequest?.query).toMatchObject({ tailLines: "2" });

    expect(await pods.tailLogs(REF, { previous: true, pod }, secretValues)).toEqual([
      { pod, container: "model-server", text: "previous run died\n" },
      { pod, container: "sidecar", text: "", unavailable: expect.stringContaining('previous terminated container "sidecar"') },
    ]);
    await expect(pods.tailLogs(REF, { pod: "someone-else" }, [])).rejects.toThrow(/not one of resnet-prod's pods/);
  });
});
