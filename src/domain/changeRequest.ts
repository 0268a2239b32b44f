import type { DeploymentSpec, GpuType } from "./deploymentSpec.js";
import type { FieldChange } from "./editability.js";
import type { UpdateStrategy } from "./strategy.js";

/**
 * What a change request shows its reviewers besides the diff: the risks it carries and what it
 * costs a month before and after, at the prices the bot is configured with. Pure arithmetic on
 * the spec and the replica counts; the operations service picks the states to compare.
 */

export type RiskKind = "restart" | "capacity-drop" | "traffic-switch" | "endpoint-removed" | "new-capacity";

export interface ChangeRisk {
  kind: RiskKind;
  detail: string;
}

/** What a deployment runs in steady state, for cost: its spec and how many instances (a range with auto-scaling). */
export interface RunningState {
  spec: Pick<DeploymentSpec, "resources" | "scaling">;
  replicas: number;
  running: boolean;
}

export interface ResourcePrices {
  cpuCoreHour: number;
  memoryGbHour: number;
  gpuHour: Record<GpuType, number>;
  currency: string;
}

/** Hours in an average month (365 × 24 / 12). */
export const HOURS_PER_MONTH = 730;

export interface MonthlyUsage {
  cpuCoreHours: number;
  memoryGbHours: number;
  gpuHours: number;
  cost: number;
}

export interface MonthlyCost {
  /** At the replicas it runs (auto-scaling: its minimum). */
  low: MonthlyUsage;
  /** With auto-scaling, at its maximum; otherwise the same as `low`. */
  high: MonthlyUsage;
}

function usage(spec: RunningState["spec"], replicas: number, prices: ResourcePrices): MonthlyUsage {
  const { cpuCores, memoryGb, gpuCount, gpuType } = spec.resources;
  const cpuCoreHours = cpuCores * replicas * HOURS_PER_MONTH;
  const memoryGbHours = memoryGb * replicas * HOURS_PER_MONTH;
  const gpuHours = gpuCount * replicas * HOURS_PER_MONTH;
  const gpuPrice = gpuType ? prices.gpuHour[gpuType] : 0;
  return { cpuCoreHours, memoryGbHours, gpuHours, cost: cpuCoreHours * prices.cpuCoreHour + memoryGbHours * prices.memoryGbHour + gpuHours * gpuPrice };
}

export function monthlyCost(state: RunningState | null, prices: ResourcePrices): MonthlyCost {
  if (!state || !state.running) {
    const none = { cpuCoreHours: 0, memoryGbHours: 0, gpuHours: 0, cost: 0 };
    return { low: none, high: none };
  }
  const { autoscalingEnabled, minReplicas, maxReplicas } = state.spec.scaling;
  return autoscalingEnabled
    ? { low: usage(state.spec, minReplicas, prices), high: usage(state.spec, maxReplicas, prices) }
    : { low: usage(state.spec, state.replicas, prices), high: usage(state.spec, state.replicas, prices) };
}

function rounded(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString("en-US") : value.toFixed(value >= 10 ? 0 : 1);
}

function describeUsage(cost: MonthlyCost, currency: string): string {
  const one = (u: MonthlyUsage) =>
    `${rounded(u.cpuCoreHours)} CPU-h, ${rounded(u.memoryGbHours)} GB-h${u.gpuHours > 0 ? `, ${rounded(u.gpuHours)} GPU-h` : ""} ≈ ${currency}${rounded(u.cost)}`;
  return cost.low.cost === cost.high.cost && cost.low.cpuCoreHours === cost.high.cpuCoreHours ? one(cost.low) : `${one(cost.low)} to ${one(cost.high)}`;
}

/** "before → after" a month, e.g. "2,920 CPU-h, 11,680 GB-h ≈ $233 → 7,300 CPU-h, … ≈ $584". */
export function describeCostChange(before: MonthlyCost, after: MonthlyCost, currency: string): string {
  return `${describeUsage(before, currency)} → ${describeUsage(after, currency)} a month`;
}

export type ChangeSubject =
  | { kind: "create"; after: RunningState }
  | { kind: "edit"; changes: readonly FieldChange[]; before: RunningState; after: RunningState }
  | { kind: "scale"; before: RunningState; after: RunningState }
  | { kind: "stop" | "start" | "delete" | "reapply"; before: RunningState }
  | { kind: "update-model"; strategy: UpdateStrategy; fromVersion: string; toVersion: string }
  | { kind: "rollback"; fromVersion: string; toVersion: string };

/** The risks a reviewer should weigh, in plain words. */
export function changeRisks(subject: ChangeSubject): ChangeRisk[] {
  switch (subject.kind) {
    case "create":
      return [{ kind: "new-capacity", detail: `new deployment: ${subject.after.replicas} instance(s) start` }];
    case "edit": {
      const risks: ChangeRisk[] = [];
      const restart = subject.changes.filter((change) => change.editability.kind === "restart");
      const rolling = subject.changes.filter((change) => change.editability.kind === "rolling");
      if (restart.length > 0) risks.push({ kind: "restart", detail: `every instance restarts (${restart.map((c) => c.label).join(", ")})` });
      else if (rolling.length > 0) risks.push({ kind: "restart", detail: `instances are replaced by a rolling update (${rolling.map((c) => c.label).join(", ")})` });
      const drop = capacityDrop(subject.before, subject.after);
      if (drop) risks.push(drop);
      return risks;
    }
    case "scale": {
      const drop = capacityDrop(subject.before, subject.after);
      if (subject.after.replicas === 0) return [{ kind: "endpoint-removed", detail: "no instance serves: the endpoint stops answering" }];
      return drop ? [drop] : [{ kind: "new-capacity", detail: `${subject.after.replicas - subject.before.replicas} more instance(s)` }];
    }
    case "stop":
      return [{ kind: "endpoint-removed", detail: `all ${subject.before.replicas} instance(s) shut down; the endpoint stops answering` }];
    case "delete":
      return [{ kind: "endpoint-removed", detail: "instances, endpoint and configuration are removed; this cannot be undone" }];
    case "start":
      return [{ kind: "new-capacity", detail: `${subject.before.replicas} instance(s) start with the previous configuration` }];
    case "reapply":
      return [{ kind: "restart", detail: "fields changed outside deploybot are set back; instances restart if their pod template changed" }];
    case "update-model":
      return subject.strategy === "rolling"
        ? [{ kind: "restart", detail: `pods are replaced with ${subject.toVersion} a few at a time` }]
        : [{ kind: "traffic-switch", detail: subject.strategy === "canary" ? `traffic moves to ${subject.toVersion} step by step` : `all traffic switches to ${subject.toVersion} at once` }];
    case "rollback":
      return [{ kind: "traffic-switch", detail: `all traffic switches back to ${subject.toVersion}` }];
  }
}

function capacityDrop(before: RunningState, after: RunningState): ChangeRisk | undefined {
  const lowBefore = before.spec.scaling.autoscalingEnabled ? before.spec.scaling.minReplicas : before.replicas;
  const lowAfter = after.spec.scaling.autoscalingEnabled ? after.spec.scaling.minReplicas : after.replicas;
  if (lowAfter >= lowBefore) return undefined;
  return { kind: "capacity-drop", detail: `capacity drops from ${lowBefore} to ${lowAfter} instance(s)` };
}
