import * as k8s from "@kubernetes/client-node";
import type { KubernetesObject, V1Deployment, V1PodDisruptionBudget, V1Service } from "@kubernetes/client-node";
import { DestinationRule, VirtualService } from "@kubernetes-models/istio/networking.istio.io/v1";
import type { IDestinationRule, IVirtualService } from "@kubernetes-models/istio/networking.istio.io/v1";
import { Deployment } from "kubernetes-models/apps/v1";
import type { IDeployment } from "kubernetes-models/apps/v1";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import type { IHorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2";
import { PodDisruptionBudget } from "kubernetes-models/policy/v1";
import type { IPodDisruptionBudget } from "kubernetes-models/policy/v1";
import { Service } from "kubernetes-models/v1";
import type { IService } from "kubernetes-models/v1";
import type { IstioDestinationRule } from "../../../src/cluster/render/trafficProvider.js";
import { deploymentSpecSchema } from "../../../src/domain/deploymentSpec.js";
import type { DeploymentSpec, DeploymentSpecInput } from "../../../src/domain/deploymentSpec.js";

/** Shared by the render tests: spec builders and the checks every rendered object must pass. */

type Section<K extends "resources" | "scaling" | "loadBalancer"> = Partial<NonNullable<DeploymentSpecInput[K]>>;

export interface SpecPatch extends Partial<Omit<DeploymentSpecInput, "resources" | "scaling" | "loadBalancer">> {
  resources?: Section<"resources">;
  scaling?: Section<"scaling">;
  loadBalancer?: Section<"loadBalancer">;
}

/** Goes through the real schema, so defaults are applied and an impossible fixture fails loudly. */
export function buildSpec(patch: SpecPatch = {}): DeploymentSpec {
  const { resources, scaling, loadBalancer, ...top } = patch;
  return deploymentSpecSchema.parse({
    name: "resnet-prod",
    description: "",
    modelId: "acme/resnet-50",
    modelVersion: "v2.1.0",
    environment: "production",
    env: [],
    ...top,
    resources: { cpuCores: 4, memoryGb: 16, ...resources },
    scaling: {
      minReplicas: 1,
      maxReplicas: 4,
      targetCpuUtilization: 70,
      targetMemoryUtilization: 80,
      autoscalingEnabled: false,
      ...scaling,
    },
    loadBalancer: { enabled: false, ...loadBalancer },
  });
}

/** What goes over the wire: `undefined` fields vanish, exactly as the API server would see them. */
export function wire(object: KubernetesObject): unknown {
  return JSON.parse(JSON.stringify(object)) as unknown;
}

/** Validates against the official OpenAPI / CRD schemas; throws a ValidationError naming the path. */
export function validateWithOfficialSchema(object: KubernetesObject): void {
  const data = wire(object);
  switch (`${object.apiVersion}/${object.kind}`) {
    case "apps/v1/Deployment":
      return new Deployment(data as IDeployment).validate();
    case "v1/Service":
      return new Service(data as IService).validate();
    case "autoscaling/v2/HorizontalPodAutoscaler":
      return new HorizontalPodAutoscaler(data as IHorizontalPodAutoscaler).validate();
    case "policy/v1/PodDisruptionBudget":
      return new PodDisruptionBudget(data as IPodDisruptionBudget).validate();
    case "networking.istio.io/v1/DestinationRule":
      return new DestinationRule(data as IDestinationRule).validate();
    case "networking.istio.io/v1/VirtualService":
      return new VirtualService(data as IVirtualService).validate();
    default:
      throw new Error(`No schema for ${object.apiVersion}/${object.kind}`);
  }
}

const CLIENT_MODEL_BY_KIND: Record<string, string> = {
  Deployment: "V1Deployment",
  Service: "V1Service",
  HorizontalPodAutoscaler: "V2HorizontalPodAutoscaler",
  PodDisruptionBudget: "V1PodDisruptionBudget",
  // Kinds of the bot's own install (manifests/kubernetes), checked by test/packaging.
  Namespace: "V1Namespace",
  ServiceAccount: "V1ServiceAccount",
  Role: "V1Role",
  RoleBinding: "V1RoleBinding",
  ConfigMap: "V1ConfigMap",
  Secret: "V1Secret",
  NetworkPolicy: "V1NetworkPolicy",
  Job: "V1Job",
};

interface AttributeType {
  baseName: string;
  type: string;
}

function attributeTypes(typeName: string): readonly AttributeType[] | undefined {
  const model: unknown = (k8s as unknown as Record<string, unknown>)[typeName];
  if (typeof model !== "function") return undefined;
  const map: unknown = (model as { attributeTypeMap?: unknown }).attributeTypeMap;
  return Array.isArray(map) ? (map as AttributeType[]) : undefined;
}

function unknownFieldsOf(value: unknown, typeName: string, path: string): string[] {
  const arrayItem = /^Array<(.+)>$/.exec(typeName)?.[1];
  if (arrayItem !== undefined) {
    return Array.isArray(value) ? value.flatMap((item, index) => unknownFieldsOf(item, arrayItem, `${path}[${index}]`)) : [];
  }
  const attributes = attributeTypes(typeName);
  if (attributes === undefined || value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const attribute = attributes.find((candidate) => candidate.baseName === key);
    if (attribute === undefined) return [`${path}.${key}`];
    return unknownFieldsOf(child, attribute.type, `${path}.${key}`);
  });
}

/**
 * The official schemas allow unknown fields (an API server with strict field validation does not),
 * so a misspelt field would pass them: walk the object against the client library's type map too.
 * Only built-in kinds: the Istio CRDs have no such map.
 */
export function unknownFields(object: KubernetesObject): string[] {
  const typeName = object.kind === undefined ? undefined : CLIENT_MODEL_BY_KIND[object.kind];
  if (typeName === undefined) return [];
  return unknownFieldsOf(wire(object), typeName, object.kind ?? "");
}

const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function labelProblems(labels: Record<string, string> | undefined): string[] {
  return Object.entries(labels ?? {}).flatMap(([key, value]) => {
    const problems: string[] = [];
    const [prefix, name] = key.includes("/") ? key.split("/", 2) : [undefined, key];
    if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) problems.push(`bad key prefix ${key}`);
    if (name === undefined || name.length > 63 || !LABEL_NAME.test(name)) problems.push(`bad key ${key}`);
    if (value.length > 63 || (value !== "" && !LABEL_NAME.test(value))) problems.push(`bad value ${key}=${value}`);
    return problems;
  });
}

/** Every label map of an object: its own, a pod template's and selectors'. */
export function allLabelMaps(object: KubernetesObject): Record<string, string>[] {
  const maps: (Record<string, string> | undefined)[] = [object.metadata?.labels];
  switch (object.kind) {
    case "Deployment": {
      const deployment = object as V1Deployment;
      maps.push(deployment.spec?.selector.matchLabels, deployment.spec?.template.metadata?.labels);
      break;
    }
    case "Service":
      maps.push((object as V1Service).spec?.selector);
      break;
    case "PodDisruptionBudget":
      maps.push((object as V1PodDisruptionBudget).spec?.selector?.matchLabels);
      break;
    case "DestinationRule":
      maps.push(...(object as IstioDestinationRule).spec.subsets.map((subset) => subset.labels));
      break;
  }
  return maps.filter((map): map is Record<string, string> => map !== undefined);
}

export function isSubset(subset: Record<string, string>, superset: Record<string, string> | undefined): boolean {
  return Object.entries(subset).every(([key, value]) => superset?.[key] === value);
}
