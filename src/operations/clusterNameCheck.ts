import type { KubernetesObject } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { ClusterError } from "../cluster/clusterError.js";
import { describeForeignObject } from "../cluster/ownership.js";
import type { FieldError } from "../domain/deploymentSpec.js";

/** The part of the cluster a create request reads: who already holds the names it would use. */
export interface ClusterNameReader {
  objectsHoldingNamesOf(namespace: string, deploymentName: string): Promise<KubernetesObject[]>;
}

/**
 * Refuses a new deployment's name, on the form's name field, when an object it would create
 * already exists in its namespace: a new deployment owns nothing yet, so every such object is
 * someone else's and the bot will not take it over. When the cluster cannot be read the request
 * goes on (an outage must not block recording it): the job's apply makes the same check and
 * refuses the object before writing anything to it.
 */
export async function clusterNameErrors(cluster: ClusterNameReader, namespace: string, name: string, logger: Logger): Promise<FieldError[]> {
  let taken: KubernetesObject[];
  try {
    taken = await cluster.objectsHoldingNamesOf(namespace, name);
  } catch (error) {
    if (!(error instanceof ClusterError)) throw error;
    logger.warn({ err: error, namespace, deployment: name }, "could not check the cluster for objects named like the new deployment; the job will check before applying");
    return [];
  }
  if (taken.length === 0) return [];
  const names = taken.map(describeForeignObject).join(", ");
  return [
    {
      path: "name",
      message: `${names} already exists in ${namespace} and was not created by deploybot for a deployment: choose another name (deploybot never changes objects it did not create).`,
    },
  ];
}
