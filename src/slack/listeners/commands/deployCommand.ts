import type { App } from "@slack/bolt";
import { parseDeployCommand, type DeployCommand } from "../../../domain/command.js";
import { deploymentListMessage, LIST_PAGE_SIZE } from "../../messages/deploymentListMessage.js";
import { errorMessage, helpMessage } from "../../messages/helpMessage.js";
import { buildDeploymentFormView } from "../../views/deploymentFormView.js";
import { defaultFormValues } from "../../views/deploymentFormFields.js";
import { serializeFormMetadata } from "../../views/formMetadata.js";
import type { CommandContext, SlackDependencies } from "../listenerContext.js";
import { describeFailure } from "../../messages/failureText.js";
import { runLifecycleCommand } from "./lifecycleCommands.js";
import { runGovernanceCommand } from "./governanceCommands.js";
import { runModelUpdateCommand } from "./modelUpdateCommands.js";
import { runMonitoringCommand } from "./monitoringCommands.js";

/**
 * `/deploy ...`: parse the words, acknowledge at once (Slack drops what is not acknowledged in
 * 3 s), then do the work and answer through the response URL or a modal.
 */
export function registerDeployCommand(app: App, deps: SlackDependencies): void {
  app.command("/deploy", async ({ command, ack, respond, client }) => {
    const parsed = parseDeployCommand(command.text ?? "");
    if (!parsed.ok) {
      await ack({ response_type: "ephemeral", ...errorMessage(parsed.message) });
      return;
    }
    const request = parsed.command;
    if (request.verb === "help") {
      await ack({ response_type: "ephemeral", ...helpMessage() });
      return;
    }
    await ack();
    try {
      await runCommand(request, {
        userId: command.user_id,
        channelId: command.channel_id,
        teamId: command.team_id ?? null,
        triggerId: command.trigger_id,
        respond,
        client,
        deps,
        openView: async (view) => {
          await client.views.open({ trigger_id: command.trigger_id, view });
        },
      });
    } catch (error) {
      deps.logger.error({ err: error, verb: request.verb }, "/deploy command failed");
      await respond({ response_type: "ephemeral", ...errorMessage(describeFailure(error)) }).catch(() => undefined);
    }
  });
}

/** Help is answered in the acknowledgement itself; everything else comes here after it. */
async function runCommand(command: Exclude<DeployCommand, { verb: "help" }>, context: CommandContext): Promise<void> {
  switch (command.verb) {
    case "create": {
      const view = buildDeploymentFormView({
        values: defaultFormValues(),
        privateMetadata: serializeFormMetadata({ mode: "create", channelId: context.channelId }),
      });
      await context.openView(view);
      return;
    }
    case "list": {
      const listed = await context.deps.requests.listPage(command.page ?? 1, LIST_PAGE_SIZE);
      await context.respond({ response_type: "ephemeral", ...deploymentListMessage(listed.deployments, listed) });
      return;
    }
    case "update-model":
    case "rollback":
      await runModelUpdateCommand(command, context);
      return;
    case "metrics":
    case "logs":
    case "alerts":
      await runMonitoringCommand(command, context);
      return;
    case "lock":
    case "unlock":
    case "history":
    case "audit":
    case "access":
      await runGovernanceCommand(command, context);
      return;
    default:
      await runLifecycleCommand(command, context);
  }
}
