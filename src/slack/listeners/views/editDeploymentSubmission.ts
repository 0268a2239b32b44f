import { EDIT_DEPLOYMENT_CALLBACK_ID } from "../../views/deploymentFormView.js";
import { formValuesToSpecInput, inlineErrors, readFormValues, viewStateValuesSchema, visibleBlockIds } from "../../views/deploymentFormState.js";
import { readOnlyFields } from "../../views/editFormValues.js";
import { parseMetadataOf, serializeFormMetadata } from "../../views/formMetadata.js";
import { buildMessageView } from "../../views/messageView.js";
import { buildReviewChangesView } from "../../views/reviewChangesView.js";
import { announceChangeRequest, announceRequest } from "../../operationAnnouncements.js";
import type { ListenerRoutes } from "../listenerRoutes.js";
import { ephemeralTeller, requesterOfInteraction, type SlackDependencies } from "../listenerContext.js";

/**
 * Update Deployment on the Edit Deployment form. The operations service validates the edit and
 * records it; every edit shows its diff before it applies: in a Review Changes modal for
 * changes that apply live or by rolling update, as a confirmation message in the channel for
 * changes that restart every instance.
 */
export function registerEditDeploymentSubmission(routes: ListenerRoutes, deps: SlackDependencies): void {
  routes.view(EDIT_DEPLOYMENT_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const metadata = parseMetadataOf(view.private_metadata, "edit");
    const state = viewStateValuesSchema.safeParse(view.state.values);
    const found = metadata ? await deps.operations.find(metadata.name) : null;
    if (!metadata || !state.success || !found?.ok) {
      await ack({ response_action: "update", view: buildMessageView("Edit Deployment", found && !found.ok ? found.message : "This form is out of date. Run `/deploy edit NAME` again.") });
      return;
    }
    const values = readFormValues(state.data);
    const blockIds = visibleBlockIds(values, "edit", Object.keys(readOnlyFields(found.deployment)));
    const requester = requesterOfInteraction(body, metadata.channelId);
    const envText = typeof values.env === "string" ? values.env : "";
    const result = await deps.requests.requestEdit(found.deployment.name, formValuesToSpecInput(values, "edit"), envText, requester);
    if (!result.ok) {
      const errors = "errors" in result ? result.errors : [{ path: "description", message: result.message }];
      await ack({ response_action: "errors", errors: inlineErrors(errors, blockIds) });
      return;
    }
    if (result.request.state === "awaiting_approval") {
      // A production edit is reviewed by approvers: the change request shows the same diff.
      await ack();
      await announceChangeRequest(result.request.operation, client, deps, ephemeralTeller(client, metadata.channelId, body.user.id));
      return;
    }
    if (result.restart) {
      await ack();
      await announceRequest(result.request, { client, deps, changes: result.changes, tell: ephemeralTeller(client, metadata.channelId, body.user.id) });
      return;
    }
    const review = serializeFormMetadata({ mode: "review", channelId: metadata.channelId, operationId: result.request.operation.id });
    await ack({ response_action: "update", view: buildReviewChangesView(found.deployment.name, result.changes, review) });
  });
}
