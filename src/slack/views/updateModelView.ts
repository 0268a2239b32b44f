import type { KnownBlock, ModalView, PlainTextOption, RadioButtons } from "@slack/types";
import { z } from "zod";
import { UPDATE_STRATEGIES, UPDATE_STRATEGY_LABELS, type UpdateStrategy } from "../../domain/strategy.js";
import {
  DEFAULT_CANARY_PAUSE_SECONDS,
  DEFAULT_CANARY_STEPS,
  DEFAULT_MAX_ERROR_RATE_PERCENT,
  DEFAULT_MAX_P99_LATENCY_MS,
  DEFAULT_SCALE_DOWN_DELAY_SECONDS,
  STRATEGY_OPTION_BOUNDS,
} from "../../domain/rolloutPlan.js";
import { mrkdwn, plainText } from "../messages/text.js";
import { STRATEGY_DESCRIPTIONS, isUpdateStrategy } from "../../domain/strategy.js";

/**
 * The guide's Update Model dialog: the deployment (when the command did not name it), the new
 * version, the strategy with the guide's description of each, and the options of the chosen
 * strategy. Choosing a strategy re-renders the modal with its options.
 */

export const UPDATE_MODEL_CALLBACK_ID = "model-update:submit";
export const UPDATE_MODEL_ACTION_PREFIX = "model-update-form:";

export const BLOCK_DEPLOYMENT = "deployment";
export const BLOCK_VERSION = "modelVersion";
export const BLOCK_STRATEGY = "strategy";
/** Option inputs use `option.<name>` so that strategy option errors land on their own field. */
export const OPTION_BLOCK_PREFIX = "option.";

export const STRATEGY_OPTION_FIELDS: Record<UpdateStrategy, readonly string[]> = {
  rolling: ["maxSurge", "maxUnavailable"],
  "blue-green": ["scaleDownDelaySeconds"],
  canary: ["steps", "pauseSeconds", "maxErrorRatePercent", "maxP99LatencyMs"],
};

export const updateModelMetadataSchema = z.object({
  channelId: z.string().regex(/^[A-Z0-9]+$/),
  /** Set when the command named the deployment; otherwise the modal asks for it. */
  deploymentName: z.string().max(64).optional(),
  currentVersion: z.string().max(64).optional(),
});
export type UpdateModelMetadata = z.infer<typeof updateModelMetadataSchema>;

export function parseUpdateModelMetadata(raw: string | undefined): UpdateModelMetadata | null {
  try {
    const parsed = updateModelMetadataSchema.safeParse(JSON.parse(raw ?? ""));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export interface DeploymentChoice {
  name: string;
  modelVersion: string;
}

export interface UpdateModelFormValues {
  deployment?: string;
  modelVersion?: string;
  strategy: UpdateStrategy;
  options: Record<string, string | undefined>;
}

export interface UpdateModelViewOptions {
  metadata: UpdateModelMetadata;
  values: UpdateModelFormValues;
  /** Live deployments to choose from when the metadata names none (at most 100 are offered). */
  deployments: readonly DeploymentChoice[];
  /** Whether canary shares are exact (Istio) or follow the replica ratio. */
  exactWeights: boolean;
  metricsConfigured: boolean;
}

const MAX_SELECT_OPTIONS = 100;

export function buildUpdateModelView(options: UpdateModelViewOptions): ModalView {
  const { metadata, values } = options;
  const blocks: KnownBlock[] = [];
  if (metadata.deploymentName) {
    const running = metadata.currentVersion ? `  ·  running \`${metadata.currentVersion}\`` : "";
    blocks.push({ type: "section", block_id: "target", text: mrkdwn(`*${metadata.deploymentName}*${running}`) });
  } else {
    blocks.push(deploymentSelect(options.deployments, values.deployment));
  }
  blocks.push({
    type: "input",
    block_id: BLOCK_VERSION,
    label: plainText("New model version"),
    hint: plainText("Version of the model to deploy"),
    element: {
      type: "plain_text_input",
      action_id: `${UPDATE_MODEL_ACTION_PREFIX}${BLOCK_VERSION}`,
      max_length: 64,
      placeholder: plainText("e.g. v2.2.0"),
      ...(values.modelVersion ? { initial_value: values.modelVersion.slice(0, 64) } : {}),
    },
  });
  blocks.push(strategyInput(values.strategy));
  blocks.push({ type: "divider" });
  blocks.push({ type: "header", text: plainText(`${UPDATE_STRATEGY_LABELS[values.strategy]} options`) });
  blocks.push(...optionBlocks(values.strategy, values.options));
  blocks.push({ type: "context", elements: [mrkdwn(strategyNote(values.strategy, options))] });
  return {
    type: "modal",
    callback_id: UPDATE_MODEL_CALLBACK_ID,
    title: plainText("Update Model"),
    submit: plainText("Update"),
    close: plainText("Cancel"),
    private_metadata: JSON.stringify(metadata),
    blocks,
  };
}

function deploymentSelect(deployments: readonly DeploymentChoice[], selected: string | undefined): KnownBlock {
  const choices: PlainTextOption[] = deployments.slice(0, MAX_SELECT_OPTIONS).map((deployment) => ({
    text: plainText(`${deployment.name} (${deployment.modelVersion})`, 75),
    value: deployment.name,
  }));
  const initial = choices.find((choice) => choice.value === selected);
  if (choices.length === 0) {
    return { type: "section", block_id: BLOCK_DEPLOYMENT, text: mrkdwn(":warning: No live deployment can take a model update right now.") };
  }
  return {
    type: "input",
    block_id: BLOCK_DEPLOYMENT,
    label: plainText("Deployment"),
    dispatch_action: true,
    element: {
      type: "static_select",
      action_id: `${UPDATE_MODEL_ACTION_PREFIX}${BLOCK_DEPLOYMENT}`,
      placeholder: plainText("Choose a deployment"),
      options: choices,
      ...(initial ? { initial_option: initial } : {}),
    },
  };
}

function strategyOption(strategy: UpdateStrategy): PlainTextOption {
  const label = strategy === "rolling" ? `${UPDATE_STRATEGY_LABELS[strategy]} (Recommended)` : UPDATE_STRATEGY_LABELS[strategy];
  return { text: plainText(label, 75), description: plainText(STRATEGY_DESCRIPTIONS[strategy], 75), value: strategy };
}

function strategyInput(selected: UpdateStrategy): KnownBlock {
  const radio: RadioButtons = {
    type: "radio_buttons",
    action_id: `${UPDATE_MODEL_ACTION_PREFIX}${BLOCK_STRATEGY}`,
    options: UPDATE_STRATEGIES.map(strategyOption),
    initial_option: strategyOption(selected),
  };
  return { type: "input", block_id: BLOCK_STRATEGY, label: plainText("Update strategy"), dispatch_action: true, element: radio };
}

interface OptionField {
  name: string;
  label: string;
  hint: string;
  kind: "text" | "integer" | "decimal";
  min?: number;
  max?: number;
  placeholder: string;
  initial?: string;
}

function optionKind(name: keyof typeof STRATEGY_OPTION_BOUNDS): OptionField["kind"] {
  return STRATEGY_OPTION_BOUNDS[name].integer ? "integer" : "decimal";
}

const OPTION_FIELDS: Record<string, OptionField> = {
  maxSurge: {
    name: "maxSurge",
    label: "Max surge",
    hint: "Extra pods started above the desired count while replacing (a count or a %). Blank: 25%, or 0 with GPUs.",
    kind: "text",
    placeholder: "25%",
  },
  maxUnavailable: {
    name: "maxUnavailable",
    label: "Max unavailable",
    hint: "Pods that may be missing while replacing. Blank: 0 for zero downtime (1 with GPUs, which rarely have a spare).",
    kind: "text",
    placeholder: "0",
  },
  scaleDownDelaySeconds: {
    name: "scaleDownDelaySeconds",
    label: "Keep old version (seconds)",
    hint: "After the switch the old version keeps running this long, so that a rollback is one quick switch; then it is removed.",
    kind: optionKind("scaleDownDelaySeconds"),
    ...STRATEGY_OPTION_BOUNDS.scaleDownDelaySeconds,
    placeholder: String(DEFAULT_SCALE_DOWN_DELAY_SECONDS),
    initial: String(DEFAULT_SCALE_DOWN_DELAY_SECONDS),
  },
  steps: {
    name: "steps",
    label: "Traffic steps (%)",
    hint: "Share of traffic the new version gets at each step; it ends at 100 (promotion).",
    kind: "text",
    placeholder: DEFAULT_CANARY_STEPS.join(", "),
    initial: DEFAULT_CANARY_STEPS.join(", "),
  },
  pauseSeconds: {
    name: "pauseSeconds",
    label: "Pause per step (seconds)",
    hint: "How long each step runs before its health check.",
    kind: optionKind("pauseSeconds"),
    ...STRATEGY_OPTION_BOUNDS.pauseSeconds,
    placeholder: String(DEFAULT_CANARY_PAUSE_SECONDS),
    initial: String(DEFAULT_CANARY_PAUSE_SECONDS),
  },
  maxErrorRatePercent: {
    name: "maxErrorRatePercent",
    label: "Max error rate (%)",
    hint: "Roll back when the new version's share of 5xx answers is above this.",
    kind: optionKind("maxErrorRatePercent"),
    ...STRATEGY_OPTION_BOUNDS.maxErrorRatePercent,
    placeholder: String(DEFAULT_MAX_ERROR_RATE_PERCENT),
    initial: String(DEFAULT_MAX_ERROR_RATE_PERCENT),
  },
  maxP99LatencyMs: {
    name: "maxP99LatencyMs",
    label: "Max p99 latency (ms)",
    hint: "Roll back when the new version's 99th-percentile latency is above this.",
    kind: optionKind("maxP99LatencyMs"),
    ...STRATEGY_OPTION_BOUNDS.maxP99LatencyMs,
    placeholder: String(DEFAULT_MAX_P99_LATENCY_MS),
    initial: String(DEFAULT_MAX_P99_LATENCY_MS),
  },
};

function optionBlocks(strategy: UpdateStrategy, values: Record<string, string | undefined>): KnownBlock[] {
  return STRATEGY_OPTION_FIELDS[strategy].flatMap((name) => {
    const field = OPTION_FIELDS[name];
    return field ? [optionInput(field, values[name])] : [];
  });
}

function optionInput(field: OptionField, value: string | undefined): KnownBlock {
  const action_id = `${UPDATE_MODEL_ACTION_PREFIX}${OPTION_BLOCK_PREFIX}${field.name}`;
  const current = value ?? field.initial;
  const base = {
    type: "input" as const,
    block_id: `${OPTION_BLOCK_PREFIX}${field.name}`,
    label: plainText(field.label),
    hint: plainText(field.hint),
    optional: true,
  };
  if (field.kind === "text") {
    return {
      ...base,
      element: {
        type: "plain_text_input",
        action_id,
        max_length: 100,
        placeholder: plainText(field.placeholder),
        ...(current ? { initial_value: current.slice(0, 100) } : {}),
      },
    };
  }
  // An out-of-range initial value would make Slack refuse the whole view on re-render.
  const number = current !== undefined && current.trim() !== "" ? Number(current) : Number.NaN;
  const valid =
    Number.isFinite(number) && number >= (field.min ?? 0) && number <= (field.max ?? Number.MAX_SAFE_INTEGER) && (field.kind === "decimal" || Number.isInteger(number));
  return {
    ...base,
    element: {
      type: "number_input",
      action_id,
      is_decimal_allowed: field.kind === "decimal",
      ...(field.min !== undefined ? { min_value: String(field.min) } : {}),
      ...(field.max !== undefined ? { max_value: String(field.max) } : {}),
      placeholder: plainText(field.placeholder),
      ...(valid ? { initial_value: String(number) } : {}),
    },
  };
}

function strategyNote(strategy: UpdateStrategy, options: UpdateModelViewOptions): string {
  switch (strategy) {
    case "rolling":
      return "Gradually replaces old instances with zero downtime. If the new pods do not become ready before the progress deadline, the bot rolls back to the previous version by itself.";
    case "blue-green":
      return "Deploys the new version alongside the old one and switches all traffic at once when it is fully ready. Rollback is one quick switch while the old version is kept.";
    case "canary": {
      const routing = options.exactWeights
        ? "Traffic shares are exact (Istio weights)."
        : "Traffic shares follow the replica ratio behind the Service (no Istio here), so they are approximate.";
      const metrics = options.metricsConfigured
        ? "Each step checks readiness, error rate and p99 latency."
        : "No metrics are configured: each step checks readiness only.";
      return `Routes a small share of traffic to the new version and increases it while it stays healthy. ${routing} ${metrics} Promote, pause or abort from the progress message.`;
    }
  }
}

// --------------------------------------------------------------------------- reading the state

const elementStateSchema = z.object({
  type: z.string(),
  value: z.string().nullish(),
  selected_option: z.object({ value: z.string() }).nullish(),
});
export const updateModelStateSchema = z.record(z.string(), z.record(z.string(), elementStateSchema));

/** What the modal holds now, by block. Unknown or missing inputs read as blank. */
export function readUpdateModelValues(state: z.infer<typeof updateModelStateSchema>): UpdateModelFormValues {
  const element = (blockId: string) => {
    const block = state[blockId];
    return block ? Object.values(block)[0] : undefined;
  };
  const strategy = element(BLOCK_STRATEGY)?.selected_option?.value;
  const options: Record<string, string | undefined> = {};
  for (const name of new Set(Object.values(STRATEGY_OPTION_FIELDS).flat())) {
    const value = element(`${OPTION_BLOCK_PREFIX}${name}`)?.value;
    if (value !== undefined && value !== null) options[name] = value;
  }
  const deployment = element(BLOCK_DEPLOYMENT)?.selected_option?.value;
  const modelVersion = element(BLOCK_VERSION)?.value ?? undefined;
  return {
    ...(deployment ? { deployment } : {}),
    ...(modelVersion ? { modelVersion } : {}),
    strategy: isUpdateStrategy(strategy) ? strategy : "rolling",
    options,
  };
}
