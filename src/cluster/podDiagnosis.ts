import type { CoreV1Event, V1ContainerStatus, V1Pod } from "@kubernetes/client-node";

/**
 * Why a deployment's pods are not running, from what Kubernetes already says: container states,
 * the PodScheduled condition and events. Pure, so every failure message (create, update, start,
 * alert) can name the cause the same way, and tests can feed it any pod.
 */

export type PodFailureCause =
  | { kind: "unschedulable"; pod: string; message: string }
  | { kind: "image-pull"; pod: string; container: string; image: string; reason: string; message: string }
  | { kind: "config-error"; pod: string; container: string; message: string }
  | { kind: "oom-killed"; pod: string; container: string; memoryLimit: string | undefined; restarts: number }
  | { kind: "crash-loop"; pod: string; container: string; exitCode: number | undefined; reason: string | undefined; restarts: number; lastLogLines: string[] }
  | { kind: "probe-failure"; pod: string; message: string };

export interface PodDiagnosis {
  cause: PodFailureCause;
  /** One sentence naming the pod-level cause, with the evidence (image, limit, scheduler message). */
  summary: string;
  /** What the person in the channel can do about it. */
  nextStep: string;
  /** How many of the deployment's pods have this same kind of cause. */
  affectedPods: number;
}

/** Last log lines of crashed containers, keyed by `podContainerKey`. */
export type LastLogLines = ReadonlyMap<string, readonly string[]>;

export function podContainerKey(pod: string, container: string): string {
  return `${pod}/${container}`;
}

/** Most specific and most blocking first: a pod that cannot be placed never gets to pull an image. */
const PRECEDENCE: readonly PodFailureCause["kind"][] = ["unschedulable", "image-pull", "config-error", "oom-killed", "crash-loop", "probe-failure"];

const IMAGE_PULL_REASONS = new Set(["ImagePullBackOff", "ErrImagePull", "InvalidImageName", "ErrImageNeverPull"]);
const CONFIG_REASONS = new Set(["CreateContainerConfigError", "CreateContainerError", "RunContainerError"]);

/** Containers in CrashLoopBackOff: the caller fetches their previous run's logs for `diagnose`. */
export function crashingContainers(pods: readonly V1Pod[]): { pod: string; container: string }[] {
  return pods.flatMap((pod) =>
    statusesOf(pod)
      .filter((status) => status.state?.waiting?.reason === "CrashLoopBackOff" || (status.restartCount > 0 && status.lastState?.terminated !== undefined && status.ready !== true))
      .map((status) => ({ pod: pod.metadata?.name ?? "", container: status.name })),
  );
}

/** The most telling cause among the pods, or undefined when nothing is wrong that Kubernetes reports. */
export function diagnose(pods: readonly V1Pod[], events: readonly CoreV1Event[], lastLogLines: LastLogLines = new Map()): PodDiagnosis | undefined {
  const causes = pods.flatMap((pod) => causesOf(pod, events, lastLogLines));
  for (const kind of PRECEDENCE) {
    const ofKind = causes.filter((c) => c.kind === kind);
    const first = ofKind[0];
    if (first !== undefined) return { cause: first, ...explain(first), affectedPods: new Set(ofKind.map((c) => c.pod)).size };
  }
  return undefined;
}

function statusesOf(pod: V1Pod): V1ContainerStatus[] {
  return [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
}

function memoryLimitOf(pod: V1Pod, container: string): string | undefined {
  const spec = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((c) => c.name === container);
  return spec?.resources?.limits?.memory;
}

function eventsOf(pod: V1Pod, events: readonly CoreV1Event[]): CoreV1Event[] {
  const name = pod.metadata?.name;
  const uid = pod.metadata?.uid;
  return events.filter((e) => e.involvedObject.kind === "Pod" && e.involvedObject.name === name && (uid === undefined || e.involvedObject.uid === undefined || e.involvedObject.uid === uid));
}

function causesOf(pod: V1Pod, events: readonly CoreV1Event[], lastLogLines: LastLogLines): PodFailureCause[] {
  const name = pod.metadata?.name ?? "";
  const causes: PodFailureCause[] = [];
  const podEvents = eventsOf(pod, events);

  const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  const schedulingEvent = podEvents.filter((e) => e.reason === "FailedScheduling").at(-1);
  if ((scheduled?.status === "False" && scheduled.reason === "Unschedulable") || (schedulingEvent !== undefined && scheduled?.status !== "True")) {
    causes.push({ kind: "unschedulable", pod: name, message: (schedulingEvent?.message ?? scheduled?.message ?? "no node fits the pod").trim() });
  }

  for (const status of statusesOf(pod)) {
    const waiting = status.state?.waiting;
    const terminated = status.lastState?.terminated ?? status.state?.terminated;
    if (waiting?.reason !== undefined && IMAGE_PULL_REASONS.has(waiting.reason)) {
      causes.push({ kind: "image-pull", pod: name, container: status.name, image: status.image, reason: waiting.reason, message: waiting.message ?? "" });
    } else if (waiting?.reason !== undefined && CONFIG_REASONS.has(waiting.reason)) {
      causes.push({ kind: "config-error", pod: name, container: status.name, message: waiting.message ?? waiting.reason });
    } else if (terminated?.reason === "OOMKilled") {
      causes.push({ kind: "oom-killed", pod: name, container: status.name, memoryLimit: memoryLimitOf(pod, status.name), restarts: status.restartCount });
    } else if (waiting?.reason === "CrashLoopBackOff" || (terminated !== undefined && status.restartCount > 0 && status.ready !== true)) {
      causes.push({
        kind: "crash-loop",
        pod: name,
        container: status.name,
        exitCode: terminated?.exitCode,
        reason: terminated?.reason,
        restarts: status.restartCount,
        lastLogLines: [...(lastLogLines.get(podContainerKey(name, status.name)) ?? [])],
      });
    }
  }

  const unhealthy = podEvents.filter((e) => e.reason === "Unhealthy").at(-1);
  if (unhealthy !== undefined && causes.length === 0) causes.push({ kind: "probe-failure", pod: name, message: (unhealthy.message ?? "probe failed").trim() });
  return causes;
}

const GPU_RESOURCE = /nvidia\.com\/gpu/;

function explain(cause: PodFailureCause): { summary: string; nextStep: string } {
  switch (cause.kind) {
    case "unschedulable":
      return {
        summary: `Kubernetes cannot place pod ${cause.pod}: ${cause.message}`,
        nextStep: schedulingAdvice(cause.message),
      };
    case "image-pull":
      return {
        summary: `Pod ${cause.pod} cannot pull image ${cause.image} (${cause.reason}${cause.message === "" ? "" : `: ${cause.message}`})`,
        nextStep: "Check that the image and tag exist and that the cluster may pull from that registry (imagePullSecrets); the model version decides the tag.",
      };
    case "config-error":
      return {
        summary: `Container ${cause.container} of pod ${cause.pod} cannot be created: ${cause.message}`,
        nextStep: "A Secret or key an environment variable refers to is probably missing: create it in the namespace, or fix the variable with `/deploy edit`.",
      };
    case "oom-killed":
      return {
        summary: `Container ${cause.container} of pod ${cause.pod} was killed for using more memory than its limit (OOMKilled${cause.memoryLimit === undefined ? "" : `, limit ${cause.memoryLimit}`}; ${cause.restarts} restart${cause.restarts === 1 ? "" : "s"})`,
        nextStep: "Raise Memory (GB) with `/deploy edit`, or serve a smaller model or batch size.",
      };
    case "crash-loop": {
      const exit = cause.exitCode === undefined ? "" : `, exit code ${cause.exitCode}${cause.reason !== undefined && cause.reason !== "Error" ? ` (${cause.reason})` : ""}`;
      const logs = cause.lastLogLines.length === 0 ? "" : `. Last log lines:\n${cause.lastLogLines.join("\n")}`;
      return {
        summary: `Container ${cause.container} of pod ${cause.pod} keeps crashing (CrashLoopBackOff${exit}; ${cause.restarts} restart${cause.restarts === 1 ? "" : "s"})${logs}`,
        nextStep: "Fix what the logs show (`/deploy logs NAME --previous` shows the crashed run), then update the model or its environment variables.",
      };
    }
    case "probe-failure":
      return {
        summary: `Pod ${cause.pod} fails its health check: ${cause.message}`,
        nextStep: "Check the health check path and interval with `/deploy edit`; a model that loads slowly needs the startup probe's time, and a wrong path never turns ready.",
      };
  }
}

function schedulingAdvice(message: string): string {
  if (/Insufficient nvidia\.com\/gpu/.test(message) || (GPU_RESOURCE.test(message) && /free|available/.test(message))) {
    return "No node has enough free GPUs: lower the GPU count, stop another GPU deployment, or ask the cluster admins for GPU nodes.";
  }
  if (/node affinity|node selector|didn't match Pod's node affinity/i.test(message)) {
    return "No node matches the requested GPU type (node affinity): choose another GPU type with `/deploy edit`, or ask for nodes of that type.";
  }
  if (/Insufficient (cpu|memory|ephemeral-storage)/.test(message)) {
    return "No node has enough free CPU, memory or storage: lower the request with `/deploy edit`, or scale other deployments down.";
  }
  if (/untolerated taint|had taint/i.test(message)) {
    return "The free nodes carry taints the pod does not tolerate: ask the cluster admins which nodes this environment may use.";
  }
  return "Read the scheduler's reason above: the pod's requests, GPU type or node constraints do not fit any node.";
}
