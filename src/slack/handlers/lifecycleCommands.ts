import type { DeployCommand } from "../../domain/command.js";
import { editabilityOf } from "../../domain/editability.js";
import { alwaysConfirmed } from "../../domain/operation.js";
import { formatEnvironmentVariables } from "../../domain/environmentVariablesText.js";
import { ENVIRONMENT_LABELS, type DeploymentSpec } from "../../domain/deploymentSpec.js";
import type { DeploymentRecord } from "../../domain/deployment.js";
import { errorMessage } from "../messages/helpMessage.js";
import { buildDeploymentDetailsView } from "../views/deploymentDetailsView.js";
import { DEPLOYMENT_FORM_FIELDS, type FormValues } from "../views/deploymentFormFields.js";
import { buildDeploymentFormView } from "../views/deploymentFormView.js";
import { serializeFormMetadata } from "../views/formMetadata.js";
import { buildScaleView } from "../views/scaleView.js";
import type { CommandContext } from "./commandContext.js";
import { announceRequest } from "./operationAnnouncements.js";

export type LifecycleCommand = Extract<DeployCommand, { verb: "show" | "edit" | "scale" | "stop" | "start" | "delete" }>;

function requesterOf(context: CommandContext) {
  return { userId: context.userId, channelId: context.channelId, teamId: context.teamId };
}

async function tell(context: CommandContext, text: string): Promise<void> {
  await context.respond({ response_type: "ephemeral", ...errorMessage(text) });
}

/** show, edit, scale, stop, start, delete: from a command, or from a button that names the deployment. */
export async function runLifecycleCommand(command: LifecycleCommand, context: CommandContext): Promise<void> {
  switch (command.verb) {
    case "show":
      return showDetails(command.name, context);
    case "edit":
      return openEditForm(command.name, context);
    case "scale":
      if (command.replicas === undefined) return openScaleForm(command.name, context);
      await announceRequest(await context.deps.operations.requestScale(command.name, command.replicas, requesterOf(context)), {
        client: context.client,
        deps: context.deps,
        tell: (text) => tell(context, text),
      });
      return;
    case "stop":
    case "start":
    case "delete": {
      const result = await context.deps.operations.request({
        name: command.name,
        kind: command.verb,
        params: {},
        requester: requesterOf(context),
        confirmation: alwaysConfirmed(command.verb),
      });
      await announceRequest(result, { client: context.client, deps: context.deps, tell: (text) => tell(context, text) });
      return;
    }
  }
}

async function showDetails(name: string, context: CommandContext): Promise<void> {
  const details = await context.deps.queries.details(name);
  if (!details) return tell(context, `There is no deployment named *${name}*. See \`/deploy list\`.`);
  await context.openView(buildDeploymentDetailsView(details, serializeFormMetadata({ mode: "details", channelId: context.channelId, name })));
}

/** The form's values for a stored spec (the edit form starts from them). */
export function specToFormValues(spec: DeploymentSpec): FormValues {
  const values: FormValues = {};
  for (const field of DEPLOYMENT_FORM_FIELDS) {
    if (field.path === "env") {
      values.env = formatEnvironmentVariables(spec.env);
      continue;
    }
    let value: unknown = spec;
    for (const key of field.path.split(".")) value = (value as Record<string, unknown> | undefined)?.[key];
    values[field.path] = typeof value === "boolean" ? value : value === undefined ? undefined : String(value);
  }
  return values;
}

/** Read-only fields of the edit form, with what they hold and why they cannot change. */
export function readOnlyFields(deployment: DeploymentRecord): Record<string, { value: string; reason: string }> {
  const shown: Record<string, string> = {
    name: deployment.name,
    modelId: deployment.spec.modelId,
    modelVersion: deployment.spec.modelVersion,
    environment: ENVIRONMENT_LABELS[deployment.spec.environment],
  };
  const result: Record<string, { value: string; reason: string }> = {};
  for (const [path, value] of Object.entries(shown)) {
    const rule = editabilityOf(path);
    if (rule.kind === "read-only") result[path] = { value, reason: rule.reason };
  }
  return result;
}

async function openEditForm(name: string, context: CommandContext): Promise<void> {
  const found = await context.deps.operations.find(name);
  if (!found.ok) return tell(context, found.message);
  const refusal = await context.deps.operations.refusal(found.deployment, "edit");
  if (refusal) return tell(context, refusal);
  await context.openView(
    buildDeploymentFormView({
      mode: "edit",
      values: specToFormValues(found.deployment.spec),
      readOnly: readOnlyFields(found.deployment),
      privateMetadata: serializeFormMetadata({ mode: "edit", channelId: context.channelId, name }),
    }),
  );
}

async function openScaleForm(name: string, context: CommandContext): Promise<void> {
  const found = await context.deps.operations.find(name);
  if (!found.ok) return tell(context, found.message);
  const refusal = await context.deps.operations.refusal(found.deployment, "scale");
  if (refusal) return tell(context, refusal);
  await context.openView(buildScaleView(found.deployment, serializeFormMetadata({ mode: "scale", channelId: context.channelId, name })));
}
