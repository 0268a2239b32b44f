import type { ListenerRoutes } from "../listenerRoutes.js";
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
export function registerActionListeners(routes: ListenerRoutes, deps: SlackDependencies): void {
  registerDeploymentButtons(routes, deps);
  registerConfirmationButtons(routes, deps);
  registerChangeRequestButtons(routes, deps);
  registerRolloutButtons(routes, deps);
  registerHistoryButtons(routes, deps);
  registerListButtons(routes, deps);
  registerAlertButtons(routes, deps);
  registerDeploymentFormChanges(routes, deps);
  registerUpdateModelFormChanges(routes, deps);
}
