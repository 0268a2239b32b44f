import type { App } from "@slack/bolt";
import { queuedProgress } from "../../../domain/progress.js";
import { describeFailure } from "../../messages/failureText.js";
import { CREATE_DEPLOYMENT_CALLBACK_ID } from "../../views/deploymentFormView.js";
import { formValuesToSpecInput, inlineErrors, readFormValues, viewStateValuesSchema, visibleBlockIds } from "../../views/deploymentFormState.js";
import { parseMetadataOf } from "../../views/formMetadata.js";
import { announceChangeRequest, newMessageTarget, showThenEnqueue } from "../../operationAnnouncements.js";
import { ephemeralTeller, requesterOfInteraction, type SlackDependencies } from "../listenerContext.js";

/** Create Deployment: validated and recorded before the answer, so that every error shows on its field. */
export function registerCreateDeploymentSubmission(app: App, deps: SlackDependencies): void {
  app.view(CREATE_DEPLOYMENT_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const metadata = parseMetadataOf(view.private_metadata, "create");
    const state = viewStateValuesSchema.safeParse(view.state.values);
    if (!metadata || !state.success) {
      await ack({ response_action: "errors", errors: { name: "This form is out of date. Close it and run /deploy create again." } });
      return;
    }
    const values = readFormValues(state.data);
    const requester = requesterOfInteraction(body, metadata.channelId);
    let result;
    try {
      result = await deps.requests.requestCreate(formValuesToSpecInput(values), requester, `view:${view.id}`);
    } catch (error) {
      deps.logger.error({ err: error }, "could not record a new deployment");
      await ack({ response_action: "errors", errors: { name: describeFailure(error) } });
      return;
    }
    if (!result.ok) {
      await ack({ response_action: "errors", errors: inlineErrors(result.errors, visibleBlockIds(values)) });
      return;
    }
    await ack();
    if (result.duplicate) return;
    if (result.awaitingApproval) {
      await announceChangeRequest(result.operation, client, deps, ephemeralTeller(client, metadata.channelId, body.user.id));
      return;
    }
    await showThenEnqueue(deps, newMessageTarget(result.operation), queuedProgress(result.operation, result.deployment), ephemeralTeller(client, metadata.channelId, body.user.id));
  });
}
