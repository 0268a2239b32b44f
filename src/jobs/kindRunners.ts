import type { OperationKind } from "../domain/deploymentStatus.js";
import type { KindRunner } from "./runContext.js";
import { createDeploymentRunner } from "./runners/createDeployment.js";
import { deleteDeploymentRunner } from "./runners/deleteDeployment.js";
import { editDeploymentRunner } from "./runners/editDeployment.js";
import type { ModelUpdateDependencies } from "./rollout/dependencies.js";
import { rollbackModelRunner } from "./rollout/rollbackRunner.js";
import { reapplyDeploymentRunner } from "./runners/reapplyDeployment.js";
import { scaleDeploymentRunner } from "./runners/scaleDeployment.js";
import { startDeploymentRunner, stopDeploymentRunner } from "./runners/stopStartDeployment.js";
import { updateModelRunner } from "./rollout/updateModelRunner.js";

/** Which runner runs each kind of operation. */
export const kindRunners: Partial<Record<OperationKind, KindRunner>> = {
  create: createDeploymentRunner,
  edit: editDeploymentRunner,
  scale: scaleDeploymentRunner,
  stop: stopDeploymentRunner,
  start: startDeploymentRunner,
  delete: deleteDeploymentRunner,
  reapply: reapplyDeploymentRunner,
};

/** Model updates and rollbacks keep revisions, read metrics and log to the thread: the composition root gives them what they need. */
export function modelUpdateRunners(deps: ModelUpdateDependencies): Partial<Record<OperationKind, KindRunner>> {
  return { "update-model": updateModelRunner(deps), rollback: rollbackModelRunner(deps) };
}
