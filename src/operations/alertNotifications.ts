import type { Logger } from "pino";
import type { AlertRule } from "../domain/alertRules.js";
import { isAlertRuleKind, type AlertPublisher, type AlertRecord, type AlertView, type ChartImage } from "../domain/alerts.js";
import type { DeploymentRecord } from "../domain/deployment.js";
import type { Environment } from "../domain/deploymentSpec.js";
import type { DeploymentPods } from "../cluster/deploymentPods.js";
import { diagnoseDeployment } from "../cluster/deploymentDiagnosis.js";
import { alertMetricHistory } from "../monitoring/alertSignals.js";
import { alertChart } from "../monitoring/charts.js";
import type { ChartRenderer } from "../monitoring/chartRenderer.js";
import type { DeploymentMetricsReader } from "../monitoring/deploymentMetrics.js";
import type { AlertRepository } from "../store/alertRepository.js";

/** Where a deployment's alerts go, most specific first. */
export function deploymentRouteScope(deploymentId: string): string {
  return `deployment:${deploymentId}`;
}

export function environmentRouteScope(environment: string): string {
  return `environment:${environment}`;
}

/**
 * Posts an alert's message once per firing and edits that same message afterwards. Shared by the
 * evaluation job (deploybot's own rules) and the Alertmanager receiver, so both kinds of alert
 * look and behave the same: value and threshold, the pod-level cause, the last hour's chart,
 * the on-call mention and the action buttons.
 */
export class AlertNotifier {
  constructor(
    private readonly deps: {
      alerts: AlertRepository;
      publisher: AlertPublisher;
      metrics: DeploymentMetricsReader;
      charts: ChartRenderer;
      /** The pods of the environment's cluster: an alert's cause is read where the deployment runs. */
      podsFor(environment: Environment): DeploymentPods;
      oncallGroupId: string | undefined;
      logger: Logger;
      now?: () => number;
    },
  ) {}

  async channelFor(deployment: Pick<DeploymentRecord, "id" | "environment" | "channelId">): Promise<string> {
    const deploymentScope = deploymentRouteScope(deployment.id);
    const environmentScope = environmentRouteScope(deployment.environment);
    const routes = await this.deps.alerts.routes([deploymentScope, environmentScope]);
    return routes.get(deploymentScope) ?? routes.get(environmentScope) ?? deployment.channelId;
  }

  /**
   * Posts the firing alert unless its message exists already or a silence holds it back. The
   * claim makes this safe to call from every evaluation and every re-sent webhook.
   */
  async announceFiring(alert: AlertRecord, deployment: DeploymentRecord, rule?: AlertRule): Promise<boolean> {
    const now = this.deps.now?.() ?? Date.now();
    if (alert.messageTs !== null || (alert.silencedUntil !== null && alert.silencedUntil.getTime() > now)) return false;
    const channelId = await this.channelFor(deployment);
    if (!(await this.deps.alerts.claimMessage(alert.id, channelId))) return false;
    try {
      const [cause, chart] = await Promise.all([this.cause(deployment), rule === undefined ? undefined : this.chart(deployment, rule, now)]);
      const view = this.viewOf(alert, deployment, { ...(cause ? { cause } : {}), ...(chart ? { chart } : {}) });
      const posted = await this.deps.publisher.postFiring(channelId, { ...view, ...(this.deps.oncallGroupId ? { oncallGroupId: this.deps.oncallGroupId } : {}) });
      await this.deps.alerts.recordMessage(alert.id, posted.channelId, posted.ts);
      return true;
    } catch (error) {
      this.deps.logger.warn({ err: error, alertId: alert.id }, "could not post an alert; the next evaluation tries again");
      await this.deps.alerts.releaseClaim(alert.id);
      return false;
    }
  }

  /** Edits the firing message in place to say it resolved and how long it lasted. */
  async announceResolved(previous: AlertRecord, deployment: DeploymentRecord, value: number | null): Promise<void> {
    if (previous.messageTs === null || previous.state.phase !== "firing") return;
    const lasted = (this.deps.now?.() ?? Date.now()) - previous.state.since;
    await this.update(this.viewOf({ ...previous, value: value ?? previous.value }, deployment, { resolvedAfterMs: lasted }));
  }

  async update(view: AlertView): Promise<void> {
    try {
      await this.deps.publisher.update(view);
    } catch (error) {
      this.deps.logger.warn({ err: error, alertId: view.alert.id }, "could not edit an alert message");
    }
  }

  viewOf(alert: AlertRecord, deployment: Pick<DeploymentRecord, "name" | "namespace" | "environment">, extras: Partial<Pick<AlertView, "cause" | "chart" | "resolvedAfterMs">> = {}): AlertView {
    return {
      alert,
      deployment: { name: deployment.name, namespace: deployment.namespace, environment: deployment.environment },
      headline: alert.summary ?? alert.rule,
      ...extras,
    };
  }

  private async cause(deployment: DeploymentRecord): Promise<AlertView["cause"]> {
    try {
      const diagnosis = await diagnoseDeployment(this.deps.podsFor(deployment.environment), deployment);
      return diagnosis ? { summary: diagnosis.summary, nextStep: diagnosis.nextStep } : undefined;
    } catch (error) {
      this.deps.logger.debug({ err: error, deployment: deployment.name }, "no pod diagnosis for an alert");
      return undefined;
    }
  }

  private async chart(deployment: DeploymentRecord, rule: AlertRule, now: number): Promise<ChartImage | undefined> {
    if (!isAlertRuleKind(rule.kind)) return undefined;
    const history = await alertMetricHistory(this.deps.metrics, { namespace: deployment.namespace, name: deployment.name }, rule.kind, now / 1000);
    if (history === undefined || history.kind !== "measured") return undefined;
    return this.deps.charts.render(alertChart({ deployment: deployment.name, rule, points: history.points }), `${deployment.name}-${rule.kind}-1h`);
  }
}
