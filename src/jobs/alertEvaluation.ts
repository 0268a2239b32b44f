import type { Redis } from "ioredis";
import type { Logger } from "pino";
import { describeBreach, INITIAL_ALERT_STATE, nextAlertState, type AlertRule, type AlertState } from "../domain/alertRules.js";
import { effectiveAlertRules, isWatchedForAlerts, ruleAlertKey } from "../domain/alerts.js";
import type { DeploymentRecord } from "../domain/deployment.js";
import { deploymentKey } from "../domain/deploymentRef.js";
import { readAlertSignals, type AlertSignal, type FleetWorkloads } from "../monitoring/alertSignals.js";
import type { DeploymentMetricsReader } from "../monitoring/deploymentMetrics.js";
import type { AlertNotifier } from "../operations/alertNotifications.js";
import { startPeriodicJob, type PeriodicJob } from "./periodicJob.js";
import type { AlertRepository } from "../store/alertRepository.js";
import type { DeploymentRepository } from "../store/deploymentRepository.js";

/**
 * The alert evaluation: one BullMQ job scheduler (a fixed id, so however many replicas start it,
 * the job is scheduled once) runs one evaluation for every deployment at a time: one signal read
 * for the whole fleet, the pure rules, the state in PostgreSQL, and a message per firing.
 */

export const ALERT_QUEUE = "alerts";
export const ALERT_SCHEDULER_ID = "alert-evaluation";
/**
 * Deployments evaluated at once. The signals are read once for the whole fleet (one query per
 * metric whatever the count); the stored state is read a page at a time: a query with the keys of
 * 10,000 deployments at once took the process from 125 to 300 MiB RSS, for good.
 */
const PAGE_SIZE = 200;

export interface EvaluationSummary {
  deployments: number;
  fired: number;
  resolved: number;
  problems: string[];
}

function sameState(a: AlertState, b: AlertState): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export class AlertEvaluator {
  constructor(
    private readonly deps: {
      deployments: DeploymentRepository;
      alerts: AlertRepository;
      notifier: AlertNotifier;
      metrics: DeploymentMetricsReader;
      workloads: FleetWorkloads;
      defaultRules: readonly AlertRule[];
      logger: Logger;
      now?: () => number;
      /** Deployments evaluated at once (default 200). */
      pageSize?: number;
    },
  ) {}

  async evaluate(): Promise<EvaluationSummary> {
    const reading = await readAlertSignals({ metrics: this.deps.metrics, workloads: this.deps.workloads }, await this.deps.deployments.refs());
    const summary: EvaluationSummary = { deployments: 0, fired: 0, resolved: 0, problems: reading.problems };
    const now = this.deps.now?.() ?? Date.now();
    for await (const page of this.deps.deployments.pages({ pageSize: this.deps.pageSize ?? PAGE_SIZE })) {
      await this.evaluatePage(page, reading.signals, now, summary);
    }
    if (summary.problems.length > 0) this.deps.logger.warn({ problems: summary.problems }, "alert evaluation had problems; affected signals count as no data");
    return summary;
  }

  /** One page: its rule overrides and stored states read at once, then each deployment's rules. */
  private async evaluatePage(deployments: readonly DeploymentRecord[], signalsByKey: ReadonlyMap<string, AlertSignal[]>, now: number, summary: EvaluationSummary): Promise<void> {
    summary.deployments += deployments.length;
    const overrides = await this.deps.alerts.ruleOverrides(deployments.map((d) => d.id));
    const keys = deployments.flatMap((d) => this.deps.defaultRules.map((rule) => ruleAlertKey(d.id, rule.kind)));
    const stored = await this.deps.alerts.byKeys(keys);
    for (const deployment of deployments) {
      const signals = signalsByKey.get(deploymentKey(deployment)) ?? [];
      for (const rule of effectiveAlertRules(this.deps.defaultRules, overrides.get(deployment.id) ?? [])) {
        if (!rule.enabled) continue;
        const key = ruleAlertKey(deployment.id, rule.kind);
        const previous = stored.get(key);
        const watched = isWatchedForAlerts(deployment.status);
        const value = watched ? (signals.find((s) => s.kind === rule.kind)?.value ?? null) : null;
        const step = nextAlertState(rule, previous?.state ?? INITIAL_ALERT_STATE, { value, standDown: !watched }, now);
        const identity = { key, deploymentId: deployment.id, source: "rule" as const, rule: rule.kind };
        try {
          let alert = previous;
          if (previous === undefined ? step.state.phase !== "ok" : !sameState(previous.state, step.state)) {
            const headline = value === null ? undefined : { summary: describeBreach(rule, value) };
            alert = await this.deps.alerts.saveState(identity, step.state, { value, ...(step.transition === "fired" ? headline : {}) });
          }
          if (step.transition === "resolved" && previous !== undefined) {
            await this.deps.notifier.announceResolved(previous, deployment, value);
            summary.resolved += 1;
          }
          // Posting is retried on every round until it succeeds (or a silence ends): the claim keeps it to one message.
          if (alert !== undefined && alert.state.phase === "firing" && alert.messageTs === null) {
            if (await this.deps.notifier.announceFiring(alert, deployment, rule)) summary.fired += 1;
          }
        } catch (error) {
          summary.problems.push(`${deployment.name}/${rule.kind}: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    }
  }
}

/** Schedules the evaluation every `intervalMs` (see periodicJob.ts). */
export function startAlertEvaluation(options: {
  connection: Redis;
  prefix: string;
  intervalMs: number;
  evaluator: AlertEvaluator;
  logger: Logger;
}): PeriodicJob {
  return startPeriodicJob({ ...options, queue: ALERT_QUEUE, schedulerId: ALERT_SCHEDULER_ID, label: "alert evaluation", run: () => options.evaluator.evaluate() });
}
