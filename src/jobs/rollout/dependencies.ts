import type { CanaryMetrics } from "../../monitoring/canaryMetrics.js";
import type { OperationRepository } from "../../store/operationRepository.js";
import type { RevisionRepository } from "../../store/revisionRepository.js";
import type { ProgressPublisher } from "../../domain/progress.js";

/** What the update-model and rollback runners need besides the run context. */
export interface ModelUpdateDependencies {
  /** Checkpoints and the buttons' control requests. */
  operations: OperationRepository;
  revisions: RevisionRepository;
  metrics: CanaryMetrics;
  /** Step-by-step log in the progress message's thread. */
  publisher: ProgressPublisher;
  /** How often a waiting step looks at the cluster and the buttons (default 1 s). */
  pollIntervalMs?: number;
  /**
   * How often a long timed step (a canary's pause, a blue-green hold) looks at its pods. Between
   * looks the job waits parked, without a worker slot (default 15 s).
   */
  watchIntervalMs?: number;
  /** Longest a user's pause holds before the rollout is rolled back (default 24 h). */
  maxPauseMs?: number;
  /** Least time between two thread replies of one rollout (default 2 s); lines in between are batched. */
  threadIntervalMs?: number;
}

export const DEFAULT_POLL_INTERVAL_MS = 1_000;
export const DEFAULT_WATCH_INTERVAL_MS = 15_000;
export const DEFAULT_THREAD_INTERVAL_MS = 2_000;
export const DEFAULT_MAX_PAUSE_MS = 24 * 3600_000;
