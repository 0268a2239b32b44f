import type { App } from "@slack/bolt";
import type { SlackDependencies } from "../listenerContext.js";
import { registerDeployCommand } from "./deployCommand.js";

/** Slash commands: `/deploy` and its verbs. */
export function registerCommandListeners(app: App, deps: SlackDependencies): void {
  registerDeployCommand(app, deps);
}
