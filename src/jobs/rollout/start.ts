import { deploymentName } from "../../cluster/render/renderDeployment.js";
import { otherSlot } from "../../domain/slot.js";
import { describeStep, rolloutPlan, type StrategyChoice } from "../../domain/rolloutPlan.js";
import type { RevisionStrategy } from "../../domain/strategy.js";
import type { OperationRunContext } from "../runContext.js";
import { OperationFailure } from "../operationFailure.js";
import type { ModelUpdateDependencies } from "./dependencies.js";
import { readCheckpoint, type RolloutCheckpoint, } from "../../domain/rolloutCheckpoint.js";
import { RolloutRun } from "./run.js";

/**
 * Picks a rollout up from its checkpoint, or starts it: records the revision, reads how many
 * replicas serve now (an HPA may have chosen them), and saves the first checkpoint before the
 * cluster is touched, so that every later state is one a resumed job can reproduce.
 */
export async function startOrResume(
  context: OperationRunContext,
  deps: ModelUpdateDependencies,
  request: { choice: StrategyChoice; toVersion: string; revisionStrategy: RevisionStrategy },
): Promise<{ run: RolloutRun; resumed: boolean }> {
  const stored = readCheckpoint(context.operation.checkpoint);
  if (stored) {
    const deployment = (await context.deployments.get(context.deployment.id)) ?? context.deployment;
    // A parked job that wakes goes on where it waited; only a run that was cut off says it resumed.
    const woke = stored.parked === true;
    const run = new RolloutRun(context, deps, { ...stored, parked: false }, rolloutPlan(stored.choice), deployment);
    if (woke) {
      run.woke = true;
      await run.save();
    }
    return { run, resumed: !woke };
  }
  const { deployment, cluster } = context;
  if (deployment.spec.modelVersion === request.toVersion) {
    throw new OperationFailure(`*${deployment.name}* already runs ${request.toVersion}: nothing to roll out.`);
  }
  const fromSlot = deployment.activeSlot;
  const toSlot = request.choice.strategy === "rolling" ? fromSlot : otherSlot(fromSlot);
  let baseReplicas = deployment.replicas;
  if (deployment.spec.scaling.autoscalingEnabled) {
    const serving = await cluster.readDeployment(deployment.namespace, deploymentName(deployment.name, fromSlot));
    baseReplicas = Math.max(1, serving?.spec?.replicas ?? deployment.replicas);
  }
  const checkpoint: RolloutCheckpoint = {
    version: 1,
    choice: request.choice,
    fromVersion: deployment.spec.modelVersion,
    toVersion: request.toVersion,
    fromSlot,
    toSlot,
    baseReplicas,
    stepIndex: 0,
    stepStartedAt: new Date().toISOString(),
    newReplicas: null,
    oldReplicas: baseReplicas,
    weight: 0,
    sharePercent: 0,
    switched: false,
    paused: null,
    promotedBy: null,
    analysisHolds: 0,
    lastHealth: null,
    rollback: null,
  };
  const revision = await deps.revisions.startForOperation({
    deployment,
    operationId: context.operation.id,
    modelVersion: request.toVersion,
    strategy: request.revisionStrategy,
    spec: { ...deployment.spec, modelVersion: request.toVersion },
    createdBy: context.operation.requestedBy,
  });
  const run = new RolloutRun(context, deps, checkpoint, rolloutPlan(checkpoint.choice));
  await run.save();
  await run.log.line(
    `Revision ${revision.number}: ${checkpoint.fromVersion} → ${checkpoint.toVersion}, ${run.plan.length} steps: ${run.plan.map(describeStep).join(" → ")}`,
  );
  return { run, resumed: false };
}
