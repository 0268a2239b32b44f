import type { DeployCommand } from "../../../domain/command.js";
import { buildUpdateModelView, type UpdateModelFormValues, type UpdateModelMetadata } from "../../views/updateModelView.js";
import { announceModelUpdate } from "../../operationAnnouncements.js";
import { replyPrivately, requesterOf, type CommandContext } from "../listenerContext.js";
import { showDryRun } from "./lifecycleCommands.js";

export type ModelUpdateCommand = Extract<DeployCommand, { verb: "update-model" | "rollback" }>;

/**
 * `/deploy update-model NAME VERSION [strategy]` starts the update at once (rolling by default);
 * any form with something missing (`/deploy update-model canary`, `/deploy update-model NAME`,
 * the Update Model button) opens the modal with what is known filled in.
 * `/deploy rollback NAME [REVISION]` returns to an earlier revision.
 */
export async function runModelUpdateCommand(command: ModelUpdateCommand, context: CommandContext): Promise<void> {
  const announceOptions = { client: context.client, deps: context.deps, tell: (text: string) => replyPrivately(context, text) };
  if (command.dryRun) {
    if (command.verb === "rollback") return showDryRun({ kind: "rollback", name: command.name, ...(command.revision !== undefined ? { revision: command.revision } : {}) }, context);
    if (command.name && command.version) return showDryRun({ kind: "update-model", name: command.name, version: command.version, strategy: command.strategy ?? "rolling" }, context);
  }
  if (command.verb === "rollback") {
    const result = await context.deps.modelUpdates.rollback({
      name: command.name,
      ...(command.revision !== undefined ? { revision: command.revision } : {}),
      requester: requesterOf(context),
    });
    if (result.ok && result.state === "switching-back") return replyPrivately(context, result.message);
    return announceModelUpdate(result, announceOptions);
  }
  if (command.name && command.version) {
    const result = await context.deps.modelUpdates.updateModel({
      name: command.name,
      modelVersion: command.version,
      strategy: command.strategy ?? "rolling",
      options: {},
      requester: requesterOf(context),
    });
    if ("errors" in result) return replyPrivately(context, result.errors.map((error) => error.message).join(" "));
    return announceModelUpdate(result, announceOptions);
  }
  await openUpdateModelModal(command, context);
}

async function openUpdateModelModal(command: Extract<ModelUpdateCommand, { verb: "update-model" }>, context: CommandContext): Promise<void> {
  const { modelUpdates, operations } = context.deps;
  const metadata: UpdateModelMetadata = { channelId: context.channelId };
  let deployment = null;
  if (command.name) {
    const found = await modelUpdates.find(command.name);
    if (!found.ok) return replyPrivately(context, found.message);
    const refusal = await operations.changeRefusal(found.deployment, "update-model", requesterOf(context));
    if (refusal) return replyPrivately(context, refusal);
    deployment = found.deployment;
    metadata.deploymentName = deployment.name;
    metadata.currentVersion = deployment.spec.modelVersion;
  }
  const choices = deployment ? [] : (await modelUpdates.updatable()).map((d) => ({ name: d.name, modelVersion: d.spec.modelVersion }));
  const values: UpdateModelFormValues = {
    strategy: command.strategy ?? "rolling",
    options: {},
    ...(command.version ? { modelVersion: command.version } : {}),
  };
  await context.openView(buildUpdateModelView({ metadata, values, deployments: choices, ...modelUpdates.trafficFacts(deployment) }));
}
