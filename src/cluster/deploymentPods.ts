import { ApiException, CoreV1Api, type CoreV1Event, type KubeConfig, type V1Pod } from "@kubernetes/client-node";
import type { DeploymentRef } from "../domain/deploymentRef.js";
import { redactSecrets } from "../domain/logRedaction.js";
import { createApiConfiguration } from "./apiConfiguration.js";
import { ClusterError, toClusterError } from "./clusterError.js";
import { crashingContainers, diagnose, podContainerKey, type PodDiagnosis } from "./podDiagnosis.js";
import { instanceSelector, toLabelSelector } from "./render/labels.js";

/**
 * A deployment's pods as the API server reports them: the pods of both slots, their events,
 * their logs (redacted before they leave this module), and the diagnosis of why they are not
 * running. Needs RBAC `get`/`list` on pods, `get` on pods/log, `list` on events, and `get` on the
 * Secrets that environment variables refer to (for redaction).
 */

export interface LogTailOptions {
  /** Only lines from the last N seconds (`--since 10m`). */
  sinceSeconds?: number;
  /** At most this many lines per container (default 200). */
  tailLines?: number;
  /** One pod (`--pod P`); by default every pod of the deployment, up to `maxPods`. */
  pod?: string;
  container?: string;
  /** The run before the last restart (`--previous`): what a crash-looping container printed. */
  previous?: boolean;
}

export interface PodLogTail {
  pod: string;
  container: string;
  /** Redacted. Empty when the container wrote nothing in the range. */
  text: string;
  /** Why this container's log could not be read (no previous run, pod gone); the others still are. */
  unavailable?: string;
}

export interface SecretKeyRef {
  secretName: string;
  secretKey: string;
}

export interface DeploymentPodsOptions {
  requestTimeoutMs?: number;
  /** Bound on pods read for logs and events: a 200-replica deployment must not mean 200 calls. */
  maxPods?: number;
}

const DEFAULT_TAIL_LINES = 200;
/** Lines of a crashed run quoted in a failure message. */
const CRASH_LOG_LINES = 15;

export class DeploymentPods {
  private readonly core: CoreV1Api;
  private readonly maxPods: number;

  constructor(kubeConfig: KubeConfig, options: DeploymentPodsOptions = {}) {
    this.core = new CoreV1Api(createApiConfiguration(kubeConfig, options.requestTimeoutMs ?? 15_000));
    this.maxPods = options.maxPods ?? 5;
  }

  /** Both slots' pods, by the deployment's selector label; sorted by name for stable output. */
  async listPods(ref: DeploymentRef): Promise<V1Pod[]> {
    try {
      const list = await this.core.listNamespacedPod({ namespace: ref.namespace, labelSelector: toLabelSelector(instanceSelector(ref.name)) });
      return list.items.sort((a, b) => (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
    } catch (error) {
      throw toClusterError(error, { description: `listing the pods of ${ref.name} in ${ref.namespace}` });
    }
  }

  /** Core v1 events about these pods (one field-selected list per pod, never the whole namespace). */
  async podEvents(namespace: string, pods: readonly V1Pod[]): Promise<CoreV1Event[]> {
    const names = pods.map((p) => p.metadata?.name).filter((n): n is string => n !== undefined).slice(0, this.maxPods);
    const lists = await Promise.all(
      names.map(async (name) => {
        try {
          const list = await this.core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.kind=Pod,involvedObject.name=${name}` });
          return list.items;
        } catch (error) {
          throw toClusterError(error, { description: `listing the events of pod ${name} in ${namespace}` });
        }
      }),
    );
    return lists.flat().sort((a, b) => eventTime(a) - eventTime(b));
  }

  /** Raw (unredacted) log text: only for this module and tests; everything outward goes through redaction. */
  async readLog(namespace: string, pod: string, options: Omit<LogTailOptions, "pod"> = {}): Promise<string> {
    try {
      return await this.core.readNamespacedPodLog({
        name: pod,
        namespace,
        ...(options.container === undefined ? {} : { container: options.container }),
        tailLines: options.tailLines ?? DEFAULT_TAIL_LINES,
        ...(options.sinceSeconds === undefined ? {} : { sinceSeconds: options.sinceSeconds }),
        ...(options.previous === true ? { previous: true } : {}),
      });
    } catch (error) {
      throw toClusterError(error, { kind: "Pod", name: pod, namespace });
    }
  }

  /** The tail of each container's log, redacted with the deployment's secret values. */
  async tailLogs(ref: DeploymentRef, options: LogTailOptions, secretValues: readonly string[]): Promise<PodLogTail[]> {
    const pods = (await this.listPods(ref)).filter((p) => options.pod === undefined || p.metadata?.name === options.pod);
    if (options.pod !== undefined && pods.length === 0) {
      throw new ClusterError(`Pod ${options.pod} is not one of ${ref.name}'s pods in ${ref.namespace}`, { code: 404, reason: "NotFound", retryable: false });
    }
    const targets = pods.slice(0, this.maxPods).flatMap((pod) =>
      (pod.spec?.containers ?? [])
        .filter((c) => options.container === undefined || c.name === options.container)
        .map((c) => ({ pod: pod.metadata?.name ?? "", container: c.name })),
    );
    return Promise.all(
      targets.map(async ({ pod, container }): Promise<PodLogTail> => {
        try {
          const text = await this.readLog(ref.namespace, pod, { ...options, container });
          return { pod, container, text: redactSecrets(text, secretValues) };
        } catch (error) {
          return { pod, container, text: "", unavailable: redactSecrets(error instanceof Error ? error.message : String(error), secretValues) };
        }
      }),
    );
  }

  /**
   * Why the deployment's pods do not run, with the last lines of a crashed container's previous
   * run (redacted); undefined when Kubernetes reports nothing wrong.
   */
  async diagnose(ref: DeploymentRef, secretValues: readonly string[] = []): Promise<PodDiagnosis | undefined> {
    const pods = await this.listPods(ref);
    const unready = pods.filter((p) => !isReady(p));
    if (unready.length === 0) return undefined;
    const events = await this.podEvents(ref.namespace, unready);
    const crashing = crashingContainers(unready).slice(0, this.maxPods);
    const lastLines = new Map<string, string[]>();
    await Promise.all(
      crashing.map(async ({ pod, container }) => {
        try {
          const text = await this.readLog(ref.namespace, pod, { container, previous: true, tailLines: CRASH_LOG_LINES });
          lastLines.set(podContainerKey(pod, container), redactSecrets(text, secretValues).split("\n").filter((line) => line.trim() !== ""));
        } catch {
          // The previous run's log may be gone already (node rotated it); the cause stands without it.
        }
      }),
    );
    return diagnose(unready, events, lastLines);
  }

  /** The values behind secret-backed environment variables, so logs can be redacted of them. */
  async readSecretValues(namespace: string, refs: readonly SecretKeyRef[]): Promise<string[]> {
    const bySecret = new Map<string, Set<string>>();
    for (const ref of refs) bySecret.set(ref.secretName, (bySecret.get(ref.secretName) ?? new Set()).add(ref.secretKey));
    const values = await Promise.all(
      [...bySecret].map(async ([name, keys]) => {
        try {
          const secret = await this.core.readNamespacedSecret({ name, namespace });
          return [...keys].flatMap((key) => {
            const encoded = secret.data?.[key];
            const plain = secret.stringData?.[key];
            return [...(encoded === undefined ? [] : [Buffer.from(encoded, "base64").toString("utf8")]), ...(plain === undefined ? [] : [plain])];
          });
        } catch (error) {
          // A missing Secret has no value to leak; anything else must not silently skip redaction.
          if (error instanceof ApiException && error.code === 404) return [];
          throw toClusterError(error, { kind: "Secret", name, namespace });
        }
      }),
    );
    return values.flat();
  }
}

function isReady(pod: V1Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

function eventTime(event: CoreV1Event): number {
  const time = event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata.creationTimestamp;
  return time === undefined ? 0 : new Date(time).getTime();
}
