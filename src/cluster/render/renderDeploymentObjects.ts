import type { RollingParameters } from "../../domain/rolloutPlan.js";
import type { KubernetesObject, V1Deployment } from "@kubernetes/client-node";
import type { DeploymentSpec, FieldError } from "../../domain/deploymentSpec.js";
import { SLOTS, otherSlot } from "./labels.js";
import type { Slot } from "./labels.js";
import { RenderError } from "./renderContext.js";
import type { RenderContext, TrafficWeights } from "./renderContext.js";
import { renderDeployment } from "./renderDeployment.js";
import { renderHorizontalPodAutoscaler } from "./renderHorizontalPodAutoscaler.js";
import { renderPodDisruptionBudget } from "./renderPodDisruptionBudget.js";
import { renderService } from "./renderService.js";
import { assertTrafficWeights, defaultTrafficWeights, trafficProvider, usesWeightedRouting } from "./trafficProvider.js";

export interface SlotState {
  modelVersion: string;
  /** Ignored for the active slot while an HPA owns its replicas. */
  replicas: number;
}

/** Where a deployment is in its life: which slot serves, how many replicas, and how traffic is split. */
export interface DeploymentState {
  activeSlot: Slot;
  /** Replicas of the active slot when auto-scaling is off. */
  replicas: number;
  /** Scaled to zero with no HPA (one with minReplicas >= 1 would bring it back) and no PDB. */
  stopped?: boolean;
  /**
   * Per-slot overrides for updates that run both slots. The active slot defaults to the spec's
   * version at `replicas`; the other slot is rendered only when listed here.
   */
  slots?: Partial<Record<Slot, SlotState>>;
  /** Defaults to the provider's choice: the active slot, or both slots behind Istio subsets. */
  serviceSelectorSlot?: Slot | null;
  /** Defaults to everything on the active slot. Only honoured with weighted routing (Istio and a load balancer). */
  trafficWeights?: TrafficWeights;
  /** Surge bounds for the active slot's rolling update (a rolling model update chooses them). */
  rolling?: RollingParameters;
}

export interface RenderedDeploymentObjects {
  /** In apply order: workloads before what routes to them, the HPA after its target. */
  objects: KubernetesObject[];
}

export function renderDeploymentObjects(spec: DeploymentSpec, state: DeploymentState, ctx: RenderContext): RenderedDeploymentObjects {
  const provider = trafficProvider(ctx.trafficProvider);
  const deployments = renderSlotDeployments(spec, state, ctx);
  const renderedSlots = deployments.map((entry) => entry.slot);
  const weights = resolveWeights(spec, state, ctx, renderedSlots);
  const selectorSlot =
    state.serviceSelectorSlot === undefined ? provider.defaultServiceSelectorSlot(spec, state.activeSlot) : state.serviceSelectorSlot;
  assertSelectorSlotRendered(selectorSlot, renderedSlots);

  const autoscaler = state.stopped ? null : renderHorizontalPodAutoscaler(spec, ctx, { targetSlot: state.activeSlot });
  const budget = state.stopped ? null : renderPodDisruptionBudget(spec, ctx);
  const objects: KubernetesObject[] = [
    ...deployments.map((entry) => entry.deployment),
    renderService(spec, ctx, { selectorSlot }),
    ...provider.renderPolicyObjects(spec, ctx, weights),
    ...(autoscaler ? [autoscaler] : []),
    ...(budget ? [budget] : []),
  ];
  return { objects };
}

interface SlotDeployment {
  slot: Slot;
  deployment: V1Deployment;
}

function renderSlotDeployments(spec: DeploymentSpec, state: DeploymentState, ctx: RenderContext): SlotDeployment[] {
  const autoscaled = spec.scaling.autoscalingEnabled && !state.stopped;
  const inactive = otherSlot(state.activeSlot);
  const activeOverride = state.slots?.[state.activeSlot];
  const inactiveState = state.slots?.[inactive];
  const entries: SlotDeployment[] = [
    {
      slot: state.activeSlot,
      deployment: renderDeployment(spec, ctx, {
        slot: state.activeSlot,
        modelVersion: activeOverride?.modelVersion ?? spec.modelVersion,
        replicas: state.stopped ? 0 : autoscaled ? undefined : (activeOverride?.replicas ?? state.replicas),
        ...(state.rolling ? { rolling: state.rolling } : {}),
      }),
    },
  ];
  if (inactiveState) {
    entries.push({
      slot: inactive,
      deployment: renderDeployment(spec, ctx, {
        slot: inactive,
        modelVersion: inactiveState.modelVersion,
        replicas: state.stopped ? 0 : inactiveState.replicas,
      }),
    });
  }
  // Blue before green whatever the active slot, so the output does not reorder on a switch.
  return SLOTS.flatMap((slot) => entries.filter((entry) => entry.slot === slot));
}

function resolveWeights(spec: DeploymentSpec, state: DeploymentState, ctx: RenderContext, renderedSlots: readonly Slot[]): TrafficWeights {
  const weights = state.trafficWeights ?? defaultTrafficWeights(state.activeSlot);
  assertTrafficWeights(weights);
  const errors: FieldError[] = [];
  const split = weights.blue > 0 && weights.green > 0;
  if (split && !usesWeightedRouting(spec, ctx)) {
    errors.push({
      path: "trafficWeights",
      message: `An exact traffic split needs Istio and an enabled load balancer; this deployment routes by Service selector only.`,
    });
  }
  for (const slot of SLOTS) {
    if (weights[slot] > 0 && !renderedSlots.includes(slot)) {
      errors.push({ path: "trafficWeights", message: `${weights[slot]}% of traffic would go to the ${slot} slot, which has no Deployment.` });
    }
  }
  if (errors.length > 0) throw new RenderError(errors);
  return weights;
}

function assertSelectorSlotRendered(selectorSlot: Slot | null, renderedSlots: readonly Slot[]): void {
  if (selectorSlot === null || renderedSlots.includes(selectorSlot)) return;
  throw new RenderError([
    { path: "serviceSelectorSlot", message: `The Service would select the ${selectorSlot} slot, which has no Deployment.` },
  ]);
}
