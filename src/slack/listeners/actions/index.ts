import type { App } from "@slack/bolt";
import type { SlackDependencies } from "../listenerContext.js";
import { registerAlertButtons } from "./alertButtons.js";
import { registerChangeRequestButtons } from "./changeRequestButtons.js";
import { registerConfirmationButtons } from "./confirmationButtons.js";
import { registerDeploymentButtons } from "./deploymentButtons.js";
import { registerDeploymentFormChanges } from "./deploymentFormChanges.js";
import { registerHistoryButtons } from "./historyButtons.js";
import { registerListButtons } from "./listButtons.js";
import { registerRolloutButtons } from "./rolloutButtons.js";
import { registerUpdateModelFormChanges } from "./updateModelFormChanges.js";

/** Buttons on messages and modals, and form inputs that redraw their modal (`block_actions`). */
export function registerActionListeners(app: App, deps: SlackDependencies): void {
  registerDeploymentButtons(app, deps);
  registerConfirmationButtons(app, deps);
  registerChangeRequestButtons(app, deps);
  registerRolloutButtons(app, deps);
  registerHistoryButtons(app, deps);
  registerListButtons(app, deps);
  registerAlertButtons(app, deps);
  registerDeploymentFormChanges(app, deps);
  registerUpdateModelFormChanges(app, deps);
}
