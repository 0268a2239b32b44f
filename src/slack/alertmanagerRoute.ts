import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { parseAlertmanagerWebhook } from "../domain/alertmanagerWebhook.js";
import type { AlertRequests } from "../operations/alertRequests.js";
import type { OperationalRoute } from "./healthRoutes.js";

/**
 * `POST /alertmanager`: Alertmanager's webhook (`webhook_configs`, version 4), authenticated with
 * `Authorization: Bearer $DEPLOYBOT_ALERTMANAGER_TOKEN`. Without a configured token the endpoint
 * refuses everything: an open endpoint would let anyone post alerts with buttons into channels.
 */

/** Alertmanager caps a group at `max_alerts`; a megabyte holds far more than a sane group. */
const MAX_BODY_BYTES = 1_000_000;

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = Buffer.from(/^Bearer\s+(.+)$/i.exec(header ?? "")?.[1]?.trim() ?? "");
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        resolve(undefined);
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export function alertmanagerRoute(options: { token: string | undefined; alerts: AlertRequests; logger: Logger }): OperationalRoute {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (options.token === undefined) return send(res, 403, { status: "error", error: "the Alertmanager receiver is off: set DEPLOYBOT_ALERTMANAGER_TOKEN" });
    if (!bearerMatches(req.headers.authorization, options.token)) {
      res.setHeader("www-authenticate", 'Bearer realm="deploybot"');
      return send(res, 401, { status: "error", error: "a valid bearer token is required" });
    }
    const text = await readBody(req);
    if (text === undefined) return send(res, 413, { status: "error", error: `the body is larger than ${MAX_BODY_BYTES} bytes` });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return send(res, 400, { status: "error", error: "the body is not JSON" });
    }
    const parsed = parseAlertmanagerWebhook(body);
    if (!parsed.ok) return send(res, 400, { status: "error", error: parsed.error });
    const receipt = await options.alerts.receiveAlertmanager(parsed.alerts);
    send(res, 200, { status: "ok", ...receipt });
  };
  return {
    path: "/alertmanager",
    method: ["POST"],
    handler: (req, res) => {
      handle(req, res).catch((error: unknown) => {
        // Alertmanager retries a failed delivery: a 500 is the right answer to a passing outage.
        options.logger.error({ err: error }, "Alertmanager webhook failed");
        if (!res.headersSent) send(res, 500, { status: "error", error: "deploybot could not record the alerts; Alertmanager will retry" });
      });
    },
  };
}
