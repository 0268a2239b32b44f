import type { KubernetesObject } from "@kubernetes/client-node";
import { ClusterError } from "./clusterError.js";
import { LABEL_DEPLOYMENT, LABEL_MANAGED_BY, MANAGED_BY } from "./render/labels.js";

/**
 * The mark that makes an object the bot's: the id of the deployment it belongs to (a label, so
 * the bot can select by it) and the operation that last applied it (an annotation: it changes on
 * every apply and is never selected on). The name labels (`deploybot.io/deployment=<name>`) are
 * not enough: anyone can copy them, and a name can be reused after a delete. The id cannot.
 */
export const LABEL_OWNER_DEPLOYMENT_ID = "deploybot.io/deployment-id";
export const ANNOTATION_APPLIED_BY_OPERATION = "deploybot.io/applied-by-operation";

/** Which deployment an object must belong to. */
export interface OwnerRef {
  deploymentId: string;
  deploymentName: string;
}

/** Who applies an object now: the deployment and the operation doing it. */
export interface ApplyOwner extends OwnerRef {
  operationId: string;
}

/** The field manager deploybot applies with; also how an object applied before marks existed is recognised. */
export const DEPLOYBOT_FIELD_MANAGER = "deploybot";

/** A copy of `object` carrying the mark of `owner` (top-level metadata only: pods are the Deployment's). */
export function stampOwnership(object: KubernetesObject, owner: ApplyOwner): KubernetesObject {
  const metadata = object.metadata ?? {};
  return {
    ...object,
    metadata: {
      ...metadata,
      labels: { ...metadata.labels, [LABEL_OWNER_DEPLOYMENT_ID]: owner.deploymentId },
      annotations: { ...metadata.annotations, [ANNOTATION_APPLIED_BY_OPERATION]: owner.operationId },
    },
  };
}

/** The managers recorded in an object's managedFields, in order, without repeats. */
export function fieldManagersOf(object: KubernetesObject): string[] {
  const managers = (object.metadata?.managedFields ?? []).map((entry) => entry.manager ?? "").filter((manager) => manager !== "");
  return [...new Set(managers)];
}

/**
 * Whether `live` belongs to the deployment `owner`. An object carrying the id label belongs to
 * that id and no other. An object without it is the bot's only when it was applied by the bot
 * before marks existed: the bot's name labels *and* an Apply entry of the bot's field manager
 * (which only the API server writes); the next apply stamps the mark on it.
 */
export function isOwnedBy(live: KubernetesObject, owner: OwnerRef): boolean {
  const labels = live.metadata?.labels ?? {};
  const id = labels[LABEL_OWNER_DEPLOYMENT_ID];
  if (id !== undefined) return id === owner.deploymentId;
  const appliedByBot = (live.metadata?.managedFields ?? []).some(
    (entry) => entry.manager === DEPLOYBOT_FIELD_MANAGER && entry.operation === "Apply",
  );
  return appliedByBot && labels[LABEL_MANAGED_BY] === MANAGED_BY && labels[LABEL_DEPLOYMENT] === owner.deploymentName;
}

/** Who seems to manage a foreign object, for the message: its field managers, else its managed-by label. */
function describeManagers(live: KubernetesObject): string {
  const managers = fieldManagersOf(live);
  if (managers.length > 0) return `managed by ${managers.join(", ")}`;
  const managedBy = live.metadata?.labels?.[LABEL_MANAGED_BY];
  if (managedBy !== undefined) return `labelled managed-by ${managedBy}`;
  return "created outside deploybot";
}

/** "Service feature-store (managed by kubectl-create)": what a refusal names. */
export function describeForeignObject(live: KubernetesObject): string {
  const id = live.metadata?.labels?.[LABEL_OWNER_DEPLOYMENT_ID];
  const whose = id === undefined ? describeManagers(live) : "left by another deployment of that name";
  return `${live.kind ?? "Object"} ${live.metadata?.name ?? "?"} (${whose})`;
}

/**
 * The bot refused to touch an object it does not own. Never retryable: waiting does not make a
 * foreign object the bot's; someone has to rename or remove one of the two.
 */
export class ForeignObjectError extends ClusterError {
  constructor(
    readonly live: KubernetesObject,
    namespace: string,
  ) {
    super(
      `${describeForeignObject(live)} already exists in ${namespace} and does not belong to this deployment: deploybot does not change or delete objects it did not create. Rename the deployment, or remove that object first.`,
      { code: 409, reason: "ForeignObject", retryable: false },
    );
  }
}
