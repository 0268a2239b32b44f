import type { Alert as AlertRow } from "../generated/prisma/client.js";
import type { AlertState } from "../domain/alertRules.js";
import { isAlertRuleKind, type AlertRecord, type AlertRuleOverride, type AlertSource } from "../domain/alerts.js";
import type { AlertRuleKind } from "../domain/alertRules.js";
import type { Database } from "./database.js";

/**
 * Alert state, rule overrides and alert routes in PostgreSQL: what lets a restarted bot know an
 * alert already fired (and which message shows it) instead of posting it again.
 */

function stateOf(row: AlertRow): AlertState {
  if (row.phase === "firing" && row.since && row.firedAt) return { phase: "firing", since: row.since.getTime(), firedAt: row.firedAt.getTime() };
  if (row.phase === "pending" && row.since) return { phase: "pending", since: row.since.getTime() };
  return { phase: "ok" };
}

export function toAlertRecord(row: AlertRow): AlertRecord {
  return {
    id: row.id,
    key: row.key,
    deploymentId: row.deploymentId,
    source: row.source === "alertmanager" ? "alertmanager" : "rule",
    rule: row.rule,
    state: stateOf(row),
    value: row.value,
    summary: row.summary,
    channelId: row.channelId,
    messageTs: row.messageTs,
    silencedUntil: row.silencedUntil,
    silencedBy: row.silencedBy,
    ackedBy: row.ackedBy,
    ackedAt: row.ackedAt,
  };
}

function stateColumns(state: AlertState) {
  return {
    phase: state.phase,
    since: state.phase === "ok" ? null : new Date(state.since),
    firedAt: state.phase === "firing" ? new Date(state.firedAt) : null,
  };
}

export interface AlertIdentity {
  key: string;
  deploymentId: string;
  source: AlertSource;
  rule: string;
}

export class AlertRepository {
  constructor(private readonly db: Database) {}

  async byKeys(keys: readonly string[]): Promise<Map<string, AlertRecord>> {
    if (keys.length === 0) return new Map();
    const rows = await this.db.alert.findMany({ where: { key: { in: [...keys] } } });
    return new Map(rows.map((row) => [row.key, toAlertRecord(row)]));
  }

  async get(id: string): Promise<AlertRecord | null> {
    const row = await this.db.alert.findUnique({ where: { id } });
    return row ? toAlertRecord(row) : null;
  }

  async firingOf(deploymentId: string): Promise<AlertRecord[]> {
    const rows = await this.db.alert.findMany({ where: { deploymentId, phase: "firing" }, orderBy: { firedAt: "asc" } });
    return rows.map(toAlertRecord);
  }

  /**
   * Records a new state. A resolved alert forgets its message and acknowledgement (the next
   * firing is a new message) but keeps its silence, which is about the rule, not one firing.
   */
  async saveState(identity: AlertIdentity, state: AlertState, details: { value: number | null; summary?: string | null }): Promise<AlertRecord> {
    const columns = {
      ...stateColumns(state),
      value: details.value,
      ...(details.summary === undefined ? {} : { summary: details.summary }),
      ...(state.phase === "ok" ? { messageTs: null, channelId: null, ackedBy: null, ackedAt: null } : {}),
    };
    const row = await this.db.alert.upsert({
      where: { key: identity.key },
      create: { ...identity, ...columns },
      update: columns,
    });
    return toAlertRecord(row);
  }

  /**
   * Claims the right to post a firing alert's message: only one caller (evaluation job, a
   * re-sent Alertmanager group, a second replica) wins while no message is recorded.
   */
  async claimMessage(id: string, channelId: string): Promise<boolean> {
    const claimed = await this.db.alert.updateMany({ where: { id, phase: "firing", messageTs: null, channelId: null }, data: { channelId } });
    return claimed.count === 1;
  }

  async recordMessage(id: string, channelId: string, ts: string): Promise<void> {
    await this.db.alert.update({ where: { id }, data: { channelId, messageTs: ts } });
  }

  /** Gives a claim back when the post failed, so the next evaluation tries again. */
  async releaseClaim(id: string): Promise<void> {
    await this.db.alert.updateMany({ where: { id, messageTs: null }, data: { channelId: null } });
  }

  async acknowledge(id: string, userId: string, at: Date): Promise<AlertRecord | null> {
    const updated = await this.db.alert.updateMany({ where: { id, phase: "firing", ackedBy: null }, data: { ackedBy: userId, ackedAt: at } });
    return updated.count === 1 ? this.get(id) : null;
  }

  async silence(id: string, userId: string, until: Date): Promise<AlertRecord | null> {
    const updated = await this.db.alert.updateMany({ where: { id }, data: { silencedBy: userId, silencedUntil: until } });
    return updated.count === 1 ? this.get(id) : null;
  }

  async ruleOverrides(deploymentIds: readonly string[]): Promise<Map<string, AlertRuleOverride[]>> {
    const rows = deploymentIds.length === 0 ? [] : await this.db.alertRuleOverride.findMany({ where: { deploymentId: { in: [...deploymentIds] } } });
    const byDeployment = new Map<string, AlertRuleOverride[]>();
    for (const row of rows) {
      if (!isAlertRuleKind(row.kind)) continue;
      const list = byDeployment.get(row.deploymentId) ?? [];
      list.push({ kind: row.kind, fireAt: row.fireAt, forSeconds: row.forSeconds, disabled: row.disabled });
      byDeployment.set(row.deploymentId, list);
    }
    return byDeployment;
  }

  async setRuleOverride(deploymentId: string, kind: AlertRuleKind, change: Partial<Omit<AlertRuleOverride, "kind">>, updatedBy: string): Promise<void> {
    await this.db.alertRuleOverride.upsert({
      where: { deploymentId_kind: { deploymentId, kind } },
      create: { deploymentId, kind, fireAt: change.fireAt ?? null, forSeconds: change.forSeconds ?? null, disabled: change.disabled ?? false, updatedBy },
      update: { ...change, updatedBy },
    });
  }

  /** The channel of a scope (`deployment:<id>`, `environment:<name>`), or null. */
  async routes(scopes: readonly string[]): Promise<Map<string, string>> {
    const rows = await this.db.alertRoute.findMany({ where: { scope: { in: [...scopes] } } });
    return new Map(rows.map((row) => [row.scope, row.channelId]));
  }

  async setRoute(scope: string, channelId: string, updatedBy: string): Promise<void> {
    await this.db.alertRoute.upsert({ where: { scope }, create: { scope, channelId, updatedBy }, update: { channelId, updatedBy } });
  }
}
