/**
 * The bench's fakes in a process of their own: the Slack Web API recorder and the local
 * Kubernetes API server (pods become ready `BENCH_POD_READY_MS`, default 300 ms, after a change),
 * plus a control API for the driver. Prints one JSON line (FakesReady) once everything listens,
 * and exits when its stdin closes, so that it never outlives the driver that started it.
 *
 *   tsx bench/fakes.ts <directory for the kubeconfig>
 */
import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { ViewOutput } from "@slack/bolt";
import { startFakeKubeApiServer } from "../test/harness/fakeKubeApiServer.js";
import { startSlackRecorder, type RecordedCall } from "../test/harness/slackRecorder.js";
import type { FakesCounts, FakesReady, OpenedView, ResponsePost, SlashFields, SlashFieldsRequest, ViewSubmittedRequest } from "./lib/fakesProtocol.js";

const NAMESPACES = ["ml-development", "ml-staging", "ml-production"];
const BOT_TOKEN = process.env.BENCH_BOT_TOKEN ?? "xoxb-bench";
const POD_READY_MS = Number(process.env.BENCH_POD_READY_MS ?? 300);
const WAIT_CAP_MS = 30_000;

const directory = process.argv[2];
if (!directory) {
  console.error("usage: tsx bench/fakes.ts <directory for the kubeconfig>");
  process.exit(2);
}

const kube = await startFakeKubeApiServer({ namespaces: NAMESPACES, autoCreateNamespaces: true });
kube.setAutoProgress({ delayMs: POD_READY_MS });
// A bench request may sit in a batch for a while before it is sent: trigger ids must outlive that.
const slack = await startSlackRecorder({ botToken: BOT_TOKEN, triggerTtlMs: 10 * 60_000 });
const kubeconfigPath = join(directory, "kubeconfig.json");
writeFileSync(kubeconfigPath, kube.kubeConfig().exportConfig());

// The API server keeps every request for tests to assert on; the bench never reads them, and
// thousands of operations would otherwise grow this process without bound.
const trimRequests = setInterval(() => kube.clearRequests(), 5_000);

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function summarizeResponse(call: RecordedCall): ResponsePost {
  const blocks = Array.isArray(call.params.blocks) ? (call.params.blocks as unknown[]) : [];
  let maxSectionChars = 0;
  let hasPageControl = false;
  for (const block of blocks) {
    if (!isObject(block)) continue;
    const elements = [...(Array.isArray(block["elements"]) ? (block["elements"] as unknown[]) : []), block["accessory"]];
    hasPageControl ||= elements.some((element) => isObject(element) && /page|next|more/i.test(String(element["action_id"] ?? "")));
    if (block["type"] !== "section") continue;
    const text = block["text"];
    if (isObject(text) && typeof text["text"] === "string") maxSectionChars = Math.max(maxSectionChars, text["text"].length);
  }
  return {
    at: call.at,
    ok: call.ok,
    ...(call.error !== undefined ? { error: call.error } : {}),
    bytes: Buffer.byteLength(JSON.stringify(call.params)),
    blocks: blocks.length,
    maxSectionChars,
    textChars: typeof call.params.text === "string" ? call.params.text.length : 0,
    hasPageControl,
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  const text = Buffer.concat(chunks).toString("utf8");
  return text === "" ? {} : (JSON.parse(text) as unknown);
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function waitMs(url: URL): number {
  return Math.min(Number(url.searchParams.get("timeoutMs") ?? 5000), WAIT_CAP_MS);
}

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  switch (`${req.method} ${url.pathname}`) {
    case "POST /control/slash-fields": {
      const request = (await readJson(req)) as SlashFieldsRequest;
      const fields: SlashFields[] = Array.from({ length: Math.min(request.count, 10_000) }, () => ({
        triggerId: slack.issueTriggerId(),
        responseUrl: slack.responseUrl({ channelId: request.channelId, userId: request.userId }),
      }));
      answer(res, 200, fields);
      return;
    }
    case "POST /control/trigger": {
      const request = (await readJson(req)) as { viewId?: string };
      answer(res, 200, { triggerId: slack.issueTriggerId(request.viewId ? { viewId: request.viewId } : {}) });
      return;
    }
    case "GET /control/opened-view": {
      const triggerId = url.searchParams.get("triggerId") ?? "";
      const call = await slack.waitForCall("views.open", (c) => c.params.trigger_id === triggerId, waitMs(url)).catch(() => undefined);
      const viewId = call?.ok && isObject(call.response) && isObject(call.response["view"]) ? String(call.response["view"]["id"]) : undefined;
      const view = viewId ? slack.view(viewId) : undefined;
      if (!viewId || !view) {
        answer(res, 404, { error: call ? `views.open failed: ${call.error ?? "?"}` : "no views.open for that trigger" });
        return;
      }
      const opened: OpenedView = { viewId, view: view as unknown as Record<string, unknown> };
      answer(res, 200, opened);
      return;
    }
    case "POST /control/view-submitted": {
      const request = (await readJson(req)) as ViewSubmittedRequest;
      if (!slack.isViewOpen(request.viewId)) {
        answer(res, 200, { problems: [] });
        return;
      }
      slack.setViewState(request.viewId, request.values as ViewOutput["state"]["values"]);
      answer(res, 200, { problems: slack.applyViewSubmissionResponse(request.viewId, request.body) });
      return;
    }
    case "GET /control/response": {
      const responseUrl = url.searchParams.get("url") ?? "";
      const call = await slack.waitForCall("response_url", (c) => c.responseUrl?.url === responseUrl, waitMs(url)).catch(() => undefined);
      if (!call) answer(res, 404, { error: "no post to that response URL" });
      else answer(res, 200, summarizeResponse(call));
      return;
    }
    case "GET /control/replicas": {
      const namespace = url.searchParams.get("namespace") ?? NAMESPACES[0] ?? "";
      const replicas: Record<string, number | null> = {};
      for (const object of kube.list("Deployment", namespace)) {
        const spec = object["spec"];
        replicas[object.metadata.name] = isObject(spec) && typeof spec["replicas"] === "number" ? spec["replicas"] : null;
      }
      answer(res, 200, replicas);
      return;
    }
    case "GET /control/counts": {
      const byMethod: Record<string, number> = {};
      for (const call of slack.calls) byMethod[call.method] = (byMethod[call.method] ?? 0) + 1;
      const counts: FakesCounts = { slackCalls: slack.calls.length, slackCallsByMethod: byMethod, kubeObjects: kube.objectCount() };
      answer(res, 200, counts);
      return;
    }
    default:
      answer(res, 404, { error: `no route ${req.method} ${url.pathname}` });
  }
}

const control = createServer((req, res) => {
  route(req, res).catch((error: unknown) => answer(res, 500, { error: error instanceof Error ? error.message : String(error) }));
});
await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));

async function shutdown(): Promise<void> {
  clearInterval(trimRequests);
  control.closeAllConnections();
  control.close();
  await Promise.all([kube.close(), slack.close()]);
  process.exit(0);
}
process.stdin.on("end", () => void shutdown());
process.stdin.resume();
process.once("SIGTERM", () => void shutdown());

const ready: FakesReady = {
  slackApiUrl: slack.apiUrl,
  kubeconfigPath,
  controlUrl: `http://127.0.0.1:${(control.address() as AddressInfo).port}`,
  kubeUrl: kube.url,
};
process.stdout.write(`${JSON.stringify(ready)}\n`);
