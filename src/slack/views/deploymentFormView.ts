import type { KnownBlock, ModalView, PlainTextOption } from "@slack/types";
import {
  DEPLOYMENT_FORM_FIELDS,
  SECTION_TITLES,
  formActionId,
  gpuRequested,
  isVisible,
  type FormField,
  type FormMode,
  type FormSection,
  type FormValues,
} from "./deploymentFormFields.js";
import { mrkdwn, plainText } from "../messages/text.js";

export const CREATE_DEPLOYMENT_CALLBACK_ID = "deployment-form:create";
export const EDIT_DEPLOYMENT_CALLBACK_ID = "deployment-form:edit";

export interface DeploymentFormViewOptions {
  values: FormValues;
  /** Serialized private metadata (channel to report to, mode): at most 3000 characters. */
  privateMetadata: string;
  mode?: FormMode;
  /** Fields shown but not editable, with the value to show and the reason (edit mode). */
  readOnly?: Record<string, { value: string; reason: string }>;
}

const SECTIONS: readonly FormSection[] = ["basic", "resources", "scaling", "loadBalancer", "environment"];

const MODE_TEXT: Record<FormMode, { callbackId: string; title: string; submit: string }> = {
  create: { callbackId: CREATE_DEPLOYMENT_CALLBACK_ID, title: "Create Deployment", submit: "Create Deployment" },
  edit: { callbackId: EDIT_DEPLOYMENT_CALLBACK_ID, title: "Edit Deployment", submit: "Update Deployment" },
};

/**
 * The Create and Edit Deployment modals: the guide's form, with GPU, auto-scaling and
 * load-balancer fields shown when they apply. The edit form is the same form with current
 * values, read-only fields shown with the reason, and the environment variables.
 */
export function buildDeploymentFormView(options: DeploymentFormViewOptions): ModalView {
  const mode = options.mode ?? "create";
  const blocks: KnownBlock[] = [];
  for (const section of SECTIONS) {
    const fields = DEPLOYMENT_FORM_FIELDS.filter((field) => field.section === section && isVisible(field, options.values, mode));
    if (fields.length === 0) continue;
    if (blocks.length > 0) blocks.push({ type: "divider" });
    blocks.push({ type: "header", text: plainText(SECTION_TITLES[section]) });
    for (const field of fields) {
      const readOnly = options.readOnly?.[field.path];
      if (readOnly) blocks.push(readOnlyBlock(field, readOnly));
      else blocks.push(inputBlock(field, options.values[field.path]));
    }
    const note = sectionNote(section, options.values);
    if (note) blocks.push({ type: "context", elements: [{ type: "mrkdwn", text: note }] });
  }
  const text = MODE_TEXT[mode];
  return {
    type: "modal",
    callback_id: text.callbackId,
    title: plainText(text.title),
    submit: plainText(text.submit),
    close: plainText("Cancel"),
    private_metadata: options.privateMetadata,
    blocks,
  };
}

function sectionNote(section: FormSection, values: FormValues): string | undefined {
  if (section === "scaling" && values["scaling.autoscalingEnabled"] === true) {
    const gpu = gpuRequested(values) ? ", GPU" : "";
    return `Scales between Min and Max Replicas to hold the CPU, memory${gpu} targets (a Kubernetes HorizontalPodAutoscaler).`;
  }
  if (section === "scaling" && values["scaling.autoscalingEnabled"] !== true) {
    return "Without auto-scaling the deployment runs Min Replicas instances; change it later with `/deploy scale`.";
  }
  if (section === "loadBalancer" && values["loadBalancer.enabled"] !== true) {
    return "Without a load balancer, clients reach instances directly (headless Service); health checks use /health every 30 s.";
  }
  return undefined;
}

/** Kept as `readonly:<path>` so it never collides with an input's block_id. */
function readOnlyBlock(field: FormField, readOnly: { value: string; reason: string }): KnownBlock {
  return {
    type: "section",
    block_id: `readonly:${field.path}`,
    text: mrkdwn(`*${field.label}*\n${readOnly.value}\n_${readOnly.reason}_`),
  };
}

function inputBlock(field: FormField, value: FormValues[string]): KnownBlock {
  const base = {
    type: "input" as const,
    block_id: field.path,
    label: plainText(field.label),
    optional: field.optional ?? false,
    ...(field.hint ? { hint: plainText(field.hint) } : {}),
    ...(field.dispatch ? { dispatch_action: true } : {}),
  };
  const action_id = formActionId(field);
  const placeholder = field.placeholder ? { placeholder: plainText(field.placeholder) } : {};
  switch (field.kind) {
    case "text": {
      const initial = typeof value === "string" && value.length > 0 && value.length <= field.maxLength ? { initial_value: value } : {};
      return {
        ...base,
        element: { type: "plain_text_input", action_id, max_length: field.maxLength, multiline: field.multiline ?? false, ...placeholder, ...initial },
      };
    }
    case "number": {
      // A number the user typed out of range would make Slack refuse the whole view on re-render.
      const number = typeof value === "string" && value.trim() !== "" ? Number(value) : Number.NaN;
      const valid = Number.isFinite(number) && number >= field.min && number <= field.max && (field.decimal || Number.isInteger(number));
      return {
        ...base,
        element: {
          type: "number_input",
          action_id,
          is_decimal_allowed: field.decimal,
          min_value: String(field.min),
          max_value: String(field.max),
          ...placeholder,
          ...(valid ? { initial_value: String(number) } : {}),
          ...(field.dispatch ? { dispatch_action_config: { trigger_actions_on: ["on_character_entered"] } } : {}),
        },
      };
    }
    case "select": {
      const options: PlainTextOption[] = field.options.map((option) => ({ text: plainText(option.label), value: option.value }));
      const initial = options.find((option) => option.value === value);
      return {
        ...base,
        element: {
          type: "static_select",
          action_id,
          options,
          placeholder: plainText(`Choose ${field.label.toLowerCase()}`),
          ...(initial ? { initial_option: initial } : {}),
        },
      };
    }
    case "checkbox": {
      const option: PlainTextOption = { text: plainText(field.checkboxLabel), value: "on" };
      return {
        ...base,
        element: { type: "checkboxes", action_id, options: [option], ...(value === true ? { initial_options: [option] } : {}) },
      };
    }
  }
}
