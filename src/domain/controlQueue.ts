import type { OperationControl } from "./operation.js";

/**
 * Which of the clicks that arrived since the runner last looked wins. Abort beats everything (a
 * person stopping a rollout must never lose to someone resuming it in the same second), then
 * promote, then advancing an approval step; among pause and resume the latest click counts.
 */
const PRECEDENCE: Record<OperationControl, number> = { abort: 4, promote: 3, advance: 2, pause: 1, resume: 1 };

export interface PendingControl {
  control: OperationControl;
  requestedBy: string;
}

/** The winning click, or undefined for none; ties keep the latest (clicks are in arrival order). */
export function winningControl<T extends PendingControl>(pending: readonly T[]): T | undefined {
  let winner: T | undefined;
  for (const click of pending) {
    if (!winner || PRECEDENCE[click.control] >= PRECEDENCE[winner.control]) winner = click;
  }
  return winner;
}
