/**
 * Label and field selectors with the grammar of the real API server (`a=b`, `a==b`, `a!=b`, `a`,
 * `!a`, `a in (x,y)`, `a notin (x,y)`), so a malformed selector from the client fails here as it
 * would in a cluster instead of silently matching everything.
 */

import type { KubeObject } from "./kubeObject.js";

export class SelectorError extends Error {}

type LabelRequirement =
  | { key: string; op: "exists" }
  | { key: string; op: "notExists" }
  | { key: string; op: "in"; values: string[] }
  | { key: string; op: "notIn"; values: string[] };

export type LabelSelector = readonly LabelRequirement[];

const KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** Splits on commas that are not inside an `in (...)` value list. */
function splitTopLevel(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const ch of selector) {
    if (ch === "(") depth++;
    if (ch === ")") depth--;
    if (ch === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts.map((p) => p.trim());
}

function checkKey(key: string, source: string): string {
  if (!KEY.test(key)) throw new SelectorError(`unable to parse requirement: invalid label key "${key}" in "${source}"`);
  return key;
}

function checkValue(value: string, source: string): string {
  if (!VALUE.test(value)) {
    throw new SelectorError(`unable to parse requirement: invalid label value "${value}" in "${source}"`);
  }
  return value;
}

export function parseLabelSelector(selector: string | null | undefined): LabelSelector {
  if (selector === null || selector === undefined || selector.trim() === "") return [];
  return splitTopLevel(selector).map((part): LabelRequirement => {
    if (part === "") throw new SelectorError(`unable to parse requirement: empty requirement in "${selector}"`);
    const setMatch = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    if (setMatch) {
      const [, key = "", op, list = ""] = setMatch;
      const values = list.split(",").map((v) => checkValue(v.trim(), selector));
      return { key: checkKey(key, selector), op: op === "in" ? "in" : "notIn", values };
    }
    const notEqual = /^([^!=\s]+)\s*!=\s*(\S*)$/.exec(part);
    if (notEqual) {
      const [, key = "", value = ""] = notEqual;
      return { key: checkKey(key, selector), op: "notIn", values: [checkValue(value, selector)] };
    }
    const equal = /^([^!=\s]+)\s*==?\s*(\S*)$/.exec(part);
    if (equal) {
      const [, key = "", value = ""] = equal;
      return { key: checkKey(key, selector), op: "in", values: [checkValue(value, selector)] };
    }
    if (part.startsWith("!")) return { key: checkKey(part.slice(1).trim(), selector), op: "notExists" };
    return { key: checkKey(part, selector), op: "exists" };
  });
}

export function matchesLabelSelector(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  return selector.every((req) => {
    const value = labels?.[req.key];
    switch (req.op) {
      case "exists":
        return value !== undefined;
      case "notExists":
        return value === undefined;
      case "in":
        return value !== undefined && req.values.includes(value);
      case "notIn":
        return value === undefined || !req.values.includes(value);
    }
  });
}

/** Every kind can be selected by these; a kind may allow more (events: `involvedObject.name`, ...). */
const COMMON_FIELDS = ["metadata.name", "metadata.namespace"];

interface FieldRequirement {
  /** A dotted path into the object. */
  field: string;
  equals: boolean;
  value: string;
}

export type FieldSelector = readonly FieldRequirement[];

export function parseFieldSelector(selector: string | null | undefined, kindFields: readonly string[] = []): FieldSelector {
  if (selector === null || selector === undefined || selector.trim() === "") return [];
  return selector.split(",").map((part) => {
    const match = /^\s*([^!=\s]+)\s*(!=|==|=)\s*(\S*)\s*$/.exec(part);
    if (!match) throw new SelectorError(`invalid selector: '${selector}'; can't understand '${part}'`);
    const [, field = "", op, value = ""] = match;
    if (!COMMON_FIELDS.includes(field) && !kindFields.includes(field)) {
      throw new SelectorError(`field label not supported: ${field}`);
    }
    return { field, equals: op !== "!=", value };
  });
}

export function matchesFieldSelector(selector: FieldSelector, object: KubeObject): boolean {
  return selector.every((req) => {
    return (fieldValue(object, req.field) === req.value) === req.equals;
  });
}

/** The value at a dotted path as the API server compares it: a string, "" when absent. */
function fieldValue(object: KubeObject, path: string): string {
  let current: unknown = object;
  for (const key of path.split(".")) {
    if (typeof current !== "object" || current === null) return "";
    current = (current as Record<string, unknown>)[key];
  }
  return typeof current === "string" || typeof current === "number" || typeof current === "boolean" ? String(current) : "";
}
