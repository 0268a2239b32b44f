import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { OperationalRoute } from "../slack/healthRoutes.js";

export interface OperationalServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The HTTP server for `/healthz`, `/readyz` and `/metrics` when Slack talks to the bot over
 * Socket Mode: there is no Slack endpoint to share a port with, but Kubernetes probes and
 * Prometheus still need one. (Bolt's Socket Mode receiver has an HTTP server too, but it is meant
 * for OAuth and does not report the port it got, which port 0 needs.)
 */
export async function startOperationalServer(routes: readonly OperationalRoute[], port: number): Promise<OperationalServer> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://localhost").pathname;
    const route = routes.find((candidate) => candidate.path === path && (candidate.method as readonly string[]).includes(req.method ?? "GET"));
    if (route) return route.handler(req, res);
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("not found");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeIdleConnections();
      }),
  };
}
