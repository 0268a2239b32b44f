import type { ModalView } from "@slack/types";
import { describeFailure } from "../../messages/failureText.js";
import { plainTextOf } from "../../messages/text.js";
import {
  BLOCK_DEPLOYMENT,
  BLOCK_VERSION,
  UPDATE_MODEL_CALLBACK_ID,
  buildUpdateModelView,
  parseUpdateModelMetadata,
  readUpdateModelValues,
  updateModelStateSchema,
  type UpdateModelFormValues,
  type UpdateModelMetadata,
} from "../../views/updateModelView.js";
import { announceModelUpdate } from "../../operationAnnouncements.js";
import type { ListenerRoutes } from "../listenerRoutes.js";
import { ephemeralTeller, requesterOfInteraction, type SlackDependencies } from "../listenerContext.js";

/** The Update Model modal as it stands: the chosen deployment (or the ones that can take an update) and the strategy's options. */
export async function renderUpdateModelModal(deps: SlackDependencies, metadata: UpdateModelMetadata, values: UpdateModelFormValues): Promise<ModalView> {
  const name = metadata.deploymentName ?? values.deployment;
  const found = name ? await deps.modelUpdates.find(name) : null;
  const deployment = found?.ok ? found.deployment : null;
  const choices = metadata.deploymentName ? [] : (await deps.modelUpdates.updatable()).map((d) => ({ name: d.name, modelVersion: d.spec.modelVersion }));
  return buildUpdateModelView({ metadata, values, deployments: choices, ...deps.modelUpdates.trafficFacts(deployment) });
}

/** Update on the Update Model modal: the version and the options are checked on their fields before anything is recorded. */
export function registerUpdateModelSubmission(routes: ListenerRoutes, deps: SlackDependencies): void {
  routes.view(UPDATE_MODEL_CALLBACK_ID, async ({ ack, body, view, client }) => {
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
    const requester = requesterOfInteraction(body, metadata.channelId);
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
      await ack({ response_action: "errors", errors: { [metadata.deploymentName ? BLOCK_VERSION : BLOCK_DEPLOYMENT]: plainTextOf(result.message).slice(0, 500) } });
      return;
    }
    await ack();
    await announceModelUpdate(result, { client, deps, tell: ephemeralTeller(client, metadata.channelId, body.user.id) });
  });
}
