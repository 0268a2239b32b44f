import type { ListenerRoutes } from "../listenerRoutes.js";
import type { SlackDependencies } from "../listenerContext.js";
import { registerRejectReasonSubmission } from "./rejectReasonSubmission.js";
import { registerCreateDeploymentSubmission } from "./createDeploymentSubmission.js";
import { registerDeleteConfirmationSubmission } from "./deleteConfirmationSubmission.js";
import { registerEditDeploymentSubmission } from "./editDeploymentSubmission.js";
import { registerReviewChangesSubmission } from "./reviewChangesSubmission.js";
import { registerScaleSubmission } from "./scaleSubmission.js";
import { registerUpdateModelSubmission } from "./updateModelSubmission.js";

/** Modal submissions (`view_submission`). */
export function registerViewListeners(routes: ListenerRoutes, deps: SlackDependencies): void {
  registerCreateDeploymentSubmission(routes, deps);
  registerEditDeploymentSubmission(routes, deps);
  registerReviewChangesSubmission(routes, deps);
  registerScaleSubmission(routes, deps);
  registerUpdateModelSubmission(routes, deps);
  registerDeleteConfirmationSubmission(routes, deps);
  registerRejectReasonSubmission(routes, deps);
}
