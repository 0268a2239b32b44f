/**
 * The subset of the real API server's validation and defaulting that deploybot's manifests can
 * trip over. Validation catches malformed manifests in tests (the cluster would reject them too);
 * defaulting matters because clients that diff applied against live objects see these fields.
 */

import type { StatusCause } from "./apiStatus.js";
import { isRecord, isStringMap, jsonEqual, type KubeObject } from "./kubeObject.js";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function required(field: string): StatusCause {
  return { reason: "FieldValueRequired", message: "Required value", field };
}

function invalidValue(field: string, value: unknown, why: string): StatusCause {
  return { reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(value)}: ${why}`, field };
}

function validateName(object: KubeObject, labelOnly: boolean): StatusCause[] {
  const name = object.metadata.name;
  if (typeof name !== "string" || name === "") return [required("metadata.name")];
  if (labelOnly) {
    if (name.length > 63 || !DNS1123_LABEL.test(name)) {
      return [
        invalidValue(
          "metadata.name",
          name,
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        ),
      ];
    }
  } else if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    return [
      invalidValue(
        "metadata.name",
        name,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ),
    ];
  }
  return [];
}

function validateLabelMap(field: string, value: unknown): StatusCause[] {
  if (value === undefined) return [];
  if (!isStringMap(value)) return [invalidValue(field, value, "must be a map of string keys to string values")];
  const causes: StatusCause[] = [];
  for (const [key, labelValue] of Object.entries(value)) {
    const slash = key.lastIndexOf("/");
    const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
    const name = slash >= 0 ? key.slice(slash + 1) : key;
    if (prefix !== undefined && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) {
      causes.push(invalidValue(field, key, "prefix part must be a lowercase RFC 1123 subdomain"));
    }
    if (name.length > 63 || !LABEL_NAME.test(name)) {
      causes.push(
        invalidValue(
          field,
          key,
          "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, and be no more than 63 characters",
        ),
      );
    }
    if (field.endsWith("labels") && (labelValue.length > 63 || !LABEL_VALUE.test(labelValue))) {
      causes.push(
        invalidValue(
          field,
          labelValue,
          "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, and be no more than 63 characters",
        ),
      );
    }
  }
  return causes;
}

function isNonNegativeInteger(value: unknown): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

function validateDeployment(object: KubeObject, existing: KubeObject | undefined): StatusCause[] {
  const spec = object.spec;
  if (!isRecord(spec)) return [required("spec")];
  const causes: StatusCause[] = [];
  if (spec.replicas !== undefined && !isNonNegativeInteger(spec.replicas)) {
    causes.push(invalidValue("spec.replicas", spec.replicas, "must be greater than or equal to 0"));
  }
  const selector = spec.selector;
  const matchLabels = isRecord(selector) ? selector.matchLabels : undefined;
  if (!isRecord(selector) || (selector.matchLabels === undefined && selector.matchExpressions === undefined)) {
    causes.push(required("spec.selector"));
  } else {
    causes.push(...validateLabelMap("spec.selector.matchLabels", matchLabels));
  }
  const template = spec.template;
  const templateMeta = isRecord(template) ? template.metadata : undefined;
  const templateLabels = isRecord(templateMeta) ? templateMeta.labels : undefined;
  causes.push(...validateLabelMap("spec.template.metadata.labels", templateLabels));
  if (isStringMap(matchLabels)) {
    const labels = isStringMap(templateLabels) ? templateLabels : {};
    if (!Object.entries(matchLabels).every(([k, v]) => labels[k] === v)) {
      causes.push(
        invalidValue("spec.template.metadata.labels", labels, "`selector` does not match template `labels`"),
      );
    }
  }
  const podSpec = isRecord(template) ? template.spec : undefined;
  const containers = isRecord(podSpec) ? podSpec.containers : undefined;
  if (!Array.isArray(containers) || containers.length === 0) {
    causes.push(required("spec.template.spec.containers"));
  } else {
    containers.forEach((container, i) => {
      if (!isRecord(container) || typeof container.name !== "string" || container.name === "") {
        causes.push(required(`spec.template.spec.containers[${i}].name`));
      }
      if (!isRecord(container) || typeof container.image !== "string" || container.image === "") {
        causes.push(required(`spec.template.spec.containers[${i}].image`));
      }
    });
  }
  const previousSelector = isRecord(existing?.spec) ? existing.spec.selector : undefined;
  if (existing !== undefined && !jsonEqual(previousSelector, selector)) {
    causes.push(invalidValue("spec.selector", selector, "field is immutable"));
  }
  return causes;
}

function validateService(object: KubeObject): StatusCause[] {
  const spec = object.spec;
  if (!isRecord(spec)) return [required("spec.ports")];
  if (spec.type === "ExternalName" || spec.clusterIP === "None") return [];
  const ports = spec.ports;
  if (!Array.isArray(ports) || ports.length === 0) return [required("spec.ports")];
  const causes: StatusCause[] = [];
  ports.forEach((port, i) => {
    const number = isRecord(port) ? port.port : undefined;
    if (typeof number !== "number" || !Number.isInteger(number) || number < 1 || number > 65535) {
      causes.push(invalidValue(`spec.ports[${i}].port`, number, "must be between 1 and 65535, inclusive"));
    }
    if (ports.length > 1 && (!isRecord(port) || typeof port.name !== "string" || port.name === "")) {
      causes.push(required(`spec.ports[${i}].name`));
    }
  });
  return causes;
}

function validateHpa(object: KubeObject): StatusCause[] {
  const spec = object.spec;
  if (!isRecord(spec)) return [required("spec")];
  const causes: StatusCause[] = [];
  const target = spec.scaleTargetRef;
  if (!isRecord(target) || typeof target.kind !== "string" || target.kind === "") {
    causes.push(required("spec.scaleTargetRef.kind"));
  }
  if (!isRecord(target) || typeof target.name !== "string" || target.name === "") {
    causes.push(required("spec.scaleTargetRef.name"));
  }
  const max = spec.maxReplicas;
  const min = spec.minReplicas ?? 1;
  if (typeof max !== "number" || !Number.isInteger(max) || max < 1) {
    causes.push(invalidValue("spec.maxReplicas", max, "must be greater than 0"));
  } else if (typeof min === "number" && max < min) {
    causes.push(invalidValue("spec.maxReplicas", max, "must be greater than or equal to `minReplicas`"));
  }
  if (typeof min !== "number" || !Number.isInteger(min) || min < 1) {
    causes.push(invalidValue("spec.minReplicas", min, "must be greater than or equal to 1"));
  }
  return causes;
}

function validatePdb(object: KubeObject): StatusCause[] {
  const spec = object.spec;
  if (!isRecord(spec)) return [];
  if (spec.minAvailable !== undefined && spec.maxUnavailable !== undefined) {
    return [invalidValue("spec", spec, "minAvailable and maxUnavailable cannot be both set")];
  }
  return [];
}

export function validateObject(object: KubeObject, existing: KubeObject | undefined): StatusCause[] {
  const labelOnlyName = object.kind === "Namespace" || object.kind === "Service";
  const causes = [
    ...validateName(object, labelOnlyName),
    ...validateLabelMap("metadata.labels", object.metadata.labels),
    ...validateLabelMap("metadata.annotations", object.metadata.annotations),
  ];
  switch (object.kind) {
    case "Deployment":
      causes.push(...validateDeployment(object, existing));
      break;
    case "Service":
      causes.push(...validateService(object));
      break;
    case "HorizontalPodAutoscaler":
      causes.push(...validateHpa(object));
      break;
    case "PodDisruptionBudget":
      causes.push(...validatePdb(object));
      break;
  }
  return causes;
}

function setDefault(target: Record<string, unknown>, key: string, value: unknown): void {
  if (target[key] === undefined) target[key] = value;
}

function defaultPodTemplate(template: unknown): void {
  if (!isRecord(template) || !isRecord(template.spec)) return;
  const pod = template.spec;
  setDefault(pod, "restartPolicy", "Always");
  setDefault(pod, "dnsPolicy", "ClusterFirst");
  setDefault(pod, "terminationGracePeriodSeconds", 30);
  setDefault(pod, "schedulerName", "default-scheduler");
  setDefault(pod, "securityContext", {});
  if (!Array.isArray(pod.containers)) return;
  for (const container of pod.containers) {
    if (!isRecord(container)) continue;
    const image = typeof container.image === "string" ? container.image : "";
    const tagged = /:[^/]+$/.test(image) && !image.endsWith(":latest");
    setDefault(container, "imagePullPolicy", tagged || image.includes("@") ? "IfNotPresent" : "Always");
    setDefault(container, "terminationMessagePath", "/dev/termination-log");
    setDefault(container, "terminationMessagePolicy", "File");
    if (Array.isArray(container.ports)) {
      for (const port of container.ports) if (isRecord(port)) setDefault(port, "protocol", "TCP");
    }
  }
}

/**
 * Fills the fields the real server defaults. `existing` supplies values the server allocated
 * earlier (a Service's clusterIP) that an update is not expected to repeat.
 */
export function applyServerDefaults(object: KubeObject, existing: KubeObject | undefined, allocateIp: () => string): void {
  switch (object.kind) {
    case "Namespace": {
      object.metadata.labels = { ...object.metadata.labels, "kubernetes.io/metadata.name": object.metadata.name };
      const spec = isRecord(object.spec) ? object.spec : {};
      setDefault(spec, "finalizers", ["kubernetes"]);
      object.spec = spec;
      break;
    }
    case "Deployment": {
      if (!isRecord(object.spec)) return;
      const spec = object.spec;
      setDefault(spec, "replicas", 1);
      setDefault(spec, "revisionHistoryLimit", 10);
      setDefault(spec, "progressDeadlineSeconds", 600);
      setDefault(spec, "strategy", { type: "RollingUpdate" });
      if (isRecord(spec.strategy) && (spec.strategy.type ?? "RollingUpdate") === "RollingUpdate") {
        setDefault(spec.strategy, "type", "RollingUpdate");
        setDefault(spec.strategy, "rollingUpdate", { maxUnavailable: "25%", maxSurge: "25%" });
      }
      defaultPodTemplate(spec.template);
      break;
    }
    case "Service": {
      if (!isRecord(object.spec)) return;
      const spec = object.spec;
      const previous = isRecord(existing?.spec) ? existing.spec : {};
      setDefault(spec, "type", "ClusterIP");
      setDefault(spec, "sessionAffinity", "None");
      setDefault(spec, "internalTrafficPolicy", "Cluster");
      setDefault(spec, "ipFamilies", ["IPv4"]);
      setDefault(spec, "ipFamilyPolicy", "SingleStack");
      if (spec.type !== "ExternalName") {
        setDefault(spec, "clusterIP", previous.clusterIP ?? allocateIp());
        setDefault(spec, "clusterIPs", spec.clusterIP === "None" ? ["None"] : [spec.clusterIP]);
      }
      if (Array.isArray(spec.ports)) {
        for (const port of spec.ports) {
          if (!isRecord(port)) continue;
          setDefault(port, "protocol", "TCP");
          setDefault(port, "targetPort", port.port);
        }
      }
      break;
    }
  }
}

/** The status a freshly created object starts with, before any controller has looked at it. */
export function initialStatus(object: KubeObject): unknown {
  switch (object.kind) {
    case "Namespace":
      return { phase: "Active" };
    case "Service":
      return { loadBalancer: {} };
    case "Deployment":
    case "HorizontalPodAutoscaler":
    case "PodDisruptionBudget":
      return {};
    default:
      return object.status;
  }
}
