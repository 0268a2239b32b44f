import { auditCsv, auditJson, type AuditRecord } from "../domain/audit.js";
import type { Requester } from "../domain/operation.js";
import type { AuditRepository } from "../store/auditRepository.js";
import type { DeploymentRepository } from "../store/deploymentRepository.js";
import type { AccessControl } from "./accessControl.js";

export const HISTORY_PAGE_SIZE = 10;
/** An export is one uploaded file: bounded so it stays a file a person can open. */
const EXPORT_LIMIT = 50_000;

/** Reading the audit trail: one deployment's story (`/deploy history`), or a file of everything since a time. */
export class AuditQueries {
  constructor(private readonly deps: { audit: AuditRepository; deployments: DeploymentRepository; access: AccessControl; now?: () => Date }) {}

  /**
   * A deployment's trail, newest first. A deleted deployment's trail stays readable (the name is
   * what the events carry), so viewing it asks only the view role.
   */
  async history(name: string, page: number, requester: Requester): Promise<{ ok: true; records: AuditRecord[]; page: number; pages: number; total: number } | { ok: false; message: string }> {
    const deployment = await this.deps.deployments.findByName(name);
    const access = await this.deps.access.check(requester, "view", deployment?.environment ?? null);
    if (!access.ok) return access;
    const { records, total } = await this.deps.audit.forDeployment(name, page, HISTORY_PAGE_SIZE);
    if (total === 0) return { ok: false, message: `Nothing is recorded about *${name}*.` };
    const pages = Math.max(1, Math.ceil(total / HISTORY_PAGE_SIZE));
    if (page > pages) return { ok: false, message: `*${name}* has ${pages} page(s) of history.` };
    return { ok: true, records, page, pages, total };
  }

  /** Everything since `sinceMs` ago as CSV or JSON, for admins (it spans every environment). */
  async export(sinceMs: number, format: "csv" | "json", requester: Requester): Promise<{ ok: true; fileName: string; content: string; count: number } | { ok: false; message: string }> {
    const access = await this.deps.access.check(requester, "administer", null);
    if (!access.ok) return { ok: false, message: "Only admins export the audit trail." };
    const now = this.deps.now?.() ?? new Date();
    const from = new Date(now.getTime() - sinceMs);
    const records = await this.deps.audit.since(from, EXPORT_LIMIT);
    const stamp = now.toISOString().slice(0, 10);
    return {
      ok: true,
      fileName: `deploybot-audit-${stamp}.${format}`,
      content: format === "csv" ? auditCsv(records) : auditJson(records),
      count: records.length,
    };
  }
}
