import { rollbackParamsSchema } from "../../operations/operationParams.js";
import type { RunResult, KindRunner, OperationRunContext } from "../runContext.js";
import { OperationFailure } from "../operationFailure.js";
import type { ModelUpdateDependencies } from "./dependencies.js";
import { compensateRollout, executeRollout } from "./executor.js";
import { startOrResume } from "./start.js";

/**
 * Rollback: returns to an earlier revision's model version the blue-green way (start it in the
 * idle slot, switch when it is ready, remove the current one), so a rollback that cannot start
 * leaves the current version serving. The rest of the configuration stays as it is now.
 */
export function rollbackModelRunner(deps: ModelUpdateDependencies): KindRunner {
  return {
    async run(context: OperationRunContext): Promise<RunResult> {
      const params = rollbackParamsSchema.safeParse(context.operation.params);
      if (!params.success) throw new OperationFailure("The rollback request names no revision.");
      const { run, resumed } = await startOrResume(context, deps, {
        choice: { strategy: "rollback", options: { toRevision: params.data.toRevision } },
        toVersion: params.data.modelVersion,
        revisionStrategy: "rollback",
      });
      return executeRollout(run, resumed);
    },
    compensate(context: OperationRunContext, error: unknown): Promise<string[]> {
      return compensateRollout(context, deps, error);
    },
  };
}
