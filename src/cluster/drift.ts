/**
 * Drift: where the live objects of a deployment no longer hold what the bot renders from its
 * stored spec. Pure. Only the fields the bot renders are compared, so server defaults and fields
 * other controllers add (annotations, status) are never drift; a field the renderer leaves out
 * (a Deployment's `spec.replicas` while an HPA owns it) is never compared either. Lists of named
 * items (containers, env, ports) are compared by name, and an item added outside the bot counts.
 * Who changed a field comes from the live object's `metadata.managedFields`.
 */

import type { KubernetesObject } from "@kubernetes/client-node";
import { DEPLOYBOT_FIELD_MANAGER } from "./ownership.js";
import { formatFieldChange, MASKED_VALUE } from "./objectDiff.js";
import { formatFieldPath, isRecord, itemName, type FieldSegment } from "./fieldPath.js";
import type { DriftedField, MissingObject } from "../domain/drift.js";

export type { DriftedField, MissingObject } from "../domain/drift.js";

export interface DriftReport {
  fields: DriftedField[];
  /** Rendered objects the cluster does not hold (deleted outside the bot). */
  missing: MissingObject[];
}

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  time?: Date | string;
  fieldsV1?: object;
}

type Segment = FieldSegment;

function namedItems(list: readonly unknown[]): boolean {
  return list.length > 0 && list.every((item) => itemName(item) !== undefined);
}

/** Quantities and int-or-strings come back as the API server stores them: `2` and `"2"` are the same value. */
function sameScalar(rendered: unknown, live: unknown): boolean {
  if (rendered === live) return true;
  const scalar = (value: unknown) => typeof value === "string" || typeof value === "number" || typeof value === "boolean";
  return scalar(rendered) && scalar(live) && String(rendered) === String(live);
}

interface RawDrift {
  segments: Segment[];
  rendered: unknown;
  live: unknown;
}

function compare(rendered: unknown, live: unknown, segments: Segment[], out: RawDrift[]): void {
  if (isRecord(rendered)) {
    if (!isRecord(live)) {
      out.push({ segments, rendered, live });
      return;
    }
    for (const [key, child] of Object.entries(rendered)) {
      if (child !== undefined) compare(child, live[key], [...segments, { key }], out);
    }
    return;
  }
  if (Array.isArray(rendered)) {
    if (!Array.isArray(live)) {
      out.push({ segments, rendered, live });
      return;
    }
    if (namedItems(rendered) && live.every((item) => itemName(item) !== undefined)) {
      const liveByName = new Map(live.map((item) => [itemName(item), item]));
      const renderedNames = new Set(rendered.map(itemName));
      for (const item of rendered) {
        const name = itemName(item) ?? "";
        const counterpart = liveByName.get(name);
        if (counterpart === undefined) out.push({ segments: [...segments, { item: name }], rendered: item, live: undefined });
        else compare(item, counterpart, [...segments, { item: name }], out);
      }
      for (const item of live) {
        const name = itemName(item) ?? "";
        if (!renderedNames.has(name)) out.push({ segments: [...segments, { item: name }], rendered: undefined, live: item });
      }
      return;
    }
    if (rendered.length !== live.length) {
      out.push({ segments, rendered, live });
      return;
    }
    rendered.forEach((item, index) => compare(item, live[index], [...segments, { index }], out));
    return;
  }
  if (!sameScalar(rendered, live)) out.push({ segments, rendered, live });
}

/** The FieldsV1 keys of a path (`f:spec`, `k:{"name":"x"}`); an index ends it (such lists are atomic). */
function fieldKeys(segments: readonly Segment[]): string[] {
  const keys: string[] = [];
  for (const segment of segments) {
    if ("index" in segment) break;
    keys.push("key" in segment ? `f:${segment.key}` : `k:${JSON.stringify({ name: segment.item })}`);
  }
  return keys;
}

/** A list item's key in FieldsV1 by its name, whatever other key fields the list is keyed by. */
function childKey(node: Record<string, unknown>, key: string): string | undefined {
  if (key in node) return key;
  if (!key.startsWith("k:")) return undefined;
  const name = (JSON.parse(key.slice(2)) as { name: string }).name;
  return Object.keys(node).find((candidate) => {
    if (!candidate.startsWith("k:")) return false;
    try {
      return (JSON.parse(candidate.slice(2)) as { name?: unknown }).name === name;
    } catch {
      return false;
    }
  });
}

/** Whether a FieldsV1 set owns the field, a whole value holding it, or something inside it. */
function owns(fieldsV1: unknown, keys: readonly string[]): boolean {
  let node: unknown = fieldsV1;
  for (const key of keys) {
    if (!isRecord(node)) return false;
    if (Object.keys(node).length === 0) return true;
    const found = childKey(node, key);
    if (found === undefined) return false;
    node = node[found];
  }
  return isRecord(node);
}

function timeOf(entry: ManagedFieldsEntry): string | null {
  if (entry.time === undefined) return null;
  return entry.time instanceof Date ? entry.time.toISOString() : String(entry.time);
}

/** The latest manager other than the bot that owns the field. */
function changedBy(object: KubernetesObject, segments: readonly Segment[]): Pick<DriftedField, "manager" | "operation" | "time"> {
  const entries = (object.metadata?.managedFields ?? []) as ManagedFieldsEntry[];
  const keys = fieldKeys(segments);
  const candidates = entries
    .filter((entry) => entry.manager !== DEPLOYBOT_FIELD_MANAGER && owns(entry.fieldsV1, keys))
    .sort((a, b) => (timeOf(b) ?? "").localeCompare(timeOf(a) ?? ""));
  const [latest] = candidates;
  if (latest === undefined) return { manager: null, operation: null, time: null };
  return { manager: latest.manager ?? null, operation: latest.operation ?? null, time: timeOf(latest) };
}

function keyOf(object: KubernetesObject): string {
  return `${object.kind ?? ""}/${object.metadata?.name ?? ""}`;
}

/** The rendered metadata the bot sets for itself; the rest of metadata (name, namespace) identifies the object. */
function comparable(object: KubernetesObject): Record<string, unknown> {
  const { metadata, apiVersion: _apiVersion, kind: _kind, ...rest } = object as KubernetesObject & Record<string, unknown>;
  return { metadata: { labels: metadata?.labels, annotations: metadata?.annotations }, ...rest };
}

/** Compares what the stored spec renders with the live objects of the deployment. */
export function findDrift(rendered: readonly KubernetesObject[], live: readonly KubernetesObject[]): DriftReport {
  const liveByKey = new Map(live.map((object) => [keyOf(object), object]));
  const fields: DriftedField[] = [];
  const missing: MissingObject[] = [];
  for (const object of rendered) {
    const kind = object.kind ?? "?";
    const name = object.metadata?.name ?? "?";
    const counterpart = liveByKey.get(keyOf(object));
    if (counterpart === undefined) {
      missing.push({ kind, name });
      continue;
    }
    const raw: RawDrift[] = [];
    compare(comparable(object), comparable(counterpart), [], raw);
    for (const drift of raw) {
      fields.push({ kind, object: name, path: formatFieldPath(drift.segments), rendered: drift.rendered, live: drift.live, ...changedBy(counterpart, drift.segments) });
    }
  }
  return { fields, missing };
}

const ENV_ITEM = /\.env\[[^\]]+\]$/;
const ENV_VALUE = /\.env\[[^\]]+\]\.value$/;

/** A value for Slack: environment variable values are never shown. */
function displayValue(path: string, value: unknown): unknown {
  if (value === undefined) return undefined;
  if (ENV_VALUE.test(path)) return MASKED_VALUE;
  if (ENV_ITEM.test(path) && isRecord(value) && "value" in value) return { ...value, value: MASKED_VALUE };
  return value;
}

/** `Deployment resnet-blue: spec.replicas 2 → 4`, with environment variable values masked. */
export function describeDriftedField(field: Pick<DriftedField, "kind" | "object" | "path" | "rendered" | "live">): string {
  const change = formatFieldChange({ path: field.path, before: displayValue(field.path, field.rendered), after: displayValue(field.path, field.live) });
  return `${field.kind} ${field.object}: ${change}`;
}
