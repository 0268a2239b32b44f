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

/**
 * The cluster's answer to clusterNameErrors, held so that a request can go on without it: read
 * within a bound before Slack's answer, or in full after it. It never rejects while unread (a
 * failure is kept and thrown by `errors`), so leaving it unread is safe.
 */
export class ClusterNameCheck {
  private readonly outcome: Promise<{ errors: FieldError[] } | { failure: unknown }>;

  constructor(answer: Promise<FieldError[]>) {
    this.outcome = answer.then(
      (errors) => ({ errors }),
      (failure: unknown) => ({ failure }),
    );
  }

  /** The errors if the cluster answers within `ms`; undefined while it is still reading. */
  async within(ms: number): Promise<FieldError[] | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    });
    try {
      return await Promise.race([this.errors(), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The errors, however long the cluster takes; its failure is thrown. */
  async errors(): Promise<FieldError[]> {
    const outcome = await this.outcome;
    if ("failure" in outcome) throw outcome.failure;
    return outcome.errors;
  }
}
