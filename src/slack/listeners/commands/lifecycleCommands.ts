import type { DeployCommand } from "../../../domain/command.js";
import { alwaysConfirmed } from "../../../domain/operation.js";
import { buildDeploymentDetailsView } from "../../views/deploymentDetailsView.js";
import { buildDeploymentFormView } from "../../views/deploymentFormView.js";
import { readOnlyFields, specToFormValues } from "../../views/editFormValues.js";
import { serializeFormMetadata } from "../../views/formMetadata.js";
import { buildScaleView } from "../../views/scaleView.js";
import type { DryRunRequest } from "../../../operations/dryRuns.js";
import { dryRunMessage } from "../../messages/dryRunMessage.js";
import { announceRequest } from "../../operationAnnouncements.js";
import { replyPrivately, requesterOf, type CommandContext } from "../listenerContext.js";

export type LifecycleCommand = Extract<DeployCommand, { verb: "show" | "edit" | "scale" | "stop" | "start" | "delete" | "reapply" | "adopt" }>;

/** show, edit, scale, stop, start, delete, reapply, adopt: from a command, or from a button that names the deployment. */
export async function runLifecycleCommand(command: LifecycleCommand, context: CommandContext): Promise<void> {
  if ("dryRun" in command && command.dryRun) {
    if (command.verb === "scale" && command.replicas !== undefined) return showDryRun({ kind: "scale", name: command.name, replicas: command.replicas }, context);
    if (command.verb === "stop" || command.verb === "start" || command.verb === "delete") return showDryRun({ kind: command.verb, name: command.name }, context);
  }
  const announceOptions = { client: context.client, deps: context.deps, tell: (text: string) => replyPrivately(context, text) };
  switch (command.verb) {
    case "show":
      return showDetails(command.name, context);
    case "edit":
      return openEditForm(command.name, context);
    case "scale":
      if (command.replicas === undefined) return openScaleForm(command.name, context);
      await announceRequest(await context.deps.operations.requestScale(command.name, command.replicas, requesterOf(context)), announceOptions);
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
      await announceRequest(result, announceOptions);
      return;
    }
    case "reapply":
      return requestReapply(command.name, context);
    case "adopt":
      return requestAdopt(command.name, context);
  }
}

/** What the command would do, privately; nothing is recorded but the dry run in the audit trail. */
export async function showDryRun(request: DryRunRequest, context: CommandContext): Promise<void> {
  const preview = await context.deps.dryRuns.preview(request, requesterOf(context));
  if (!preview.ok) return replyPrivately(context, preview.message);
  await context.respond({ response_type: "ephemeral", ...dryRunMessage(preview.result) });
}

async function showDetails(name: string, context: CommandContext): Promise<void> {
  const found = await context.deps.queries.details(name);
  if (!found.ok) return replyPrivately(context, found.message);
  await context.openView(buildDeploymentDetailsView(found.details, serializeFormMetadata({ mode: "details", channelId: context.channelId, name })));
}

async function openEditForm(name: string, context: CommandContext): Promise<void> {
  const found = await context.deps.operations.find(name);
  if (!found.ok) return replyPrivately(context, found.message);
  const refusal = await context.deps.operations.changeRefusal(found.deployment, "edit", requesterOf(context));
  if (refusal) return replyPrivately(context, refusal);
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
  if (!found.ok) return replyPrivately(context, found.message);
  const refusal = await context.deps.operations.changeRefusal(found.deployment, "scale", requesterOf(context));
  if (refusal) return replyPrivately(context, refusal);
  await context.openView(buildScaleView(found.deployment, serializeFormMetadata({ mode: "scale", channelId: context.channelId, name })));
}

/** Re-apply (the details panel's drift section, or `/deploy reapply`): the stored configuration again, through the same gates as any change. */
async function requestReapply(name: string, context: CommandContext): Promise<void> {
  const result = await context.deps.operations.requestReapply(name, requesterOf(context));
  await announceRequest(result, { client: context.client, deps: context.deps, tell: (text: string) => replyPrivately(context, text) });
}

/** Adopt (the details panel's drift section, or `/deploy adopt`): the live values become the configuration, as an edit. */
async function requestAdopt(name: string, context: CommandContext): Promise<void> {
  const result = await context.deps.requests.requestAdopt(name, requesterOf(context));
  const tell = (text: string) => replyPrivately(context, text);
  if (!result.ok) return tell(result.message);
  await announceRequest(result.request, { client: context.client, deps: context.deps, tell, changes: result.changes, adoption: { notAdoptable: result.notAdoptable } });
}
