import {
  allowedActions,
  authorize,
  channelRefusal,
  directMessageRefusal,
  freezeRefusal,
  type AccessAction,
  type AccessPolicy,
  type Actor,
  type UserDirectory,
} from "../domain/access.js";
import type { DeploymentRecord } from "../domain/deployment.js";
import type { Environment } from "../domain/deploymentSpec.js";
import { effectiveRules, type EnvironmentRules } from "../domain/environmentRules.js";
import type { Requester } from "../domain/operation.js";
import type { AccessRepository } from "../store/accessRepository.js";

export type AccessCheck = { ok: true; actor: Actor; actions: ReadonlySet<AccessAction> } | { ok: false; message: string };

/** An allowed change request comes with the rules of its environment (approvals, quotas). */
export type RequestCheck = { ok: true; actor: Actor; actions: ReadonlySet<AccessAction>; rules: EnvironmentRules } | { ok: false; message: string };

/** The role's decision, and when allowed everything else the actor may do there (which buttons to show). */
function decide(actor: Actor, policy: AccessPolicy, action: AccessAction, environment: Environment | null): AccessCheck {
  const decision = authorize(actor, policy, action, environment);
  return decision.allowed ? { ok: true, actor, actions: allowedActions(actor, policy, environment) } : { ok: false, message: decision.reason };
}

/**
 * Answers "may this person do this, here, now?" for every command, button and form submission,
 * when it runs: the person as Slack's directory describes them (never as a payload claims), the
 * policy as stored now (a role removed a second ago no longer counts).
 */
export class AccessControl {
  constructor(
    private readonly deps: {
      access: AccessRepository;
      directory: UserDirectory;
      /** The workspace the bot is installed in; people from any other are external. */
      homeTeamId: () => string | null;
      configuredAdmins: readonly string[];
    },
  ) {}

  async actorOf(requester: Pick<Requester, "userId" | "teamId">): Promise<Actor> {
    const [profile, groupIds] = await Promise.all([this.deps.directory.describe(requester.userId), this.deps.directory.groupsOf(requester.userId)]);
    const home = this.deps.homeTeamId() ?? requester.teamId;
    const membership: Actor["membership"] = !profile
      ? "external"
      : profile.guest
        ? "guest"
        : home !== null && profile.teamId !== null && profile.teamId !== home
          ? "external"
          : "member";
    return { userId: requester.userId, membership, groupIds };
  }

  async policy(): Promise<AccessPolicy> {
    return { grants: await this.deps.access.grants(), configuredAdmins: this.deps.configuredAdmins };
  }

  async rules(environment: Environment): Promise<EnvironmentRules> {
    return effectiveRules(environment, await this.deps.access.environmentRules(environment));
  }

  async check(requester: Pick<Requester, "userId" | "teamId">, action: AccessAction, environment: Environment | null): Promise<AccessCheck> {
    const [actor, policy] = await Promise.all([this.actorOf(requester), this.policy()]);
    return decide(actor, policy, action, environment);
  }

  /**
   * Whether `requester` may request a change in `environment` from the channel they asked in, and
   * the environment's rules the request is then recorded under: the role, the channel's binding,
   * production never from a direct message. The policy is read once, in one statement.
   */
  async checkRequest(requester: Requester, environment: Environment): Promise<RequestCheck> {
    const [actor, stored] = await Promise.all([this.actorOf(requester), this.deps.access.requestPolicy(requester.channelId, environment)]);
    const decision = decide(actor, { grants: stored.grants, configuredAdmins: this.deps.configuredAdmins }, "request", environment);
    if (!decision.ok) return decision;
    const place = directMessageRefusal(requester.channelId, environment) ?? channelRefusal(stored.channelBinding, environment, requester.channelId);
    if (place) return { ok: false, message: place };
    return { ...decision, rules: effectiveRules(environment, stored.environmentRules) };
  }

  /** `checkRequest` for a change to this deployment, which a freeze held by someone else also refuses. */
  async checkChange(requester: Requester, deployment: Pick<DeploymentRecord, "name" | "environment" | "freeze">): Promise<RequestCheck> {
    const check = await this.checkRequest(requester, deployment.environment);
    if (!check.ok) return check;
    const frozen = freezeRefusal(deployment.name, deployment.freeze, requester.userId);
    return frozen ? { ok: false, message: frozen } : check;
  }
}
