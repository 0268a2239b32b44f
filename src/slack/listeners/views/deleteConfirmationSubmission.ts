import { DELETE_CONFIRMATION_CALLBACK_ID, DELETE_NAME_BLOCK_ID } from "../../views/deleteConfirmationView.js";
import { viewStateValuesSchema } from "../../views/deploymentFormState.js";
import { parseMetadataOf } from "../../views/formMetadata.js";
import { showDecision } from "../../operationAnnouncements.js";
import type { ListenerRoutes } from "../listenerRoutes.js";
import { ephemeralTeller, requesterOfInteraction, type SlackDependencies } from "../listenerContext.js";

/** The delete confirmation's last step: the deployment's name, typed exactly, confirms it. */
export function registerDeleteConfirmationSubmission(routes: ListenerRoutes, deps: SlackDependencies): void {
  routes.view(DELETE_CONFIRMATION_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const metadata = parseMetadataOf(view.private_metadata, "delete");
    const state = viewStateValuesSchema.safeParse(view.state.values);
    if (!metadata || !state.success) {
      await ack({ response_action: "errors", errors: { [DELETE_NAME_BLOCK_ID]: "This form is out of date; click Confirm again." } });
      return;
    }
    const typed = Object.values(state.data[DELETE_NAME_BLOCK_ID] ?? {})[0]?.value?.trim() ?? "";
    const gate = await deps.operations.inspectGate(metadata.operationId, body.user.id);
    if (gate.ok && typed !== gate.operation.deploymentName) {
      await ack({ response_action: "errors", errors: { [DELETE_NAME_BLOCK_ID]: `Type ${gate.operation.deploymentName} exactly to delete it.` } });
      return;
    }
    await ack();
    const tell = ephemeralTeller(client, metadata.channelId, body.user.id);
    const requester = requesterOfInteraction(body, metadata.channelId);
    await showDecision(gate.ok ? await deps.operations.confirm(metadata.operationId, requester) : gate, client, deps, tell);
  });
}
