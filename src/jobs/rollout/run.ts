import { deploymentName } from "../../cluster/render/renderDeployment.js";
import { renderDeploymentObjects } from "../../cluster/render/renderDeploymentObjects.js";
import { usesWeightedRouting } from "../../cluster/render/trafficProvider.js";
import type { Slot } from "../../domain/slot.js";
import { describeStep, rollingParameters, type RolloutStep } from "../../domain/rolloutPlan.js";
import type { DeploymentRecord } from "../../domain/deployment.js";
import type { OperationControl } from "../../domain/operation.js";
import { fenceOf } from "../../domain/runFence.js";
import type { OperationRunContext } from "../runContext.js";
import { isRetryable } from "../operationFailure.js";
import type { RolloutProgress, SlotProgress } from "../../domain/progress.js";
import type { RolloutStrategy } from "../../domain/strategy.js";
import { applyDeploymentState } from "../runners/deploymentObjects.js";
import { DEFAULT_POLL_INTERVAL_MS, DEFAULT_THREAD_INTERVAL_MS, DEFAULT_WATCH_INTERVAL_MS, type ModelUpdateDependencies } from "./dependencies.js";
import { ParkRun } from "../parkRun.js";
import type { RolloutCheckpoint } from "../../domain/rolloutCheckpoint.js";
import { RolloutLog } from "./log.js";
import { slotReadiness, type SlotReadiness } from "../../cluster/slotReadiness.js";
import { rolloutRender } from "./renderState.js";

/** How long a rollout step keeps trying to read the cluster before the job is retried by the queue. */
const OBSERVE_TOLERANCE_MS = 30_000;

/**
 * One rollout in progress: its checkpoint, its plan, and the operations every step uses (save,
 * apply, observe, report, wait). Steps change `checkpoint` and then save and apply it, in that
 * order: a worker that dies in between re-applies the saved state, which is always safe.
 */
export class RolloutRun {
  readonly log: RolloutLog;
  readonly weighted: boolean;
  readonly pollIntervalMs: number;
  /**
   * Whether this run is a parked job that woke in the step it parked in: the step goes on
   * without announcing itself again (cleared when the rollout moves to another step).
   */
  woke = false;
  /** The deployment as last written by this rollout (the run context holds the one it started with). */
  deployment: DeploymentRecord;
  private lastReport = "";

  constructor(
    readonly context: OperationRunContext,
    readonly deps: ModelUpdateDependencies,
    public checkpoint: RolloutCheckpoint,
    readonly plan: readonly RolloutStep[],
    deployment: DeploymentRecord = context.deployment,
  ) {
    this.deployment = deployment;
    this.weighted = usesWeightedRouting(deployment.spec, context.renderContext);
    this.pollIntervalMs = deps.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    this.log = new RolloutLog(context, deps.publisher, deps.threadIntervalMs ?? DEFAULT_THREAD_INTERVAL_MS, context.logger);
  }

  get strategy(): RolloutStrategy {
    return this.checkpoint.choice.strategy;
  }

  get inPlace(): boolean {
    return this.checkpoint.fromSlot === this.checkpoint.toSlot;
  }

  get step(): RolloutStep | undefined {
    return this.plan[this.checkpoint.stepIndex];
  }

  now(): number {
    return Date.now();
  }

  /** Time spent in the current step, from its recorded start: a resumed step does not start over. */
  elapsedInStepMs(): number {
    return Math.max(0, this.now() - Date.parse(this.checkpoint.stepStartedAt));
  }

  async save(): Promise<void> {
    await this.deps.operations.saveCheckpoint(fenceOf(this.context.operation), this.checkpoint as unknown as Record<string, unknown>);
  }

  /** Makes the cluster match the checkpoint. */
  async apply(): Promise<void> {
    const { spec, state } = rolloutRender(this.checkpoint, {
      spec: this.deployment.spec,
      replicas: this.deployment.replicas,
      weightedRouting: this.weighted,
    });
    if (!this.inPlace) {
      await applyDeploymentState(this.context, spec, state);
      return;
    }
    // A rolling update keeps the objects the deployment has; only the serving Deployment's
    // template changes, with the surge bounds chosen for it.
    const choice = this.checkpoint.choice;
    const rolling = choice.strategy === "rolling" ? rollingParameters(choice.options, { gpus: spec.resources.gpuCount > 0 }) : undefined;
    const { objects } = renderDeploymentObjects(spec, { ...state, ...(rolling ? { rolling } : {}) }, this.context.renderContext);
    await this.context.cluster.apply(objects, { owner: this.context.owner });
  }

  /** Writes the deployment record (serving slot, version) to match what the cluster serves. */
  async recordServing(slot: Slot, modelVersion: string): Promise<void> {
    const { deployments } = this.context;
    const changes: Parameters<typeof deployments.update>[1] = {
      activeSlot: slot,
      spec: { ...this.deployment.spec, modelVersion },
    };
    const choice = this.checkpoint.choice;
    if (choice.strategy !== "rollback") changes.lastStrategy = choice.strategy;
    this.deployment = await deployments.update(this.deployment.id, changes, fenceOf(this.context.operation));
  }

  kubernetesName(slot: Slot): string {
    return deploymentName(this.deployment.name, slot);
  }

  /**
   * Reads a slot's readiness. A blip of the API server is waited out here for a while: a canary
   * that runs for an hour should not spend its job's retries on one failed GET.
   */
  async observe(slot: Slot, wasReady: boolean): Promise<SlotReadiness> {
    const name = this.kubernetesName(slot);
    const giveUpAt = this.now() + OBSERVE_TOLERANCE_MS;
    for (;;) {
      try {
        return slotReadiness(await this.context.cluster.readDeployment(this.deployment.namespace, name), { name, wasReady });
      } catch (error) {
        if (!isRetryable(error) || this.now() >= giveUpAt) throw error;
        this.context.logger.warn({ err: error, deployment: name }, "reading the rollout failed; trying again");
        await this.sleep(this.pollIntervalMs);
      }
    }
  }

  /**
   * Waits inside a step that lasts (`remainingMs` of it left) until its next look at the pods.
   * The last stretch is slept in the worker slot; before it, the job parks until the next look,
   * so that long pauses and holds do not take slots from other deployments' operations.
   */
  async waitInStep(remainingMs: number, detail: string): Promise<void> {
    const watchIntervalMs = this.deps.watchIntervalMs ?? DEFAULT_WATCH_INTERVAL_MS;
    if (remainingMs <= watchIntervalMs) return this.sleep(Math.min(this.pollIntervalMs, remainingMs));
    await this.park(this.now() + watchIntervalMs, detail);
  }

  /** Parks the job until `wakeAt` (a click wakes it sooner): the next start continues quietly. */
  async park(wakeAt: number, detail: string): Promise<never> {
    this.checkpoint.parked = true;
    await this.save();
    throw new ParkRun(wakeAt, detail);
  }

  /** Waits up to `ms`, in poll-sized slices so that shutdown is noticed quickly. */
  async sleep(ms: number): Promise<void> {
    const { signal } = this.context;
    if (signal.aborted) throw signal.reason ?? new Error("aborted");
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      }, Math.max(0, ms));
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal.reason ?? new Error("aborted"));
      };
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Takes the pending button clicks, if any: the winner (abort beats the rest), with who asked. */
  async takeControl(): Promise<{ control: OperationControl; requestedBy: string } | null> {
    const winner = await this.deps.operations.takeControl(fenceOf(this.context.operation), new Date(this.now()));
    if (!winner) return null;
    return { control: winner.control, requestedBy: `${winner.control} requested by <@${winner.requestedBy}>` };
  }

  // ------------------------------------------------------------------------------- reporting

  routing(): RolloutProgress["routing"] {
    if (this.inPlace) return "in-place";
    if (this.weighted) return "istio-weights";
    return this.strategy === "canary" ? "replica-ratio" : "service-selector";
  }

  controls(): OperationControl[] {
    const cp = this.checkpoint;
    const step = this.step;
    if (cp.rollback || step === undefined || step.type === "retire-old") return [];
    const controls: OperationControl[] = [];
    if (step.type === "await-approval") controls.push("advance");
    if (this.strategy === "canary" && !cp.switched) {
      controls.push("promote", cp.paused ? "resume" : "pause");
    }
    if (this.strategy === "blue-green" && step.type === "hold") controls.push("promote");
    controls.push("abort");
    return controls;
  }

  newTrafficPercent(): number {
    const cp = this.checkpoint;
    if (cp.rollback) return 0;
    if (cp.switched) return 100;
    if (this.inPlace) return cp.stepIndex >= this.plan.length ? 100 : 0;
    return cp.newReplicas === null ? 0 : cp.sharePercent;
  }

  progress(extra: Partial<RolloutProgress> = {}, slots: { newSlot?: SlotProgress; oldSlot?: SlotProgress } = {}): RolloutProgress {
    const cp = this.checkpoint;
    const index = Math.min(cp.stepIndex, this.plan.length - 1);
    const step = this.plan[index];
    return {
      strategy: this.strategy,
      fromVersion: cp.fromVersion,
      toVersion: cp.toVersion,
      stepNumber: Math.min(cp.stepIndex + 1, this.plan.length),
      stepCount: this.plan.length,
      stepLabel: cp.rollback ? "roll back" : step ? describeStep(step) : "done",
      newTrafficPercent: this.newTrafficPercent(),
      routing: this.routing(),
      ...(cp.lastHealth ? { health: cp.lastHealth } : {}),
      paused: cp.paused !== null,
      controls: this.controls(),
      ...slots,
      ...extra,
    };
  }

  /** Edits the progress message; identical consecutive reports are skipped. */
  async report(detail: string, options: { ready?: SlotReadiness; readySlot?: "new" | "old"; extra?: Partial<RolloutProgress> } = {}): Promise<void> {
    const cp = this.checkpoint;
    const slots: { newSlot?: SlotProgress; oldSlot?: SlotProgress } = {};
    if (options.ready) {
      const slot = { readyReplicas: options.ready.readyReplicas, desiredReplicas: options.ready.desiredReplicas };
      if (options.readySlot === "old") slots.oldSlot = { version: cp.fromVersion, ...slot };
      else slots.newSlot = { version: cp.toVersion, ...slot };
    }
    const rollout = this.progress(options.extra, slots);
    const key = JSON.stringify([detail, rollout]);
    if (key === this.lastReport) return;
    this.lastReport = key;
    await this.context.progress({
      phase: "rolling-out",
      detail,
      modelVersion: cp.toVersion,
      ...(options.ready ? { readyReplicas: options.ready.readyReplicas, desiredReplicas: options.ready.desiredReplicas } : {}),
      rollout,
    });
  }
}

/** What a step tells the executor: go on, jump to the promotion, or roll back (and why). */
export type StepOutcome =
  | { kind: "next" }
  | { kind: "promote"; by: string }
  | { kind: "rollback"; reason: string; metrics?: { errorRatePercent: number | null; p99LatencyMs: number | null } };

export type StepRunner = (run: RolloutRun, step: RolloutStep) => Promise<StepOutcome>;
