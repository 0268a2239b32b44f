import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { loadAllYaml, type KubernetesObject } from "@kubernetes/client-node";

export const MANIFESTS_DIR = fileURLToPath(new URL("../../manifests/kubernetes/", import.meta.url));

/**
 * Builds a kustomization with the real kustomize bundled in kubectl, so the test sees exactly what
 * `kubectl apply -k` would send (patches, image tags, labels and all).
 */
export function kustomizeBuild(relativeDir: string): KubernetesObject[] {
  let output: string;
  try {
    output = execFileSync("kubectl", ["kustomize", `${MANIFESTS_DIR}${relativeDir}`], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    throw new Error(`kubectl kustomize ${relativeDir} failed (kubectl is needed to test the manifests): ${typeof stderr === "string" ? stderr : String(error)}`);
  }
  return loadAllYaml(output) as KubernetesObject[];
}

export function find<T extends KubernetesObject>(objects: readonly KubernetesObject[], kind: string, name: string, namespace?: string): T {
  const found = objects.find((o) => o.kind === kind && o.metadata?.name === name && (namespace === undefined || o.metadata?.namespace === namespace));
  if (found === undefined) throw new Error(`No ${kind} ${namespace ?? "*"}/${name} in the build`);
  return found as T;
}

export function ofKind<T extends KubernetesObject>(objects: readonly KubernetesObject[], kind: string): T[] {
  return objects.filter((o) => o.kind === kind) as T[];
}
