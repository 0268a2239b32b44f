import { updateModelParamsSchema } from "../../operations/operationParams.js";
import { parseStrategyOptions, type StrategyChoice } from "../../domain/rolloutPlan.js";
import type { RunResult, KindRunner, OperationRunContext } from "../runContext.js";
import { OperationFailure } from "../operationFailure.js";
import type { ModelUpdateDependencies } from "./dependencies.js";
import { compensateRollout, executeRollout } from "./executor.js";
import { startOrResume } from "./start.js";

function requestedUpdate(context: OperationRunContext): { toVersion: string; choice: StrategyChoice } {
  const params = updateModelParamsSchema.safeParse(context.operation.params);
  if (!params.success) throw new OperationFailure("The update request names no valid model version and strategy.");
  const options = parseStrategyOptions(params.data.strategy, params.data.options);
  if (!options.ok) throw new OperationFailure(`The ${params.data.strategy} options are invalid: ${options.errors.map((e) => e.message).join(" ")}`);
  return { toVersion: params.data.modelVersion, choice: options.value };
}

/** Update model: rolls a new model version out with the chosen strategy, rolling back by itself when it is unhealthy. */
export function updateModelRunner(deps: ModelUpdateDependencies): KindRunner {
  return {
    async run(context: OperationRunContext): Promise<RunResult> {
      const { toVersion, choice } = requestedUpdate(context);
      const { run, resumed } = await startOrResume(context, deps, { choice, toVersion, revisionStrategy: choice.strategy });
      return executeRollout(run, resumed);
    },
    compensate(context: OperationRunContext, error: unknown): Promise<string[]> {
      return compensateRollout(context, deps, error);
    },
  };
}
