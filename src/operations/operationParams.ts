import { z } from "zod";
import { deploymentSpecSchema, MAX_REPLICAS, modelVersionSchema } from "../domain/deploymentSpec.js";
import type { OperationKind } from "../domain/deploymentStatus.js";
import { DEPLOYMENT_STATUSES } from "../domain/deploymentStatus.js";
import { UPDATE_STRATEGIES } from "../domain/strategy.js";

/**
 * What each kind of operation records as its parameters when it is requested, and what its
 * runner reads back when the job runs: one schema per kind, the contract between the request
 * side and the jobs. Every request also records the deployment's status before it
 * (`statusBefore`), which decides where a failure returns it, and the spec it was based on
 * (`baseSpec`).
 */

const statusBefore = z.enum(DEPLOYMENT_STATUSES).optional();
/** The stored spec the request was based on: when it changed before the request runs, the request is stale, and this says what changed. */
const baseSpec = deploymentSpecSchema.optional();

/** An edit records the edited spec and the paths it changes; it applies only while the spec is still `baseSpec`. */
export const editParamsSchema = z.object({
  spec: deploymentSpecSchema,
  changedPaths: z.array(z.string()).default([]),
  /** Set by Adopt when the live replica count is kept too; otherwise the count stays within the new bounds. */
  replicas: z.number().int().min(0).max(MAX_REPLICAS).optional(),
  /** Set by Adopt: the drifted fields the spec cannot hold are taken back (forced), as a Re-apply would. */
  takeOver: z.boolean().optional(),
  statusBefore,
  baseSpec,
});
export type EditParams = z.input<typeof editParamsSchema>;

export const scaleParamsSchema = z.object({
  replicas: z.number().int().min(0).max(MAX_REPLICAS),
  /** The count before, for the message; the runner scales to `replicas` whatever it was. */
  from: z.number().int().min(0).optional(),
  statusBefore,
  baseSpec,
});
export type ScaleParams = z.input<typeof scaleParamsSchema>;

export const updateModelParamsSchema = z.object({
  modelVersion: modelVersionSchema,
  strategy: z.enum(UPDATE_STRATEGIES),
  /** The strategy's options as validated at request time; parsed again (with defaults) when the job runs. */
  options: z.record(z.string(), z.unknown()).default({}),
  statusBefore,
  baseSpec,
});
export type UpdateModelParams = z.input<typeof updateModelParamsSchema>;

export const rollbackParamsSchema = z.object({
  toRevision: z.number().int().min(1),
  modelVersion: modelVersionSchema,
  statusBefore,
  baseSpec,
});
export type RollbackParams = z.input<typeof rollbackParamsSchema>;

const noParamsSchema = z.object({ statusBefore, baseSpec });

export const OPERATION_PARAMS_SCHEMAS = {
  create: noParamsSchema,
  edit: editParamsSchema,
  scale: scaleParamsSchema,
  stop: noParamsSchema,
  start: noParamsSchema,
  delete: noParamsSchema,
  "update-model": updateModelParamsSchema,
  rollback: rollbackParamsSchema,
  reapply: noParamsSchema,
} as const satisfies Record<OperationKind, z.ZodType>;

export type OperationParams<Kind extends OperationKind> = z.input<(typeof OPERATION_PARAMS_SCHEMAS)[Kind]>;
