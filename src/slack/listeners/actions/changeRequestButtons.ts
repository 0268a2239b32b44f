import type { BlockAction, ButtonAction } from "@slack/bolt";
import { z } from "zod";
import { APPROVE_ACTION_ID, REJECT_ACTION_ID } from "../../messages/changeRequestMessage.js";
import { describeFailure } from "../../messages/failureText.js";
import { serializeFormMetadata } from "../../views/formMetadata.js";
import { buildRejectReasonView } from "../../views/rejectReasonView.js";
import { announceApproved, refreshChangeRequest } from "../../operationAnnouncements.js";
import type { ListenerRoutes } from "../listenerRoutes.js";
import { ephemeralTeller, requesterOfInteraction, type SlackDependencies } from "../listenerContext.js";

const operationIdSchema = z.uuid();

/**
 * Approve and Reject on a change request, wherever it was posted. Who may decide is checked
 * when the click arrives (the operations service does it), not when the message was drawn; a
 * refusal goes to the clicker alone. Reject asks for a reason first.
 */
export function registerChangeRequestButtons(routes: ListenerRoutes, deps: SlackDependencies): void {
  routes.action<BlockAction<ButtonAction>>(APPROVE_ACTION_ID, async ({ ack, body, action, client }) => {
    await ack();
    const operationId = operationIdSchema.safeParse(action.value);
    const channelId = body.channel?.id ?? body.user.id;
    const tell = ephemeralTeller(client, channelId, body.user.id);
    if (!operationId.success) return;
    try {
      const decision = await deps.operations.approve(operationId.data, requesterOfInteraction(body, channelId));
      if (!decision.ok) {
        if (decision.settled) await refreshChangeRequest(operationId.data, client, deps, decision.message);
        else await tell(decision.message);
        return;
      }
      if (decision.state === "needs-more") {
        await refreshChangeRequest(operationId.data, client, deps);
        await tell(`Approved: ${decision.approvals} of ${decision.required} approvals so far.`);
        return;
      }
      await announceApproved(decision.operation, decision.deployment, client, deps, body.user.id);
    } catch (error) {
      deps.logger.error({ err: error }, "approval failed");
      await tell(describeFailure(error));
    }
  });

  routes.action<BlockAction<ButtonAction>>(REJECT_ACTION_ID, async ({ ack, body, action, client }) => {
    await ack();
    const operationId = operationIdSchema.safeParse(action.value);
    const channelId = body.channel?.id ?? body.user.id;
    if (!operationId.success) return;
    const operation = await deps.operations.get(operationId.data);
    if (!operation) return;
    const metadata = serializeFormMetadata({ mode: "reject", channelId, operationId: operation.id });
    await client.views.open({ trigger_id: body.trigger_id, view: buildRejectReasonView(operation.deploymentName, metadata) });
  });
}
