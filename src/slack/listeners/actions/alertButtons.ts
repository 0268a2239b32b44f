import type { BlockAction, ButtonAction } from "@slack/bolt";
import { z } from "zod";
import { ALERT_ACTIONS } from "../../messages/alertMessage.js";
import { describeFailure } from "../../messages/failureText.js";
import { runLifecycleCommand } from "../commands/lifecycleCommands.js";
import { runModelUpdateCommand } from "../commands/modelUpdateCommands.js";
import { showLogs } from "../commands/monitoringCommands.js";
import { scaleUpTarget } from "../../../domain/scaling.js";
import type { ListenerRoutes } from "../listenerRoutes.js";
import { buttonCommandContext, ephemeralTeller, requesterOfInteraction, type SlackDependencies } from "../listenerContext.js";

const actionSchema = z.enum([ALERT_ACTIONS.acknowledge, ALERT_ACTIONS.scaleUp, ALERT_ACTIONS.rollback, ALERT_ACTIONS.logs, ALERT_ACTIONS.silence]);
const alertIdSchema = z.uuid();

/**
 * The buttons of an alert message. Scale up and Roll back are the commands themselves, run with
 * the clicker as requester from the alert's channel: the same checks, confirmations and
 * production approvals apply. View logs answers in the alert's thread.
 */
export function registerAlertButtons(routes: ListenerRoutes, deps: SlackDependencies): void {
  routes.action<BlockAction<ButtonAction>>(/^alert:/, async ({ ack, body, action, client }) => {
    await ack();
    const kind = actionSchema.safeParse(action.action_id);
    const alertId = alertIdSchema.safeParse(action.value);
    const channelId = body.channel?.id;
    if (!kind.success || !alertId.success || !channelId) return;
    const tell = ephemeralTeller(client, channelId, body.user.id);
    const requester = requesterOfInteraction(body, channelId);
    try {
      if (kind.data === ALERT_ACTIONS.acknowledge || kind.data === ALERT_ACTIONS.silence) {
        const answer = kind.data === ALERT_ACTIONS.acknowledge ? await deps.alerts.acknowledge(alertId.data, requester) : await deps.alerts.silence(alertId.data, requester);
        if (!answer.ok || kind.data === ALERT_ACTIONS.silence) await tell(answer.message);
        return;
      }
      const found = await deps.alerts.deploymentOf(alertId.data, requester);
      if (!found.ok) return tell(found.message);
      const { deployment } = found;
      const context = buttonCommandContext(body, client, deps, { channelId, stackOnModal: false });
      if (kind.data === ALERT_ACTIONS.scaleUp) await runLifecycleCommand({ verb: "scale", name: deployment.name, replicas: scaleUpTarget(deployment.replicas) }, context);
      else if (kind.data === ALERT_ACTIONS.rollback) await runModelUpdateCommand({ verb: "rollback", name: deployment.name }, context);
      else await showLogs(deployment.name, {}, context, body.message?.ts ?? body.container?.message_ts);
    } catch (error) {
      deps.logger.error({ err: error, action: action.action_id }, "alert button failed");
      await tell(describeFailure(error));
    }
  });
}
