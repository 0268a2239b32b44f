import type { OperationKind } from "../../domain/deploymentStatus.js";
import type { OperationHandler } from "../operationHandler.js";
import { createDeploymentHandler } from "./createDeployment.js";

/** Which handler runs each kind of operation. */
export const operationHandlers: Partial<Record<OperationKind, OperationHandler>> = {
  create: createDeploymentHandler,
};
