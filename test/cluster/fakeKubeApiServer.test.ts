import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeKubeApiServer, type FakeKubeApiServer } from "../harness/fakeKubeApiServer.js";

/**
 * The fake's own contract, over raw HTTP: the parts of API-server behaviour other tests lean on
 * without exercising directly (selectors, watch semantics, optimistic concurrency, patch types).
 */

const NS = "ml-dev";
let server: FakeKubeApiServer;

interface Response {
  status: number;
  body: Record<string, unknown>;
}

async function call(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<Response> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${server.token}`, "Content-Type": contentType },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = { text };
  }
  return { status: response.status, body: parsed };
}

function pod(name: string, labels: Record<string, string>) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels },
    spec: { containers: [{ name: "c", image: "busybox:1" }] },
  };
}

function names(response: Response): string[] {
  const items = response.body.items as { metadata: { name: string } }[];
  return items.map((item) => item.metadata.name);
}

/** Reads newline-delimited watch events until `count` have arrived, then closes the stream. */
async function watchEvents(path: string, count: number, trigger: () => Promise<void>): Promise<{ type: string; name: string }[]> {
  const controller = new AbortController();
  const response = await fetch(`${server.url}${path}`, {
    headers: { Authorization: `Bearer ${server.token}` },
    signal: controller.signal,
  });
  const reader = response.body?.getReader();
  if (reader === undefined) throw new Error("no body");
  await trigger();
  const events: { type: string; name: string }[] = [];
  let buffered = "";
  const decoder = new TextDecoder();
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let newline: number;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      const event = JSON.parse(line) as { type: string; object: { metadata?: { name?: string }; code?: number } };
      events.push({ type: event.type, name: event.object.metadata?.name ?? String(event.object.code) });
    }
  }
  controller.abort();
  return events;
}

beforeEach(async () => {
  server = await startFakeKubeApiServer({ namespaces: [NS] });
});

afterEach(async () => {
  await server.close();
});

describe("fake Kubernetes API server", () => {
  it("demands the bearer token", async () => {
    const response = await fetch(`${server.url}/version`);
    expect(response.status).toBe(401);
  });

  it("serves discovery for the groups it knows and 404 for others", async () => {
    expect((await call("GET", "/apis/apps/v1")).body.resources).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "deployments", kind: "Deployment", namespaced: true })]),
    );
    expect((await call("GET", "/apis")).body.groups).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "networking.istio.io" })]),
    );
    expect((await call("GET", "/apis/batch/v1")).status).toBe(404);
  });

  it("filters lists by label and field selectors", async () => {
    await call("POST", `/api/v1/namespaces/${NS}/pods`, pod("a", { app: "x", tier: "web" }));
    await call("POST", `/api/v1/namespaces/${NS}/pods`, pod("b", { app: "x" }));
    await call("POST", `/api/v1/namespaces/${NS}/pods`, pod("c", { app: "y", tier: "db" }));
    const list = (selector: string) => call("GET", `/api/v1/namespaces/${NS}/pods?${selector}`);

    expect(names(await list("labelSelector=app%3Dx"))).toEqual(["a", "b"]);
    expect(names(await list("labelSelector=app%3Dx,tier"))).toEqual(["a"]);
    expect(names(await list("labelSelector=!tier"))).toEqual(["b"]);
    expect(names(await list("labelSelector=tier!%3Dweb"))).toEqual(["b", "c"]);
    expect(names(await list("labelSelector=tier%20in%20(web,db)"))).toEqual(["a", "c"]);
    expect(names(await list("fieldSelector=metadata.name%3Db"))).toEqual(["b"]);
    expect((await list("labelSelector=app%3D%3D%3D")).status).toBe(400);
    expect((await list("fieldSelector=spec.nodeName%3Dn1")).status).toBe(400);

    const items = (await list("")).body.items as Record<string, unknown>[];
    expect(items[0]?.kind).toBeUndefined();
  });

  it("answers create, conflict and missing-namespace errors with real Status bodies", async () => {
    const created = await call("POST", `/api/v1/namespaces/${NS}/pods`, pod("a", {}));
    expect(created.status).toBe(201);
    const again = await call("POST", `/api/v1/namespaces/${NS}/pods`, pod("a", {}));
    expect(again.body).toMatchObject({ kind: "Status", status: "Failure", reason: "AlreadyExists", code: 409 });

    const missing = await call("POST", "/api/v1/namespaces/nowhere/pods", pod("a", {}));
    expect(missing.body).toMatchObject({ reason: "NotFound", code: 404, message: 'namespaces "nowhere" not found' });

    const stale = { ...(created.body as object), metadata: { ...(created.body.metadata as object), resourceVersion: "1" } };
    const conflict = await call("PUT", `/api/v1/namespaces/${NS}/pods/a`, stale);
    expect(conflict.body).toMatchObject({ reason: "Conflict", code: 409 });

    const absent = await call("GET", `/apis/apps/v1/namespaces/${NS}/deployments/nope`);
    expect(absent.body).toMatchObject({ reason: "NotFound", code: 404, message: 'deployments.apps "nope" not found' });
  });

  it("supports merge and JSON patches, bumping generation only for spec changes", async () => {
    await call("POST", `/api/v1/namespaces/${NS}/pods`, pod("a", { app: "x" }));
    const labelled = await call("PATCH", `/api/v1/namespaces/${NS}/pods/a`, { metadata: { labels: { app: null, v: "2" } } }, "application/merge-patch+json");
    expect(labelled.body.metadata).toMatchObject({ labels: { v: "2" }, generation: 1 });
    const patched = await call(
      "PATCH",
      `/api/v1/namespaces/${NS}/pods/a`,
      [{ op: "replace", path: "/spec/containers/0/image", value: "busybox:2" }],
      "application/json-patch+json",
    );
    expect(patched.body.metadata).toMatchObject({ generation: 2 });
  });

  it("streams watch events after a resourceVersion, with selector transitions", async () => {
    const created = await call("POST", `/api/v1/namespaces/${NS}/pods`, pod("a", { app: "x" }));
    const from = (created.body.metadata as { resourceVersion: string }).resourceVersion;
    const events = await watchEvents(`/api/v1/namespaces/${NS}/pods?watch=true&labelSelector=app%3Dx&resourceVersion=${from}`, 3, async () => {
      await call("POST", `/api/v1/namespaces/${NS}/pods`, pod("b", { app: "x" }));
      await call("PATCH", `/api/v1/namespaces/${NS}/pods/a`, { metadata: { labels: { app: "y" } } }, "application/merge-patch+json");
      await call("POST", `/api/v1/namespaces/${NS}/pods`, pod("c", { app: "y" }));
      await call("DELETE", `/api/v1/namespaces/${NS}/pods/b`);
    });
    expect(events).toEqual([
      { type: "ADDED", name: "b" },
      { type: "DELETED", name: "a" },
      { type: "DELETED", name: "b" },
    ]);
  });

  it("answers 410 Gone for a compacted resourceVersion", async () => {
    await call("POST", `/api/v1/namespaces/${NS}/pods`, pod("a", {}));
    server.compactWatchHistory();
    const events = await watchEvents(`/api/v1/namespaces/${NS}/pods?watch=1&resourceVersion=1`, 1, async () => {});
    expect(events).toEqual([{ type: "ERROR", name: "410" }]);
  });

  it("deletes collections by label and cascades to owned pods", async () => {
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", labels: { app: "web" } },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx:1" }] } },
      },
    };
    await call("POST", `/apis/apps/v1/namespaces/${NS}/deployments`, deployment);
    server.progressDeployment(NS, "web", 2);
    expect(server.list("pods", NS)).toHaveLength(2);
    const deleted = await call("DELETE", `/apis/apps/v1/namespaces/${NS}/deployments?labelSelector=app%3Dweb`);
    expect(names(deleted)).toEqual(["web"]);
    expect(server.list("pods", NS)).toHaveLength(0);
  });
});

describe("fake Kubernetes API server dry runs (dryRun=All)", () => {
  const APPLY = "application/apply-patch+yaml";
  const deploymentPath = `/apis/apps/v1/namespaces/${NS}/deployments`;

  function deployment(replicas: number, image = "model-server:1.0") {
    return {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", labels: { app: "web" } },
      spec: {
        replicas,
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image }] } },
      },
    };
  }

  /** The whole store as one list answer per kind, with the list's own resourceVersion: any write moves it. */
  async function snapshot(): Promise<string> {
    const lists = await Promise.all([
      call("GET", deploymentPath),
      call("GET", `/api/v1/namespaces/${NS}/services`),
      call("GET", `/api/v1/namespaces/${NS}/pods`),
    ]);
    return JSON.stringify(lists.map((list) => list.body));
  }

  it("answers an apply that would create with the defaulted object and stores nothing", async () => {
    const before = await snapshot();
    const created = await call("PATCH", `${deploymentPath}/web?fieldManager=deploybot&force=true&dryRun=All`, deployment(2), APPLY);
    expect(created.status).toBe(201);
    expect(created.body.metadata).toMatchObject({ name: "web", namespace: NS, generation: 1 });
    expect((created.body.metadata as { uid?: string }).uid).toBeDefined();
    expect(created.body.spec).toMatchObject({ replicas: 2, strategy: { type: "RollingUpdate" } });
    expect((await call("GET", `${deploymentPath}/web`)).status).toBe(404);
    expect(await snapshot()).toBe(before);
  });

  it("answers an apply that would change with the merged object at the live resourceVersion, and changes nothing", async () => {
    await call("PATCH", `${deploymentPath}/web?fieldManager=deploybot&force=true`, deployment(2), APPLY);
    const live = await call("GET", `${deploymentPath}/web`);
    const before = await snapshot();

    const answer = await call("PATCH", `${deploymentPath}/web?fieldManager=deploybot&force=true&dryRun=All`, deployment(5, "model-server:2.0"), APPLY);
    expect(answer.status).toBe(200);
    const liveMeta = live.body.metadata as { resourceVersion: string; uid: string; generation: number };
    expect(answer.body.metadata).toMatchObject({ resourceVersion: liveMeta.resourceVersion, uid: liveMeta.uid, generation: liveMeta.generation + 1 });
    expect(answer.body.spec).toMatchObject({ replicas: 5, template: { spec: { containers: [{ name: "c", image: "model-server:2.0" }] } } });

    expect(await call("GET", `${deploymentPath}/web`)).toEqual(live);
    expect(await snapshot()).toBe(before);
  });

  it("honours dryRun on create and delete too, and keeps a Service's cluster IP unallocated", async () => {
    const service = { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80 }] } };
    const dry = await call("POST", `/api/v1/namespaces/${NS}/services?dryRun=All`, service);
    expect(dry.status).toBe(201);
    const real = await call("POST", `/api/v1/namespaces/${NS}/services`, service);
    // The dry run showed the address the real create then got: it did not use one up.
    expect((real.body.spec as { clusterIP: string }).clusterIP).toBe((dry.body.spec as { clusterIP: string }).clusterIP);

    const before = await snapshot();
    const deleted = await call("DELETE", `/api/v1/namespaces/${NS}/services/web?dryRun=All`);
    expect(deleted.status).toBe(200);
    expect((await call("GET", `/api/v1/namespaces/${NS}/services/web`)).status).toBe(200);
    expect(await snapshot()).toBe(before);
  });

  it("records field ownership per manager, refuses an unforced apply over another manager's change, and a forced one takes the field back", async () => {
    interface Entry { manager: string; operation: string; time: string; fieldsType: string; fieldsV1: Record<string, unknown> }
    const entries = async (): Promise<Entry[]> => ((await call("GET", `${deploymentPath}/web`)).body.metadata as { managedFields: Entry[] }).managedFields;
    await call("PATCH", `${deploymentPath}/web?fieldManager=deploybot`, deployment(2), APPLY);
    const [applied] = await entries();
    expect(applied).toMatchObject({ manager: "deploybot", operation: "Apply", fieldsType: "FieldsV1" });
    expect(applied?.fieldsV1).toMatchObject({ "f:spec": { "f:replicas": {}, "f:template": { "f:spec": { "f:containers": { 'k:{"name":"c"}': { ".": {}, "f:image": {} } } } } } });

    const edited = await call("PATCH", `${deploymentPath}/web?fieldManager=kubectl-edit`, { spec: { replicas: 4 } }, "application/merge-patch+json");
    expect(edited.status).toBe(200);
    const afterEdit = await entries();
    expect(afterEdit.find((e) => e.manager === "kubectl-edit")).toMatchObject({ operation: "Update", fieldsV1: { "f:spec": { "f:replicas": {} } } });
    expect(afterEdit.find((e) => e.manager === "deploybot")?.fieldsV1).not.toHaveProperty(["f:spec", "f:replicas"]);

    // The same value is shared without conflict; another one is refused, naming the manager and field.
    expect((await call("PATCH", `${deploymentPath}/web?fieldManager=deploybot`, deployment(4), APPLY)).status).toBe(200);
    const refused = await call("PATCH", `${deploymentPath}/web?fieldManager=deploybot`, deployment(2), APPLY);
    expect(refused.body).toMatchObject({ code: 409, reason: "Conflict", details: { causes: [{ reason: "FieldManagerConflict", field: ".spec.replicas", message: 'conflict with "kubectl-edit" using apps/v1' }] } });

    expect((await call("PATCH", `${deploymentPath}/web?fieldManager=deploybot&force=true`, deployment(2), APPLY)).status).toBe(200);
    const forced = await entries();
    expect(forced.map((e) => e.manager)).toEqual(["deploybot"]);
    expect(server.get("Deployment", NS, "web")?.spec).toMatchObject({ replicas: 2 });
  });

  it("refuses dry-run values other than All, as the API server does", async () => {
    const answer = await call("PATCH", `${deploymentPath}/web?fieldManager=deploybot&dryRun=Server`, deployment(1), APPLY);
    expect(answer.body).toMatchObject({ code: 400, reason: "BadRequest" });
  });
});
