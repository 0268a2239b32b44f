import type { OperationKind } from "../../domain/deploymentStatus.js";
import type { OperationHandler } from "../operationHandler.js";
import { createDeploymentHandler } from "./createDeployment.js";
import { deleteDeploymentHandler } from "./deleteDeployment.js";
import { editDeploymentHandler } from "./editDeployment.js";
import { scaleDeploymentHandler } from "./scaleDeployment.js";
import { startDeploymentHandler, stopDeploymentHandler } from "./stopStartDeployment.js";

/** Which handler runs each kind of operation. */
export const operationHandlers: Partial<Record<OperationKind, OperationHandler>> = {
  create: createDeploymentHandler,
  edit: editDeploymentHandler,
  scale: scaleDeploymentHandler,
  stop: stopDeploymentHandler,
  start: startDeploymentHandler,
  delete: deleteDeploymentHandler,
};
