import { viewStateValuesSchema } from "../../views/deploymentFormState.js";
import { parseMetadataOf } from "../../views/formMetadata.js";
import { REJECT_REASON_BLOCK_ID, REJECT_REASON_CALLBACK_ID } from "../../views/rejectReasonView.js";
import { messageTargetOf } from "../../../domain/progress.js";
import { refreshChangeRequest } from "../../operationAnnouncements.js";
import type { ListenerRoutes } from "../listenerRoutes.js";
import { ephemeralTeller, requesterOfInteraction, type SlackDependencies } from "../listenerContext.js";

/** The reason for a rejection: recorded with the decision, shown on every copy of the request and in its thread. */
export function registerRejectReasonSubmission(routes: ListenerRoutes, deps: SlackDependencies): void {
  routes.view(REJECT_REASON_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const metadata = parseMetadataOf(view.private_metadata, "reject");
    const state = viewStateValuesSchema.safeParse(view.state.values);
    const reason = state.success ? (Object.values(state.data[REJECT_REASON_BLOCK_ID] ?? {})[0]?.value ?? "").trim() : "";
    if (!metadata) {
      await ack({ response_action: "errors", errors: { [REJECT_REASON_BLOCK_ID]: "This form is out of date; click Reject again." } });
      return;
    }
    if (reason.length < 3) {
      await ack({ response_action: "errors", errors: { [REJECT_REASON_BLOCK_ID]: "Say why, in a few words: the requester reads it." } });
      return;
    }
    const decision = await deps.operations.reject(metadata.operationId, requesterOfInteraction(body, metadata.channelId), reason);
    if (decision.ok || !decision.settled) {
      await ack({ response_action: "errors", errors: { [REJECT_REASON_BLOCK_ID]: decision.ok ? "This request was already answered." : decision.message } });
      return;
    }
    await ack();
    await refreshChangeRequest(metadata.operationId, client, deps, decision.message);
    const operation = decision.operation;
    if (operation?.messageTs) {
      await deps.publisher.threadReply({ ...messageTargetOf(operation), threadTs: operation.messageTs }, `:no_entry_sign: ${decision.message}`).catch(() => undefined);
    } else {
      await ephemeralTeller(client, metadata.channelId, body.user.id)(decision.message);
    }
  });
}
