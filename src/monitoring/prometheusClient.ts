import { z } from "zod";

/**
 * A minimal client for Prometheus' HTTP API: instant queries (`GET /api/v1/query`) that answer
 * with one number. Canary analysis needs nothing more, and a library would bring its own HTTP
 * stack and retry rules.
 */

const sampleSchema = z.tuple([z.number(), z.string()]);

const queryResponseSchema = z.discriminatedUnion("status", [
  z.object({
    status: z.literal("success"),
    data: z.discriminatedUnion("resultType", [
      z.object({ resultType: z.literal("vector"), result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: sampleSchema })) }),
      z.object({ resultType: z.literal("scalar"), result: sampleSchema }),
      z.object({ resultType: z.literal("matrix"), result: z.array(z.unknown()) }),
      z.object({ resultType: z.literal("string"), result: z.unknown() }),
    ]),
  }),
  z.object({ status: z.literal("error"), errorType: z.string().optional(), error: z.string().optional() }),
]);

export class PrometheusError extends Error {
  override readonly name = "PrometheusError";
}

export interface PrometheusClientOptions {
  /** Base URL, e.g. http://prometheus.monitoring:9090 (a path prefix is kept). */
  url: string;
  /** Bound on each query: a slow Prometheus must not stall a canary step (default 5 s). */
  timeoutMs?: number;
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
    const url = new URL("api/v1/query", this.base);
    url.searchParams.set("query", promql);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let response: Response;
    try {
      response = await fetch(url, { signal: signal ? AbortSignal.any([signal, timeout]) : timeout, headers: { Accept: "application/json" } });
    } catch (error) {
      throw new PrometheusError(`Prometheus at ${this.base.origin} did not answer: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    const text = await response.text();
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
    const { data } = parsed.data;
    if (data.resultType === "scalar") return finiteOrNull(data.result[1]);
    if (data.resultType !== "vector") throw new PrometheusError(`expected an instant vector, Prometheus answered a ${data.resultType}`);
    const first = data.result[0];
    return first ? finiteOrNull(first.value[1]) : null;
  }
}

function finiteOrNull(raw: string): number | null {
  const value = Number(raw);
  return Number.isFinite(value) ? value : null;
}
