import type { BlockAction, ButtonAction } from "@slack/bolt";
import { z } from "zod";
import { CANCEL_ACTION_ID, CONFIRM_ACTION_ID } from "../../messages/confirmationMessage.js";
import { buildDeleteConfirmationView } from "../../views/deleteConfirmationView.js";
import { serializeFormMetadata } from "../../views/formMetadata.js";
import { showDecision } from "../../operationAnnouncements.js";
import type { ListenerRoutes } from "../listenerRoutes.js";
import { ephemeralTeller, requesterOfInteraction, type SlackDependencies } from "../listenerContext.js";

const operationIdSchema = z.uuid();

/**
 * Confirm and Cancel on a confirmation message. Only the requester's click counts; a second
 * click, or one after expiry, changes nothing. Delete asks for the deployment's name first
 * (its modal's submission is a view listener).
 */
export function registerConfirmationButtons(routes: ListenerRoutes, deps: SlackDependencies): void {
  routes.action<BlockAction<ButtonAction>>(CONFIRM_ACTION_ID, async ({ ack, body, action, client }) => {
    await ack();
    const operationId = operationIdSchema.safeParse(action.value);
    const channelId = body.channel?.id ?? body.user.id;
    const tell = ephemeralTeller(client, channelId, body.user.id);
    if (!operationId.success) return;
    const gate = await deps.operations.inspectGate(operationId.data, body.user.id);
    if (!gate.ok) return showDecision(gate, client, deps, tell);
    if (gate.operation.kind === "delete") {
      const metadata = serializeFormMetadata({ mode: "delete", channelId, operationId: gate.operation.id });
      await client.views.open({ trigger_id: body.trigger_id, view: buildDeleteConfirmationView(gate.operation.deploymentName, metadata) });
      return;
    }
    await showDecision(await deps.operations.confirm(operationId.data, requesterOfInteraction(body, channelId)), client, deps, tell);
  });

  routes.action<BlockAction<ButtonAction>>(CANCEL_ACTION_ID, async ({ ack, body, action, client }) => {
    await ack();
    const operationId = operationIdSchema.safeParse(action.value);
    if (!operationId.success) return;
    const tell = ephemeralTeller(client, body.channel?.id ?? body.user.id, body.user.id);
    await showDecision(await deps.operations.cancel(operationId.data, body.user.id), client, deps, tell);
  });
}
