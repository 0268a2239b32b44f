/**
 * The one way deploybot fills PromQL templates from configuration. A template names its inputs
 * as `{placeholder}`; each value is escaped for where it lands:
 *
 * - inside a regex matcher's string (`pod=~"{deployment}-.*"`), a value is a literal: its regex
 *   metacharacters are escaped, then the string is escaped for PromQL's double quotes;
 * - anywhere else inside a double-quoted string, only the PromQL string escaping applies;
 * - a list of values (many deployments at once) becomes `(?:a|b)` and is refused outside a regex
 *   matcher, where it would mean nothing.
 *
 * So a name with a quote or a dot can neither end the matcher nor match more than itself, and an
 * operator's template stays exactly what they wrote around the placeholders.
 */

export type PromqlValue =
  /** One label value, matched literally. */
  | { readonly kind: "text"; readonly value: string }
  /** Any of several label values (regex matchers only). */
  | { readonly kind: "any-of"; readonly values: readonly string[] }
  /** A regex written by deploybot itself, never from user input (regex matchers only). */
  | { readonly kind: "pattern"; readonly regex: string }
  /** A range or offset, as PromQL writes it (`300s`). */
  | { readonly kind: "duration"; readonly seconds: number }
  | { readonly kind: "number"; readonly value: number };

export const promqlText = (value: string): PromqlValue => ({ kind: "text", value });
export const promqlAnyOf = (values: readonly string[]): PromqlValue => ({ kind: "any-of", values });
export const promqlPattern = (regex: string): PromqlValue => ({ kind: "pattern", regex });
export const promqlDuration = (seconds: number): PromqlValue => ({ kind: "duration", seconds });
export const promqlNumber = (value: number): PromqlValue => ({ kind: "number", value });

export class PromqlTemplateError extends Error {
  override readonly name = "PromqlTemplateError";
}

/** PromQL strings use Go's escapes: a backslash or a double quote would end or corrupt the string. */
export function escapePromqlString(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"');
}

/** RE2 metacharacters; `-` is only special inside a class, which a template never opens around a value. */
export function escapeRegex(value: string): string {
  return value.replace(/[\\.+*?()|[\]{}^$]/g, "\\$&");
}

/** `{name}` placeholders, or double-quoted strings (with the matcher before them) that may contain some. */
const TOKEN = /(=~|!~)?(\s*)"((?:[^"\\]|\\.)*)"|\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The placeholders a template uses, for validating configured templates at start. */
export function templatePlaceholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? ""))];
}

export function renderPromqlTemplate(template: string, values: Readonly<Record<string, PromqlValue>>): string {
  return template.replace(TOKEN, (whole, matcher: string | undefined, space: string, quoted: string | undefined, bare: string | undefined) => {
    if (bare !== undefined) {
      const value = values[bare];
      return value === undefined ? whole : renderBare(bare, value);
    }
    const inRegex = matcher !== undefined;
    const body = (quoted ?? "").replace(PLACEHOLDER, (placeholder, name: string) => {
      const value = values[name];
      return value === undefined ? placeholder : renderInString(name, value, inRegex);
    });
    return `${matcher ?? ""}${space}"${body}"`;
  });
}

function renderBare(name: string, value: PromqlValue): string {
  switch (value.kind) {
    case "duration":
      return `${Math.max(1, Math.round(value.seconds))}s`;
    case "number":
      if (!Number.isFinite(value.value)) throw new PromqlTemplateError(`{${name}} must be a finite number`);
      return String(value.value);
    default:
      throw new PromqlTemplateError(`{${name}} is a label value: put it inside a quoted label matcher`);
  }
}

function renderInString(name: string, value: PromqlValue, inRegex: boolean): string {
  switch (value.kind) {
    case "text":
      return escapePromqlString(inRegex ? escapeRegex(value.value) : value.value);
    case "any-of":
    case "pattern": {
      if (!inRegex) throw new PromqlTemplateError(`{${name}} stands for several values: use it in a regex matcher (=~)`);
      const regex = value.kind === "pattern" ? value.regex : `(?:${value.values.map(escapeRegex).join("|")})`;
      return escapePromqlString(regex);
    }
    case "duration":
    case "number":
      return renderBare(name, value);
  }
}
