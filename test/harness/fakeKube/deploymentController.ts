/**
 * What the kube-controller-manager would write for a Deployment: its status block and its Pods.
 * There are no ReplicaSets in the fake: Pods are owned by the Deployment directly, which keeps the
 * garbage-collection story (delete Deployment → Pods go) without a third object kind.
 */

import { createHash } from "node:crypto";
import { isRecord, isStringMap, type KubeObject } from "./kubeObject.js";

export interface ProgressOptions {
  /** Pods already running the new template; defaults to the desired count. */
  updatedReplicas?: number;
  /** All pods, old and new; defaults to the desired count. Larger than updated means old pods linger. */
  totalReplicas?: number;
}

export function desiredReplicasOf(deployment: KubeObject): number {
  const spec = isRecord(deployment.spec) ? deployment.spec : {};
  return typeof spec.replicas === "number" ? spec.replicas : 1;
}

export function podTemplateHashOf(deployment: KubeObject): string {
  const spec = isRecord(deployment.spec) ? deployment.spec : {};
  return createHash("sha256").update(JSON.stringify(spec.template ?? {})).digest("hex").slice(0, 10);
}

function replicaSetName(deployment: KubeObject): string {
  return `${deployment.metadata.name}-${podTemplateHashOf(deployment)}`;
}

/** Resolves `maxUnavailable` ("25%" or a number) the way the deployment controller does (rounding down). */
function maxUnavailableOf(deployment: KubeObject, desired: number): number {
  const spec = isRecord(deployment.spec) ? deployment.spec : {};
  const strategy = isRecord(spec.strategy) ? spec.strategy : {};
  const rolling = isRecord(strategy.rollingUpdate) ? strategy.rollingUpdate : {};
  const raw = rolling.maxUnavailable ?? "25%";
  if (typeof raw === "number") return raw;
  if (typeof raw === "string" && raw.endsWith("%")) return Math.floor((desired * Number(raw.slice(0, -1))) / 100);
  return 0;
}

interface Condition {
  type: string;
  status: "True" | "False";
  reason: string;
  message: string;
  lastUpdateTime: string;
  lastTransitionTime: string;
}

function condition(
  previous: unknown,
  type: string,
  status: "True" | "False",
  reason: string,
  message: string,
  now: string,
): Condition {
  const prior = Array.isArray(previous)
    ? previous.find((c): c is Record<string, unknown> => isRecord(c) && c.type === type)
    : undefined;
  const transitioned = prior === undefined || prior.status !== status;
  const lastTransitionTime =
    !transitioned && typeof prior.lastTransitionTime === "string" ? prior.lastTransitionTime : now;
  return { type, status, reason, message, lastUpdateTime: now, lastTransitionTime };
}

/** Zero counts are omitted, as the real API's `omitempty` does; clients must cope with missing fields. */
function withoutZeros(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).filter(([, v]) => v !== 0));
}

export function progressedStatus(
  deployment: KubeObject,
  readyReplicas: number,
  options: ProgressOptions,
  now: string,
): Record<string, unknown> {
  const desired = desiredReplicasOf(deployment);
  const updated = options.updatedReplicas ?? desired;
  const total = Math.max(options.totalReplicas ?? desired, updated);
  const ready = Math.min(readyReplicas, total);
  const previous = isRecord(deployment.status) ? deployment.status.conditions : undefined;
  const minimumAvailable = ready >= desired - maxUnavailableOf(deployment, desired);
  const complete = updated >= desired && ready >= desired && total <= updated;
  const rs = replicaSetName(deployment);
  return {
    observedGeneration: deployment.metadata.generation ?? 1,
    ...withoutZeros({
      replicas: total,
      updatedReplicas: updated,
      readyReplicas: ready,
      availableReplicas: ready,
      unavailableReplicas: Math.max(total - ready, 0),
    }),
    conditions: [
      minimumAvailable
        ? condition(previous, "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", now)
        : condition(
            previous,
            "Available",
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
            now,
          ),
      complete
        ? condition(previous, "Progressing", "True", "NewReplicaSetAvailable", `ReplicaSet "${rs}" has successfully progressed.`, now)
        : condition(previous, "Progressing", "True", "ReplicaSetUpdated", `ReplicaSet "${rs}" is progressing.`, now),
    ],
  };
}

export function failedStatus(deployment: KubeObject, message: string | undefined, now: string): Record<string, unknown> {
  const current = isRecord(deployment.status) ? deployment.status : {};
  const previous = current.conditions;
  const others = Array.isArray(previous)
    ? previous.filter((c) => isRecord(c) && c.type !== "Progressing")
    : [];
  return {
    ...current,
    observedGeneration: deployment.metadata.generation ?? 1,
    conditions: [
      ...others,
      condition(
        previous,
        "Progressing",
        "False",
        "ProgressDeadlineExceeded",
        message ?? `ReplicaSet "${replicaSetName(deployment)}" has timed out progressing.`,
        now,
      ),
    ],
  };
}

/** The Pods the controller would run: `count` of them, the first `ready` marked Ready. */
export function podsFor(deployment: KubeObject, count: number, ready: number, now: string): KubeObject[] {
  const spec = isRecord(deployment.spec) ? deployment.spec : {};
  const template = isRecord(spec.template) ? spec.template : {};
  const templateMeta = isRecord(template.metadata) ? template.metadata : {};
  const labels = isStringMap(templateMeta.labels) ? templateMeta.labels : {};
  const hash = podTemplateHashOf(deployment);
  const pods: KubeObject[] = [];
  for (let i = 0; i < count; i++) {
    const isReady = i < ready;
    pods.push({
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        name: `${deployment.metadata.name}-${hash}-${i}`,
        namespace: deployment.metadata.namespace,
        labels: { ...labels, "pod-template-hash": hash },
        ownerReferences: [
          {
            apiVersion: "apps/v1",
            kind: "Deployment",
            name: deployment.metadata.name,
            uid: deployment.metadata.uid ?? "",
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: structuredClone(template.spec ?? {}),
      status: {
        phase: isReady ? "Running" : "Pending",
        conditions: [{ type: "Ready", status: isReady ? "True" : "False", lastTransitionTime: now }],
        startTime: now,
      },
    });
  }
  return pods;
}
