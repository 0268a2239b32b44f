import { z } from "zod";

export interface NumberBounds {
  min: number;
  max: number;
  integer?: boolean;
  /** Shown after the bound in messages: "GB", "%", "seconds". */
  unit?: string;
}

function toNumberInput(value: unknown): unknown {
  if (value === null) return undefined;
  if (typeof value !== "string") return value;
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  const parsed = Number(trimmed);
  return Number.isNaN(parsed) ? value : parsed;
}

function boundedNumber(label: string, bounds: NumberBounds) {
  const unit = bounds.unit === undefined ? "" : bounds.unit === "%" ? "%" : ` ${bounds.unit}`;
  let schema = z.number({
    error: (issue) => (issue.input === undefined ? `${label} is required.` : `${label} must be a number.`),
  });
  if (bounds.integer) schema = schema.int({ error: `${label} must be a whole number.` });
  return schema
    .min(bounds.min, { error: `${label} must be at least ${bounds.min}${unit}.` })
    .max(bounds.max, { error: `${label} must be at most ${bounds.max}${unit}.` });
}

/**
 * A number typed by a person: Slack inputs hand us strings, stored values are numbers, so one
 * schema reads both. Messages name the field and the bound ("Memory must be at most 1024 GB.").
 * Blank text counts as absent: the field says it is required.
 */
export function numberField(label: string, bounds: NumberBounds) {
  return z.preprocess(toNumberInput, boundedNumber(label, bounds));
}

/** The same, for a field that may stay blank (then undefined). */
export function optionalNumberField(label: string, bounds: NumberBounds) {
  return z.preprocess(toNumberInput, boundedNumber(label, bounds).optional());
}
