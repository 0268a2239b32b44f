import type { App } from "@slack/bolt";
import type { DeployCommand } from "../../domain/command.js";
import { errorMessage } from "../messages/helpMessage.js";
import type { CommandContext, SlackDependencies } from "./commandContext.js";

export type ModelUpdateCommand = Extract<DeployCommand, { verb: "update-model" | "rollback" }>;

/** `/deploy update-model ...` and `/deploy rollback ...`. */
export async function runModelUpdateCommand(command: ModelUpdateCommand, context: CommandContext): Promise<void> {
  await context.respond({ response_type: "ephemeral", ...errorMessage(`\`/deploy ${command.verb}\` is being built.`) });
}

/** Listeners of the Update Model modal and of the rollout message's buttons. */
export function registerModelUpdateListeners(_app: App, _deps: SlackDependencies): void {}
