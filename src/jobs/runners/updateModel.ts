import { z } from "zod";
import { modelVersionSchema, UPDATE_STRATEGIES } from "../../domain/deploymentSpec.js";
import { parseStrategyOptions } from "../../domain/rolloutPlan.js";
import type { HandlerResult, OperationHandler, OperationRunContext } from "../operationHandler.js";
import { OperationFailure } from "../operationFailure.js";
import type { ModelUpdateDependencies } from "./modelUpdateDependencies.js";
import type { RolloutStrategyChoice } from "./rolloutCheckpoint.js";
import { compensateRollout, executeRollout } from "./rolloutExecutor.js";
import { startOrResume } from "./rolloutStart.js";

/** What an update-model operation records as its params (ModelUpdateRequests writes them). */
export const updateModelParamsSchema = z.object({
  modelVersion: modelVersionSchema,
  strategy: z.enum(UPDATE_STRATEGIES),
  options: z.record(z.string(), z.unknown()).default({}),
});
export type UpdateModelParams = z.input<typeof updateModelParamsSchema>;

function requestedUpdate(context: OperationRunContext): { toVersion: string; choice: RolloutStrategyChoice } {
  const params = updateModelParamsSchema.safeParse(context.operation.params);
  if (!params.success) throw new OperationFailure("The update request names no valid model version and strategy.");
  const options = parseStrategyOptions(params.data.strategy, params.data.options);
  if (!options.ok) throw new OperationFailure(`The ${params.data.strategy} options are invalid: ${options.errors.map((e) => e.message).join(" ")}`);
  return { toVersion: params.data.modelVersion, choice: options.value };
}

/** Update model: rolls a new model version out with the chosen strategy, rolling back by itself when it is unhealthy. */
export function updateModelHandler(deps: ModelUpdateDependencies): OperationHandler {
  return {
    async run(context: OperationRunContext): Promise<HandlerResult> {
      const { toVersion, choice } = requestedUpdate(context);
      const { run, resumed } = await startOrResume(context, deps, { choice, toVersion, revisionStrategy: choice.strategy });
      return executeRollout(run, resumed);
    },
    compensate(context: OperationRunContext, error: unknown): Promise<string[]> {
      return compensateRollout(context, deps, error);
    },
  };
}
