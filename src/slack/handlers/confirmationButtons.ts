import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import { z } from "zod";
import type { GateDecision } from "../../operations/operationRequests.js";
import { CANCEL_ACTION_ID, CONFIRM_ACTION_ID } from "../messages/confirmationMessage.js";
import { buildDeleteConfirmationView, DELETE_CONFIRMATION_CALLBACK_ID, DELETE_NAME_BLOCK_ID } from "../views/deleteConfirmationView.js";
import { viewStateValuesSchema } from "../views/deploymentFormState.js";
import { parseMetadataOf, serializeFormMetadata } from "../views/formMetadata.js";
import type { SlackDependencies } from "./commandContext.js";
import { announceConfirmed, announceSettled, ephemeralTeller } from "./operationAnnouncements.js";

const operationIdSchema = z.uuid();

/** What follows a gate decision in Slack: progress on success, the settled message, or a private note. */
async function showDecision(decision: GateDecision, client: App["client"], deps: SlackDependencies, tell: (text: string) => Promise<void>): Promise<void> {
  if (decision.ok) {
    await announceConfirmed(decision.operation, decision.deployment, deps);
    return;
  }
  if (decision.settled && decision.operation) await announceSettled(client, deps, decision.operation, decision.message);
  else await tell(decision.message);
}

/**
 * Confirm and Cancel on a confirmation message. Only the requester's click counts; a second
 * click, or one after expiry, changes nothing. Delete asks for the deployment's name first.
 */
export function registerConfirmationButtons(app: App, deps: SlackDependencies): void {
  app.action<BlockAction<ButtonAction>>(CONFIRM_ACTION_ID, async ({ ack, body, action, client }) => {
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
    await showDecision(await deps.operations.confirm(operationId.data, body.user.id), client, deps, tell);
  });

  app.action<BlockAction<ButtonAction>>(CANCEL_ACTION_ID, async ({ ack, body, action, client }) => {
    await ack();
    const operationId = operationIdSchema.safeParse(action.value);
    if (!operationId.success) return;
    const tell = ephemeralTeller(client, body.channel?.id ?? body.user.id, body.user.id);
    await showDecision(await deps.operations.cancel(operationId.data, body.user.id), client, deps, tell);
  });

  app.view(DELETE_CONFIRMATION_CALLBACK_ID, async ({ ack, body, view, client }) => {
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
    await showDecision(gate.ok ? await deps.operations.confirm(metadata.operationId, body.user.id) : gate, client, deps, tell);
  });
}

/** Shows, on their messages, the confirmations that expired unanswered. */
export async function showExpiredConfirmations(client: App["client"], deps: SlackDependencies): Promise<number> {
  const expired = await deps.operations.expireGates();
  for (const operation of expired) {
    await announceSettled(client, deps, operation, "the confirmation expired; nothing was changed.");
  }
  return expired.length;
}
