/**
 * Paths into Kubernetes objects, as the diff of a change and the drift check both name fields:
 * `spec.template.spec.containers[model-server].env[HF_HOME].value`. Lists whose items carry a
 * `name` are addressed by it (as the API server keys them), others by position.
 */

/** One step of a path: an object key, a named list item, or a list position. */
export type FieldSegment = { key: string } | { item: string } | { index: number };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A list item's `name`, when it has one. */
export function itemName(item: unknown): string | undefined {
  return isRecord(item) && typeof item.name === "string" ? item.name : undefined;
}

export function formatFieldPath(segments: readonly FieldSegment[]): string {
  let text = "";
  for (const segment of segments) {
    if ("item" in segment) text += `[${segment.item}]`;
    else if ("index" in segment) text += `[${segment.index}]`;
    else text += text === "" ? segment.key : `.${segment.key}`;
  }
  return text;
}
