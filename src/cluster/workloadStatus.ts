import { AppsV1Api, AutoscalingV2Api, type KubeConfig, type V1Deployment, type V2HorizontalPodAutoscaler } from "@kubernetes/client-node";
import { deploymentKey, type DeploymentRef } from "../domain/deploymentRef.js";
import { createApiConfiguration } from "./apiConfiguration.js";
import { toClusterError } from "./clusterError.js";
import { LABEL_DEPLOYMENT, LABEL_MANAGED_BY, MANAGED_BY, toLabelSelector } from "./render/labels.js";

/**
 * What the Kubernetes API says about a deployment's capacity, no metrics needed: replicas of both
 * slots, the HPA's bounds, and what each pod requests. `/deploy metrics` shows it when Prometheus
 * is not configured, and the alert evaluation reads "no ready replicas" and "pinned at the HPA
 * maximum" from it for every deployment with two list calls per namespace.
 */

export interface WorkloadStatus {
  ref: DeploymentRef;
  /** Sum over both slots. */
  desiredReplicas: number;
  readyReplicas: number;
  availableReplicas: number;
  hpa: { minReplicas: number; maxReplicas: number; currentReplicas: number; desiredReplicas: number } | undefined;
  /** Per pod, of the slot running the most replicas (Kubernetes quantities: "4", "16Gi"). */
  requests: { cpu: string | undefined; memory: string | undefined; gpu: string | undefined };
}

export class WorkloadStatusReader {
  private readonly apps: AppsV1Api;
  private readonly autoscaling: AutoscalingV2Api;

  constructor(kubeConfig: KubeConfig, options: { requestTimeoutMs?: number } = {}) {
    const configuration = createApiConfiguration(kubeConfig, options.requestTimeoutMs ?? 15_000);
    this.apps = new AppsV1Api(configuration);
    this.autoscaling = new AutoscalingV2Api(configuration);
  }

  /** Undefined when the deployment has no Deployment object (deleted, or never created). */
  async read(ref: DeploymentRef): Promise<WorkloadStatus | undefined> {
    const statuses = await this.readNamespace(ref.namespace, toLabelSelector({ [LABEL_DEPLOYMENT]: ref.name }));
    return statuses.get(deploymentKey(ref));
  }

  /** Every deploybot deployment in these namespaces, keyed by `deploymentKey`. */
  async readFleet(namespaces: readonly string[]): Promise<Map<string, WorkloadStatus>> {
    const maps = await Promise.all(namespaces.map((ns) => this.readNamespace(ns, toLabelSelector({ [LABEL_MANAGED_BY]: MANAGED_BY }))));
    return new Map(maps.flatMap((m) => [...m]));
  }

  private async readNamespace(namespace: string, labelSelector: string): Promise<Map<string, WorkloadStatus>> {
    let deployments: V1Deployment[];
    let autoscalers: V2HorizontalPodAutoscaler[];
    try {
      [deployments, autoscalers] = await Promise.all([
        this.apps.listNamespacedDeployment({ namespace, labelSelector }).then((l) => l.items),
        this.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace, labelSelector }).then((l) => l.items),
      ]);
    } catch (error) {
      throw toClusterError(error, { description: `reading deployments and autoscalers in ${namespace}` });
    }
    const statuses = new Map<string, WorkloadStatus>();
    const largest = new Map<string, number>();
    for (const deployment of deployments) {
      const name = deployment.metadata?.labels?.[LABEL_DEPLOYMENT];
      if (name === undefined) continue;
      const ref = { namespace, name };
      const key = deploymentKey(ref);
      const status = statuses.get(key) ?? { ref, desiredReplicas: 0, readyReplicas: 0, availableReplicas: 0, hpa: undefined, requests: { cpu: undefined, memory: undefined, gpu: undefined } };
      const desired = deployment.spec?.replicas ?? 0;
      status.desiredReplicas += desired;
      status.readyReplicas += deployment.status?.readyReplicas ?? 0;
      status.availableReplicas += deployment.status?.availableReplicas ?? 0;
      if (desired >= (largest.get(key) ?? -1)) {
        largest.set(key, desired);
        const container = deployment.spec?.template.spec?.containers[0];
        const requests = { ...container?.resources?.limits, ...container?.resources?.requests };
        status.requests = { cpu: requests.cpu, memory: requests.memory, gpu: requests["nvidia.com/gpu"] };
      }
      statuses.set(key, status);
    }
    for (const hpa of autoscalers) {
      const name = hpa.metadata?.labels?.[LABEL_DEPLOYMENT];
      const status = name === undefined ? undefined : statuses.get(deploymentKey({ namespace, name }));
      if (status === undefined) continue;
      status.hpa = {
        minReplicas: hpa.spec?.minReplicas ?? 1,
        maxReplicas: hpa.spec?.maxReplicas ?? 1,
        currentReplicas: hpa.status?.currentReplicas ?? 0,
        desiredReplicas: hpa.status?.desiredReplicas ?? 0,
      };
    }
    return statuses;
  }
}
