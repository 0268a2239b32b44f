/**
 * A local stand-in for the Slack Web API. The app's WebClient is pointed at `recorder.apiUrl`, so
 * every call the app makes lands here, is recorded, and gets a Slack-shaped answer.
 *
 * The recorder is deliberately strict: it applies Slack's documented Block Kit limits, trigger_id
 * lifetime, view hashes and response_url usage caps, so a flow that would fail against real Slack
 * fails in tests too instead of passing against a permissive fake.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { ViewOutput, ViewStateValue } from "@slack/bolt";
import type { AnyBlock, View } from "@slack/types";
import { formatIssue, messageIssues, viewIssues } from "./blockKitLimits.js";
import type { Issue } from "./blockKitLimits.js";

type Obj = Record<string, unknown>;

/** Parameters of a recorded call, with the JSON-valued ones (blocks, view, ...) decoded. */
export interface CallParams {
  [key: string]: unknown;
  channel?: string;
  text?: string;
  ts?: string;
  thread_ts?: string;
  user?: string;
  trigger_id?: string;
  view_id?: string;
  external_id?: string;
  hash?: string;
  /** Decoded from JSON; typed optimistically — a malformed payload is refused, not reshaped. */
  blocks?: AnyBlock[];
  view?: View;
  response_type?: string;
  replace_original?: boolean;
  delete_original?: boolean;
}

export interface SlackResponseBody {
  [key: string]: unknown;
  ok: boolean;
  error?: string;
}

export interface RecordedCall {
  /** Position in `calls`, handy as a "since" marker: `c => c.seq >= mark`. */
  seq: number;
  /** Web API method, or "response_url" / "file_upload" for posts to URLs the recorder handed out. */
  method: string;
  params: CallParams;
  /** Recorder clock time (ms) when the request arrived. */
  at: number;
  /** Token the request carried (header or body), without exposing it in params. */
  token?: string;
  /** HTTP status answered; 0 when the recorder dropped the connection (`setDown`). */
  status: number;
  response?: SlackResponseBody;
  /** True when Slack would have accepted the call (HTTP 200 and `ok: true`). */
  ok: boolean;
  /** The `error` answered, if any ("socket_dropped" when the connection was cut). */
  error?: string;
  /** Set when the answer came from `failNext` / `setDown` rather than the method's logic. */
  injected?: boolean;
  /** For "response_url" calls: what the URL was issued for. */
  responseUrl?: ResponseUrlContext & { url: string };
}

export interface FailureSpec {
  /** Answered as `{ ok: false, error }` (HTTP 200 unless `status` says otherwise). */
  error?: string;
  /** HTTP status, e.g. 429, 500, 503. */
  status?: number;
  /** Sent as the Retry-After header; implies status 429 when no status is given. */
  retryAfterSec?: number;
  /** How many consecutive calls fail (default 1). */
  times?: number;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text?: string;
  blocks?: AnyBlock[];
  thread_ts?: string;
  user: string;
  bot_id: string;
  /** How many times the message was edited (chat.update or response_url replace_original). */
  edits: number;
  /** Files shared with the message (files.completeUploadExternal with a channel). */
  files?: { id: string; title: string }[];
  metadata?: unknown;
  /** Thread replies, oldest first (empty for replies themselves). */
  replies: StoredMessage[];
}

export interface EphemeralMessage {
  channel: string;
  user: string;
  message_ts: string;
  text?: string;
  blocks?: AnyBlock[];
  thread_ts?: string;
  /** "chat.postEphemeral" or "response_url". */
  via: string;
  deleted: boolean;
}

/** A person in the recorder's workspace directory. */
export interface DirectoryUser {
  id: string;
  name?: string;
  /** Another organization's team id makes them external (Slack Connect). */
  teamId?: string;
  guest?: "multi-channel" | "single-channel";
  /** true: deactivated; "not-found": users.info answers user_not_found. */
  deleted?: true | "not-found";
}

export interface ResponseUrlContext {
  channelId?: string;
  userId?: string;
  /** The message the interaction came from, so replace_original/delete_original can act on it. */
  messageTs?: string;
}

export interface UploadedFile {
  id: string;
  filename: string;
  declaredLength: number;
  bytes?: Buffer;
  title?: string;
  channel?: string;
}

export type CustomHandler = (params: CallParams, call: RecordedCall) => SlackResponseBody;

export interface SlackRecorderOptions {
  botToken?: string;
  /** Other tokens accepted as valid (e.g. a user token). */
  extraTokens?: string[];
  teamId?: string;
  teamDomain?: string;
  botUserId?: string;
  botId?: string;
  appId?: string;
  /** Milliseconds since epoch; lets tests age trigger ids and response_urls without sleeping. */
  clock?: () => number;
  /** Slack's trigger_id lifetime. */
  triggerTtlMs?: number;
  /** Slack's response_url lifetime. */
  responseUrlTtlMs?: number;
  /** Slack's cap on posts per response_url. */
  responseUrlMaxUses?: number;
}

const JSON_PARAMS = new Set(["blocks", "view", "attachments", "metadata", "files", "user_auth_blocks", "unfurls"]);
const TS_BASE_SEC = 1732660000;
const MAX_VIEW_STACK = 3;

interface TriggerRecord {
  issuedAt: number;
  used: boolean;
  viewId?: string;
}

interface ResponseUrlRecord extends ResponseUrlContext {
  issuedAt: number;
  uses: number;
}

interface MessageRecord {
  channel: string;
  ts: string;
  text?: string;
  blocks?: AnyBlock[];
  thread_ts?: string;
  edits: number;
  editedTs?: string;
  deleted: boolean;
  files?: { id: string; title: string }[];
  metadata?: unknown;
}

interface ParsedRequest {
  params: CallParams;
  token?: string;
  /** Names of JSON params that failed to decode. */
  badJson: string[];
  bytes: Buffer;
  contentType: string;
}

class ApiAnswer {
  constructor(
    readonly body: SlackResponseBody,
    readonly status = 200,
    readonly headers: Record<string, string> = {},
  ) {}
}

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fail(error: string, extra: Obj = {}, status = 200): ApiAnswer {
  return new ApiAnswer({ ok: false, error, ...extra }, status);
}

function invalidArguments(issues: Issue[]): ApiAnswer {
  return fail("invalid_arguments", { response_metadata: { messages: issues.map(formatIssue) } });
}

function str(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return undefined;
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function randomHex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}

interface MultipartPart {
  name: string;
  filename?: string;
  data: Buffer;
}

/** Just enough multipart/form-data parsing for what WebClient sends (file uploads, Buffer params). */
function parseMultipart(body: Buffer, contentType: string): MultipartPart[] {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (!boundary) return [];
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: MultipartPart[] = [];
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2);
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString("utf8");
      const name = /name="([^"]*)"/i.exec(headers)?.[1];
      const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
      if (name !== undefined) parts.push({ name, filename, data: Buffer.from(part.subarray(headerEnd + 4)) });
    }
    start = next;
  }
  return parts;
}

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function slackStyleId(length: number): string {
  return [...randomBytes(length)].map((b) => ID_ALPHABET[b % ID_ALPHABET.length]).join("");
}

/**
 * Slack fills in a random block_id / action_id wherever the app left them out, and interaction
 * payloads carry those ids; doing the same keeps recorded views and messages addressable.
 */
function withGeneratedIds<T>(blocks: T): T {
  if (!Array.isArray(blocks)) return blocks;
  const copy: unknown[] = clone(blocks);
  for (const block of copy) {
    if (!isObj(block)) continue;
    if (block["block_id"] === undefined) block["block_id"] = slackStyleId(5);
    const elements: unknown[] = [];
    if (Array.isArray(block["elements"]) && block["type"] === "actions") elements.push(...(block["elements"] as unknown[]));
    if (block["accessory"] !== undefined) elements.push(block["accessory"]);
    if (block["element"] !== undefined) elements.push(block["element"]);
    for (const element of elements) {
      if (isObj(element) && element["type"] !== "image" && element["action_id"] === undefined) {
        element["action_id"] = slackStyleId(5);
      }
    }
  }
  return copy as T;
}

function describeCall(call: RecordedCall): string {
  const outcome = call.ok ? "ok" : (call.error ?? `status ${call.status}`);
  const params = JSON.stringify(call.params);
  return `  #${call.seq} ${call.method} -> ${outcome} ${params.length > 200 ? `${params.slice(0, 200)}…` : params}`;
}

export class SlackRecorder {
  readonly calls: RecordedCall[] = [];
  readonly botToken: string;
  readonly teamId: string;
  readonly teamDomain: string;
  readonly botUserId: string;
  readonly botId: string;
  readonly appId: string;

  private server: Server | undefined;
  private port = 0;
  private readonly extraTokens: Set<string>;
  private readonly clock: () => number;
  private readonly triggerTtlMs: number;
  private readonly responseUrlTtlMs: number;
  private readonly responseUrlMaxUses: number;

  private counter = 0;
  private tsCounter = 0;
  private triggers = new Map<string, TriggerRecord>();
  private responseUrls = new Map<string, ResponseUrlRecord>();
  private views = new Map<string, ViewOutput>();
  private closedViews = new Set<string>();
  private externalIds = new Map<string, string>();
  private channelMessages = new Map<string, MessageRecord[]>();
  private ephemeralMessages: EphemeralMessage[] = [];
  private failures = new Map<string, FailureSpec[]>();
  private down: false | "socket" | "503" = false;
  private files = new Map<string, UploadedFile>();
  private customHandlers = new Map<string, CustomHandler>();
  private directory = new Map<string, DirectoryUser>();
  private userGroups = new Map<string, { handle: string; users: string[] }>();
  private waiters: { match: (call: RecordedCall) => boolean; resolve: (call: RecordedCall) => void }[] = [];

  private constructor(options: SlackRecorderOptions) {
    this.botToken = options.botToken ?? "xoxb-0000000000-recorder-token";
    this.extraTokens = new Set(options.extraTokens ?? []);
    this.teamId = options.teamId ?? "T0TESTTEAM";
    this.teamDomain = options.teamDomain ?? "deploybot-test";
    this.botUserId = options.botUserId ?? "U0DEPLOYBOT";
    this.botId = options.botId ?? "B0DEPLOYBOT";
    this.appId = options.appId ?? "A0DEPLOYBOT";
    this.clock = options.clock ?? Date.now;
    this.triggerTtlMs = options.triggerTtlMs ?? 3000;
    this.responseUrlTtlMs = options.responseUrlTtlMs ?? 30 * 60 * 1000;
    this.responseUrlMaxUses = options.responseUrlMaxUses ?? 5;
  }

  static async start(options: SlackRecorderOptions = {}): Promise<SlackRecorder> {
    const recorder = new SlackRecorder(options);
    await recorder.listen();
    return recorder;
  }

  private listen(): Promise<void> {
    const server = createServer((req, res) => {
      this.serve(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end(`slack recorder error: ${error instanceof Error ? error.stack : String(error)}`);
        }
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => {
        this.port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  /** Base URL of the recorder, e.g. http://127.0.0.1:40123 */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Value for WebClient/App `slackApiUrl` (ends with /api/). */
  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  now(): number {
    return this.clock();
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve, reject) => {
      server.close((error) => (error ? reject(error) : resolve()));
      server.closeAllConnections();
    });
  }

  /** Forget calls, messages, views, ids and injected failures; keeps the server and configuration. */
  reset(): void {
    this.calls.length = 0;
    this.tsCounter = 0;
    this.triggers.clear();
    this.responseUrls.clear();
    this.views.clear();
    this.closedViews.clear();
    this.externalIds.clear();
    this.channelMessages.clear();
    this.ephemeralMessages = [];
    this.failures.clear();
    this.down = false;
    this.files.clear();
  }

  // ---------------------------------------------------------------- inspection

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /**
   * Resolves with the first call (already recorded or yet to come) to `method` that matches
   * `predicate`. Failed calls are recorded too: add `c => c.ok` to wait for an accepted one, or
   * `c => c.seq >= mark` to ignore calls made before `mark = recorder.calls.length`.
   */
  waitForCall(
    method: string,
    predicate: (call: RecordedCall) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<RecordedCall> {
    const match = (c: RecordedCall): boolean => c.method === method && predicate(c);
    const existing = this.calls.find(match);
    if (existing) return Promise.resolve(existing);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (call: RecordedCall) => {
          clearTimeout(timer);
          resolve(call);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        const seen = this.calls.length ? this.calls.map(describeCall).join("\n") : "  (none)";
        reject(new Error(`No matching call to ${method} within ${timeoutMs} ms. Calls seen:\n${seen}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Current state of the channel: top-level messages (edits applied, deletions removed), oldest first. */
  messages(channel: string): StoredMessage[] {
    const records = (this.channelMessages.get(channel) ?? []).filter((m) => !m.deleted);
    const toStored = (m: MessageRecord): StoredMessage => ({
      channel: m.channel,
      ts: m.ts,
      ...(m.text !== undefined ? { text: m.text } : {}),
      ...(m.blocks !== undefined ? { blocks: clone(m.blocks) } : {}),
      ...(m.thread_ts !== undefined ? { thread_ts: m.thread_ts } : {}),
      ...(m.files !== undefined ? { files: clone(m.files) } : {}),
      ...(m.metadata !== undefined ? { metadata: clone(m.metadata) } : {}),
      user: this.botUserId,
      bot_id: this.botId,
      edits: m.edits,
      replies: [],
    });
    const top = records.filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts).map(toStored);
    for (const parent of top) {
      parent.replies = records.filter((m) => m.thread_ts === parent.ts && m.ts !== parent.ts).map(toStored);
    }
    return top;
  }

  /** The most recent top-level message in the channel. */
  latestMessage(channel: string): StoredMessage | undefined {
    return this.messages(channel).at(-1);
  }

  /** One message (top-level or reply) by ts. */
  message(channel: string, ts: string): StoredMessage | undefined {
    for (const m of this.messages(channel)) {
      if (m.ts === ts) return m;
      const reply = m.replies.find((r) => r.ts === ts);
      if (reply) return reply;
    }
    return undefined;
  }

  ephemerals(filter: { channel?: string; user?: string } = {}): EphemeralMessage[] {
    return clone(
      this.ephemeralMessages.filter(
        (e) =>
          !e.deleted &&
          (filter.channel === undefined || e.channel === filter.channel) &&
          (filter.user === undefined || e.user === filter.user),
      ),
    );
  }

  /** Current state of an opened/pushed/updated view (as Slack would send it back), or undefined. */
  view(viewId: string): ViewOutput | undefined {
    const view = this.views.get(viewId);
    return view ? clone(view) : undefined;
  }

  /** False once the user closed the view or a submission closed it (views.update then answers not_found). */
  isViewOpen(viewId: string): boolean {
    return this.views.has(viewId) && !this.closedViews.has(viewId);
  }

  /**
   * Records what the user has entered, so a later views.update keeps the inputs whose block_id
   * survives (as Slack does). The request helpers call this with the state they send.
   */
  setViewState(viewId: string, values: ViewOutput["state"]["values"]): void {
    const view = this.views.get(viewId);
    if (view) view.state = { values: clone(values) };
  }

  /** The user closes the view (X / Cancel); `clear` closes the whole stack, like clear_on_close. */
  closeView(viewId: string, options: { clear?: boolean } = {}): void {
    const view = this.views.get(viewId);
    if (!view) return;
    if (options.clear) {
      const root = view.root_view_id ?? view.id;
      for (const v of this.views.values()) if ((v.root_view_id ?? v.id) === root) this.closedViews.add(v.id);
    } else {
      this.closedViews.add(viewId);
    }
  }

  /**
   * Applies the app's answer to a view_submission the way Slack would: no response_action closes
   * the view, "clear" closes the stack, "update"/"push" replace/push a view, "errors" shows field
   * errors. Returns what Slack would refuse (an invalid view, an errors key naming no input block),
   * which Slack only shows the user as a generic "trouble connecting" error, so tests must check it.
   */
  applyViewSubmissionResponse(viewId: string, body: unknown): string[] {
    const current = this.views.get(viewId);
    if (!current) return [];
    if (!isObj(body) || body["response_action"] === undefined) {
      this.closeView(viewId);
      return [];
    }
    const action = body["response_action"];
    switch (action) {
      case "clear":
        this.closeView(viewId, { clear: true });
        return [];
      case "errors": {
        const errors = body["errors"];
        if (!isObj(errors)) return [formatIssue({ pointer: "/errors", message: "must provide an object" })];
        const inputIds = new Set(
          current.blocks
            .filter((b) => b.type === "input")
            .map((b) => b.block_id)
            .filter((id): id is string => id !== undefined),
        );
        const problems: string[] = [];
        for (const [key, message] of Object.entries(errors)) {
          if (!inputIds.has(key)) {
            problems.push(formatIssue({ pointer: `/errors/${key}`, message: `no input block with block_id ${key} in the view` }));
          }
          if (typeof message !== "string" || message.length === 0) {
            problems.push(formatIssue({ pointer: `/errors/${key}`, message: "must provide a non-empty string" }));
          }
        }
        return problems;
      }
      case "update":
      case "push": {
        const issues = viewIssues(body["view"], "modal");
        if (issues.length > 0) return issues.map(formatIssue);
        const view = body["view"] as Obj;
        if (action === "update") {
          const problem = this.replaceView(viewId, current, view);
          return problem ? [problem] : [];
        }
        const rootId = current.root_view_id ?? current.id;
        if (this.stackDepth(rootId) >= MAX_VIEW_STACK) return ["[ERROR] push_limit_reached"];
        const id = this.newViewId();
        const dup = this.claimExternalId(view, id);
        if (dup) return [`[ERROR] ${String(dup.body.error)}`];
        this.views.set(id, this.buildView(view, id, rootId, current.id, { values: {} }));
        return [];
      }
      default:
        return [formatIssue({ pointer: "/response_action", message: "must be a valid enum value" })];
    }
  }

  /** All views ever opened, in order. */
  allViews(): ViewOutput[] {
    return [...this.views.values()].map(clone);
  }

  uploadedFiles(): UploadedFile[] {
    // structuredClone would turn Buffers into plain Uint8Arrays.
    return [...this.files.values()].map((f) => ({ ...f, ...(f.bytes ? { bytes: Buffer.from(f.bytes) } : {}) }));
  }

  // ---------------------------------------------------------------- test controls

  /** Issues a trigger id like Slack does on an interaction; `ageMs` back-dates it. */
  issueTriggerId(options: { ageMs?: number; viewId?: string } = {}): string {
    const issuedAt = this.clock() - (options.ageMs ?? 0);
    const id = `${Math.floor(issuedAt)}${String(++this.counter).padStart(4, "0")}.${this.teamNumber()}.${randomHex(16)}`;
    this.triggers.set(id, { issuedAt, used: false, ...(options.viewId ? { viewId: options.viewId } : {}) });
    return id;
  }

  /** Issues a response_url served by the recorder; `context` lets posts act on the right channel/message. */
  responseUrl(context: ResponseUrlContext & { ageMs?: number } = {}): string {
    const id = `${++this.counter}/${randomHex(12)}`;
    const { ageMs, ...rest } = context;
    this.responseUrls.set(id, { ...rest, issuedAt: this.clock() - (ageMs ?? 0), uses: 0 });
    return `${this.baseUrl}/response/${id}`;
  }

  /** Makes the next call(s) to `method` ("*" for any, "response_url" for response_url posts) fail. */
  failNext(method: string, spec: FailureSpec = {}): void {
    const queue = this.failures.get(method) ?? [];
    const times = spec.times ?? 1;
    for (let i = 0; i < times; i++) queue.push(spec);
    this.failures.set(method, queue);
  }

  /** Simulates an outage: "socket" cuts connections without an answer, "503" answers Service Unavailable. */
  setDown(down: boolean, how: "socket" | "503" = "socket"): void {
    this.down = down ? how : false;
  }

  /**
   * Who a user is in the workspace directory (`users.info`): a guest, or someone from another
   * organization (another team id). Unknown well-formed ids answer as full members of this team.
   */
  setUser(user: DirectoryUser): void {
    this.directory.set(user.id, user);
  }

  /** A user group (`usergroups.list` with include_users) and its members. */
  setUserGroup(id: string, handle: string, users: string[]): void {
    this.userGroups.set(id, { handle, users: [...users] });
  }

  /** Answers a method the recorder doesn't implement (or overrides one). Limits/auth still apply. */
  handle(method: string, handler: CustomHandler): void {
    this.customHandlers.set(method, handler);
  }

  // ---------------------------------------------------------------- HTTP plumbing

  private teamNumber(): string {
    return String(this.teamId.replace(/\D/g, "") || "4242");
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const bytes = await readBody(req);
    const url = new URL(req.url ?? "/", this.baseUrl);
    const path = url.pathname;
    let method: string;
    if (path.startsWith("/api/")) method = decodeURIComponent(path.slice("/api/".length));
    else if (path.startsWith("/response/")) method = "response_url";
    else if (path.startsWith("/upload/")) method = "file_upload";
    else {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
      return;
    }
    const parsed = this.parseRequest(req, bytes, method === "response_url" || method === "file_upload");
    const call: RecordedCall = {
      seq: this.calls.length,
      method,
      params: parsed.params,
      at: this.clock(),
      ...(parsed.token !== undefined ? { token: parsed.token } : {}),
      status: 0,
      ok: false,
    };

    if (this.down === "socket") {
      call.error = "socket_dropped";
      call.injected = true;
      this.record(call);
      req.socket.destroy();
      return;
    }

    let answer: ApiAnswer;
    if (this.down === "503") {
      answer = fail("service_unavailable", {}, 503);
      call.injected = true;
    } else {
      const injected = this.takeFailure(method);
      if (injected) {
        call.injected = true;
        answer = injected;
      } else if (method === "response_url") {
        answer = this.handleResponseUrl(path.slice("/response/".length), parsed, call);
      } else if (method === "file_upload") {
        answer = this.handleUpload(path.slice("/upload/".length), parsed);
      } else {
        answer = this.dispatch(method, parsed, call);
      }
    }

    call.status = answer.status;
    call.response = answer.body;
    call.ok = answer.status === 200 && answer.body.ok === true;
    if (answer.body.error !== undefined) call.error = answer.body.error;
    this.record(call);
    res.writeHead(answer.status, { "content-type": "application/json; charset=utf-8", ...answer.headers });
    res.end(JSON.stringify(answer.body));
  }

  private record(call: RecordedCall): void {
    this.calls.push(call);
    const ready = this.waiters.filter((w) => w.match(call));
    this.waiters = this.waiters.filter((w) => !ready.includes(w));
    for (const w of ready) w.resolve(call);
  }

  private takeFailure(method: string): ApiAnswer | undefined {
    for (const key of [method, "*"]) {
      const queue = this.failures.get(key);
      const spec = queue?.shift();
      if (!spec) continue;
      const status = spec.status ?? (spec.retryAfterSec !== undefined ? 429 : 200);
      const headers: Record<string, string> = {};
      if (spec.retryAfterSec !== undefined) headers["retry-after"] = String(spec.retryAfterSec);
      const error = spec.error ?? (status === 429 ? "ratelimited" : status === 200 ? "internal_error" : `http_${status}`);
      return new ApiAnswer({ ok: false, error }, status, headers);
    }
    return undefined;
  }

  private parseRequest(req: IncomingMessage, bytes: Buffer, raw: boolean): ParsedRequest {
    const contentType = String(req.headers["content-type"] ?? "");
    const params: CallParams = {};
    const badJson: string[] = [];
    let bodyToken: string | undefined;
    if (!raw) {
      let fields: Obj = {};
      if (contentType.includes("application/json")) {
        try {
          const decoded: unknown = JSON.parse(bytes.toString("utf8") || "{}");
          if (isObj(decoded)) fields = decoded;
        } catch {
          badJson.push("(body)");
        }
      } else if (contentType.includes("multipart/form-data")) {
        for (const part of parseMultipart(bytes, contentType)) {
          fields[part.name] = part.filename !== undefined ? part.data : part.data.toString("utf8");
        }
      } else {
        for (const [key, value] of new URLSearchParams(bytes.toString("utf8"))) fields[key] = value;
      }
      for (const [key, value] of Object.entries(fields)) {
        if (key === "token") {
          bodyToken = str(value);
          continue;
        }
        if (JSON_PARAMS.has(key) && typeof value === "string") {
          try {
            params[key] = JSON.parse(value);
          } catch {
            params[key] = value;
            badJson.push(key);
          }
        } else {
          params[key] = value;
        }
      }
    }
    const auth = req.headers.authorization;
    const headerToken = auth?.startsWith("Bearer ") ? auth.slice("Bearer ".length).trim() : undefined;
    const token = headerToken ?? bodyToken;
    return { params, badJson, bytes, contentType, ...(token !== undefined ? { token } : {}) };
  }

  // ---------------------------------------------------------------- Web API methods

  private dispatch(method: string, req: ParsedRequest, call: RecordedCall): ApiAnswer {
    const custom = this.customHandlers.get(method);
    const builtin = this.builtinHandler(method);
    if (!custom && !builtin) return fail("unknown_method", { req_method: method });
    if (req.token === undefined || req.token === "") return fail("not_authed");
    if (req.token !== this.botToken && !this.extraTokens.has(req.token)) return fail("invalid_auth");
    if (req.badJson.includes("(body)")) return fail("invalid_json");
    if (custom) {
      const body = custom(req.params, call);
      return new ApiAnswer(body);
    }
    return builtin ? builtin(req.params, req) : fail("unknown_method");
  }

  private builtinHandler(method: string): ((p: CallParams, req: ParsedRequest) => ApiAnswer) | undefined {
    switch (method) {
      case "users.info":
        return (p) => this.usersInfo(p);
      case "usergroups.list":
        return (p) => this.userGroupsList(p);
      case "auth.test":
        return () => this.authTest();
      case "chat.postMessage":
        return (p, r) => this.postMessage(p, r);
      case "chat.update":
        return (p, r) => this.chatUpdate(p, r);
      case "chat.postEphemeral":
        return (p, r) => this.postEphemeral(p, r);
      case "views.open":
        return (p, r) => this.viewsOpen(p, r, false);
      case "views.push":
        return (p, r) => this.viewsOpen(p, r, true);
      case "views.update":
        return (p, r) => this.viewsUpdate(p, r);
      case "files.getUploadURLExternal":
        return (p) => this.getUploadUrl(p);
      case "files.completeUploadExternal":
        return (p, r) => this.completeUpload(p, r);
      default:
        return undefined;
    }
  }

  private authTest(): ApiAnswer {
    return new ApiAnswer({
      ok: true,
      url: `https://${this.teamDomain}.slack.com/`,
      team: "Deploybot Test",
      user: "deploybot",
      team_id: this.teamId,
      user_id: this.botUserId,
      bot_id: this.botId,
      is_enterprise_install: false,
    });
  }

  private usersInfo(p: CallParams): ApiAnswer {
    const id = str(p.user);
    if (!id || !/^[UW][A-Z0-9]+$/.test(id)) return fail("user_not_found");
    const known = this.directory.get(id);
    if (known?.deleted === "not-found") return fail("user_not_found");
    return new ApiAnswer({
      ok: true,
      user: {
        id,
        team_id: known?.teamId ?? this.teamId,
        name: known?.name ?? `user-${id.toLowerCase()}`,
        deleted: known?.deleted === true,
        is_bot: false,
        is_restricted: known?.guest === "multi-channel" || known?.guest === "single-channel",
        is_ultra_restricted: known?.guest === "single-channel",
      },
    });
  }

  private userGroupsList(p: CallParams): ApiAnswer {
    const includeUsers = p.include_users === true || p.include_users === "true";
    return new ApiAnswer({
      ok: true,
      usergroups: [...this.userGroups.entries()].map(([id, group]) => ({
        id,
        team_id: this.teamId,
        handle: group.handle,
        name: group.handle,
        ...(includeUsers ? { users: [...group.users] } : {}),
      })),
    });
  }

  private nextTs(): string {
    const micros = ++this.tsCounter * 100;
    const sec = TS_BASE_SEC + Math.floor(micros / 1_000_000);
    return `${sec}.${String(micros % 1_000_000).padStart(6, "0")}`;
  }

  private knownChannel(id: string | undefined): boolean {
    return id !== undefined && /^[CGDUW][A-Z0-9]+$/.test(id);
  }

  /** Block/text checks shared by chat.* methods: Slack answers invalid_blocks / no_text / msg_too_long. */
  private messageProblem(p: CallParams, req: ParsedRequest, requireContent: boolean): ApiAnswer | undefined {
    if (req.badJson.includes("blocks")) return fail("invalid_blocks_format");
    const issues = messageIssues(p.blocks, p.text, { requireContent });
    if (issues.length === 0) return undefined;
    const first = issues[0];
    const code = first?.code ?? "invalid_blocks";
    const blockIssues = issues.filter((i) => i.code === "invalid_blocks");
    if (code === "invalid_blocks" || blockIssues.length > 0) {
      return fail("invalid_blocks", {
        errors: blockIssues.map((i) => `${i.message} [json-pointer:${i.pointer}]`),
        response_metadata: { messages: blockIssues.map(formatIssue) },
      });
    }
    return fail(code);
  }

  private storedMessageJson(m: MessageRecord): Obj {
    return {
      type: "message",
      ...(m.text !== undefined ? { text: m.text } : { text: "" }),
      ...(m.blocks !== undefined ? { blocks: m.blocks } : {}),
      user: this.botUserId,
      bot_id: this.botId,
      app_id: this.appId,
      team: this.teamId,
      ts: m.ts,
      ...(m.thread_ts !== undefined ? { thread_ts: m.thread_ts } : {}),
      ...(m.editedTs !== undefined ? { edited: { user: this.botUserId, ts: m.editedTs } } : {}),
    };
  }

  private findMessage(channel: string, ts: string): MessageRecord | undefined {
    return this.channelMessages.get(channel)?.find((m) => m.ts === ts && !m.deleted);
  }

  private addMessage(channel: string, fields: Omit<MessageRecord, "channel" | "ts" | "edits" | "deleted">): MessageRecord {
    let threadTs = fields.thread_ts;
    if (threadTs !== undefined) {
      // Replying to a reply lands in the parent's thread, as in Slack.
      const target = this.findMessage(channel, threadTs);
      if (target?.thread_ts !== undefined) threadTs = target.thread_ts;
    }
    const record: MessageRecord = {
      ...fields,
      ...(fields.blocks !== undefined ? { blocks: withGeneratedIds(fields.blocks) } : {}),
      ...(threadTs !== undefined ? { thread_ts: threadTs } : {}),
      channel,
      ts: this.nextTs(),
      edits: 0,
      deleted: false,
    };
    const list = this.channelMessages.get(channel) ?? [];
    list.push(record);
    this.channelMessages.set(channel, list);
    return record;
  }

  private postMessage(p: CallParams, req: ParsedRequest): ApiAnswer {
    const channel = str(p.channel);
    if (!channel || !this.knownChannel(channel)) return fail("channel_not_found");
    const problem = this.messageProblem(p, req, true);
    if (problem) return problem;
    const threadTs = str(p.thread_ts);
    const m = this.addMessage(channel, {
      ...(typeof p.text === "string" ? { text: p.text } : {}),
      ...(Array.isArray(p.blocks) ? { blocks: p.blocks } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
      ...(p["metadata"] !== undefined ? { metadata: p["metadata"] } : {}),
    });
    return new ApiAnswer({ ok: true, channel, ts: m.ts, message: this.storedMessageJson(m) });
  }

  private chatUpdate(p: CallParams, req: ParsedRequest): ApiAnswer {
    const channel = str(p.channel);
    const ts = str(p.ts);
    if (!channel || !this.knownChannel(channel)) return fail("channel_not_found");
    if (!ts) return fail("message_not_found");
    const m = this.findMessage(channel, ts);
    if (!m) return fail("message_not_found");
    const problem = this.messageProblem(p, req, false);
    if (problem) return problem;
    // Omitted fields keep their previous value, as documented for chat.update.
    if (typeof p.text === "string") m.text = p.text;
    if (Array.isArray(p.blocks)) m.blocks = withGeneratedIds(p.blocks);
    m.edits++;
    m.editedTs = this.nextTs();
    return new ApiAnswer({
      ok: true,
      channel,
      ts,
      text: m.text ?? "",
      message: this.storedMessageJson(m),
    });
  }

  private postEphemeral(p: CallParams, req: ParsedRequest): ApiAnswer {
    const channel = str(p.channel);
    const user = str(p.user);
    if (!channel || !this.knownChannel(channel)) return fail("channel_not_found");
    if (!user) return fail("user_not_found");
    const problem = this.messageProblem(p, req, true);
    if (problem) return problem;
    const messageTs = this.nextTs();
    const threadTs = str(p.thread_ts);
    this.ephemeralMessages.push({
      channel,
      user,
      message_ts: messageTs,
      ...(typeof p.text === "string" ? { text: p.text } : {}),
      ...(Array.isArray(p.blocks) ? { blocks: withGeneratedIds(p.blocks) } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
      via: "chat.postEphemeral",
      deleted: false,
    });
    return new ApiAnswer({ ok: true, message_ts: messageTs });
  }

  // ---------------------------------------------------------------- views

  private checkTrigger(triggerId: string | undefined): ApiAnswer | TriggerRecord {
    if (!triggerId) return fail("invalid_arguments", { response_metadata: { messages: ["[ERROR] missing required field: trigger_id [json-pointer:/trigger_id]"] } });
    const trigger = this.triggers.get(triggerId);
    if (!trigger) return fail("invalid_trigger_id");
    if (trigger.used) return fail("trigger_exchanged");
    if (this.clock() - trigger.issuedAt > this.triggerTtlMs) return fail("expired_trigger_id");
    return trigger;
  }

  private newHash(): string {
    return `${Math.floor(this.clock() / 1000)}.${randomHex(4)}`;
  }

  private buildView(input: Obj, id: string, rootId: string, previousId: string | null, state: ViewOutput["state"]): ViewOutput {
    const output: Obj = {
      id,
      team_id: this.teamId,
      type: input["type"],
      blocks: withGeneratedIds(input["blocks"]),
      private_metadata: input["private_metadata"] ?? "",
      callback_id: input["callback_id"] ?? "",
      state,
      hash: this.newHash(),
      title: input["title"] ?? null,
      clear_on_close: input["clear_on_close"] ?? false,
      notify_on_close: input["notify_on_close"] ?? false,
      close: input["close"] ?? null,
      submit: input["submit"] ?? null,
      previous_view_id: previousId,
      root_view_id: rootId,
      app_id: this.appId,
      external_id: input["external_id"] ?? "",
      app_installed_team_id: this.teamId,
      bot_id: this.botId,
    };
    return output as unknown as ViewOutput;
  }

  private viewArg(p: CallParams, req: ParsedRequest): ApiAnswer | Obj {
    if (req.badJson.includes("view")) {
      return invalidArguments([{ pointer: "/view", message: "must provide valid JSON", code: "invalid_blocks" }]);
    }
    const view: unknown = p.view;
    if (view === undefined) return invalidArguments([{ pointer: "/view", message: "missing required field: view", code: "invalid_blocks" }]);
    const issues = viewIssues(view, "modal");
    if (issues.length > 0) return invalidArguments(issues);
    return view as Obj;
  }

  private claimExternalId(view: Obj, viewId: string): ApiAnswer | undefined {
    const externalId = str(view["external_id"]);
    if (!externalId) return undefined;
    const owner = this.externalIds.get(externalId);
    if (owner !== undefined && owner !== viewId) return fail("duplicate_external_id");
    this.externalIds.set(externalId, viewId);
    return undefined;
  }

  private stackDepth(rootId: string): number {
    return [...this.views.values()].filter((v) => v.root_view_id === rootId && !this.closedViews.has(v.id)).length;
  }

  private newViewId(): string {
    return `V${String(++this.counter).padStart(10, "0")}`;
  }

  /** Swaps in new content under the same id; returns Slack's error if it must refuse. */
  private replaceView(id: string, current: ViewOutput, view: Obj): string | undefined {
    const dup = this.claimExternalId(view, id);
    if (dup) return String(dup.body.error);
    // Slack keeps what the user typed in inputs whose block_id survives the update.
    const keptIds = new Set(
      (Array.isArray(view["blocks"]) ? view["blocks"] : [])
        .map((b: unknown) => (isObj(b) ? str(b["block_id"]) : undefined))
        .filter((b): b is string => b !== undefined),
    );
    const values: Record<string, Record<string, ViewStateValue>> = {};
    for (const [blockId, value] of Object.entries(current.state.values)) {
      if (keptIds.has(blockId)) values[blockId] = value;
    }
    this.views.set(id, this.buildView(view, id, current.root_view_id ?? id, current.previous_view_id, { values }));
    return undefined;
  }

  private viewsOpen(p: CallParams, req: ParsedRequest, push: boolean): ApiAnswer {
    const trigger = this.checkTrigger(str(p.trigger_id));
    if (trigger instanceof ApiAnswer) return trigger;
    const view = this.viewArg(p, req);
    if (view instanceof ApiAnswer) return view;
    const id = this.newViewId();
    let rootId = id;
    let previousId: string | null = null;
    if (push) {
      const parent = trigger.viewId !== undefined ? this.views.get(trigger.viewId) : undefined;
      if (!parent || this.closedViews.has(parent.id)) {
        return fail("invalid_trigger_id", {
          response_metadata: { messages: ["[ERROR] views.push needs a trigger_id from an interaction inside an open modal"] },
        });
      }
      rootId = parent.root_view_id ?? parent.id;
      previousId = parent.id;
      if (this.stackDepth(rootId) >= MAX_VIEW_STACK) return fail("push_limit_reached");
    }
    const dup = this.claimExternalId(view, id);
    if (dup) return dup;
    trigger.used = true;
    const output = this.buildView(view, id, rootId, previousId, { values: {} });
    this.views.set(id, output);
    return new ApiAnswer({ ok: true, view: clone(output) });
  }

  private viewsUpdate(p: CallParams, req: ParsedRequest): ApiAnswer {
    const viewId = str(p.view_id);
    const externalId = str(p.external_id);
    if (!viewId && !externalId) {
      return invalidArguments([{ pointer: "/view_id", message: "must provide view_id or external_id", code: "invalid_blocks" }]);
    }
    const id = viewId ?? (externalId !== undefined ? this.externalIds.get(externalId) : undefined);
    const current = id !== undefined ? this.views.get(id) : undefined;
    if (!current || id === undefined || this.closedViews.has(id)) return fail("not_found");
    const hash = str(p.hash);
    if (hash !== undefined && hash !== current.hash) return fail("hash_conflict");
    const view = this.viewArg(p, req);
    if (view instanceof ApiAnswer) return view;
    const problem = this.replaceView(id, current, view);
    if (problem) return fail(problem);
    return new ApiAnswer({ ok: true, view: clone(this.views.get(id)) });
  }

  // ---------------------------------------------------------------- files

  private getUploadUrl(p: CallParams): ApiAnswer {
    const filename = str(p["filename"]);
    const length = Number(str(p["length"]));
    const issues: Issue[] = [];
    if (!filename) issues.push({ pointer: "/filename", message: "missing required field: filename", code: "invalid_blocks" });
    if (!Number.isInteger(length) || length < 1) {
      issues.push({ pointer: "/length", message: "must provide a positive integer", code: "invalid_blocks" });
    }
    if (issues.length > 0 || !filename) return invalidArguments(issues);
    const id = `F${String(++this.counter).padStart(10, "0")}`;
    this.files.set(id, { id, filename, declaredLength: length });
    return new ApiAnswer({ ok: true, upload_url: `${this.baseUrl}/upload/${id}`, file_id: id });
  }

  private handleUpload(fileId: string, req: ParsedRequest): ApiAnswer {
    const file = this.files.get(fileId);
    req.params["file_id"] = fileId;
    if (!file) return new ApiAnswer({ ok: false, error: "file_not_found" }, 404);
    const parts = req.contentType.includes("multipart/form-data") ? parseMultipart(req.bytes, req.contentType) : [];
    const filePart = parts.find((part) => part.filename !== undefined) ?? parts[0];
    file.bytes = filePart ? filePart.data : req.bytes;
    req.params["length"] = file.bytes.length;
    return new ApiAnswer({ ok: true });
  }

  private completeUpload(p: CallParams, req: ParsedRequest): ApiAnswer {
    if (req.badJson.includes("files") || !Array.isArray(p["files"])) {
      return invalidArguments([{ pointer: "/files", message: "must provide an array", code: "invalid_blocks" }]);
    }
    const entries: { id: string; title: string }[] = [];
    for (const entry of p["files"] as unknown[]) {
      const id = isObj(entry) ? str(entry["id"]) : undefined;
      const file = id !== undefined ? this.files.get(id) : undefined;
      if (!file || !isObj(entry)) return fail("file_not_found");
      if (file.bytes === undefined) return fail("file_not_found", { response_metadata: { messages: [`[ERROR] file ${file.id} was never uploaded`] } });
      file.title = str(entry["title"]) ?? file.filename;
      entries.push({ id: file.id, title: file.title });
    }
    const channel = str(p["channel_id"]);
    if (channel !== undefined) {
      if (!this.knownChannel(channel)) return fail("channel_not_found");
      const threadTs = str(p.thread_ts);
      const comment = str(p["initial_comment"]);
      this.addMessage(channel, {
        ...(comment !== undefined ? { text: comment } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
        files: entries,
      });
      for (const entry of entries) {
        const file = this.files.get(entry.id);
        if (file) file.channel = channel;
      }
    }
    return new ApiAnswer({
      ok: true,
      files: entries.map((e) => {
        const file = this.files.get(e.id);
        return { id: e.id, title: e.title, name: file?.filename ?? e.title, size: file?.bytes?.length ?? 0 };
      }),
    });
  }

  // ---------------------------------------------------------------- response_url

  private handleResponseUrl(id: string, req: ParsedRequest, call: RecordedCall): ApiAnswer {
    const entry = this.responseUrls.get(id);
    if (!entry) return new ApiAnswer({ ok: false, error: "invalid_url" }, 404);
    const { issuedAt: _issuedAt, uses: _uses, ...context } = entry;
    call.responseUrl = { url: `${this.baseUrl}/response/${id}`, ...context };
    if (this.clock() - entry.issuedAt > this.responseUrlTtlMs) return new ApiAnswer({ ok: false, error: "expired_url" }, 404);
    if (entry.uses >= this.responseUrlMaxUses) return new ApiAnswer({ ok: false, error: "used_url" }, 404);

    let body: unknown;
    try {
      body = JSON.parse(req.bytes.toString("utf8"));
    } catch {
      return new ApiAnswer({ ok: false, error: "invalid_payload" }, 400);
    }
    if (!isObj(body)) return new ApiAnswer({ ok: false, error: "invalid_payload" }, 400);
    Object.assign(call.params, body);
    const p = call.params;
    const deleting = p.delete_original === true;
    const issues = messageIssues(p.blocks, p.text, { requireContent: !deleting });
    if (issues.length > 0) {
      const blockIssues = issues.filter((i) => i.code === "invalid_blocks");
      const code = blockIssues.length > 0 ? "invalid_blocks" : (issues[0]?.code ?? "invalid_blocks");
      return new ApiAnswer(
        { ok: false, error: code, response_metadata: { messages: issues.map(formatIssue) } },
        400,
      );
    }
    entry.uses++;
    this.applyResponse(entry, p);
    return new ApiAnswer({ ok: true });
  }

  /** Mirrors what the user would see after a response_url post. */
  private applyResponse(entry: ResponseUrlRecord, p: CallParams): void {
    const channel = entry.channelId;
    if (!channel) return;
    const text = typeof p.text === "string" ? p.text : undefined;
    const blocks = Array.isArray(p.blocks) ? p.blocks : undefined;
    const originalTs = entry.messageTs;
    const original = originalTs !== undefined ? this.findMessage(channel, originalTs) : undefined;
    const originalEphemeral =
      originalTs !== undefined
        ? this.ephemeralMessages.find((e) => e.channel === channel && e.message_ts === originalTs && !e.deleted)
        : undefined;
    if (p.delete_original === true) {
      if (original) original.deleted = true;
      if (originalEphemeral) originalEphemeral.deleted = true;
      return;
    }
    if (p.replace_original === true && (original || originalEphemeral)) {
      const target = original ?? originalEphemeral;
      if (!target) return;
      if (text !== undefined) target.text = text;
      else delete target.text;
      if (blocks !== undefined) target.blocks = withGeneratedIds(blocks);
      else delete target.blocks;
      if (original) {
        original.edits++;
        original.editedTs = this.nextTs();
      }
      return;
    }
    const threadTs = str(p.thread_ts);
    if (p.response_type === "in_channel") {
      this.addMessage(channel, {
        ...(text !== undefined ? { text } : {}),
        ...(blocks !== undefined ? { blocks } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
      });
      return;
    }
    this.ephemeralMessages.push({
      channel,
      user: entry.userId ?? "",
      message_ts: this.nextTs(),
      ...(text !== undefined ? { text } : {}),
      ...(blocks !== undefined ? { blocks: withGeneratedIds(blocks) } : {}),
      ...(threadTs ? { thread_ts: threadTs } : {}),
      via: "response_url",
      deleted: false,
    });
  }
}

/** Convenience: start a recorder (same as SlackRecorder.start). */
export function startSlackRecorder(options: SlackRecorderOptions = {}): Promise<SlackRecorder> {
  return SlackRecorder.start(options);
}
