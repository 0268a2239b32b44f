import type { App } from "@slack/bolt";
import type { SlackDependencies } from "../listenerContext.js";
import { registerRejectReasonSubmission } from "./rejectReasonSubmission.js";
import { registerCreateDeploymentSubmission } from "./createDeploymentSubmission.js";
import { registerDeleteConfirmationSubmission } from "./deleteConfirmationSubmission.js";
import { registerEditDeploymentSubmission } from "./editDeploymentSubmission.js";
import { registerReviewChangesSubmission } from "./reviewChangesSubmission.js";
import { registerScaleSubmission } from "./scaleSubmission.js";
import { registerUpdateModelSubmission } from "./updateModelSubmission.js";

/** Modal submissions (`view_submission`). */
export function registerViewListeners(app: App, deps: SlackDependencies): void {
  registerCreateDeploymentSubmission(app, deps);
  registerEditDeploymentSubmission(app, deps);
  registerReviewChangesSubmission(app, deps);
  registerScaleSubmission(app, deps);
  registerUpdateModelSubmission(app, deps);
  registerDeleteConfirmationSubmission(app, deps);
  registerRejectReasonSubmission(app, deps);
}
