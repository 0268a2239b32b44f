import type { DeploymentRecord } from "../domain/deployment.js";
import type { Environment } from "../domain/deploymentSpec.js";
import type { Requester } from "../domain/operation.js";
import type { RevisionRecord } from "../domain/revision.js";
import type { ChartImage } from "../domain/alerts.js";
import { presentLogTail, type LogTailPresentation } from "../domain/logTailPresentation.js";
import type { DeploymentPods, LogTailOptions } from "../cluster/deploymentPods.js";
import { redactionValues } from "../cluster/deploymentDiagnosis.js";
import type { WorkloadStatus, WorkloadStatusReader } from "../cluster/workloadStatus.js";
import type { ChartRenderer } from "../monitoring/chartRenderer.js";
import { latencyChart, replicasChart, trafficChart, type ChartMarker } from "../monitoring/charts.js";
import type { DeploymentMetricsReader, SummaryResult } from "../monitoring/deploymentMetrics.js";
import type { MetricsWindowId } from "../monitoring/metricsWindow.js";
import type { DeploymentRepository } from "../store/deploymentRepository.js";
import type { RevisionRepository } from "../store/revisionRepository.js";
import type { AccessControl } from "./accessControl.js";

export type { MetricsSummary, SummaryResult } from "../monitoring/deploymentMetrics.js";
export type { WorkloadStatus } from "../cluster/workloadStatus.js";
export type { MetricsWindowId } from "../monitoring/metricsWindow.js";

/**
 * The read side of "watch what runs": a deployment's metrics with their charts, and the tail of
 * its pods' logs (redacted before they leave the cluster layer). Anyone who may view the
 * deployment's environment may ask.
 */

export interface MetricsReport {
  deployment: Pick<DeploymentRecord, "name" | "namespace" | "environment" | "status">;
  window: MetricsWindowId;
  metrics: SummaryResult;
  /** Live replicas, HPA bounds and requests from the Kubernetes API; a string says why it is unknown. */
  workload: WorkloadStatus | "absent" | { unreadable: string };
  /** Latency, traffic, replicas; empty when there are no metrics to draw. */
  charts: ChartImage[];
}

export type MonitoringAnswer<T> = ({ ok: true } & T) | { ok: false; message: string };

export interface LogRequest {
  sinceSeconds?: number;
  pod?: string;
  previous?: boolean;
}

const MARKED_REVISIONS = 50;

/**
 * Deploys (promoted revisions) and rollbacks on the charts' time axis. Revisions are recorded from
 * the first model update on; before that the creation is the one deploy there was.
 */
export function revisionMarkers(deployment: Pick<DeploymentRecord, "createdAt" | "spec">, revisions: readonly RevisionRecord[]): ChartMarker[] {
  if (revisions.length === 0) return [{ kind: "deploy", time: deployment.createdAt.getTime() / 1000, label: deployment.spec.modelVersion }];
  return revisions.flatMap((revision): ChartMarker[] => {
    const at = (revision.finishedAt ?? revision.createdAt).getTime() / 1000;
    if (revision.strategy === "rollback" && revision.outcome === "promoted") return [{ kind: "rollback", time: at, label: revision.modelVersion }];
    if (revision.outcome === "rolled-back") return [{ kind: "rollback", time: at, label: `from ${revision.modelVersion}` }];
    if (revision.outcome === "promoted") return [{ kind: "deploy", time: at, label: revision.modelVersion }];
    return [];
  });
}

export class DeploymentMonitoring {
  constructor(
    private readonly deps: {
      deployments: DeploymentRepository;
      revisions: RevisionRepository;
      access: AccessControl;
      metrics: DeploymentMetricsReader;
      /** The workloads and pods of the environment's cluster (environments may live on separate clusters). */
      workloadsFor(environment: Environment): WorkloadStatusReader;
      podsFor(environment: Environment): DeploymentPods;
      charts: ChartRenderer;
      now?: () => number;
    },
  ) {}

  get metricsConfigured(): boolean {
    return this.deps.metrics.configured;
  }

  async metrics(name: string, window: MetricsWindowId, requester: Requester): Promise<MonitoringAnswer<{ report: MetricsReport }>> {
    const found = await this.viewable(name, requester);
    if (!found.ok) return found;
    const { deployment } = found;
    const ref = { namespace: deployment.namespace, name: deployment.name };
    const nowSeconds = (this.deps.now?.() ?? Date.now()) / 1000;
    const [metrics, workload, series, revisions] = await Promise.all([
      this.deps.metrics.summary(ref, window),
      this.deps.workloadsFor(deployment.environment).read(ref).then(
        (status): MetricsReport["workload"] => status ?? "absent",
        (error: unknown) => ({ unreadable: error instanceof Error ? error.message : String(error) }),
      ),
      this.deps.metrics.series(ref, window, nowSeconds),
      this.deps.revisions.list(deployment.id, MARKED_REVISIONS),
    ]);
    const charts: ChartImage[] = [];
    if (series.kind === "measured") {
      const input = { deployment: deployment.name, series: series.series, markers: revisionMarkers(deployment, revisions) };
      const hpa = typeof workload === "object" && "hpa" in workload ? workload.hpa : undefined;
      const specs = [
        { spec: latencyChart(input), file: "latency" },
        { spec: trafficChart(input), file: "traffic" },
        { spec: replicasChart({ ...input, ...(hpa ? { hpa } : {}) }), file: "replicas" },
      ];
      charts.push(...(await Promise.all(specs.map(({ spec, file }) => this.deps.charts.render(spec, `${deployment.name}-${file}-${window}`)))));
    }
    return { ok: true, report: { deployment, window, metrics, workload, charts } };
  }

  async logs(name: string, request: LogRequest, requester: Requester): Promise<MonitoringAnswer<{ deployment: DeploymentRecord; presentation: LogTailPresentation }>> {
    const found = await this.viewable(name, requester);
    if (!found.ok) return found;
    const { deployment } = found;
    const options: LogTailOptions = {
      ...(request.sinceSeconds === undefined ? {} : { sinceSeconds: request.sinceSeconds }),
      ...(request.pod === undefined ? {} : { pod: request.pod }),
      ...(request.previous ? { previous: true } : {}),
    };
    const pods = this.deps.podsFor(deployment.environment);
    const secrets = await redactionValues(pods, deployment);
    const tails = await pods.tailLogs({ namespace: deployment.namespace, name: deployment.name }, options, secrets);
    if (tails.length === 0) return { ok: false, message: `*${deployment.name}* has no pods running in ${deployment.namespace}: there are no logs to show.` };
    const sections = tails.map((tail) => ({ heading: `${tail.pod} / ${tail.container}`, text: tail.text, ...(tail.unavailable === undefined ? {} : { unavailable: tail.unavailable }) }));
    return { ok: true, deployment, presentation: presentLogTail(deployment.name, sections, new Date(this.deps.now?.() ?? Date.now())) };
  }

  private async viewable(name: string, requester: Requester): Promise<MonitoringAnswer<{ deployment: DeploymentRecord }>> {
    const deployment = await this.deps.deployments.findByName(name);
    if (!deployment) return { ok: false, message: `There is no deployment named *${name}*. See \`/deploy list\`.` };
    const check = await this.deps.access.check(requester, "view", deployment.environment);
    if (!check.ok) return check;
    return { ok: true, deployment };
  }
}
