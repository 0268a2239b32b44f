import type { V1Service, V1ServiceSpec } from "@kubernetes/client-node";
import type { DeploymentSpec } from "../../domain/deploymentSpec.js";
import { deploymentObjectMetadata, instanceSelector, slotLabels } from "./labels.js";
import type { Slot } from "./labels.js";
import type { RenderContext } from "./renderContext.js";
import { PORT_NAME } from "./renderDeployment.js";
import { serviceHost, trafficProvider } from "./trafficProvider.js";

export const SERVICE_PORT = 80;

export interface ServiceRenderOptions {
  /** The slot that receives traffic (blue-green switches it), or `null` for both (replica-ratio canary, Istio subsets). */
  selectorSlot: Slot | null;
}

export function serviceSelector(name: string, selectorSlot: Slot | null): Record<string, string> {
  return selectorSlot === null ? instanceSelector(name) : slotLabels(name, selectorSlot);
}

/**
 * With the load balancer disabled the Service is headless: DNS answers with the ready pods' IPs
 * and clients pick one themselves, on the container port (a headless Service does not map ports).
 */
export function renderService(spec: DeploymentSpec, ctx: RenderContext, options: ServiceRenderOptions): V1Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: deploymentObjectMetadata(spec, ctx.namespace),
    spec: {
      ...serviceTypeFields(spec, ctx),
      selector: serviceSelector(spec.name, options.selectorSlot),
      // The name tells Istio (and humans) the protocol; Istio would otherwise treat it as opaque TCP.
      ports: [{ name: PORT_NAME, port: SERVICE_PORT, targetPort: PORT_NAME, protocol: "TCP", appProtocol: "http" }],
    },
  };
}

function serviceTypeFields(spec: DeploymentSpec, ctx: RenderContext): V1ServiceSpec {
  if (!spec.loadBalancer.enabled) return { type: "ClusterIP", clusterIP: "None" };
  return { type: "ClusterIP", ...trafficProvider(ctx.trafficProvider).serviceOverrides(spec) };
}

function isHeadless(service: V1Service): boolean {
  return service.spec?.clusterIP === "None";
}

/**
 * `clusterIP` is immutable, so turning the load balancer on or off cannot be applied in place:
 * the existing Service has to be deleted and created again (a short DNS gap for clients).
 */
export function serviceNeedsReplacement(existing: V1Service, desired: V1Service): boolean {
  return isHeadless(existing) !== isHeadless(desired);
}

/**
 * Where clients reach the model. With the load balancer the Service listens on port 80; without
 * it the Service is headless, its name resolves to the pods, and clients use the container port.
 */
export function serviceEndpoint(spec: DeploymentSpec, namespace: string, containerPort: number): string {
  const host = serviceHost(spec.name, namespace);
  return spec.loadBalancer.enabled ? `http://${host}` : `http://${host}:${containerPort}`;
}
