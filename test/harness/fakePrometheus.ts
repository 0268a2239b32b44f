/**
 * A Prometheus HTTP API on 127.0.0.1 that answers instant queries (`GET /api/v1/query`) with the
 * values a test set for exact query strings; any other query answers an empty vector, as
 * Prometheus does for a series that does not exist. Only what canary analysis uses is served.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Queries kept for inspection; older ones are dropped so a long test cannot grow without bound. */
const MAX_RECORDED_QUERIES = 500;
const MAX_QUERY_LENGTH = 8_192;

export class FakePrometheus {
  readonly url: string;
  readonly queries: string[] = [];
  private readonly values = new Map<string, number | null>();
  private failures = 0;

  private constructor(
    private readonly server: Server,
    url: string,
  ) {
    this.url = url;
  }

  static async start(): Promise<FakePrometheus> {
    const holder: { instance?: FakePrometheus } = {};
    const server = createServer((req, res) => {
      if (!holder.instance) {
        res.destroy();
        return;
      }
      holder.instance.onRequest(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    holder.instance = new FakePrometheus(server, `http://127.0.0.1:${port}`);
    return holder.instance;
  }

  /** The value an exact query answers from now on; null answers NaN (a rate over no requests). */
  set(query: string, value: number | null): void {
    this.values.set(query, value);
  }

  clear(): void {
    this.values.clear();
  }

  /** The next `count` queries are answered 503, as a Prometheus restarting does. */
  failNext(count: number): void {
    this.failures = count;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", this.url);
    if (req.method !== "GET" || url.pathname !== "/api/v1/query") {
      this.send(res, 404, { status: "error", errorType: "not_found", error: `${req.method ?? "?"} ${url.pathname} is not served` });
      return;
    }
    const query = url.searchParams.get("query") ?? "";
    if (query === "" || query.length > MAX_QUERY_LENGTH) {
      this.send(res, 400, { status: "error", errorType: "bad_data", error: "invalid query" });
      return;
    }
    this.queries.push(query);
    if (this.queries.length > MAX_RECORDED_QUERIES) this.queries.splice(0, this.queries.length - MAX_RECORDED_QUERIES);
    if (this.failures > 0) {
      this.failures -= 1;
      this.send(res, 503, { status: "error", errorType: "unavailable", error: "Service Unavailable" });
      return;
    }
    const now = Date.now() / 1000;
    if (!this.values.has(query)) {
      this.send(res, 200, { status: "success", data: { resultType: "vector", result: [] } });
      return;
    }
    const value = this.values.get(query);
    this.send(res, 200, {
      status: "success",
      data: { resultType: "vector", result: [{ metric: {}, value: [now, value === null || value === undefined ? "NaN" : String(value)] }] },
    });
  }

  private send(res: ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
    res.end(text);
  }
}
