/**
 * JSON merge patch (RFC 7386) and JSON patch (RFC 6902). Strategic merge patch is served as a
 * merge patch: the difference (merging lists by key) does not matter for what deploybot sends.
 */

import { cloneObject, isRecord } from "./kubeObject.js";

export class PatchError extends Error {}

export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return cloneObject(patch);
  const result: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

interface JsonPatchOperation {
  op: "add" | "remove" | "replace" | "move" | "copy" | "test";
  path: string;
  value?: unknown;
  from?: string;
}

function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new PatchError(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split("/")
    .map((token) => token.replace(/~1/g, "/").replace(/~0/g, "~"));
}

type Container = Record<string, unknown> | unknown[];

function parentOf(root: unknown, tokens: string[], pointer: string): { parent: Container; key: string } {
  let node = root;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isRecord(node)) node = node[token];
    else node = undefined;
    if (node === undefined) throw new PatchError(`path "${pointer}" does not exist`);
  }
  const key = tokens[tokens.length - 1];
  if (key === undefined || !(Array.isArray(node) || isRecord(node))) {
    throw new PatchError(`path "${pointer}" does not exist`);
  }
  return { parent: node, key };
}

function read(root: unknown, pointer: string): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return root;
  const { parent, key } = parentOf(root, tokens, pointer);
  const value = Array.isArray(parent) ? parent[Number(key)] : parent[key];
  if (value === undefined) throw new PatchError(`path "${pointer}" does not exist`);
  return value;
}

function arrayIndex(array: unknown[], key: string, pointer: string, forInsert: boolean): number {
  if (forInsert && key === "-") return array.length;
  const index = Number(key);
  const max = forInsert ? array.length : array.length - 1;
  if (!Number.isInteger(index) || index < 0 || index > max) throw new PatchError(`index out of range at "${pointer}"`);
  return index;
}

function remove(root: unknown, pointer: string): unknown {
  const { parent, key } = parentOf(root, parsePointer(pointer), pointer);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, key, pointer, false), 1)[0];
  if (!(key in parent)) throw new PatchError(`path "${pointer}" does not exist`);
  const value = parent[key];
  delete parent[key];
  return value;
}

function add(root: unknown, pointer: string, value: unknown, replace: boolean): unknown {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return cloneObject(value);
  const { parent, key } = parentOf(root, tokens, pointer);
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, key, pointer, !replace);
    parent.splice(index, replace ? 1 : 0, cloneObject(value));
  } else {
    if (replace && !(key in parent)) throw new PatchError(`path "${pointer}" does not exist`);
    parent[key] = cloneObject(value);
  }
  return root;
}

function isOperation(value: unknown): value is JsonPatchOperation {
  return (
    isRecord(value) &&
    typeof value.path === "string" &&
    ["add", "remove", "replace", "move", "copy", "test"].includes(String(value.op))
  );
}

export function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw new PatchError("a JSON patch must be an array of operations");
  let doc = cloneObject(target);
  for (const operation of operations) {
    if (!isOperation(operation)) throw new PatchError(`invalid JSON patch operation ${JSON.stringify(operation)}`);
    switch (operation.op) {
      case "add":
        doc = add(doc, operation.path, operation.value, false);
        break;
      case "replace":
        doc = add(doc, operation.path, operation.value, true);
        break;
      case "remove":
        remove(doc, operation.path);
        break;
      case "move": {
        const value = remove(doc, operation.from ?? "");
        doc = add(doc, operation.path, value, false);
        break;
      }
      case "copy":
        doc = add(doc, operation.path, read(doc, operation.from ?? ""), false);
        break;
      case "test":
        if (JSON.stringify(read(doc, operation.path)) !== JSON.stringify(operation.value)) {
          throw new PatchError(`test operation failed at "${operation.path}"`);
        }
        break;
    }
  }
  return doc;
}
