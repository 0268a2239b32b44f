import type { DeploymentSpec } from "../../domain/deploymentSpec.js";

/**
 * Every object the bot creates for a deployment carries these labels. Selectors only use the
 * `deploybot.io/*` keys: `app.kubernetes.io/instance` is also set by Helm and other tools, and a
 * selector must never pick up pods the bot does not own. Selectors are immutable on a Deployment,
 * so they contain nothing that an edit can change (no environment, no version).
 */

export { SLOTS, otherSlot, type Slot } from "../../domain/slot.js";
import type { Slot } from "../../domain/slot.js";

export const MANAGED_BY = "deploybot";
export const COMPONENT = "model-server";

export const LABEL_NAME = "app.kubernetes.io/name";
export const LABEL_INSTANCE = "app.kubernetes.io/instance";
export const LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
export const LABEL_COMPONENT = "app.kubernetes.io/component";
export const LABEL_DEPLOYMENT = "deploybot.io/deployment";
export const LABEL_ENVIRONMENT = "deploybot.io/environment";
export const LABEL_SLOT = "deploybot.io/slot";

/** Label values are limited to 63 safe characters; model ids (with `/`) and versions (with `+`) are not. */
export const ANNOTATION_MODEL_ID = "deploybot.io/model-id";
export const ANNOTATION_MODEL_VERSION = "deploybot.io/model-version";
export const ANNOTATION_DESCRIPTION = "deploybot.io/description";

export type Labels = Record<string, string>;

/** The labels every object of a deployment carries, whatever its spec: list or delete by these. */
export function identityLabels(name: string): Labels {
  return {
    [LABEL_NAME]: name,
    [LABEL_INSTANCE]: name,
    [LABEL_MANAGED_BY]: MANAGED_BY,
    [LABEL_DEPLOYMENT]: name,
  };
}

/** Selects the pods of a deployment in both slots. */
export function instanceSelector(name: string): Labels {
  return { [LABEL_DEPLOYMENT]: name };
}

/** Selects the pods of one slot: a Deployment's selector and a blue-green Service's selector. */
export function slotLabels(name: string, slot: Slot): Labels {
  return { ...instanceSelector(name), [LABEL_SLOT]: slot };
}

/** Labels of every object rendered from a spec. */
export function objectLabels(spec: Pick<DeploymentSpec, "name" | "environment">): Labels {
  return {
    ...identityLabels(spec.name),
    [LABEL_COMPONENT]: COMPONENT,
    [LABEL_ENVIRONMENT]: spec.environment,
  };
}

/** Labels of a slot's Deployment and its pods. */
export function slotObjectLabels(spec: Pick<DeploymentSpec, "name" | "environment">, slot: Slot): Labels {
  return { ...objectLabels(spec), [LABEL_SLOT]: slot };
}

/** `k=v,k=v`, as the list APIs take it. Keys sorted so the string is stable. */
export function toLabelSelector(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((key) => `${key}=${labels[key] ?? ""}`)
    .join(",");
}

/** What a slot runs: on its Deployment and pod template, since the two slots can run different versions. */
export function modelAnnotations(modelId: string, modelVersion: string): Labels {
  return { [ANNOTATION_MODEL_ID]: modelId, [ANNOTATION_MODEL_VERSION]: modelVersion };
}

/**
 * Annotations of every top-level object. The description is free text, so never a label; the
 * version is left to the Deployments, where it is true per slot.
 */
export function objectAnnotations(spec: Pick<DeploymentSpec, "modelId" | "description">): Labels {
  const annotations: Labels = { [ANNOTATION_MODEL_ID]: spec.modelId };
  if (spec.description !== "") annotations[ANNOTATION_DESCRIPTION] = spec.description;
  return annotations;
}

/** Metadata of the objects named after the deployment itself (Service, HPA, PDB, traffic policy). */
export function deploymentObjectMetadata(
  spec: Pick<DeploymentSpec, "name" | "environment" | "modelId" | "description">,
  namespace: string,
): { name: string; namespace: string; labels: Labels; annotations: Labels } {
  return { name: spec.name, namespace, labels: objectLabels(spec), annotations: objectAnnotations(spec) };
}
