import type { KubernetesCluster } from "../cluster/kubernetesClient.js";
import type { Environment } from "../domain/deploymentSpec.js";
import type { RequestRateSource } from "../monitoring/requestRate.js";
import { deploymentName } from "../cluster/render/renderDeployment.js";
import { serviceEndpoint } from "../cluster/render/renderService.js";
import { findDeployment } from "./deploymentLookup.js";
import type { DeploymentRepository } from "../store/deploymentRepository.js";
import type { OperationRepository } from "../store/operationRepository.js";
import type { DeploymentRecord } from "../domain/deployment.js";
import type { OperationRecord } from "../domain/operation.js";
import { describeDriftedField } from "../cluster/drift.js";
import { adoptLiveValues, isCurrentDrift, type DriftedField } from "../domain/drift.js";
import type { DriftRepository } from "../store/driftRepository.js";

/** What the details panel says about drift: display-safe lines (environment values masked). */
export interface DriftSummary {
  /** `Deployment x-blue: spec.replicas 2 → 5 · by kubectl-edit (Update) at 2026-12-01 10:00 UTC`. */
  fields: string[];
  /** Objects deleted outside the bot: `Service x`. */
  missing: string[];
  /** Drifted fields Adopt cannot store in the configuration (Adopt and Re-apply both set them back). */
  notAdoptable: string[];
  adoptable: boolean;
  detectedAt: Date;
}

function when(time: string | null): string {
  return time ? ` at ${time.slice(0, 16).replace("T", " ")} UTC` : "";
}

/** One drifted field with who changed it and when, for Slack. */
export function describeDrift(field: DriftedField): string {
  const who = field.manager ? ` · by ${field.manager}${field.operation ? ` (${field.operation})` : ""}${when(field.time)}` : " · changed by an unknown manager";
  return `${describeDriftedField(field)}${who}`;
}

export interface DeploymentDetails {
  deployment: DeploymentRecord;
  /** Ready instances read from the cluster now; null when the cluster did not answer in time. */
  currentInstances: number | null;
  currentInstancesProblem?: string;
  recentOperations: OperationRecord[];
  endpoint: string;
  /** Null when the live objects hold what the stored spec renders (as of the last drift check). */
  drift: DriftSummary | null;
}

/** Reads what the details panel shows: the stored deployment, its live instance count and its last operations. */
export class DeploymentQueries {
  constructor(
    private readonly deps: {
      deployments: DeploymentRepository;
      operations: OperationRepository;
      clusterFor(environment: Environment): KubernetesCluster;
      containerPort: number;
      requestRate: RequestRateSource;
      drift: DriftRepository;
      liveReadTimeoutMs?: number;
    },
  ) {}

  async details(name: string): Promise<{ ok: true; details: DeploymentDetails } | { ok: false; message: string }> {
    const found = await findDeployment(this.deps.deployments, name);
    if (!found.ok) return found;
    const { deployment } = found;
    const [live, recentOperations, drift] = await Promise.all([
      this.currentInstances(deployment),
      this.deps.operations.recentForDeployment(deployment.id, 5),
      this.driftOf(deployment),
    ]);
    return { ok: true, details: { deployment, ...live, recentOperations, endpoint: serviceEndpoint(deployment.spec, deployment.namespace, this.deps.containerPort), drift } };
  }

  private async driftOf(deployment: DeploymentRecord): Promise<DriftSummary | null> {
    const drift = await this.deps.drift.get(deployment.id);
    if (!drift || !isCurrentDrift(drift, deployment) || (drift.fields.length === 0 && drift.missing.length === 0)) return null;
    const adoption = adoptLiveValues(deployment.spec, deployment.replicas, drift.fields);
    return {
      fields: drift.fields.map(describeDrift),
      missing: drift.missing.map((object) => `${object.kind} ${object.name}`),
      notAdoptable: adoption.notAdoptable.map((field) => `${field.kind} ${field.object}: ${field.path}`),
      adoptable: adoption.adopted.length > 0,
      detectedAt: drift.detectedAt,
    };
  }

  /** The current request rate as a sentence for a confirmation, whatever the metrics can say. */
  async requestRateFact(deployment: Pick<DeploymentRecord, "name" | "namespace">): Promise<string> {
    if (!this.deps.requestRate.configured) return "Current request rate: unknown (no metrics source configured)";
    try {
      const rate = await this.deps.requestRate.requestsPerSecond(deployment.namespace, deployment.name);
      if (rate === null) return "Current request rate: no traffic in the last 5 minutes";
      return `Current request rate: ${rate >= 10 ? rate.toFixed(0) : rate.toFixed(2)} req/s${rate > 0 ? " (clients still call it)" : ""}`;
    } catch (error) {
      return `Current request rate: unknown (${error instanceof Error ? error.message : String(error)})`;
    }
  }

  /** Bounded: the details modal must open within Slack's 3 s, cluster or not. */
  private async currentInstances(deployment: DeploymentRecord): Promise<Pick<DeploymentDetails, "currentInstances" | "currentInstancesProblem">> {
    const timeoutMs = this.deps.liveReadTimeoutMs ?? 1500;
    let timer: NodeJS.Timeout | undefined;
    try {
      const read = this.deps.clusterFor(deployment.environment).readDeployment(deployment.namespace, deploymentName(deployment.name, deployment.activeSlot));
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the cluster did not answer within ${timeoutMs} ms`)), timeoutMs);
      });
      const object = await Promise.race([read, timeout]);
      return { currentInstances: object?.status?.readyReplicas ?? 0 };
    } catch (error) {
      return { currentInstances: null, currentInstancesProblem: error instanceof Error ? error.message : String(error) };
    } finally {
      clearTimeout(timer);
    }
  }
}
