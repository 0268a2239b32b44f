import type { App, RespondFn } from "@slack/bolt";
import type { Logger } from "pino";
import { parseDeployCommand, type DeployCommand } from "../../domain/command.js";
import type { DeploymentRequests } from "../../jobs/deploymentRequests.js";
import { deploymentListMessage } from "../messages/deploymentListMessage.js";
import { errorMessage, helpMessage } from "../messages/helpMessage.js";
import { buildCreateDeploymentView } from "../views/deploymentFormView.js";
import { defaultFormValues } from "../views/deploymentFormFields.js";
import { serializeFormMetadata } from "../views/formMetadata.js";
import { describeFailure } from "./failureText.js";

export interface DeployCommandDependencies {
  requests: DeploymentRequests;
  logger: Logger;
}

/**
 * `/deploy ...`: parse the words, acknowledge at once (Slack drops what is not acknowledged in
 * 3 s), then do the work and answer through the response URL or a modal.
 */
export function registerDeployCommand(app: App, deps: DeployCommandDependencies): void {
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
      await runCommand(request, { channelId: command.channel_id, triggerId: command.trigger_id, respond, client, deps });
    } catch (error) {
      deps.logger.error({ err: error, verb: request.verb }, "/deploy command failed");
      await respond({ response_type: "ephemeral", ...errorMessage(describeFailure(error)) }).catch(() => undefined);
    }
  });
}

interface CommandContext {
  channelId: string;
  triggerId: string;
  respond: RespondFn;
  client: App["client"];
  deps: DeployCommandDependencies;
}

async function runCommand(command: DeployCommand, context: CommandContext): Promise<void> {
  switch (command.verb) {
    case "create": {
      const view = buildCreateDeploymentView({
        values: defaultFormValues(),
        privateMetadata: serializeFormMetadata({ mode: "create", channelId: context.channelId }),
      });
      await context.client.views.open({ trigger_id: context.triggerId, view });
      return;
    }
    case "list": {
      const deployments = await context.deps.requests.list();
      await context.respond({ response_type: "ephemeral", ...deploymentListMessage(deployments) });
      return;
    }
    default:
      await context.respond({
        response_type: "ephemeral",
        ...errorMessage(`\`/deploy ${command.verb}\` is not available yet. Try \`/deploy help\`.`),
      });
  }
}
