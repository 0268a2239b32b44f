import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { findDrift } from "../cluster/drift.js";
import type { KubernetesCluster } from "../cluster/kubernetesClient.js";
import type { RenderContext } from "../cluster/render/renderContext.js";
import { renderDeploymentObjects } from "../cluster/render/renderDeploymentObjects.js";
import type { DeploymentRecord } from "../domain/deployment.js";
import type { Environment } from "../domain/deploymentSpec.js";
import type { DeploymentStatus } from "../domain/deploymentStatus.js";
import type { DeploymentRepository } from "../store/deploymentRepository.js";
import type { DriftRepository } from "../store/driftRepository.js";
import { startPeriodicJob, type PeriodicJob } from "./periodicJob.js";
import { steadyState } from "./runners/deploymentObjects.js";

/**
 * The drift check: for every deployment at rest (live, stopped or missing, no operation holding
 * it), the live objects against what its stored spec renders. Differences are recorded with who
 * made them (the details panel shows them); a deployment whose workloads are gone is marked
 * missing, and returns to its status when they are back.
 */

export const DRIFT_QUEUE = "drift";
export const DRIFT_SCHEDULER_ID = "drift-check";
/** Deployments read at once by the check: it holds one page in memory, whatever the fleet's size. */
const PAGE_SIZE = 100;
const AT_REST: readonly DeploymentStatus[] = ["live", "stopped", "missing"];

export interface DriftCheckSummary {
  checked: number;
  drifted: number;
  missing: number;
  problems: string[];
}

export class DriftDetector {
  constructor(
    private readonly deps: {
      deployments: DeploymentRepository;
      drift: DriftRepository;
      clusterFor(environment: Environment): KubernetesCluster;
      renderContextFor(namespace: string): RenderContext;
      logger: Logger;
      now?: () => Date;
      /** Deployments read at once (default 100). */
      pageSize?: number;
    },
  ) {}

  async checkAll(): Promise<DriftCheckSummary> {
    const summary: DriftCheckSummary = { checked: 0, drifted: 0, missing: 0, problems: [] };
    for await (const page of this.deps.deployments.pages({ pageSize: this.deps.pageSize ?? PAGE_SIZE, atRest: AT_REST })) {
      for (const deployment of page) {
        try {
          const found = await this.check(deployment);
          summary.checked += 1;
          if (found.drifted) summary.drifted += 1;
          if (found.missing) summary.missing += 1;
        } catch (error) {
          summary.problems.push(`${deployment.name}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
    if (summary.problems.length > 0) this.deps.logger.warn({ problems: summary.problems }, "drift check had problems; those deployments are checked again next round");
    return summary;
  }

  /** One deployment: records (or clears) its drift and moves it into or out of `missing`. */
  async check(deployment: DeploymentRecord): Promise<{ drifted: boolean; missing: boolean }> {
    const stopped = deployment.status === "stopped" || (deployment.status === "missing" && deployment.statusBeforeMissing === "stopped");
    const { objects } = renderDeploymentObjects(deployment.spec, steadyState(deployment, stopped ? { stopped: true } : {}), this.deps.renderContextFor(deployment.namespace));
    const live = await this.deps.clusterFor(deployment.environment).listOwnedObjects(deployment.namespace, { deploymentId: deployment.id, deploymentName: deployment.name });
    const report = findDrift(objects, live);
    const workloadsGone = report.missing.filter((object) => object.kind === "Deployment");
    if (workloadsGone.length > 0 && deployment.status !== "missing") {
      const names = workloadsGone.map((object) => object.name).join(", ");
      await this.deps.drift.markMissing(deployment.id, deployment.status, `Deployment ${names} was deleted outside deploybot`);
      this.deps.logger.warn({ deployment: deployment.name, missing: names }, "deployment workloads deleted outside deploybot");
    } else if (workloadsGone.length === 0 && deployment.status === "missing") {
      await this.deps.drift.markFound(deployment.id);
    }
    const drifted = report.fields.length > 0 || report.missing.length > 0;
    if (drifted) {
      await this.deps.drift.record(deployment.id, { fields: report.fields, missing: report.missing, specVersion: deployment.specVersion }, this.deps.now?.() ?? new Date());
    } else {
      await this.deps.drift.clear(deployment.id);
    }
    return { drifted: report.fields.length > 0, missing: workloadsGone.length > 0 };
  }
}

/** Runs the check every `intervalMs` (see periodicJob.ts). */
export function startDriftDetection(options: { connection: Redis; prefix: string; intervalMs: number; detector: DriftDetector; logger: Logger }): PeriodicJob {
  return startPeriodicJob({ ...options, queue: DRIFT_QUEUE, schedulerId: DRIFT_SCHEDULER_ID, label: "drift check", run: () => options.detector.checkAll() });
}
