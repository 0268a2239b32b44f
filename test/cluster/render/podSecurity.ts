import type { V1PodSpec } from "@kubernetes/client-node";

/** Volume types the Pod Security Standards' restricted profile allows. */
const RESTRICTED_VOLUME_TYPES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"]);

/**
 * What the "restricted" Pod Security Standard (as enforced by Pod Security Admission) would reject
 * in a pod spec, plus deploybot's own rules: no service-account token and a read-only root.
 * Empty when the pod may run in a namespace labelled `pod-security.kubernetes.io/enforce: restricted`.
 */
export function restrictedProfileProblems(pod: V1PodSpec | undefined): string[] {
  if (pod === undefined) return ["no pod spec"];
  const problems: string[] = [];
  if (pod.hostNetwork === true || pod.hostPID === true || pod.hostIPC === true) problems.push("host namespaces");
  if (pod.securityContext?.runAsUser === 0) problems.push("pod runAsUser 0");
  if (pod.automountServiceAccountToken !== false) problems.push("service-account token mounted");
  for (const volume of pod.volumes ?? []) {
    const types = Object.keys(volume).filter((key) => key !== "name");
    for (const type of types) if (!RESTRICTED_VOLUME_TYPES.has(type)) problems.push(`volume ${volume.name}: ${type}`);
  }
  const podSeccomp = pod.securityContext?.seccompProfile?.type;
  for (const container of [...(pod.initContainers ?? []), ...pod.containers]) {
    const where = `container ${container.name}`;
    const context = container.securityContext;
    if (context?.privileged === true) problems.push(`${where}: privileged`);
    if (context?.allowPrivilegeEscalation !== false) problems.push(`${where}: allowPrivilegeEscalation not false`);
    if ((context?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot) !== true) problems.push(`${where}: runAsNonRoot not true`);
    if (context?.runAsUser === 0) problems.push(`${where}: runAsUser 0`);
    const seccomp = context?.seccompProfile?.type ?? podSeccomp;
    if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") problems.push(`${where}: seccompProfile ${seccomp ?? "unset"}`);
    if (!(context?.capabilities?.drop ?? []).includes("ALL")) problems.push(`${where}: capabilities not dropped`);
    for (const added of context?.capabilities?.add ?? []) if (added !== "NET_BIND_SERVICE") problems.push(`${where}: adds ${added}`);
    if (context?.readOnlyRootFilesystem !== true) problems.push(`${where}: writable root filesystem`);
    for (const mount of container.volumeMounts ?? []) {
      if (!(pod.volumes ?? []).some((volume) => volume.name === mount.name)) problems.push(`${where}: mounts unknown volume ${mount.name}`);
    }
  }
  return problems;
}
