import { plainTextOf } from "../messages/text.js";
import { z } from "zod";
import { DEPLOYMENT_FORM_FIELDS, isVisible, type FormMode, type FormValues } from "./deploymentFormFields.js";

/** One input's state as Slack sends it in `view.state.values[block_id][action_id]`. */
const elementStateSchema = z.object({
  type: z.string(),
  value: z.string().nullish(),
  selected_option: z.object({ value: z.string() }).nullish(),
  selected_options: z.array(z.object({ value: z.string() })).nullish(),
});
export const viewStateValuesSchema = z.record(z.string(), z.record(z.string(), elementStateSchema));
export type ViewStateValues = z.infer<typeof viewStateValuesSchema>;

/** Reads the form's current values out of a view's state, by block_id (= spec path). */
export function readFormValues(stateValues: ViewStateValues): FormValues {
  const values: FormValues = {};
  for (const field of DEPLOYMENT_FORM_FIELDS) {
    const block = stateValues[field.path];
    const element = block ? Object.values(block)[0] : undefined;
    if (!element) continue;
    switch (field.kind) {
      case "text":
      case "number":
        values[field.path] = element.value ?? undefined;
        break;
      case "select":
        values[field.path] = element.selected_option?.value;
        break;
      case "checkbox":
        values[field.path] = (element.selected_options ?? []).length > 0;
        break;
    }
  }
  return values;
}

/**
 * The nested object the deployment spec schema validates. Fields the form hides (GPU type with
 * no GPU, load-balancer settings with it disabled) are left out so that the schema's defaults apply.
 */
export function formValuesToSpecInput(values: FormValues, mode: FormMode = "create"): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const field of DEPLOYMENT_FORM_FIELDS) {
    // Environment variables arrive as text; the edit handler parses them with their own errors.
    if (field.path === "env" || !isVisible(field, values, mode)) continue;
    const value = values[field.path];
    if (value === undefined) continue;
    setPath(input, field.path.split("."), value);
  }
  for (const section of ["resources", "scaling"]) input[section] ??= {};
  return input;
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    target[head] = value;
    return;
  }
  const child = (target[head] ??= {}) as Record<string, unknown>;
  setPath(child, rest, value);
}

/** Block ids on the form that can carry an inline error: the visible fields. */
export function visibleBlockIds(values: FormValues, mode: FormMode = "create", readOnly: readonly string[] = []): string[] {
  return DEPLOYMENT_FORM_FIELDS.filter((field) => isVisible(field, values, mode) && !readOnly.includes(field.path)).map((field) => field.path);
}

/**
 * Puts each validation error on the block it belongs to. An error about something the form does
 * not show (a nested path) goes on the closest visible parent, else on the first block.
 */
export function inlineErrors(errors: readonly { path: string; message: string }[], blockIds: readonly string[]): Record<string, string> {
  const inline: Record<string, string> = {};
  for (const error of errors) {
    let target = error.path;
    while (target && !blockIds.includes(target)) target = target.includes(".") ? target.slice(0, target.lastIndexOf(".")) : "";
    const blockId = target || blockIds[0];
    // Inline errors are plain text: the service's sentences may mark names with mrkdwn.
    if (blockId && !inline[blockId]) inline[blockId] = plainTextOf(error.message);
  }
  return inline;
}
