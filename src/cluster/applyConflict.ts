import { ApiException } from "@kubernetes/client-node";
import { DEPLOYBOT_FIELD_MANAGER } from "./ownership.js";

/**
 * Server-side apply conflicts (409, causes of reason FieldManagerConflict): another field manager
 * owns a field the bot's configuration sets. The bot applies without `force` and decides here,
 * per conflict, whether taking the field is its call. It is when the other manager is the bot
 * itself under another operation (a `scale` merge patch is recorded as deploybot/Update), or the
 * field is a Deployment's `spec.replicas`: the renderer sets it only when no HPA manages the count,
 * so the bot renders it exactly when the count is the bot's to set again (after auto-scaling was
 * turned off, the HPA controller still owns it). Anything else was changed by someone outside the
 * bot and is not overwritten silently: the operation fails naming the manager, and the details
 * panel offers Re-apply (which forces, as a person's decision) or Adopt.
 */

export interface FieldConflict {
  /** The other field manager, e.g. `kubectl-edit`. */
  manager: string;
  /** The field path as the API server prints it: `.spec.template.spec.containers[name="model-server"].image`. */
  field: string;
}

interface StatusCause {
  reason?: unknown;
  message?: unknown;
  field?: unknown;
}

const MANAGER_IN_MESSAGE = /conflict with "([^"]+)"/;

/** The field-manager conflicts of an apply's 409, or undefined when the error is something else. */
export function applyConflictsOf(error: unknown): FieldConflict[] | undefined {
  if (!(error instanceof ApiException) || error.code !== 409) return undefined;
  let body: unknown = error.body;
  if (typeof body === "string") {
    try {
      body = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  const causes = (body as { details?: { causes?: unknown } } | null)?.details?.causes;
  if (!Array.isArray(causes)) return undefined;
  const conflicts = (causes as StatusCause[])
    .filter((cause) => cause.reason === "FieldManagerConflict")
    .map((cause) => ({
      manager: typeof cause.message === "string" ? (MANAGER_IN_MESSAGE.exec(cause.message)?.[1] ?? "another field manager") : "another field manager",
      field: typeof cause.field === "string" ? cause.field : "?",
    }));
  return conflicts.length > 0 ? conflicts : undefined;
}

/** Fields the bot takes back without asking (see the module comment). */
const BOT_OWNED_FIELDS: Record<string, readonly string[]> = { Deployment: [".spec.replicas"] };

export function isBotsToTake(kind: string, conflict: FieldConflict): boolean {
  if (conflict.manager === DEPLOYBOT_FIELD_MANAGER) return true;
  return (BOT_OWNED_FIELDS[kind] ?? []).includes(conflict.field);
}

/** "kubectl-edit (.spec.selector, .spec.ports)", grouped by manager. */
export function describeConflicts(conflicts: readonly FieldConflict[]): string {
  const byManager = new Map<string, string[]>();
  for (const conflict of conflicts) byManager.set(conflict.manager, [...(byManager.get(conflict.manager) ?? []), conflict.field]);
  return [...byManager.entries()].map(([manager, fields]) => `${manager} (${fields.join(", ")})`).join("; ");
}
