import type { OperationKind } from "../../domain/deploymentStatus.js";
import type { OperationHandler } from "../operationHandler.js";
import { createDeploymentHandler } from "./createDeployment.js";
import { deleteDeploymentHandler } from "./deleteDeployment.js";
import { editDeploymentHandler } from "./editDeployment.js";
import type { ModelUpdateDependencies } from "./modelUpdateDependencies.js";
import { rollbackModelHandler } from "./rollbackModel.js";
import { scaleDeploymentHandler } from "./scaleDeployment.js";
import { startDeploymentHandler, stopDeploymentHandler } from "./stopStartDeployment.js";
import { updateModelHandler } from "./updateModel.js";

/** Which handler runs each kind of operation. */
export const operationHandlers: Partial<Record<OperationKind, OperationHandler>> = {
  create: createDeploymentHandler,
  edit: editDeploymentHandler,
  scale: scaleDeploymentHandler,
  stop: stopDeploymentHandler,
  start: startDeploymentHandler,
  delete: deleteDeploymentHandler,
};

/** Model updates and rollbacks keep revisions, read metrics and log to the thread: the composition root gives them what they need. */
export function modelUpdateHandlers(deps: ModelUpdateDependencies): Partial<Record<OperationKind, OperationHandler>> {
  return { "update-model": updateModelHandler(deps), rollback: rollbackModelHandler(deps) };
}
