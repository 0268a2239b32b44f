/**
 * Raised by a run that has nothing to do until a time (a paused rollout waiting for a button or
 * for its pause cap): the worker moves the job to the delayed set until `wakeAt` instead of
 * holding a slot, and a click moves it forward. It is no failure and costs no attempt.
 */
export class ParkRun extends Error {
  constructor(
    readonly wakeAt: number,
    readonly reason: string,
  ) {
    super(`parked until ${new Date(wakeAt).toISOString()}: ${reason}`);
    this.name = "ParkRun";
  }
}

export function isParkRun(error: unknown): error is ParkRun {
  return error instanceof ParkRun;
}
