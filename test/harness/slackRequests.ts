/**
 * Requests into the app's real HTTP endpoint, built and signed the way Slack builds and signs them,
 * so tests exercise Bolt's receiver (signature check, body parsing, ack) rather than calling
 * listeners directly.
 *
 * Payloads are derived from the view/message the app actually sent whenever possible (element
 * type, block_id, option objects), so a test cannot click a button the app never rendered.
 */
import { createHmac, randomBytes } from "node:crypto";
import type { ViewOutput, ViewStateSelectedOption, ViewStateValue } from "@slack/bolt";
import type { SlackRecorder } from "./slackRecorder.js";

type Obj = Record<string, unknown>;

export interface SlackTarget {
  /** The app's events URL, e.g. http://127.0.0.1:3000/slack/events (a bare origin gets /slack/events). */
  url: string;
  signingSecret: string;
  /** When given, trigger ids and response_urls come from it, and views/messages are looked up in it. */
  recorder?: SlackRecorder;
}

export interface SigningOptions {
  /** "bad": a well-formed but wrong signature; "missing": no X-Slack-Signature header. */
  signature?: "bad" | "missing";
  /** Added to the current time for X-Slack-Request-Timestamp; e.g. -301 for a stale request. */
  timestampOffsetSec?: number;
}

export interface SlackHttpResponse {
  status: number;
  /** Parsed JSON when the app answered JSON, otherwise the raw text ("" for a plain ack). */
  body: unknown;
  headers: Record<string, string>;
}

export type StateValues = ViewOutput["state"]["values"];

export interface OptionObject {
  text: { type: "plain_text" | "mrkdwn"; text: string; emoji?: boolean; verbatim?: boolean };
  value: string;
  description?: { type: "plain_text" | "mrkdwn"; text: string };
}

const DEFAULT_TEAM_ID = "T0TESTTEAM";
const DEFAULT_TEAM_DOMAIN = "deploybot-test";
const DEFAULT_APP_ID = "A0DEPLOYBOT";
const DEFAULT_BOT_USER_ID = "U0DEPLOYBOT";
const DEFAULT_BOT_ID = "B0DEPLOYBOT";
// Slack still sends the deprecated verification token; Bolt ignores it when a signing secret is set.
const VERIFICATION_TOKEN = "legacy-verification-token";

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function clone<T>(value: T): T {
  return structuredClone(value);
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function eventsUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.pathname === "/" || parsed.pathname === "") parsed.pathname = "/slack/events";
  return parsed.toString();
}

function teamOf(target: SlackTarget, teamId?: string): { id: string; domain: string } {
  return {
    id: teamId ?? target.recorder?.teamId ?? DEFAULT_TEAM_ID,
    domain: target.recorder?.teamDomain ?? DEFAULT_TEAM_DOMAIN,
  };
}

function appIdOf(target: SlackTarget): string {
  return target.recorder?.appId ?? DEFAULT_APP_ID;
}

function actionTs(): string {
  const now = Date.now();
  return `${Math.floor(now / 1000)}.${String((now % 1000) * 1000).padStart(6, "0")}`;
}

function fallbackTriggerId(): string {
  return `${Date.now()}.${randomBytes(4).readUInt32BE()}.${randomBytes(16).toString("hex")}`;
}

/** `v0=` + hex HMAC-SHA256 of "v0:{timestamp}:{body}", as Slack signs requests. */
export function signSlackRequest(signingSecret: string, rawBody: string, timestampSec: number): string {
  const hmac = createHmac("sha256", signingSecret);
  hmac.update(`v0:${timestampSec}:${rawBody}`);
  return `v0=${hmac.digest("hex")}`;
}

/** The headers Slack would send with `rawBody`; exported so tests can check them against Bolt's verifier. */
export function slackSignatureHeaders(
  signingSecret: string,
  rawBody: string,
  signing: SigningOptions = {},
): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000) + (signing.timestampOffsetSec ?? 0);
  const headers: Record<string, string> = { "x-slack-request-timestamp": String(timestamp) };
  if (signing.signature === "bad") {
    headers["x-slack-signature"] = signSlackRequest(`${signingSecret}-not-the-secret`, rawBody, timestamp);
  } else if (signing.signature !== "missing") {
    headers["x-slack-signature"] = signSlackRequest(signingSecret, rawBody, timestamp);
  }
  return headers;
}

/** POSTs an arbitrary raw body, signed (or mis-signed) as requested. */
export async function sendSignedRequest(
  target: SlackTarget,
  rawBody: string,
  contentType: string,
  signing: SigningOptions = {},
  extraHeaders: Record<string, string> = {},
): Promise<SlackHttpResponse> {
  const response = await fetch(eventsUrl(target.url), {
    method: "POST",
    headers: {
      "content-type": contentType,
      "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
      ...slackSignatureHeaders(target.signingSecret, rawBody, signing),
      ...extraHeaders,
    },
    body: rawBody,
    redirect: "manual",
  });
  const text = await response.text();
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  let body: unknown = text;
  if ((headers["content-type"] ?? "").includes("json") && text.length > 0) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { status: response.status, body, headers };
}

function sendForm(target: SlackTarget, fields: Record<string, string>, signing?: SigningOptions): Promise<SlackHttpResponse> {
  return sendSignedRequest(target, new URLSearchParams(fields).toString(), "application/x-www-form-urlencoded", signing);
}

function sendPayload(target: SlackTarget, payload: Obj, signing?: SigningOptions): Promise<SlackHttpResponse> {
  return sendForm(target, { payload: JSON.stringify(payload) }, signing);
}

// ------------------------------------------------------------------ slash commands

export interface SlashCommandOptions {
  command?: string;
  text: string;
  userId: string;
  userName?: string;
  channelId: string;
  channelName?: string;
  teamId?: string;
  triggerId?: string;
  responseUrl?: string;
}

/** The form fields of the slash command (exposed for tests that want to tamper with them). */
export function slashCommandFields(target: SlackTarget, options: SlashCommandOptions): Record<string, string> {
  const team = teamOf(target, options.teamId);
  const recorder = target.recorder;
  return {
    token: VERIFICATION_TOKEN,
    team_id: team.id,
    team_domain: team.domain,
    channel_id: options.channelId,
    channel_name: options.channelName ?? `channel-${options.channelId.toLowerCase()}`,
    user_id: options.userId,
    user_name: options.userName ?? `user-${options.userId.toLowerCase()}`,
    command: options.command ?? "/deploy",
    text: options.text,
    api_app_id: appIdOf(target),
    is_enterprise_install: "false",
    response_url:
      options.responseUrl ??
      recorder?.responseUrl({ channelId: options.channelId, userId: options.userId }) ??
      `https://hooks.slack.com/commands/${team.id}/0000000000/${randomBytes(12).toString("hex")}`,
    trigger_id: options.triggerId ?? recorder?.issueTriggerId() ?? fallbackTriggerId(),
  };
}

export async function sendSlashCommand(
  target: SlackTarget,
  options: SlashCommandOptions,
  signing?: SigningOptions,
): Promise<SlackHttpResponse> {
  return sendForm(target, slashCommandFields(target, options), signing);
}

// ------------------------------------------------------------------ view state

function findOption(element: Obj, wanted: unknown): OptionObject | undefined {
  const pool: unknown[] = [];
  if (Array.isArray(element["options"])) pool.push(...(element["options"] as unknown[]));
  if (Array.isArray(element["option_groups"])) {
    for (const group of element["option_groups"] as unknown[]) {
      if (isObj(group) && Array.isArray(group["options"])) pool.push(...(group["options"] as unknown[]));
    }
  }
  const wantedValue = isObj(wanted) ? wanted["value"] : wanted;
  const found = pool.find((o) => isObj(o) && o["value"] === wantedValue);
  return isObj(found) ? normalizeOption(found) : undefined;
}

/** Slack echoes option objects back with its defaults filled in (emoji: true on plain_text). */
function normalizeOption(option: Obj): OptionObject {
  const copy = clone(option) as unknown as OptionObject;
  if (copy.text.type === "plain_text" && copy.text.emoji === undefined) copy.text.emoji = true;
  return copy;
}

function optionOrThrow(element: Obj, wanted: unknown, where: string): OptionObject {
  const option = findOption(element, wanted);
  if (option) return option;
  if (element["type"] === "external_select" || element["type"] === "multi_external_select") {
    // External selects have no options in the view; Slack sends what the options endpoint offered.
    if (isObj(wanted)) return normalizeOption(wanted);
    const value = String(wanted);
    return { text: { type: "plain_text", text: value, emoji: true }, value };
  }
  const offered = JSON.stringify(findAllValues(element));
  throw new Error(`${where}: option ${JSON.stringify(wanted)} is not one the element offers (${offered})`);
}

function findAllValues(element: Obj): string[] {
  const values: string[] = [];
  const collect = (options: unknown): void => {
    if (!Array.isArray(options)) return;
    for (const o of options as unknown[]) if (isObj(o) && typeof o["value"] === "string") values.push(o["value"]);
  };
  collect(element["options"]);
  if (Array.isArray(element["option_groups"])) {
    for (const g of element["option_groups"] as unknown[]) if (isObj(g)) collect(g["options"]);
  }
  return values;
}

function asArray(value: unknown, where: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw new Error(`${where}: expected an array of values, got ${JSON.stringify(value)}`);
}

function initialOf(element: Obj): unknown {
  switch (element["type"]) {
    case "static_select":
    case "external_select":
    case "radio_buttons":
      return isObj(element["initial_option"]) ? element["initial_option"] : undefined;
    case "multi_static_select":
    case "multi_external_select":
    case "checkboxes":
      return Array.isArray(element["initial_options"]) ? element["initial_options"] : undefined;
    case "users_select":
      return element["initial_user"];
    case "multi_users_select":
      return element["initial_users"];
    case "conversations_select":
      return element["initial_conversation"];
    case "multi_conversations_select":
      return element["initial_conversations"];
    case "channels_select":
      return element["initial_channel"];
    case "multi_channels_select":
      return element["initial_channels"];
    case "datepicker":
      return element["initial_date"];
    case "timepicker":
      return element["initial_time"];
    case "datetimepicker":
      return element["initial_date_time"];
    case "rich_text_input":
      return element["initial_value"];
    default:
      return element["initial_value"];
  }
}

const STATELESS_TYPES = new Set(["button", "overflow", "image", "workflow_button", "feedback_buttons", "icon_button"]);

/** The state entry Slack would report for `element` holding `answer` (null/undefined = left blank). */
export function stateValueFor(element: Obj, answer: unknown, where = "stateValueFor"): ViewStateValue {
  const type = String(element["type"]);
  const blank = answer === undefined || answer === null;
  const strings = (value: unknown): string[] => asArray(value, where).map(String);
  switch (type) {
    case "plain_text_input":
    case "email_text_input":
    case "url_text_input":
      return { type, value: blank || answer === "" ? null : String(answer) };
    case "number_input":
      return { type, value: blank || answer === "" ? null : String(answer) };
    case "static_select":
    case "external_select":
    case "radio_buttons":
      // Bolt's type says plain_text only, but Slack echoes mrkdwn radio/checkbox options as sent.
      return { type, selected_option: blank ? null : (optionOrThrow(element, answer, where) as ViewStateSelectedOption) };
    case "multi_static_select":
    case "multi_external_select":
    case "checkboxes":
      return {
        type,
        selected_options: blank
          ? []
          : asArray(answer, where).map((a) => optionOrThrow(element, a, where) as ViewStateSelectedOption),
      };
    case "users_select":
      return { type, selected_user: blank ? null : String(answer) };
    case "multi_users_select":
      return { type, selected_users: blank ? [] : strings(answer) };
    case "conversations_select":
      return { type, selected_conversation: blank ? null : String(answer) };
    case "multi_conversations_select":
      return { type, selected_conversations: blank ? [] : strings(answer) };
    case "channels_select":
      return { type, selected_channel: blank ? null : String(answer) };
    case "multi_channels_select":
      return { type, selected_channels: blank ? [] : strings(answer) };
    case "datepicker":
      return { type, selected_date: blank ? null : String(answer) };
    case "timepicker":
      return { type, selected_time: blank ? null : String(answer) };
    case "datetimepicker":
      return { type, selected_date_time: blank ? null : Number(answer) };
    case "rich_text_input":
      return blank ? { type } : ({ type, rich_text_value: answer } as ViewStateValue);
    case "file_input":
      return { type, files: blank ? [] : (asArray(answer, where) as ViewStateValue["files"]) };
    default:
      return { type, value: blank ? null : String(answer) };
  }
}

function statefulElements(block: Obj): Obj[] {
  const elements: unknown[] = [];
  if (block["type"] === "input") elements.push(block["element"]);
  if (block["type"] === "actions" && Array.isArray(block["elements"])) elements.push(...(block["elements"] as unknown[]));
  if (block["type"] === "section") elements.push(block["accessory"]);
  return elements.filter((e): e is Obj => isObj(e) && !STATELESS_TYPES.has(String(e["type"])));
}

/**
 * `state.values` as Slack would send it for `view` after the user filled it in. `answers` is keyed
 * by block_id; unanswered inputs keep their initial value (what the user saw), `null` clears one.
 * Select answers are option values (or option objects); multi-selects and checkboxes take arrays.
 * Throws when an answer targets a block that has no stateful element, since Slack could never send it.
 */
export function viewStateFrom(view: { blocks?: unknown }, answers: Record<string, unknown> = {}): StateValues {
  const values: StateValues = {};
  const used = new Set<string>();
  const blocks = Array.isArray(view.blocks) ? (view.blocks as unknown[]) : [];
  blocks.forEach((block, index) => {
    if (!isObj(block)) return;
    const blockId = str(block["block_id"]) ?? `block-${index}`;
    for (const element of statefulElements(block)) {
      const actionId = str(element["action_id"]) ?? `action-${index}`;
      const answered = Object.prototype.hasOwnProperty.call(answers, blockId);
      const answer = answered ? answers[blockId] : initialOf(element);
      if (answered) used.add(blockId);
      // Blocks outside inputs only show up in state once they hold something.
      if (block["type"] !== "input" && !answered && answer === undefined) continue;
      const entry = values[blockId] ?? {};
      entry[actionId] = stateValueFor(element, answer, `viewStateFrom(${blockId})`);
      values[blockId] = entry;
    }
  });
  const unknown = Object.keys(answers).filter((k) => !used.has(k));
  if (unknown.length > 0) {
    const known = blocks
      .filter(isObj)
      .filter((b) => statefulElements(b).length > 0)
      .map((b) => str(b["block_id"]));
    throw new Error(
      `viewStateFrom: no stateful element for block_id(s) ${JSON.stringify(unknown)}; the view has ${JSON.stringify(known)}`,
    );
  }
  return values;
}

// ------------------------------------------------------------------ views

export type ViewInput = Partial<ViewOutput> & { id: string };

/** A full view payload: what the recorder holds for `view.id`, overlaid with what the test passed. */
function resolveView(target: SlackTarget, view: ViewInput): ViewOutput {
  const stored = target.recorder?.view(view.id);
  if (stored && target.recorder && !target.recorder.isViewOpen(view.id)) {
    throw new Error(`view ${view.id} is already closed; Slack cannot send interactions from it`);
  }
  const team = teamOf(target);
  const base: ViewOutput = stored ?? {
    id: view.id,
    team_id: team.id,
    type: "modal",
    blocks: [],
    private_metadata: "",
    callback_id: "",
    state: { values: {} },
    hash: `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString("hex")}`,
    title: { type: "plain_text", text: "View", emoji: true },
    clear_on_close: false,
    notify_on_close: false,
    close: null,
    submit: null,
    previous_view_id: null,
    root_view_id: view.id,
    app_id: appIdOf(target),
    external_id: "",
    app_installed_team_id: team.id,
    bot_id: target.recorder?.botId ?? DEFAULT_BOT_ID,
  };
  return { ...base, ...clone(view) };
}

function userOf(target: SlackTarget, userId: string, userName?: string, teamId?: string): Obj {
  const name = userName ?? `user-${userId.toLowerCase()}`;
  return { id: userId, username: name, name, team_id: teamOf(target, teamId).id };
}

export interface ViewSubmissionOptions {
  userId: string;
  userName?: string;
  teamId?: string;
  /** At least `id`; the rest is filled from the recorder's copy of the view when available. */
  view: ViewInput;
  /** Fills `view.state` via viewStateFrom when the view has no explicit state. */
  answers?: Record<string, unknown>;
  triggerId?: string;
}

export function viewSubmissionPayload(target: SlackTarget, options: ViewSubmissionOptions): Obj {
  const view = resolveView(target, options.view);
  if (options.view.state === undefined) view.state = { values: viewStateFrom(view, options.answers ?? {}) };
  else if (options.answers !== undefined) throw new Error("sendViewSubmission: pass either view.state or answers, not both");
  const team = teamOf(target, options.teamId);
  return {
    type: "view_submission",
    team: { id: team.id, domain: team.domain },
    user: userOf(target, options.userId, options.userName, options.teamId),
    api_app_id: appIdOf(target),
    token: VERIFICATION_TOKEN,
    trigger_id: options.triggerId ?? target.recorder?.issueTriggerId({ viewId: view.id }) ?? fallbackTriggerId(),
    view,
    response_urls: [],
    is_enterprise_install: false,
    enterprise: null,
  };
}

/**
 * Submits a modal. With a recorder, the app's answer is applied to the recorder's views (closed,
 * updated, pushed) and anything Slack would refuse in it — an invalid view, an `errors` key that
 * names no input block — throws, because real Slack would only show the user a generic error.
 */
export async function sendViewSubmission(
  target: SlackTarget,
  options: ViewSubmissionOptions,
  signing?: SigningOptions,
): Promise<SlackHttpResponse> {
  const payload = viewSubmissionPayload(target, options);
  const view = payload["view"] as ViewOutput;
  const recorder = target.recorder;
  const response = await sendPayload(target, payload, signing);
  if (recorder && response.status === 200 && recorder.isViewOpen(view.id)) {
    recorder.setViewState(view.id, view.state.values);
    const problems = recorder.applyViewSubmissionResponse(view.id, response.body);
    if (problems.length > 0) {
      throw new Error(
        `Slack would refuse the app's view_submission response ${JSON.stringify(response.body).slice(0, 500)}:\n${problems.join("\n")}`,
      );
    }
  }
  return response;
}

export interface ViewClosedOptions {
  userId: string;
  view: ViewInput;
  isCleared?: boolean;
  teamId?: string;
}

export async function sendViewClosed(
  target: SlackTarget,
  options: ViewClosedOptions,
  signing?: SigningOptions,
): Promise<SlackHttpResponse> {
  const view = resolveView(target, options.view);
  target.recorder?.closeView(view.id, { clear: options.isCleared ?? false });
  const team = teamOf(target, options.teamId);
  return sendPayload(
    target,
    {
      type: "view_closed",
      team: { id: team.id, domain: team.domain },
      user: userOf(target, options.userId, undefined, options.teamId),
      api_app_id: appIdOf(target),
      token: VERIFICATION_TOKEN,
      view,
      is_cleared: options.isCleared ?? false,
      is_enterprise_install: false,
      enterprise: null,
    },
    signing,
  );
}

// ------------------------------------------------------------------ block actions

export interface BlockActionOptions {
  userId: string;
  userName?: string;
  teamId?: string;
  channelId?: string;
  channelName?: string;
  actionId: string;
  /** Defaults to the block_id of the block holding `actionId` in the message/view. */
  blockId?: string;
  /** Button value; defaults to the button's own value in the message/view. */
  value?: string;
  /** For selects / radio buttons / overflow: the chosen option's value (or the option object). */
  selectedOption?: string | OptionObject;
  /** For multi-selects / checkboxes. */
  selectedOptions?: (string | OptionObject)[];
  /** For users/conversations/channels selects, date/time pickers: the selected id or value. */
  selected?: string | string[] | number;
  /** Element type, when it cannot be found in a message/view. */
  elementType?: string;
  /** The modal the action happened in; at least `id` (the rest comes from the recorder). */
  view?: ViewInput;
  /** Answers for the view's other inputs at the time of the click (see viewStateFrom). */
  answers?: Record<string, unknown>;
  /** The message the action happened in; `{ ts }` is enough when the recorder holds the message. */
  message?: { ts: string; [key: string]: unknown };
  triggerId?: string;
  responseUrl?: string;
  container?: Record<string, unknown>;
}

interface FoundElement {
  element: Obj;
  blockId: string;
}

function findElement(blocks: unknown, actionId: string, blockId?: string): FoundElement | undefined {
  if (!Array.isArray(blocks)) return undefined;
  for (const block of blocks as unknown[]) {
    if (!isObj(block)) continue;
    const id = str(block["block_id"]);
    if (blockId !== undefined && id !== blockId) continue;
    const candidates: unknown[] = [];
    if (Array.isArray(block["elements"])) candidates.push(...(block["elements"] as unknown[]));
    if (block["accessory"] !== undefined) candidates.push(block["accessory"]);
    if (block["element"] !== undefined) candidates.push(block["element"]);
    for (const element of candidates) {
      if (isObj(element) && element["action_id"] === actionId) return { element, blockId: id ?? blockId ?? "" };
    }
  }
  return undefined;
}

function describeActionIds(blocks: unknown): string {
  const ids: string[] = [];
  if (Array.isArray(blocks)) {
    for (const block of blocks as unknown[]) {
      if (!isObj(block)) continue;
      const candidates: unknown[] = [];
      if (Array.isArray(block["elements"])) candidates.push(...(block["elements"] as unknown[]));
      if (block["accessory"] !== undefined) candidates.push(block["accessory"]);
      if (block["element"] !== undefined) candidates.push(block["element"]);
      for (const e of candidates) {
        if (isObj(e) && typeof e["action_id"] === "string") ids.push(`${String(block["block_id"])}/${e["action_id"]}`);
      }
    }
  }
  return ids.length ? ids.join(", ") : "none";
}

function buildAction(options: BlockActionOptions, found: FoundElement | undefined): Obj {
  const element = found?.element;
  const type =
    str(element?.["type"]) ??
    options.elementType ??
    (options.selectedOptions !== undefined ? "multi_static_select" : options.selectedOption !== undefined ? "static_select" : "button");
  const action: Obj = {
    type,
    action_id: options.actionId,
    block_id: options.blockId ?? found?.blockId ?? randomBytes(3).toString("base64url"),
    action_ts: actionTs(),
  };
  const where = `sendBlockAction(${options.actionId})`;
  const source: Obj = element ?? { type };
  switch (type) {
    case "button": {
      action["text"] = element?.["text"] ?? { type: "plain_text", text: options.actionId, emoji: true };
      const value = options.value ?? str(element?.["value"]);
      if (value !== undefined) action["value"] = value;
      if (element?.["style"] !== undefined) action["style"] = element["style"];
      break;
    }
    case "static_select":
    case "external_select":
    case "radio_buttons":
    case "overflow": {
      const wanted = options.selectedOption ?? options.value;
      if (wanted === undefined) throw new Error(`${where}: pass selectedOption for a ${type}`);
      action["selected_option"] =
        element || typeof wanted === "string"
          ? optionOrThrow(element ?? { type: "external_select" }, wanted, where)
          : wanted;
      if (element?.["placeholder"] !== undefined) action["placeholder"] = element["placeholder"];
      break;
    }
    case "multi_static_select":
    case "multi_external_select":
    case "checkboxes": {
      const wanted = options.selectedOptions ?? [];
      action["selected_options"] = wanted.map((w) => optionOrThrow(element ?? { type: "multi_external_select" }, w, where));
      break;
    }
    default: {
      const state = stateValueFor(source, options.selected ?? options.value ?? null, where);
      Object.assign(action, state, { type });
      break;
    }
  }
  return action;
}

export function blockActionPayload(target: SlackTarget, options: BlockActionOptions): Obj {
  const recorder = target.recorder;
  const team = teamOf(target, options.teamId);
  const payload: Obj = {
    type: "block_actions",
    user: userOf(target, options.userId, options.userName, options.teamId),
    api_app_id: appIdOf(target),
    token: VERIFICATION_TOKEN,
    team: { id: team.id, domain: team.domain },
    enterprise: null,
    is_enterprise_install: false,
  };

  let blocks: unknown;
  if (options.view) {
    const view = resolveView(target, options.view);
    if (options.view.state === undefined) view.state = { values: viewStateFrom(view, options.answers ?? {}) };
    blocks = view.blocks;
    recorder?.setViewState(view.id, view.state.values);
    payload["container"] = options.container ?? { type: "view", view_id: view.id };
    payload["view"] = view;
    payload["trigger_id"] = options.triggerId ?? recorder?.issueTriggerId({ viewId: view.id }) ?? fallbackTriggerId();
    // Actions inside modals come without a response_url, as on Slack.
    if (options.responseUrl !== undefined) payload["response_url"] = options.responseUrl;
  } else {
    const channelId = options.channelId;
    let message: Obj | undefined = options.message ? clone(options.message) : undefined;
    let isEphemeral = false;
    if (message && recorder && channelId && message["blocks"] === undefined && message["text"] === undefined) {
      const ts = String(message["ts"]);
      const stored = recorder.message(channelId, ts);
      const ephemeral = recorder.ephemerals({ channel: channelId }).find((e) => e.message_ts === ts);
      if (stored) {
        message = {
          type: "message",
          app_id: recorder.appId,
          team: recorder.teamId,
          ...clone(stored),
        };
        delete message["replies"];
        delete message["edits"];
        delete message["channel"];
      } else if (ephemeral) {
        isEphemeral = true;
        message = { ts, text: ephemeral.text, blocks: ephemeral.blocks };
      } else {
        throw new Error(`sendBlockAction: the recorder has no message ${ts} in ${channelId}`);
      }
    }
    blocks = message?.["blocks"];
    const messageTs = message ? str(message["ts"]) : undefined;
    payload["container"] = options.container ?? {
      type: "message",
      ...(messageTs !== undefined ? { message_ts: messageTs } : {}),
      ...(channelId !== undefined ? { channel_id: channelId } : {}),
      is_ephemeral: isEphemeral,
    };
    if (channelId !== undefined) {
      payload["channel"] = { id: channelId, name: options.channelName ?? `channel-${channelId.toLowerCase()}` };
    }
    // Slack does not echo ephemeral messages back in the payload.
    if (message && !isEphemeral) {
      payload["message"] = message;
      payload["state"] = { values: viewStateFrom({ blocks }, options.answers ?? {}) };
    }
    payload["trigger_id"] = options.triggerId ?? recorder?.issueTriggerId() ?? fallbackTriggerId();
    payload["response_url"] =
      options.responseUrl ??
      recorder?.responseUrl({
        ...(channelId !== undefined ? { channelId } : {}),
        userId: options.userId,
        ...(messageTs !== undefined ? { messageTs } : {}),
      }) ??
      `https://hooks.slack.com/actions/${team.id}/0000000000/${randomBytes(12).toString("hex")}`;
  }

  const found = findElement(blocks, options.actionId, options.blockId);
  // With a known source, a click on something it doesn't contain is a test bug Slack can't produce.
  if (!found && (options.view !== undefined || options.message !== undefined)) {
    throw new Error(
      `sendBlockAction: no element with action_id "${options.actionId}"${options.blockId ? ` in block "${options.blockId}"` : ""}; ` +
        `the ${options.view ? "view" : "message"} has ${describeActionIds(blocks)}`,
    );
  }
  payload["actions"] = [buildAction(options, found)];
  return payload;
}

export async function sendBlockAction(
  target: SlackTarget,
  options: BlockActionOptions,
  signing?: SigningOptions,
): Promise<SlackHttpResponse> {
  return sendPayload(target, blockActionPayload(target, options), signing);
}

// ------------------------------------------------------------------ events API

export interface EventOptions {
  eventId?: string;
  teamId?: string;
  /** X-Slack-Retry-Num, for redelivery tests. */
  retryNum?: number;
  retryReason?: string;
}

/** An Events API `event_callback` (e.g. app_mention, message) as a signed JSON POST. */
export async function sendEvent(
  target: SlackTarget,
  event: Obj & { type: string },
  options: EventOptions = {},
  signing?: SigningOptions,
): Promise<SlackHttpResponse> {
  const team = teamOf(target, options.teamId);
  const body = {
    token: VERIFICATION_TOKEN,
    team_id: team.id,
    api_app_id: appIdOf(target),
    event: { event_ts: actionTs(), ...event },
    type: "event_callback",
    event_id: options.eventId ?? `Ev${randomBytes(5).toString("hex").toUpperCase()}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [
      {
        enterprise_id: null,
        team_id: team.id,
        user_id: target.recorder?.botUserId ?? DEFAULT_BOT_USER_ID,
        is_bot: true,
        is_enterprise_install: false,
      },
    ],
    is_ext_shared_channel: false,
  };
  const extra: Record<string, string> = {};
  if (options.retryNum !== undefined) {
    extra["x-slack-retry-num"] = String(options.retryNum);
    extra["x-slack-retry-reason"] = options.retryReason ?? "http_timeout";
  }
  return sendSignedRequest(target, JSON.stringify(body), "application/json", signing, extra);
}
