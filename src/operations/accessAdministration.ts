import type { AccessCommand } from "../domain/accessCommand.js";
import { ENVIRONMENTS } from "../domain/deploymentSpec.js";
import type { Requester } from "../domain/operation.js";
import type { AccessRepository, StoredEnvironmentRules } from "../store/accessRepository.js";
import type { AccessControl } from "./accessControl.js";
import type { OperationRequests } from "./operationRequests.js";

function subjectText(subject: { type: "user" | "usergroup"; id: string }): string {
  return subject.type === "user" ? `<@${subject.id}>` : `<!subteam^${subject.id}>`;
}

/** `/deploy access …`: anyone may read the policy; only admins change it, and every change is audited. */
export class AccessAdministration {
  constructor(private readonly deps: { access: AccessRepository; control: AccessControl; requests: OperationRequests }) {}

  async run(command: AccessCommand, requester: Requester): Promise<{ ok: boolean; message: string }> {
    if (command.action === "show") return { ok: true, message: await this.describe() };
    const admin = await this.deps.control.check(requester, "administer", null);
    if (!admin.ok) return admin;
    const before = await this.snapshot();
    const message = await this.apply(command, requester.userId);
    await this.deps.requests.audit({ actorId: requester.userId, channelId: requester.channelId, action: "access-changed", decision: command.action, before, after: await this.snapshot(), data: { command } });
    return { ok: true, message };
  }

  private async apply(command: Exclude<AccessCommand, { action: "show" }>, userId: string): Promise<string> {
    const { access } = this.deps;
    const setRules = (environment: (typeof ENVIRONMENTS)[number], changes: StoredEnvironmentRules) => access.setEnvironmentRules(environment, changes, userId);
    switch (command.action) {
      case "grant": {
        const added = await access.grant({ subjectType: command.subject.type, subjectId: command.subject.id, role: command.role, environment: command.scope }, userId);
        const where = command.scope === "*" ? "every environment" : command.scope;
        return added ? `${subjectText(command.subject)} is now ${command.role} in ${where}.` : `${subjectText(command.subject)} already was ${command.role} in ${where}.`;
      }
      case "revoke": {
        const removed = await access.revoke({ subjectType: command.subject.type, subjectId: command.subject.id, role: command.role, environment: command.scope });
        return removed ? `${subjectText(command.subject)} is no longer ${command.role} there.` : `${subjectText(command.subject)} had no such grant.`;
      }
      case "bind":
        await access.bind(command.channelId, command.environments, userId);
        return `Changes from <#${command.channelId}> now touch only ${command.environments.join(", ")} deployments.`;
      case "unbind":
        return (await access.unbind(command.channelId)) ? `<#${command.channelId}> is no longer bound.` : `<#${command.channelId}> was not bound.`;
      case "approvals":
        await setRules(command.environment, { requiredApprovals: command.count });
        return command.count === 0 ? `Changes to ${command.environment} no longer need approvals.` : `Changes to ${command.environment} now need ${command.count} approval(s).`;
      case "approvers-channel":
        await setRules(command.environment, { approversChannelId: command.channelId });
        return command.channelId ? `Change requests for ${command.environment} are also posted in <#${command.channelId}>.` : `Change requests for ${command.environment} stay in their own channel.`;
      case "quota":
        await setRules(command.environment, command.quota === "max-replicas" ? { maxReplicas: command.limit } : { maxGpusPerDeployment: command.limit });
        return `${command.environment}: ${command.quota} is now ${command.limit ?? "unlimited"}.`;
      case "canary-approval":
        await setRules(command.environment, { canaryStepApproval: command.enabled });
        return `${command.environment}: canaries ${command.enabled ? "wait for an approver at each step" : "advance on their own health checks"}.`;
      case "expiry":
        await setRules(command.environment, { approvalTtlMinutes: command.hours * 60 });
        return `${command.environment}: change requests stay open ${command.hours} h.`;
    }
  }

  private async snapshot() {
    const { access, control } = this.deps;
    return {
      grants: await access.grants(),
      bindings: await access.bindings(),
      rules: Object.fromEntries(await Promise.all(ENVIRONMENTS.map(async (environment) => [environment, await control.rules(environment)] as const))),
    };
  }

  /** The whole policy in a few lines, with what applies by default. */
  async describe(): Promise<string> {
    const { grants, bindings, rules } = await this.snapshot();
    const lines: string[] = ["*Who may do what*"];
    if (grants.length === 0) lines.push("No roles granted: every member may view and request changes; guests and other organizations may only view.");
    for (const grant of grants) {
      lines.push(`• ${grant.subjectType === "user" ? `<@${grant.subjectId}>` : `<!subteam^${grant.subjectId}>`}: ${grant.role} in ${grant.environment === "*" ? "all environments" : grant.environment}`);
    }
    lines.push("", "*Environments*");
    for (const environment of ENVIRONMENTS) {
      const r = rules[environment];
      if (!r) continue;
      const parts = [
        r.requiredApprovals > 0 ? `${r.requiredApprovals} approval(s), open ${Math.round(r.approvalTtlMinutes / 60)} h` : "no approvals",
        r.approversChannelId ? `requests also in <#${r.approversChannelId}>` : null,
        r.maxReplicas !== null ? `max ${r.maxReplicas} replicas` : null,
        r.maxGpusPerDeployment !== null ? `max ${r.maxGpusPerDeployment} GPUs per instance` : null,
        r.canaryStepApproval ? "canary steps wait for an approver" : null,
      ].filter((part): part is string => part !== null);
      lines.push(`• ${environment}: ${parts.join(", ")}`);
    }
    if (bindings.length > 0) {
      lines.push("", "*Bound channels*");
      for (const binding of bindings) lines.push(`• <#${binding.channelId}>: ${binding.environments.join(", ")}`);
    }
    return lines.join("\n");
  }
}
