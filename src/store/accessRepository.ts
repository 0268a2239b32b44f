import { isGrantScope, isRole, type AccessGrant } from "../domain/access.js";
import { ENVIRONMENTS, type Environment } from "../domain/deploymentSpec.js";
import type { EnvironmentRules } from "../domain/environmentRules.js";
import type { Database } from "./database.js";

export type StoredEnvironmentRules = { [K in keyof EnvironmentRules]?: EnvironmentRules[K] | null };

function isEnvironment(value: string): value is Environment {
  return (ENVIRONMENTS as readonly string[]).includes(value);
}

/** The access policy: role grants, per-environment rules, and channels bound to environments. */
export class AccessRepository {
  constructor(private readonly db: Database) {}

  async grants(): Promise<AccessGrant[]> {
    const rows = await this.db.accessGrant.findMany({ orderBy: [{ environment: "asc" }, { role: "asc" }, { subjectId: "asc" }] });
    return rows.flatMap((row) =>
      isRole(row.role) && isGrantScope(row.environment) && (row.subjectType === "user" || row.subjectType === "usergroup")
        ? [{ subjectType: row.subjectType, subjectId: row.subjectId, role: row.role, environment: row.environment }]
        : [],
    );
  }

  /** True when the grant is new. */
  async grant(grant: AccessGrant, grantedBy: string): Promise<boolean> {
    const existing = await this.db.accessGrant.findUnique({ where: { subjectType_subjectId_role_environment: { ...grant } } });
    if (existing) return false;
    await this.db.accessGrant.create({ data: { ...grant, grantedBy } });
    return true;
  }

  /** True when there was such a grant. */
  async revoke(grant: AccessGrant): Promise<boolean> {
    const { count } = await this.db.accessGrant.deleteMany({ where: { ...grant } });
    return count > 0;
  }

  async environmentRules(environment: Environment): Promise<StoredEnvironmentRules | null> {
    const row = await this.db.environmentPolicy.findUnique({ where: { environment } });
    if (!row) return null;
    return {
      requiredApprovals: row.requiredApprovals,
      approvalTtlMinutes: row.approvalTtlMinutes,
      approversChannelId: row.approversChannelId,
      maxReplicas: row.maxReplicas,
      maxGpusPerDeployment: row.maxGpusPerDeployment,
      canaryStepApproval: row.canaryStepApproval,
    };
  }

  async setEnvironmentRules(environment: Environment, changes: StoredEnvironmentRules, updatedBy: string): Promise<void> {
    await this.db.environmentPolicy.upsert({
      where: { environment },
      create: { environment, ...changes, updatedBy },
      update: { ...changes, updatedBy },
    });
  }

  async channelBinding(channelId: string): Promise<Environment[] | null> {
    const row = await this.db.channelBinding.findUnique({ where: { channelId } });
    return row ? row.environments.filter(isEnvironment) : null;
  }

  async bindings(): Promise<{ channelId: string; environments: Environment[] }[]> {
    const rows = await this.db.channelBinding.findMany({ orderBy: { channelId: "asc" } });
    return rows.map((row) => ({ channelId: row.channelId, environments: row.environments.filter(isEnvironment) }));
  }

  async bind(channelId: string, environments: readonly Environment[], boundBy: string): Promise<void> {
    await this.db.channelBinding.upsert({
      where: { channelId },
      create: { channelId, environments: [...environments], boundBy },
      update: { environments: [...environments], boundBy },
    });
  }

  async unbind(channelId: string): Promise<boolean> {
    const { count } = await this.db.channelBinding.deleteMany({ where: { channelId } });
    return count > 0;
  }
}
