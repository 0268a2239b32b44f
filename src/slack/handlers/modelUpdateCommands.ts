import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { z } from "zod";
import type { DeployCommand } from "../../domain/command.js";
import type { OperationRequestResult } from "../../operations/operationRequests.js";
import { queuedProgress } from "../../domain/progress.js";
import { isUpdateStrategy } from "../../domain/strategy.js";
import { OPERATION_CONTROLS } from "../../domain/operation.js";
import { errorMessage } from "../messages/helpMessage.js";
import { ROLLOUT_ACTION_PREFIX } from "../messages/rolloutProgressBlocks.js";
import {
  BLOCK_DEPLOYMENT,
  BLOCK_STRATEGY,
  BLOCK_VERSION,
  UPDATE_MODEL_ACTION_PREFIX,
  UPDATE_MODEL_CALLBACK_ID,
  buildUpdateModelView,
  parseUpdateModelMetadata,
  readUpdateModelValues,
  updateModelStateSchema,
  type UpdateModelFormValues,
  type UpdateModelMetadata,
} from "../views/updateModelView.js";
import type { CommandContext, SlackDependencies } from "./commandContext.js";
import { describeFailure } from "./failureText.js";
import { announceRequest, ephemeralTeller, newMessageTarget, showThenEnqueue } from "./operationAnnouncements.js";

export type ModelUpdateCommand = Extract<DeployCommand, { verb: "update-model" | "rollback" }>;

async function tell(context: CommandContext, text: string): Promise<void> {
  await context.respond({ response_type: "ephemeral", ...errorMessage(text) });
}

/**
 * `/deploy update-model NAME VERSION [strategy]` starts the update at once (rolling by default);
 * any form with something missing (`/deploy update-model canary`, `/deploy update-model NAME`,
 * the Update Model button) opens the modal with what is known filled in.
 * `/deploy rollback NAME [REVISION]` returns to an earlier revision.
 */
export async function runModelUpdateCommand(command: ModelUpdateCommand, context: CommandContext): Promise<void> {
  if (command.verb === "rollback") return requestRollback(command.name, command.revision, context);
  if (command.name && command.version) {
    const strategy = command.strategy ?? "rolling";
    const result = await context.deps.modelUpdates.updateModel({
      name: command.name,
      modelVersion: command.version,
      strategy,
      options: {},
      requester: { userId: context.userId, channelId: context.channelId, teamId: context.teamId },
    });
    if ("errors" in result) return tell(context, result.errors.map((error) => error.message).join(" "));
    return announce(result, context.deps, context.client, (text) => tell(context, text));
  }
  await openUpdateModelModal(command, context);
}

async function openUpdateModelModal(command: Extract<ModelUpdateCommand, { verb: "update-model" }>, context: CommandContext): Promise<void> {
  const { modelUpdates, operations } = context.deps;
  const metadata: UpdateModelMetadata = { channelId: context.channelId };
  const deployment = command.name ? await modelUpdates.find(command.name) : null;
  if (command.name) {
    if (!deployment) return tell(context, `There is no deployment named *${command.name}*. See \`/deploy list\`.`);
    const refusal = await operations.refusal(deployment, "update-model");
    if (refusal) return tell(context, refusal);
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

async function requestRollback(name: string, revision: number | undefined, context: CommandContext): Promise<void> {
  const result = await context.deps.modelUpdates.rollback({
    name,
    ...(revision !== undefined ? { revision } : {}),
    requester: { userId: context.userId, channelId: context.channelId, teamId: context.teamId },
  });
  if (result.ok && result.state === "switching-back") return tell(context, result.message);
  await announce(result, context.deps, context.client, (text) => tell(context, text));
}

/** Posts the queued progress message of an update or rollback, already showing its plan; refusals go privately. */
async function announce(
  result: OperationRequestResult,
  deps: SlackDependencies,
  client: CommandContext["client"],
  teller: (text: string) => Promise<void>,
): Promise<void> {
  if (!result.ok || result.state !== "queued") {
    await announceRequest(result, { client, deps, tell: teller });
    return;
  }
  const { operation, deployment } = result;
  const rollout = deps.modelUpdates.queuedRollout(operation, deployment);
  const progress = { ...queuedProgress(operation, deployment), ...(rollout ? { modelVersion: rollout.toVersion, rollout } : {}) };
  await showThenEnqueue(deps, newMessageTarget(operation), progress);
}

// ------------------------------------------------------------------------------ the modal

async function renderModal(deps: SlackDependencies, metadata: UpdateModelMetadata, values: UpdateModelFormValues) {
  const deployment = metadata.deploymentName ? await deps.modelUpdates.find(metadata.deploymentName) : values.deployment ? await deps.modelUpdates.find(values.deployment) : null;
  const choices = metadata.deploymentName ? [] : (await deps.modelUpdates.updatable()).map((d) => ({ name: d.name, modelVersion: d.spec.modelVersion }));
  return buildUpdateModelView({ metadata, values, deployments: choices, ...deps.modelUpdates.trafficFacts(deployment) });
}

function registerUpdateModelModal(app: App, deps: SlackDependencies): void {
  // The strategy (or the deployment) changed: show the options that apply to it.
  app.action(new RegExp(`^${UPDATE_MODEL_ACTION_PREFIX}(${BLOCK_STRATEGY}|${BLOCK_DEPLOYMENT})$`), async ({ ack, body, action, client }) => {
    await ack();
    if (body.type !== "block_actions" || !body.view || body.view.callback_id !== UPDATE_MODEL_CALLBACK_ID) return;
    const metadata = parseUpdateModelMetadata(body.view.private_metadata);
    const state = updateModelStateSchema.safeParse(body.view.state?.values ?? {});
    if (!metadata || !state.success) return;
    const values = readUpdateModelValues(state.data);
    // The action carries the new choice even when the view's state was captured before it.
    const chosen = "selected_option" in action ? action.selected_option?.value : undefined;
    const actionId = "action_id" in action ? action.action_id : "";
    if (chosen && actionId.endsWith(BLOCK_STRATEGY) && isUpdateStrategy(chosen)) values.strategy = chosen;
    if (chosen && actionId.endsWith(BLOCK_DEPLOYMENT)) values.deployment = chosen;
    const view = await renderModal(deps, metadata, values);
    try {
      await client.views.update({ view_id: body.view.id, hash: body.view.hash, view });
    } catch (error) {
      // hash_conflict: a newer render is already on screen.
      deps.logger.debug({ err: error }, "update model form re-render skipped");
    }
  });
  app.view(UPDATE_MODEL_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const metadata = parseUpdateModelMetadata(view.private_metadata);
    const state = updateModelStateSchema.safeParse(view.state.values);
    if (!metadata || !state.success) {
      await ack({ response_action: "errors", errors: { [BLOCK_VERSION]: "This form is out of date. Close it and run /deploy update-model again." } });
      return;
    }
    const values = readUpdateModelValues(state.data);
    const name = metadata.deploymentName ?? values.deployment;
    if (!name) {
      // Without live deployments the modal shows a note instead of the select: the error goes on the version.
      const errors: Record<string, string> = state.data[BLOCK_DEPLOYMENT]
        ? { [BLOCK_DEPLOYMENT]: "Choose the deployment to update." }
        : { [BLOCK_VERSION]: "No live deployment can take a model update right now." };
      await ack({ response_action: "errors", errors });
      return;
    }
    const requester = { userId: body.user.id, channelId: metadata.channelId, teamId: body.team?.id ?? null };
    let result;
    try {
      result = await deps.modelUpdates.updateModel({ name, modelVersion: values.modelVersion ?? "", strategy: values.strategy, options: values.options, requester });
    } catch (error) {
      deps.logger.error({ err: error }, "could not record a model update");
      await ack({ response_action: "errors", errors: { [BLOCK_VERSION]: describeFailure(error) } });
      return;
    }
    if ("errors" in result) {
      await ack({ response_action: "errors", errors: Object.fromEntries(result.errors.map((error) => [error.path, error.message])) });
      return;
    }
    if (!result.ok) {
      // Busy or not live: say it on the field that names the deployment.
      await ack({ response_action: "errors", errors: { [metadata.deploymentName ? BLOCK_VERSION : BLOCK_DEPLOYMENT]: result.message.slice(0, 500) } });
      return;
    }
    await ack();
    await announce(result, deps, client, ephemeralTeller(client, metadata.channelId, body.user.id));
  });
}

// ------------------------------------------------------------------------- rollout buttons

const controlSchema = z.enum(OPERATION_CONTROLS);
const operationIdSchema = z.uuid();

/**
 * Promote, Pause/Resume and Abort on a rollout's progress message. Slack signs the request, so
 * the message it names is the one the user clicked: the click counts only when that message is
 * the operation's own message in its own channel, and the operation is a running rollout.
 * Anyone who sees the message may press them, as anyone there may run `/deploy`. A double
 * click asks twice for the same thing; the rollout acts once and ignores the repeat.
 */
function registerRolloutButtons(app: App, deps: SlackDependencies): void {
  app.action<BlockAction<ButtonAction>>(new RegExp(`^${ROLLOUT_ACTION_PREFIX}`), async ({ ack, body, action, client }) => {
    await ack();
    const control = controlSchema.safeParse(action.action_id.slice(ROLLOUT_ACTION_PREFIX.length));
    const operationId = operationIdSchema.safeParse(action.value);
    const channelId = body.channel?.id;
    if (!control.success || !operationId.success || !channelId) return;
    const teller = ephemeralTeller(client, channelId, body.user.id);
    try {
      const answer = await deps.modelUpdates.control(operationId.data, control.data, {
        userId: body.user.id,
        channelId,
        messageTs: body.message?.ts ?? body.container?.message_ts,
      });
      await teller(answer.message);
    } catch (error) {
      deps.logger.error({ err: error, action: action.action_id }, "rollout button failed");
      await teller(describeFailure(error));
    }
  });
}

/** Listeners of the Update Model modal and of the rollout message's buttons. */
export function registerModelUpdateListeners(app: App, deps: SlackDependencies): void {
  registerUpdateModelModal(app, deps);
  registerRolloutButtons(app, deps);
}
