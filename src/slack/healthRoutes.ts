import type { IncomingMessage, ServerResponse } from "node:http";

export type ComponentHealth = { ok: true } | { ok: false; error: string };
export type ReadinessReport = Record<string, ComponentHealth>;

/**
 * What the operational endpoints read. Readiness depends on PostgreSQL alone: with it the bot
 * can record every request, and Redis or Kubernetes being away only delays the work ("record
 * now, enqueue later", retries). Taking every replica out of the Service for a Redis blip would
 * turn a delay into an outage, so their state shows in `/healthz` and in the metrics instead.
 */
export interface OperationalEndpoints {
  /** PostgreSQL's check (readiness). */
  ready: () => Promise<ReadinessReport>;
  /** Every dependency's check (details of `/healthz`, and the metrics). */
  details: () => Promise<ReadinessReport>;
  /** True from SIGTERM on: readiness answers 503 so the Service stops sending requests here. */
  isDraining: () => boolean;
  metrics?: { contentType: string; exposition(): Promise<string> };
}

export interface OperationalRoute {
  path: string;
  method: ["GET"] | ["POST"];
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

function sendFailure(res: ServerResponse, error: unknown): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, 500, { status: "error", error: error instanceof Error ? error.message : String(error) });
}

/**
 * `GET /healthz`: the process is up (always 200 while it serves), with each dependency's state.
 * `GET /readyz`: 200 when PostgreSQL answers and the bot is not draining, else 503 with the reason.
 * `GET /metrics`: Prometheus exposition. Served on the Slack HTTP port, or beside Socket Mode.
 */
export function healthRoutes(endpoints: OperationalEndpoints): OperationalRoute[] {
  const routes: OperationalRoute[] = [
    {
      path: "/healthz",
      method: ["GET"],
      handler: (_req, res) => {
        endpoints.details().then(
          (components) => sendJson(res, 200, { status: "ok", draining: endpoints.isDraining(), components }),
          (error: unknown) => sendFailure(res, error),
        );
      },
    },
    {
      path: "/readyz",
      method: ["GET"],
      handler: (_req, res) => {
        if (endpoints.isDraining()) return sendJson(res, 503, { status: "draining", reason: "shutting down: finishing requests before stopping" });
        endpoints.ready().then(
          (components) => {
            const failing = Object.entries(components).filter(([, component]) => !component.ok);
            if (failing.length === 0) return sendJson(res, 200, { status: "ready", components });
            sendJson(res, 503, { status: "not ready", reason: failing.map(([name, component]) => `${name}: ${component.ok ? "ok" : component.error}`).join("; "), components });
          },
          (error: unknown) => sendJson(res, 503, { status: "not ready", reason: error instanceof Error ? error.message : String(error) }),
        );
      },
    },
  ];
  const metrics = endpoints.metrics;
  if (metrics) {
    routes.push({
      path: "/metrics",
      method: ["GET"],
      handler: (_req, res) => {
        metrics.exposition().then(
          (text) => {
            res.writeHead(200, { "content-type": metrics.contentType });
            res.end(text);
          },
          (error: unknown) => sendFailure(res, error),
        );
      },
    });
  }
  return routes;
}

/** Runs each named check with a time limit; a check that throws or times out is reported with its error. */
export async function checkComponents(
  checks: Record<string, () => Promise<unknown>>,
  timeoutMs = 2000,
): Promise<ReadinessReport> {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, ComponentHealth]> => {
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          check(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [name, { ok: true }];
      } catch (error) {
        return [name, { ok: false, error: error instanceof Error ? error.message : String(error) }];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return Object.fromEntries(entries);
}
