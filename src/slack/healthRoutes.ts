import type { CustomRoute } from "@slack/bolt";

export type ComponentHealth = { ok: true } | { ok: false; error: string };
export type ReadinessReport = Record<string, ComponentHealth>;

function sendJson(res: Parameters<CustomRoute["handler"]>[1], status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** `GET /healthz`: the process is up. `GET /readyz`: Postgres, Redis and the cluster answer. */
export function healthRoutes(readiness: () => Promise<ReadinessReport>): CustomRoute[] {
  return [
    { path: "/healthz", method: ["GET"], handler: (_req, res) => sendJson(res, 200, { status: "ok" }) },
    {
      path: "/readyz",
      method: ["GET"],
      handler: (_req, res) => {
        readiness().then(
          (report) => {
            const ready = Object.values(report).every((component) => component.ok);
            sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : "not ready", components: report });
          },
          (error: unknown) => sendJson(res, 503, { status: "not ready", error: String(error) }),
        );
      },
    },
  ];
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
