import type { DeployCommand } from "../../domain/command.js";
import { errorMessage } from "../messages/helpMessage.js";
import type { CommandContext } from "./commandContext.js";

export type LifecycleCommand = Extract<DeployCommand, { verb: "show" | "edit" | "scale" | "stop" | "start" | "delete" }>;

/** show, edit, scale, stop, start, delete. */
export async function runLifecycleCommand(command: LifecycleCommand, context: CommandContext): Promise<void> {
  await context.respond({ response_type: "ephemeral", ...errorMessage(`\`/deploy ${command.verb}\` is being built.`) });
}
