import type { BlockAction, ButtonAction } from "@slack/bolt";
import { z } from "zod";
import { OPERATION_CONTROLS } from "../../../domain/operation.js";
import { describeFailure } from "../../messages/failureText.js";
import { ROLLOUT_ACTION_PREFIX } from "../../messages/rolloutProgressBlocks.js";
import type { ListenerRoutes } from "../listenerRoutes.js";
import { ephemeralTeller, requesterOfInteraction, type SlackDependencies } from "../listenerContext.js";

const controlSchema = z.enum(OPERATION_CONTROLS);
const operationIdSchema = z.uuid();

/**
 * Promote, Pause/Resume and Abort on a rollout's progress message. Slack signs the request, so
 * the message it names is the one the user clicked: the click counts only when that message is
 * the operation's own message in its own channel, and the operation is a running rollout.
 * Anyone who sees the message may press them, as anyone there may run `/deploy`. A double
 * click asks twice for the same thing; the rollout acts once and ignores the repeat.
 */
export function registerRolloutButtons(routes: ListenerRoutes, deps: SlackDependencies): void {
  routes.action<BlockAction<ButtonAction>>(new RegExp(`^${ROLLOUT_ACTION_PREFIX}`), async ({ ack, body, action, client }) => {
    await ack();
    const control = controlSchema.safeParse(action.action_id.slice(ROLLOUT_ACTION_PREFIX.length));
    const operationId = operationIdSchema.safeParse(action.value);
    const channelId = body.channel?.id;
    if (!control.success || !operationId.success || !channelId) return;
    const teller = ephemeralTeller(client, channelId, body.user.id);
    try {
      const answer = await deps.modelUpdates.control(operationId.data, control.data, {
        requester: requesterOfInteraction(body, channelId),
        messageTs: body.message?.ts ?? body.container?.message_ts,
      });
      await teller(answer.message);
    } catch (error) {
      deps.logger.error({ err: error, action: action.action_id }, "rollout button failed");
      await teller(describeFailure(error));
    }
  });
}
