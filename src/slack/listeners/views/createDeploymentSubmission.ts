import { queuedProgress } from "../../../domain/progress.js";
import { describeFailure } from "../../messages/failureText.js";
import { CREATE_DEPLOYMENT_CALLBACK_ID } from "../../views/deploymentFormView.js";
import { formValuesToSpecInput, inlineErrors, readFormValues, viewStateValuesSchema, visibleBlockIds } from "../../views/deploymentFormState.js";
import { parseMetadataOf } from "../../views/formMetadata.js";
import { announceChangeRequest, newMessageTarget, showThenEnqueue } from "../../operationAnnouncements.js";
import type { ListenerRoutes } from "../listenerRoutes.js";
import { ephemeralTeller, requesterOfInteraction, type SlackDependencies } from "../listenerContext.js";

/**
 * Create Deployment: checked before the answer, so that every error shows on its field; recorded
 * and queued after it, so that the answer does not wait for the transaction (Slack gives a modal
 * 3 s, and the worker's jobs share the process). What can still go wrong then — another modal
 * took the name in between, the cluster answered its name check late and an object there holds
 * the name, the database failed — is told privately in the channel.
 */
export function registerCreateDeploymentSubmission(routes: ListenerRoutes, deps: SlackDependencies): void {
  routes.view(CREATE_DEPLOYMENT_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const metadata = parseMetadataOf(view.private_metadata, "create");
    const state = viewStateValuesSchema.safeParse(view.state.values);
    if (!metadata || !state.success) {
      await ack({ response_action: "errors", errors: { name: "This form is out of date. Close it and run /deploy create again." } });
      return;
    }
    const values = readFormValues(state.data);
    const requester = requesterOfInteraction(body, metadata.channelId);
    let check;
    try {
      check = await deps.requests.checkCreate(formValuesToSpecInput(values), requester, `view:${view.id}`);
    } catch (error) {
      deps.logger.error({ err: error }, "could not check a new deployment");
      await ack({ response_action: "errors", errors: { name: describeFailure(error) } });
      return;
    }
    if (!check.ok) {
      await ack({ response_action: "errors", errors: inlineErrors(check.errors, visibleBlockIds(values)) });
      return;
    }
    await ack();
    if ("duplicate" in check) return;
    const tell = ephemeralTeller(client, metadata.channelId, body.user.id);
    let result;
    try {
      result = await deps.requests.recordCreate(check.checked);
    } catch (error) {
      deps.logger.error({ err: error }, "could not record a new deployment");
      await tell(`${check.checked.spec.name} was not created: ${describeFailure(error)}`);
      return;
    }
    if (!result.ok) {
      await tell(`${check.checked.spec.name} was not created: ${result.errors.map((error) => error.message).join(" ")}`);
      return;
    }
    if (result.duplicate) return;
    if (result.awaitingApproval) {
      await announceChangeRequest(result.operation, client, deps, tell);
      return;
    }
    await showThenEnqueue(deps, newMessageTarget(result.operation), queuedProgress(result.operation, result.deployment), tell);
  });
}
