/**
 * What a change would do to one Kubernetes object, field by field, for a dry-run preview. Pure:
 * it compares the live object with what the API server answered to a dry-run apply, so both
 * sides carry the same server defaults and only real changes remain.
 */

import { ANNOTATION_APPLIED_BY_OPERATION, LABEL_OWNER_DEPLOYMENT_ID } from "./ownership.js";
import { formatFieldPath, isRecord, itemName, type FieldSegment } from "./fieldPath.js";

/** A JSON-shaped Kubernetes object as client-node returns it. */
export interface DiffableObject {
  kind?: string;
  metadata?: { name?: string };
}

export interface FieldChange {
  /** Dotted path; list items with a `name` are addressed by it: `spec.template.spec.containers[model-server].image`. */
  path: string;
  /** undefined when the field is absent on that side. Environment variable values are already masked. */
  before: unknown;
  after: unknown;
}

export type ChangeAction = "created" | "updated" | "unchanged" | "deleted" | "replaced";

export interface ObjectChange {
  kind: string;
  name: string;
  action: ChangeAction;
  /** Changed fields of an update or a replacement; empty for created, deleted and unchanged objects. */
  fields: FieldChange[];
}

/** Stands in for an environment variable's value: Slack must never see one. */
export const MASKED_VALUE = "(hidden)";

/** Fields the API server maintains: they move on every write and say nothing about the change. */
const NOISE_PATHS = new Set([
  "status",
  "metadata.resourceVersion",
  "metadata.generation",
  "metadata.managedFields",
  "metadata.uid",
  "metadata.creationTimestamp",
  "metadata.selfLink",
  "metadata.deletionTimestamp",
  "metadata.deletionGracePeriodSeconds",
]);

/** Annotations written by controllers and kubectl, not by the bot's configuration. */
const NOISE_ANNOTATIONS = new Set([
  "deployment.kubernetes.io/revision",
  "kubectl.kubernetes.io/last-applied-configuration",
  "autoscaling.alpha.kubernetes.io/conditions",
  "autoscaling.alpha.kubernetes.io/current-metrics",
]);

/** The bot's ownership mark (ownership.ts): bookkeeping of every apply, not part of any change. */
const NOISE_METADATA: Readonly<Record<string, ReadonlySet<string>>> = {
  annotations: new Set([...NOISE_ANNOTATIONS, ANNOTATION_APPLIED_BY_OPERATION]),
  labels: new Set([LABEL_OWNER_DEPLOYMENT_ID]),
};

const CONTAINER_LISTS = new Set(["containers", "initContainers", "ephemeralContainers"]);

type Segment = FieldSegment;

/** Key paths only (list items skipped), to match the noise table whatever the list addressing. */
function keyPath(segments: readonly Segment[]): string {
  return segments.flatMap((s) => ("key" in s ? [s.key] : [])).join(".");
}

function isNoise(segments: readonly Segment[]): boolean {
  if (segments.length === 0) return false;
  if (NOISE_PATHS.has(keyPath(segments))) return true;
  const [first, second, third] = segments;
  return (
    segments.length === 3 &&
    first !== undefined && "key" in first && first.key === "metadata" &&
    second !== undefined && "key" in second &&
    third !== undefined && "key" in third && NOISE_METADATA[second.key]?.has(third.key) === true
  );
}

/** `…containers[x].env[y].value`: an environment variable's literal value. */
function isEnvValue(segments: readonly Segment[]): boolean {
  const n = segments.length;
  if (n < 5) return false;
  const [list, , env, , value] = segments.slice(n - 5);
  return (
    list !== undefined && "key" in list && CONTAINER_LISTS.has(list.key) &&
    env !== undefined && "key" in env && env.key === "env" &&
    value !== undefined && "key" in value && value.key === "value"
  );
}

/**
 * A copy with every environment variable value below `segments` replaced by MASKED_VALUE, for a
 * whole container or env entry that appears or disappears at once.
 */
function mask(value: unknown, segments: readonly Segment[]): unknown {
  if (value === undefined) return undefined;
  if (isEnvValue(segments)) return MASKED_VALUE;
  if (Array.isArray(value)) {
    const named = namedItems(value);
    return value.map((item, index) => mask(item, [...segments, { item: named ? (itemName(item) ?? "") : String(index) }]));
  }
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, mask(child, [...segments, { key }])]));
  }
  return value;
}

/** Containers, env, ports, volumes: lists whose items carry unique names are compared by name, not position. */
function namedItems(...lists: readonly unknown[][]): boolean {
  const all = lists.flat();
  if (all.length === 0) return false;
  const names = all.map((item) => itemName(item) ?? "");
  if (names.some((name) => name === "")) return false;
  return lists.every((list) => new Set(list.map((item) => itemName(item) ?? "")).size === list.length);
}

function isScalarList(list: readonly unknown[]): boolean {
  return list.every((item) => !isRecord(item) && !Array.isArray(item));
}

function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const aKeys = Object.keys(a).filter((k) => a[k] !== undefined);
    const bKeys = Object.keys(b).filter((k) => b[k] !== undefined);
    return aKeys.length === bKeys.length && aKeys.every((k) => jsonEqual(a[k], b[k]));
  }
  return false;
}

function collect(before: unknown, after: unknown, segments: Segment[], out: FieldChange[]): void {
  if (isNoise(segments) || jsonEqual(before, after)) return;
  if (isRecord(before) && isRecord(after)) {
    const keys = [...Object.keys(after), ...Object.keys(before).filter((key) => !(key in after))];
    for (const key of keys) collect(before[key], after[key], [...segments, { key }], out);
    return;
  }
  if (Array.isArray(before) && Array.isArray(after) && !(isScalarList(before) && isScalarList(after))) {
    if (namedItems(before, after)) {
      const beforeByName = new Map(before.map((item) => [itemName(item) ?? "", item]));
      const afterNames = new Set(after.map((item) => itemName(item) ?? ""));
      for (const item of after) collect(beforeByName.get(itemName(item) ?? ""), item, [...segments, { item: itemName(item) ?? "" }], out);
      for (const item of before) {
        if (!afterNames.has(itemName(item) ?? "")) collect(item, undefined, [...segments, { item: itemName(item) ?? "" }], out);
      }
    } else {
      for (let i = 0; i < Math.max(before.length, after.length); i++) collect(before[i], after[i], [...segments, { item: String(i) }], out);
    }
    return;
  }
  out.push({ path: formatFieldPath(segments), before: mask(before, segments), after: mask(after, segments) });
}

/** The changed fields from `before` to `after`, server-maintained fields left out, env values masked. */
export function diffObjects(before: DiffableObject | null, after: DiffableObject | null): FieldChange[] {
  const out: FieldChange[] = [];
  collect(before ?? undefined, after ?? undefined, [], out);
  return out;
}

/**
 * One object's change: `live` is the object before (null when it does not exist), `after` what it
 * would become (null when it would be deleted). `replaced` marks an object that is deleted and
 * created again because an immutable field changes (a Service's clusterIP).
 */
export function describeObjectChange(
  live: DiffableObject | null,
  after: DiffableObject | null,
  options: { replaced?: boolean } = {},
): ObjectChange {
  const identity = after ?? live;
  const kind = identity?.kind ?? "?";
  const name = identity?.metadata?.name ?? "?";
  if (live === null) return { kind, name, action: "created", fields: [] };
  if (after === null) return { kind, name, action: "deleted", fields: [] };
  const fields = diffObjects(live, after);
  if (options.replaced === true) return { kind, name, action: "replaced", fields };
  return { kind, name, action: fields.length === 0 ? "unchanged" : "updated", fields };
}

// ------------------------------------------------------------------ human summary

/** Slack's limit for a section's text. */
export const SLACK_SECTION_LIMIT = 3000;
/** One long value (a whole container) must not eat the summary: values are cut to this. */
const VALUE_LIMIT = 80;

function formatValue(value: unknown): string {
  if (value === undefined) return "(none)";
  const text = typeof value === "string" ? (value === "" ? '""' : value) : JSON.stringify(value);
  return text.length > VALUE_LIMIT ? `${text.slice(0, VALUE_LIMIT - 1)}…` : text;
}

export function formatFieldChange(change: FieldChange): string {
  return `${change.path} ${formatValue(change.before)} → ${formatValue(change.after)}`;
}

/**
 * `Deployment resnet-prod-blue: spec.replicas 2 → 5`, `Service resnet-prod: created`. At most
 * `maxFields` fields are listed; the rest are counted ("…and 3 more fields").
 */
export function summarizeObjectChange(change: ObjectChange, maxFields = 5): string {
  const head = `${change.kind} ${change.name}`;
  if (change.action === "created" || change.action === "deleted" || change.action === "unchanged") {
    return `${head}: ${change.action}`;
  }
  const shown = change.fields.slice(0, Math.max(0, maxFields)).map(formatFieldChange);
  const hidden = change.fields.length - shown.length;
  if (hidden > 0) shown.push(`…and ${hidden} more field${hidden === 1 ? "" : "s"}`);
  const prefix = change.action === "replaced" ? "replaced (deleted and created again)" : "";
  const body = [prefix, shown.join("; ")].filter((part) => part !== "").join(": ");
  return `${head}: ${body}`;
}

/**
 * One line per object, fitting `maxChars` (Slack's section limit by default): fields per object are
 * cut first, then whole lines ("…and 2 more objects"), so the answer never fails to post.
 */
export function summarizeChanges(changes: readonly ObjectChange[], maxChars = SLACK_SECTION_LIMIT, maxFields = 5): string {
  const widest = Math.max(0, ...changes.map((c) => c.fields.length));
  for (let fields = Math.min(maxFields, widest); fields >= 0; fields--) {
    const text = changes.map((change) => summarizeObjectChange(change, fields)).join("\n");
    if (text.length <= maxChars) return text;
  }
  const lines = changes.map((change) => summarizeObjectChange(change, 0));
  for (let kept = lines.length - 1; kept >= 0; kept--) {
    const rest = lines.length - kept;
    const text = [...lines.slice(0, kept), `…and ${rest} more object${rest === 1 ? "" : "s"}`].join("\n");
    if (text.length <= maxChars) return text;
  }
  return "…".slice(0, maxChars);
}
