import { createServer, Agent as HttpAgent, type Server } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { AddressInfo } from "node:net";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiConfiguration } from "../../src/cluster/apiConfiguration.js";
import { keptAliveAgentFor } from "../../src/cluster/keptAliveAgents.js";

describe("API calls on kept-alive connections", () => {
  let server: Server;
  let connections = 0;
  let kubeConfig: KubeConfig;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const name = req.url?.split("/").pop() ?? "";
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name } }));
    });
    server.on("connection", () => (connections += 1));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: "local", server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true }],
      users: [{ name: "bot", token: "t" }],
      contexts: [{ name: "local", cluster: "local", user: "bot" }],
      currentContext: "local",
    });
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it("makes many calls over one connection, where client-node alone opens one per call", async () => {
    const api = new CoreV1Api(createApiConfiguration(kubeConfig, 5_000));
    for (let i = 0; i < 10; i += 1) expect((await api.readNamespace({ name: `ns-${i}` })).metadata?.name).toBe(`ns-${i}`);
    expect(connections).toBe(1);
    // Parallel calls open what they need at once, and reuse them afterwards.
    await Promise.all(Array.from({ length: 4 }, (_, i) => api.readNamespace({ name: `p-${i}` })));
    const afterBurst = connections;
    expect(afterBurst).toBeLessThanOrEqual(4);
    await Promise.all(Array.from({ length: 4 }, (_, i) => api.readNamespace({ name: `q-${i}` })));
    expect(connections).toBe(afterBurst);
  });
});

describe("keptAliveAgentFor", () => {
  it("shares one agent between requests with the same TLS settings, and keeps it alive", () => {
    const first = keptAliveAgentFor(new HttpsAgent({ ca: "CA-1", cert: "CERT-1", key: "KEY-1", rejectUnauthorized: true }));
    const second = keptAliveAgentFor(new HttpsAgent({ ca: "CA-1", cert: "CERT-1", key: "KEY-1", rejectUnauthorized: true }));
    expect(first).toBe(second);
    expect(first).toBeInstanceOf(HttpsAgent);
    expect((first as HttpsAgent).options).toMatchObject({ ca: "CA-1", cert: "CERT-1", key: "KEY-1", rejectUnauthorized: true, keepAlive: true });
  });

  it("gives a rotated certificate or another cluster's CA an agent of its own", () => {
    const before = keptAliveAgentFor(new HttpsAgent({ ca: "CA-1", cert: "CERT-1", key: "KEY-1" }));
    expect(keptAliveAgentFor(new HttpsAgent({ ca: "CA-1", cert: "CERT-2", key: "KEY-2" }))).not.toBe(before);
    expect(keptAliveAgentFor(new HttpsAgent({ ca: "CA-2", cert: "CERT-1", key: "KEY-1" }))).not.toBe(before);
    expect(keptAliveAgentFor(new HttpsAgent({ ca: "CA-1", cert: "CERT-1", key: "KEY-1", servername: "api.internal" }))).not.toBe(before);
  });

  it("leaves agents it does not know (proxies) and missing agents alone", () => {
    class ProxyAgent extends HttpAgent {}
    const proxy = new ProxyAgent();
    expect(keptAliveAgentFor(proxy)).toBe(proxy);
    expect(keptAliveAgentFor(undefined)).toBeUndefined();
  });
});
