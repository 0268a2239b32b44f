import { z } from "zod";

/**
 * A small client for Prometheus' HTTP API: instant queries (`GET /api/v1/query`) and range
 * queries (`GET /api/v1/query_range`). deploybot needs nothing more, and a library would bring
 * its own HTTP stack and retry rules. Every failure is a PrometheusError; an empty answer is not
 * a failure (a series that does not exist yet is normal).
 */

const sampleSchema = z.tuple([z.number(), z.string()]);
const labelsSchema = z.record(z.string(), z.string());

const queryResponseSchema = z.discriminatedUnion("status", [
  z.object({
    status: z.literal("success"),
    data: z.discriminatedUnion("resultType", [
      z.object({ resultType: z.literal("vector"), result: z.array(z.object({ metric: labelsSchema, value: sampleSchema })) }),
      z.object({ resultType: z.literal("scalar"), result: sampleSchema }),
      z.object({ resultType: z.literal("matrix"), result: z.array(z.object({ metric: labelsSchema, values: z.array(sampleSchema) })) }),
      z.object({ resultType: z.literal("string"), result: z.unknown() }),
    ]),
  }),
  z.object({ status: z.literal("error"), errorType: z.string().optional(), error: z.string().optional() }),
]);
type QueryData = Extract<z.infer<typeof queryResponseSchema>, { status: "success" }>["data"];

export class PrometheusError extends Error {
  override readonly name = "PrometheusError";
}

export interface PrometheusClientOptions {
  /** Base URL, e.g. http://prometheus.monitoring:9090 (a path prefix is kept). */
  url: string;
  /** Bound on each query: a slow Prometheus must not stall a canary step or an alert run (default 5 s). */
  timeoutMs?: number;
}

/** One series of an instant vector; `value` is null for NaN/±Inf (a ratio over zero requests). */
export interface InstantSample {
  labels: Record<string, string>;
  value: number | null;
}

export interface RangePoint {
  /** Unix time in seconds, as Prometheus gives it. */
  time: number;
  value: number | null;
}

export interface RangeSeries {
  labels: Record<string, string>;
  points: RangePoint[];
}

export interface RangeQuery {
  /** Unix seconds. */
  start: number;
  end: number;
  stepSeconds: number;
}

export class PrometheusClient {
  private readonly base: URL;
  private readonly timeoutMs: number;

  constructor(options: PrometheusClientOptions) {
    this.base = new URL(options.url.endsWith("/") ? options.url : `${options.url}/`);
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  /**
   * Runs an instant query and returns its single value: the first sample of a vector, or a
   * scalar. `null` when the vector is empty or the value is NaN/±Inf (no traffic yet: a rate over
   * zero requests divides by zero).
   */
  async queryValue(promql: string, signal?: AbortSignal): Promise<number | null> {
    const data = await this.get("api/v1/query", { query: promql }, signal);
    if (data.resultType === "scalar") return finiteOrNull(data.result[1]);
    if (data.resultType !== "vector") throw new PrometheusError(`expected an instant vector, Prometheus answered a ${data.resultType}`);
    const first = data.result[0];
    return first ? finiteOrNull(first.value[1]) : null;
  }

  /** Every series of an instant query with its labels: how one query answers for many deployments. */
  async queryVector(promql: string, signal?: AbortSignal): Promise<InstantSample[]> {
    const data = await this.get("api/v1/query", { query: promql }, signal);
    if (data.resultType === "scalar") return [{ labels: {}, value: finiteOrNull(data.result[1]) }];
    if (data.resultType !== "vector") throw new PrometheusError(`expected an instant vector, Prometheus answered a ${data.resultType}`);
    return data.result.map((series) => ({ labels: series.metric, value: finiteOrNull(series.value[1]) }));
  }

  async queryRange(promql: string, range: RangeQuery, signal?: AbortSignal): Promise<RangeSeries[]> {
    const data = await this.get(
      "api/v1/query_range",
      { query: promql, start: String(range.start), end: String(range.end), step: `${range.stepSeconds}s` },
      signal,
    );
    if (data.resultType !== "matrix") throw new PrometheusError(`expected a range vector, Prometheus answered a ${data.resultType}`);
    return data.result.map((series) => ({
      labels: series.metric,
      points: series.values.map(([time, raw]) => ({ time, value: finiteOrNull(raw) })),
    }));
  }

  private async get(path: string, parameters: Record<string, string>, signal?: AbortSignal): Promise<QueryData> {
    const url = new URL(path, this.base);
    for (const [key, value] of Object.entries(parameters)) url.searchParams.set(key, value);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, headers: { Accept: "application/json" } });
      text = await response.text();
    } catch (error) {
      throw new PrometheusError(`Prometheus at ${this.base.origin} did not answer: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new PrometheusError(`Prometheus answered HTTP ${response.status} without JSON`);
    }
    const parsed = queryResponseSchema.safeParse(body);
    if (!parsed.success) throw new PrometheusError(`Prometheus answered HTTP ${response.status} with an unexpected body`);
    if (parsed.data.status === "error") {
      throw new PrometheusError(`Prometheus refused the query: ${parsed.data.error ?? parsed.data.errorType ?? `HTTP ${response.status}`}`);
    }
    return parsed.data.data;
  }
}

function finiteOrNull(raw: string): number | null {
  const value = Number(raw);
  return Number.isFinite(value) ? value : null;
}
