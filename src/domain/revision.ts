import type { DeploymentSpec } from "./deploymentSpec.js";
import type { RevisionStrategy } from "./strategy.js";

/**
 * A revision is one version a deployment was asked to run: who asked, when, which model version,
 * with which strategy, and how it ended. Numbers count up per deployment from 1 (the version it
 * was created with). Numbers are handed out while the operation holds the deployment's lock, so
 * two revisions of one deployment are never numbered at once.
 */

export const REVISION_OUTCOMES = ["in-progress", "promoted", "rolled-back", "failed"] as const;
export type RevisionOutcome = (typeof REVISION_OUTCOMES)[number];

export function isRevisionOutcome(value: string): value is RevisionOutcome {
  return (REVISION_OUTCOMES as readonly string[]).includes(value);
}

export interface RevisionRecord {
  id: string;
  deploymentId: string | null;
  deploymentName: string;
  number: number;
  modelVersion: string;
  strategy: RevisionStrategy;
  spec: DeploymentSpec | null;
  outcome: RevisionOutcome;
  operationId: string | null;
  createdBy: string;
  createdAt: Date;
  finishedAt: Date | null;
}
