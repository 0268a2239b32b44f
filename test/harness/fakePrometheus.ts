/**
 * A Prometheus HTTP API on 127.0.0.1 that answers instant queries (`GET /api/v1/query`) and range
 * queries (`GET /api/v1/query_range`) with the values a test set for exact query strings; any other
 * query answers an empty result, as Prometheus does for a series that does not exist.
 */

/** One labelled series of an instant vector. */
export interface FakeSeries {
  labels: Record<string, string>;
  value: number | null;
}

/** One labelled series of a range query: its value at each evaluation time (null: no sample). */
export interface FakeRangeSeries {
  labels: Record<string, string>;
  valueAt: (timeSeconds: number) => number | null;
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** Queries kept for inspection; older ones are dropped so a long test cannot grow without bound. */
const MAX_RECORDED_QUERIES = 500;
const MAX_QUERY_LENGTH = 8_192;

export class FakePrometheus {
  readonly url: string;
  readonly queries: string[] = [];
  private readonly values = new Map<string, number | null>();
  private readonly vectors = new Map<string, FakeSeries[]>();
  private readonly ranges = new Map<string, FakeRangeSeries[]>();
  private failures = 0;
  private delayMs = 0;

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

  /** Several labelled series for an exact instant query (what a `sum by (...)` answers). */
  setSeries(query: string, series: FakeSeries[]): void {
    this.vectors.set(query, series);
  }

  /** Labelled series for an exact range query, evaluated at each step of the requested range. */
  setRange(query: string, series: FakeRangeSeries[]): void {
    this.ranges.set(query, series);
  }

  /** Every answer waits this long from now on, for exercising client timeouts. */
  setResponseDelay(ms: number): void {
    this.delayMs = ms;
  }

  clear(): void {
    this.values.clear();
    this.vectors.clear();
    this.ranges.clear();
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
    if (this.delayMs > 0) {
      setTimeout(() => this.answer(req, res), this.delayMs);
      return;
    }
    this.answer(req, res);
  }

  private answer(req: IncomingMessage, res: ServerResponse): void {
    if (res.destroyed) return;
    const url = new URL(req.url ?? "/", this.url);
    const isRange = url.pathname === "/api/v1/query_range";
    if (req.method !== "GET" || (url.pathname !== "/api/v1/query" && !isRange)) {
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
    if (isRange) {
      this.answerRange(res, query, url.searchParams);
      return;
    }
    const now = Date.now() / 1000;
    const vector = this.vectors.get(query);
    if (vector !== undefined) {
      const result = vector.map((s) => ({ metric: s.labels, value: [now, s.value === null ? "NaN" : String(s.value)] }));
      this.send(res, 200, { status: "success", data: { resultType: "vector", result } });
      return;
    }
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

  private answerRange(res: ServerResponse, query: string, parameters: URLSearchParams): void {
    const start = Number(parameters.get("start"));
    const end = Number(parameters.get("end"));
    const step = Number((parameters.get("step") ?? "").replace(/s$/, ""));
    if (!Number.isFinite(start) || !Number.isFinite(end) || !(step > 0) || end < start || (end - start) / step > 11_000) {
      this.send(res, 400, { status: "error", errorType: "bad_data", error: "invalid start, end or step" });
      return;
    }
    const result = (this.ranges.get(query) ?? []).map((series) => {
      const values: [number, string][] = [];
      for (let time = start; time <= end; time += step) {
        const value = series.valueAt(time);
        if (value !== null) values.push([time, String(value)]);
      }
      return { metric: series.labels, values };
    });
    this.send(res, 200, { status: "success", data: { resultType: "matrix", result } });
  }

  private send(res: ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
    res.end(text);
  }
}
