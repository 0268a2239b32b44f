/**
 * The one vocabulary of update strategies. A user chooses an update strategy; a rollout runs an
 * update strategy or a rollback; a revision records how its version came to run, `initial` being
 * the version a deployment was created with.
 */

export const UPDATE_STRATEGIES = ["rolling", "blue-green", "canary"] as const;
export type UpdateStrategy = (typeof UPDATE_STRATEGIES)[number];
export const UPDATE_STRATEGY_LABELS: Record<UpdateStrategy, string> = {
  rolling: "Rolling Update",
  "blue-green": "Blue-Green",
  canary: "Canary",
};

export const STRATEGY_DESCRIPTIONS: Record<UpdateStrategy, string> = {
  rolling: "Gradual replacement (zero downtime)",
  "blue-green": "Switch all at once",
  canary: "Test with small percentage first",
};

export const ROLLOUT_STRATEGIES = [...UPDATE_STRATEGIES, "rollback"] as const;
/** What a rollout runs: an update with a strategy, or a rollback to an earlier revision. */
export type RolloutStrategy = (typeof ROLLOUT_STRATEGIES)[number];

export const REVISION_STRATEGIES = ["initial", ...ROLLOUT_STRATEGIES] as const;
export type RevisionStrategy = (typeof REVISION_STRATEGIES)[number];

export function isUpdateStrategy(value: unknown): value is UpdateStrategy {
  return typeof value === "string" && (UPDATE_STRATEGIES as readonly string[]).includes(value);
}

export function isRevisionStrategy(value: unknown): value is RevisionStrategy {
  return typeof value === "string" && (REVISION_STRATEGIES as readonly string[]).includes(value);
}
