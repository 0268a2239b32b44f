import type { AlertRule } from "../domain/alertRules.js";
import type { AlertChange } from "../domain/monitoringCommand.js";
import { alertmanagerAlertKey, effectiveAlertRules, type AlertRecord, type EffectiveAlertRule } from "../domain/alerts.js";
import type { ExternalAlert } from "../domain/alertmanagerWebhook.js";
import type { DeploymentRecord } from "../domain/deployment.js";
import type { Environment } from "../domain/deploymentSpec.js";
import type { Requester } from "../domain/operation.js";
import type { AlertRepository } from "../store/alertRepository.js";
import type { DeploymentRepository } from "../store/deploymentRepository.js";
import type { AccessControl } from "./accessControl.js";
import { deploymentRouteScope, environmentRouteScope, type AlertNotifier } from "./alertNotifications.js";

/**
 * What people (and Alertmanager) do with alerts: acknowledge, silence, read and change a
 * deployment's rules and where its alerts go, and Alertmanager's webhook. Acknowledging and
 * silencing need the view role on the environment (on-call may only watch); changing rules or
 * channels needs the request role, as any change does.
 */

export type AlertAnswer = { ok: true; message: string } | { ok: false; message: string };

export interface AlertRulesReport {
  deployment: Pick<DeploymentRecord, "name" | "environment">;
  rules: EffectiveAlertRule[];
  channelId: string;
  firing: AlertRecord[];
}

export interface AlertmanagerReceipt {
  posted: number;
  duplicates: number;
  resolved: number;
  /** Alerts whose labels name no deploybot deployment. */
  unmatched: number;
}

export const SILENCE_MS = 3_600_000;

export class AlertRequests {
  constructor(
    private readonly deps: {
      alerts: AlertRepository;
      deployments: DeploymentRepository;
      access: AccessControl;
      notifier: AlertNotifier;
      defaultRules: readonly AlertRule[];
      now?: () => number;
    },
  ) {}

  async acknowledge(alertId: string, requester: Requester): Promise<AlertAnswer> {
    const found = await this.alertFor(alertId, requester);
    if (!found.ok) return found;
    const acked = await this.deps.alerts.acknowledge(alertId, requester.userId, new Date(this.now()));
    if (!acked) return { ok: false, message: found.alert.ackedBy ? `Already acknowledged by <@${found.alert.ackedBy}>.` : "This alert is no longer firing." };
    await this.deps.notifier.update(this.deps.notifier.viewOf(acked, found.deployment));
    return { ok: true, message: `Acknowledged: <@${requester.userId}> is looking at it.` };
  }

  async silence(alertId: string, requester: Requester, forMs = SILENCE_MS): Promise<AlertAnswer> {
    const found = await this.alertFor(alertId, requester);
    if (!found.ok) return found;
    const until = new Date(this.now() + forMs);
    const silenced = await this.deps.alerts.silence(alertId, requester.userId, until);
    if (!silenced) return { ok: false, message: "This alert no longer exists." };
    await this.deps.notifier.update(this.deps.notifier.viewOf(silenced, found.deployment));
    return { ok: true, message: `Silenced until ${until.toISOString().slice(11, 16)} UTC: a new firing of this rule is not posted before then.` };
  }

  /** The deployment an alert is about, for the buttons that act on it (scale, roll back, logs). */
  async deploymentOf(alertId: string, requester: Requester): Promise<{ ok: true; deployment: DeploymentRecord } | { ok: false; message: string }> {
    const found = await this.alertFor(alertId, requester);
    return found.ok ? { ok: true, deployment: found.deployment } : found;
  }

  async rules(name: string, requester: Requester): Promise<({ ok: true } & AlertRulesReport) | { ok: false; message: string }> {
    const found = await this.deployment(name, requester, "view");
    if (!found.ok) return found;
    const { deployment } = found;
    const [overrides, channelId, firing] = await Promise.all([
      this.deps.alerts.ruleOverrides([deployment.id]),
      this.deps.notifier.channelFor(deployment),
      this.deps.alerts.firingOf(deployment.id),
    ]);
    return { ok: true, deployment, rules: effectiveAlertRules(this.deps.defaultRules, overrides.get(deployment.id) ?? []), channelId, firing };
  }

  async change(name: string, change: AlertChange, requester: Requester): Promise<AlertAnswer> {
    const found = await this.deployment(name, requester, "request");
    if (!found.ok) return found;
    const { deployment } = found;
    const by = requester.userId;
    switch (change.kind) {
      case "threshold":
        await this.deps.alerts.setRuleOverride(deployment.id, change.rule, { fireAt: change.fireAt }, by);
        return { ok: true, message: `*${deployment.name}*: ${change.rule} now fires at ${change.fireAt}.` };
      case "for":
        await this.deps.alerts.setRuleOverride(deployment.id, change.rule, { forSeconds: change.forSeconds }, by);
        return { ok: true, message: `*${deployment.name}*: ${change.rule} now fires after ${change.forSeconds} s.` };
      case "enable":
      case "disable":
        await this.deps.alerts.setRuleOverride(deployment.id, change.rule, { disabled: change.kind === "disable" }, by);
        return { ok: true, message: `*${deployment.name}*: ${change.rule} is ${change.kind}d.` };
      case "channel": {
        const scope = change.scope === "deployment" ? deploymentRouteScope(deployment.id) : environmentRouteScope(deployment.environment);
        await this.deps.alerts.setRoute(scope, change.channelId, by);
        const whose = change.scope === "deployment" ? `*${deployment.name}*'s` : `every ${deployment.environment} deployment's`;
        return { ok: true, message: `${whose} alerts now go to <#${change.channelId}>.` };
      }
    }
  }

  /**
   * Alertmanager's alerts, deduplicated on fingerprint: a re-sent firing alert whose message
   * exists is skipped; a resolved one edits that message in place.
   */
  async receiveAlertmanager(alerts: readonly ExternalAlert[]): Promise<AlertmanagerReceipt> {
    const receipt: AlertmanagerReceipt = { posted: 0, duplicates: 0, resolved: 0, unmatched: 0 };
    const existing = await this.deps.alerts.byKeys(alerts.map((a) => alertmanagerAlertKey(a.fingerprint)));
    for (const external of alerts) {
      const deployment = external.deployment === undefined ? null : await this.deps.deployments.findByName(external.deployment.name);
      if (deployment === null || deployment.namespace !== external.deployment?.namespace) {
        receipt.unmatched += 1;
        continue;
      }
      const key = alertmanagerAlertKey(external.fingerprint);
      const previous = existing.get(key);
      const identity = { key, deploymentId: deployment.id, source: "alertmanager" as const, rule: external.name };
      if (external.status === "resolved") {
        if (previous?.state.phase !== "firing") continue;
        await this.deps.alerts.saveState(identity, { phase: "ok" }, { value: previous.value });
        await this.deps.notifier.announceResolved(previous, deployment, null);
        receipt.resolved += 1;
        continue;
      }
      if (previous?.state.phase === "firing" && previous.messageTs !== null) {
        receipt.duplicates += 1;
        continue;
      }
      const since = Date.parse(external.startsAt);
      const alert =
        previous?.state.phase === "firing"
          ? previous
          : await this.deps.alerts.saveState(identity, { phase: "firing", since, firedAt: this.now() }, { value: null, summary: `${external.name}: ${external.summary}` });
      if (await this.deps.notifier.announceFiring(alert, deployment)) receipt.posted += 1;
      else receipt.duplicates += 1;
    }
    return receipt;
  }

  private async alertFor(alertId: string, requester: Requester): Promise<{ ok: true; alert: AlertRecord; deployment: DeploymentRecord } | { ok: false; message: string }> {
    const alert = await this.deps.alerts.get(alertId);
    const deployment = alert ? await this.deps.deployments.get(alert.deploymentId) : null;
    if (!alert || !deployment) return { ok: false, message: "This alert's deployment no longer exists." };
    const check = await this.deps.access.check(requester, "view", deployment.environment);
    return check.ok ? { ok: true, alert, deployment } : check;
  }

  private async deployment(name: string, requester: Requester, action: "view" | "request"): Promise<{ ok: true; deployment: DeploymentRecord } | { ok: false; message: string }> {
    const deployment = await this.deps.deployments.findByName(name);
    if (!deployment) return { ok: false, message: `There is no deployment named *${name}*. See \`/deploy list\`.` };
    const check = await this.deps.access.check(requester, action, deployment.environment as Environment);
    return check.ok ? { ok: true, deployment } : check;
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}
