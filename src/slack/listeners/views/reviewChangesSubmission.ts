import { parseMetadataOf } from "../../views/formMetadata.js";
import { buildMessageView } from "../../views/messageView.js";
import { REVIEW_CHANGES_CALLBACK_ID } from "../../views/reviewChangesView.js";
import { announceConfirmed } from "../../operationAnnouncements.js";
import type { ListenerRoutes } from "../listenerRoutes.js";
import { requesterOfInteraction, type SlackDependencies } from "../listenerContext.js";

/** Apply Changes on the Review Changes modal: the requester confirms the edit they just reviewed. */
export function registerReviewChangesSubmission(routes: ListenerRoutes, deps: SlackDependencies): void {
  routes.view(REVIEW_CHANGES_CALLBACK_ID, async ({ ack, body, view }) => {
    const metadata = parseMetadataOf(view.private_metadata, "review");
    if (!metadata) {
      await ack({ response_action: "update", view: buildMessageView("Review Changes", "This form is out of date. Run `/deploy edit NAME` again.") });
      return;
    }
    const decision = await deps.operations.confirm(metadata.operationId, requesterOfInteraction(body, metadata.channelId));
    if (!decision.ok) {
      await ack({ response_action: "update", view: buildMessageView("Review Changes", decision.message) });
      return;
    }
    await ack();
    await announceConfirmed(decision.operation, decision.deployment, deps);
  });
}
