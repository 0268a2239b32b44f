import { z } from "zod";
import { SLOTS } from "./slot.js";
import { strategyChoiceSchema } from "./rolloutPlan.js";

/**
 * Where a rollout is, saved in the operation's `checkpoint` after every step so that a job
 * picked up again (after a crash, a restart, a stalled worker) continues from the same step
 * with the same traffic split instead of starting over. It records what the cluster was last
 * told, so re-applying it is always safe.
 */

const slotSchema = z.enum(SLOTS);


const metricsSchema = z.object({ errorRatePercent: z.number().nullable(), p99LatencyMs: z.number().nullable() });

export const rolloutCheckpointSchema = z.object({
  version: z.literal(1),
  choice: strategyChoiceSchema,
  fromVersion: z.string(),
  toVersion: z.string(),
  /** The slot serving when the update started; for a rolling update both are the same slot. */
  fromSlot: slotSchema,
  toSlot: slotSchema,
  /** Replicas the serving slot ran at the start (an HPA may have chosen them). */
  baseReplicas: z.number().int().min(0),
  stepIndex: z.number().int().min(0),
  stepStartedAt: z.string(),
  /** Replicas of the new slot as last applied; null while it is not running. */
  newReplicas: z.number().int().min(0).nullable(),
  /** Replicas of the old slot as last applied (a replica-ratio canary past 50% shrinks it); null once removed. */
  oldReplicas: z.number().int().min(0).nullable(),
  /** Share of requests the new slot was last given, as asked and as really routed. */
  weight: z.number().int().min(0).max(100),
  sharePercent: z.number().int().min(0).max(100),
  switched: z.boolean(),
  // `since`: when the pause began, for its cap (absent in checkpoints written before the cap).
  paused: z.object({ remainingMs: z.number().int().min(0).nullable(), since: z.string().optional() }).nullable(),
  /** Set while the job waits parked (a pause, a long step between looks): its next start is a wake, not a resume after a crash. */
  parked: z.boolean().optional(),
  /** Who promoted early (a canary before its last step, or a blue-green hold ended early). */
  promotedBy: z.string().nullable(),
  analysisHolds: z.number().int().min(0),
  lastHealth: z.string().nullable(),
  rollback: z
    .object({
      reason: z.string(),
      metrics: metricsSchema.optional(),
      phase: z.enum(["restore", "wait-restored", "retire-new", "done"]),
      startedAt: z.string(),
      /** Set when the rollback itself could not finish: the operation then ends as failed. */
      failure: z.string().optional(),
    })
    .nullable(),
});
export type RolloutCheckpoint = z.infer<typeof rolloutCheckpointSchema>;

/** A stored checkpoint, or null when there is none or it was written by an incompatible release. */
export function readCheckpoint(stored: Record<string, unknown> | null): RolloutCheckpoint | null {
  if (stored === null) return null;
  const parsed = rolloutCheckpointSchema.safeParse(stored);
  return parsed.success ? parsed.data : null;
}
