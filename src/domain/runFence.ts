/**
 * Fencing of operation runs. Each run of an operation (a worker starting it, or a settler
 * claiming it) takes the next epoch; every write it makes names that epoch. A worker whose job
 * was taken over (its lock expired while it hung, a stalled job handed to another worker) keeps
 * running in its process, but its writes name an older epoch and are refused: it cannot save a
 * checkpoint, add a step, settle or compensate over the newer run.
 */
export interface RunFence {
  operationId: string;
  epoch: number;
}

export class StaleRunError extends Error {
  constructor(
    readonly fence: RunFence,
    readonly write: string,
  ) {
    super(`Run ${fence.epoch} of operation ${fence.operationId} is stale: its ${write} was refused (a newer run holds the operation).`);
    this.name = "StaleRunError";
  }
}

export function isStaleRun(error: unknown): error is StaleRunError {
  return error instanceof StaleRunError;
}

/** The fence of the run an operation record was read in (its `runEpoch`). */
export function fenceOf(operation: { id: string; runEpoch: number }): RunFence {
  return { operationId: operation.id, epoch: operation.runEpoch };
}
