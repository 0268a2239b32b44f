import type { BlockAction, ButtonAction } from "@slack/bolt";
import { z } from "zod";
import { deploymentNameSchema } from "../../../domain/deploymentSpec.js";
import { DEPLOYMENT_ACTION_PREFIX } from "../../views/deploymentDetailsView.js";
import { parseFormMetadata } from "../../views/formMetadata.js";
import type { ListenerRoutes } from "../listenerRoutes.js";
import { buttonCommandContext, ephemeralTeller, type SlackDependencies } from "../listenerContext.js";
import { describeFailure } from "../../messages/failureText.js";
import { runLifecycleCommand } from "../commands/lifecycleCommands.js";
import { runModelUpdateCommand } from "../commands/modelUpdateCommands.js";
import { showLogs, showMetrics } from "../commands/monitoringCommands.js";

const actionSchema = z.enum(["show", "edit", "update-model", "scale", "stop", "start", "delete", "metrics", "export-logs", "reapply", "adopt"]);

/**
 * The Details button of `/deploy list` and the action buttons of the details modal. Each does
 * what the matching command does, with the deployment named by the button.
 */
export function registerDeploymentButtons(routes: ListenerRoutes, deps: SlackDependencies): void {
  routes.action<BlockAction<ButtonAction>>(new RegExp(`^${DEPLOYMENT_ACTION_PREFIX}`), async ({ ack, body, action, client }) => {
    await ack();
    const verb = actionSchema.safeParse(action.action_id.slice(DEPLOYMENT_ACTION_PREFIX.length));
    const name = deploymentNameSchema.safeParse(action.value);
    const metadata = body.view ? parseFormMetadata(body.view.private_metadata) : null;
    const channelId = metadata?.channelId ?? body.channel?.id ?? body.user.id;
    const tell = ephemeralTeller(client, channelId, body.user.id);
    if (!verb.success || !name.success) return;

    const context = buttonCommandContext(body, client, deps, { channelId, stackOnModal: body.view !== undefined });
    try {
      if (verb.data === "metrics") await showMetrics(name.data, "1h", context);
      else if (verb.data === "export-logs") await showLogs(name.data, {}, context, body.message?.ts);
      else if (verb.data === "update-model") await runModelUpdateCommand({ verb: "update-model", name: name.data }, context);
      else await runLifecycleCommand({ verb: verb.data, name: name.data }, context);
    } catch (error) {
      deps.logger.error({ err: error, action: action.action_id }, "deployment button failed");
      await tell(describeFailure(error));
    }
  });
}
