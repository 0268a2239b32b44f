/**
 * Field ownership as the API server records it in `metadata.managedFields`: one entry per
 * manager and operation (Apply for server-side apply, Update for POST/PUT/PATCH), with the set of
 * fields it owns in FieldsV1 form (`f:<key>` for object keys, `k:{"name":"x"}` for items of
 * lists keyed by name, `.` for the item itself). Simplified from the real structured-merge-diff:
 * only lists whose items all carry a `name` are associative, every other list is atomic.
 */

import { isRecord, jsonEqual, type KubeObject } from "./kubeObject.js";

/** FieldsV1: a tree of keys; an empty object marks an owned leaf. */
export type FieldSet = { [key: string]: FieldSet };

export interface ManagedFieldsEntry {
  manager: string;
  operation: "Apply" | "Update";
  apiVersion: string;
  time: string;
  fieldsType: "FieldsV1";
  fieldsV1: FieldSet;
  subresource?: string;
}

/** A field owned by another manager that an apply without force would change. */
export interface FieldConflictCause {
  manager: string;
  /** As the API server prints it: `.spec.template.spec.containers[name="model-server"].image`. */
  field: string;
}

function namedList(value: unknown): value is Record<string, unknown>[] {
  return Array.isArray(value) && value.length > 0 && value.every((item) => isRecord(item) && typeof item.name === "string");
}

function itemKey(item: Record<string, unknown>): string {
  return `k:${JSON.stringify({ name: item.name })}`;
}

function valueFields(value: unknown): FieldSet {
  if (isRecord(value)) {
    const set: FieldSet = {};
    for (const [key, child] of Object.entries(value)) if (child !== undefined) set[`f:${key}`] = valueFields(child);
    return set;
  }
  if (namedList(value)) {
    const set: FieldSet = {};
    for (const item of value) set[itemKey(item)] = { ".": {}, ...valueFields(item) };
    return set;
  }
  return {};
}

/** The parts of an object whose fields are tracked: everything but identity, server metadata and status. */
function trackedPart(object: KubeObject | undefined): Record<string, unknown> {
  if (object === undefined) return {};
  const { apiVersion: _apiVersion, kind: _kind, metadata, status: _status, ...rest } = object;
  const meta: Record<string, unknown> = {};
  if (metadata.labels !== undefined) meta.labels = metadata.labels;
  if (metadata.annotations !== undefined) meta.annotations = metadata.annotations;
  return Object.keys(meta).length > 0 ? { metadata: meta, ...rest } : rest;
}

/** The fields an object (or an applied configuration) sets. */
export function fieldsOf(object: KubeObject): FieldSet {
  return valueFields(trackedPart(object));
}

function changed(before: unknown, after: unknown): FieldSet {
  if (isRecord(before) && isRecord(after)) {
    const set: FieldSet = {};
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      const child = changed(before[key], after[key]);
      if (child !== LEAF_UNCHANGED) set[`f:${key}`] = child;
    }
    return Object.keys(set).length > 0 ? set : LEAF_UNCHANGED;
  }
  if (namedList(before) && namedList(after)) {
    const set: FieldSet = {};
    const beforeByKey = new Map(before.map((item) => [itemKey(item), item]));
    const afterByKey = new Map(after.map((item) => [itemKey(item), item]));
    for (const key of new Set([...beforeByKey.keys(), ...afterByKey.keys()])) {
      const old = beforeByKey.get(key);
      const now = afterByKey.get(key);
      if (old === undefined || now === undefined) set[key] = { ".": {}, ...valueFields(now ?? old) };
      else {
        const child = changed(old, now);
        if (child !== LEAF_UNCHANGED) set[key] = child;
      }
    }
    return Object.keys(set).length > 0 ? set : LEAF_UNCHANGED;
  }
  if (jsonEqual(before, after)) return LEAF_UNCHANGED;
  const fields = valueFields(after ?? before);
  return Object.keys(fields).length > 0 ? fields : {};
}

/** Marks "nothing changed here" in `changed` (distinct from an empty set, which is a changed leaf). */
const LEAF_UNCHANGED: FieldSet = Object.freeze({}) as FieldSet;

/** The fields whose values differ between two versions of an object (what an Update takes over). */
export function changedFields(before: KubeObject | undefined, after: KubeObject): FieldSet {
  const set = changed(trackedPart(before), trackedPart(after));
  return set === LEAF_UNCHANGED ? {} : set;
}

/** Every owned leaf, as the key path to it. */
export function leafPaths(set: FieldSet, prefix: readonly string[] = []): string[][] {
  const paths: string[][] = [];
  for (const [key, child] of Object.entries(set)) {
    const path = [...prefix, key];
    if (Object.keys(child).length === 0) paths.push(path);
    else paths.push(...leafPaths(child, path));
  }
  return paths;
}

function has(set: FieldSet, path: readonly string[]): boolean {
  let node: FieldSet | undefined = set;
  for (const key of path) {
    node = node[key];
    if (node === undefined) return false;
  }
  return Object.keys(node).length === 0;
}

function without(set: FieldSet, remove: FieldSet): FieldSet {
  const result: FieldSet = {};
  for (const [key, child] of Object.entries(set)) {
    const removed = remove[key];
    if (removed === undefined) result[key] = child;
    else if (Object.keys(removed).length === 0) continue;
    else if (Object.keys(child).length > 0) {
      const rest = without(child, removed);
      if (Object.keys(rest).length > 0) result[key] = rest;
    }
  }
  return result;
}

function union(a: FieldSet, b: FieldSet): FieldSet {
  const result: FieldSet = { ...a };
  for (const [key, child] of Object.entries(b)) result[key] = result[key] === undefined ? child : union(result[key], child);
  return result;
}

function valueAt(object: unknown, path: readonly string[]): unknown {
  let node: unknown = object;
  for (const key of path) {
    if (key === ".") return node;
    if (key.startsWith("f:") && isRecord(node)) node = node[key.slice(2)];
    else if (key.startsWith("k:") && Array.isArray(node)) {
      const name = (JSON.parse(key.slice(2)) as { name: string }).name;
      node = node.find((item) => isRecord(item) && item.name === name);
    } else return undefined;
  }
  return node;
}

/** `.spec.template.spec.containers[name="model-server"].image`, the API server's way of naming a field. */
export function describeFieldPath(path: readonly string[]): string {
  return path
    .filter((key) => key !== ".")
    .map((key) => (key.startsWith("k:") ? `[name="${(JSON.parse(key.slice(2)) as { name: string }).name}"]` : `.${key.slice(2)}`))
    .join("");
}

function isSameManager(entry: ManagedFieldsEntry, manager: string, operation: ManagedFieldsEntry["operation"]): boolean {
  return entry.manager === manager && entry.operation === operation && entry.subresource === undefined;
}

/**
 * The conflicts of a server-side apply without force: fields the configuration sets to a value
 * other than the live one, while another manager (or the same one through an Update) owns them.
 */
export function applyConflicts(entries: readonly ManagedFieldsEntry[], manager: string, live: KubeObject, applied: KubeObject): FieldConflictCause[] {
  const conflicts: FieldConflictCause[] = [];
  const livePart = trackedPart(live);
  const appliedPart = trackedPart(applied);
  for (const path of leafPaths(fieldsOf(applied))) {
    if (path[path.length - 1] === ".") continue;
    if (jsonEqual(valueAt(livePart, path), valueAt(appliedPart, path))) continue;
    for (const entry of entries) {
      if (!isSameManager(entry, manager, "Apply") && has(entry.fieldsV1, path)) conflicts.push({ manager: entry.manager, field: describeFieldPath(path) });
    }
  }
  return conflicts;
}

/**
 * The entries after one write. An Update gives its manager the fields it changed; an Apply makes
 * the applied configuration's fields its manager's whole set, taking them from the others only
 * when forced (unforced, an apply that got here changed no one else's field, so they share it).
 * Entries left owning nothing are dropped, as the API server does.
 */
export function recordWrite(
  entries: readonly ManagedFieldsEntry[],
  write: { manager: string; operation: ManagedFieldsEntry["operation"]; apiVersion: string; time: string; fields: FieldSet; force: boolean; subresource?: string },
): ManagedFieldsEntry[] {
  const takes = write.operation === "Update" || write.force;
  const others = entries
    .filter((entry) => !(entry.manager === write.manager && entry.operation === write.operation && entry.subresource === write.subresource))
    .map((entry) => (takes ? { ...entry, fieldsV1: without(entry.fieldsV1, write.fields) } : entry))
    .filter((entry) => Object.keys(entry.fieldsV1).length > 0);
  const previous = entries.find((entry) => entry.manager === write.manager && entry.operation === write.operation && entry.subresource === write.subresource);
  const fields = write.operation === "Update" && previous !== undefined ? union(previous.fieldsV1, write.fields) : write.fields;
  if (Object.keys(fields).length === 0) return others;
  const own: ManagedFieldsEntry = {
    manager: write.manager,
    operation: write.operation,
    apiVersion: write.apiVersion,
    time: write.time,
    fieldsType: "FieldsV1",
    fieldsV1: fields,
    ...(write.subresource === undefined ? {} : { subresource: write.subresource }),
  };
  return [...others, own];
}

export function managedFieldsOf(object: KubeObject | undefined): ManagedFieldsEntry[] {
  const entries = object?.metadata.managedFields;
  return Array.isArray(entries) ? (entries as ManagedFieldsEntry[]) : [];
}

function present(set: FieldSet, value: unknown): FieldSet {
  const result: FieldSet = {};
  for (const [key, child] of Object.entries(set)) {
    if (key === ".") {
      result[key] = child;
      continue;
    }
    const inner = valueAt(value, [key]);
    if (inner === undefined) continue;
    if (Object.keys(child).length === 0) result[key] = child;
    else {
      const kept = present(child, inner);
      if (Object.keys(kept).length > 0) result[key] = kept;
    }
  }
  return result;
}

/**
 * Ownership of fields the object no longer has is dropped. This fake's apply replaces whole
 * top-level fields (see applyPatch), so an item someone else added goes with it; a real server
 * would keep an item owned by another manager that the applier never set.
 */
export function presentFields(entries: readonly ManagedFieldsEntry[], object: KubeObject): ManagedFieldsEntry[] {
  const part = trackedPart(object);
  return entries.map((entry) => ({ ...entry, fieldsV1: present(entry.fieldsV1, part) })).filter((entry) => Object.keys(entry.fieldsV1).length > 0);
}
