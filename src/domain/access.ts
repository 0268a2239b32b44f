import type { DeploymentFreeze } from "./deployment.js";
import { ENVIRONMENTS, type Environment } from "./deploymentSpec.js";

/**
 * Who may do what, per Slack user and per environment. Roles add up: a viewer lists, shows and
 * reads metrics and logs; a deployer also requests changes; an approver also approves other
 * people's change requests; an admin may do everything and edits the policy. Pure: the
 * operations service gathers the actor and the policy, then asks here.
 */

export const ROLES = ["viewer", "deployer", "approver", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const ACCESS_ACTIONS = ["view", "request", "approve", "administer"] as const;
export type AccessAction = (typeof ACCESS_ACTIONS)[number];

const ROLE_ACTIONS: Record<Role, readonly AccessAction[]> = {
  viewer: ["view"],
  deployer: ["view", "request"],
  approver: ["view", "approve"],
  admin: ["view", "request", "approve", "administer"],
};

/** `*` grants a role in every environment. */
export type GrantScope = Environment | "*";

export interface AccessGrant {
  subjectType: "user" | "usergroup";
  /** A Slack user id (U…/W…) or user group id (S…). */
  subjectId: string;
  role: Role;
  environment: GrantScope;
}

/**
 * Who is asking, as Slack says (never as a payload claims): a full member of the bot's own
 * workspace, a guest, or someone from another organization (Slack Connect).
 */
export interface Actor {
  userId: string;
  membership: "member" | "guest" | "external";
  /** User groups the person belongs to, for grants to a group. */
  groupIds: readonly string[];
}

export interface AccessPolicy {
  grants: readonly AccessGrant[];
  /** Admins from the bot's configuration: they can set the policy up before any grant exists. */
  configuredAdmins: readonly string[];
}

function applies(grant: AccessGrant, actor: Actor, environment: Environment | null): boolean {
  const subject = grant.subjectType === "user" ? grant.subjectId === actor.userId : actor.groupIds.includes(grant.subjectId);
  return subject && (grant.environment === "*" || environment === null || grant.environment === environment);
}

function grantsAction(grants: readonly AccessGrant[], action: AccessAction, environment: Environment): boolean {
  return grants.some((grant) => (grant.environment === "*" || grant.environment === environment) && ROLE_ACTIONS[grant.role].includes(action));
}

/**
 * The actions a person may take in an environment. The safe default, with no policy set up:
 * every member may view and request; anyone else (guests, other organizations) may only view.
 * Once someone is granted requests (deployer or admin) in an environment, only grantees may
 * request there; likewise for approvals once approvers are named. Admin is global.
 */
export function allowedActions(actor: Actor, policy: AccessPolicy, environment: Environment | null): Set<AccessAction> {
  const actions = new Set<AccessAction>(["view"]);
  if (actor.membership !== "member") return actions;
  if (policy.configuredAdmins.includes(actor.userId)) return new Set(ACCESS_ACTIONS);
  const mine = policy.grants.filter((grant) => applies(grant, actor, environment));
  for (const grant of mine) for (const action of ROLE_ACTIONS[grant.role]) actions.add(action);
  if (mine.some((grant) => grant.role === "admin")) return new Set(ACCESS_ACTIONS);
  if (environment !== null) {
    if (!grantsAction(policy.grants, "request", environment)) actions.add("request");
    if (!grantsAction(policy.grants, "approve", environment)) actions.add("approve");
  }
  return actions;
}

/** Whether approvers are named for an environment (until then any other member may approve). */
export function approversNamed(policy: AccessPolicy, environment: Environment): boolean {
  return grantsAction(policy.grants, "approve", environment);
}

const ACTION_WORDS: Record<AccessAction, string> = {
  view: "view deployments",
  request: "request changes",
  approve: "approve changes",
  administer: "change who may do what",
};

export type AccessDecision = { allowed: true } | { allowed: false; reason: string };

export function authorize(actor: Actor, policy: AccessPolicy, action: AccessAction, environment: Environment | null): AccessDecision {
  if (allowedActions(actor, policy, environment).has(action)) return { allowed: true };
  const where = environment === null ? "" : ` in ${environment}`;
  if (actor.membership !== "member") {
    const who = actor.membership === "guest" ? "Guests" : "People from other organizations";
    return { allowed: false, reason: `${who} may view deployments but not ${ACTION_WORDS[action]}.` };
  }
  const fix = action === "administer" ? "an admin (or `DEPLOYBOT_ADMIN_USERS`) can make you one" : "ask an admin for the role (`/deploy access`)";
  return { allowed: false, reason: `You may not ${ACTION_WORDS[action]}${where}: ${fix}.` };
}

/** Channels bound to environments (e.g. #ml-prod → production): changes from them touch only those. */
export function channelRefusal(boundEnvironments: readonly Environment[] | null, environment: Environment, channelId: string): string | undefined {
  if (!boundEnvironments || boundEnvironments.includes(environment)) return undefined;
  return `<#${channelId}> is bound to ${boundEnvironments.join(", ")}: changes to ${environment} deployments are made from a channel bound to ${environment} (or an unbound one).`;
}

/** A production change leaves its record in a channel where the team sees it, never in a direct message. */
export function directMessageRefusal(channelId: string, environment: Environment): string | undefined {
  if (environment !== "production" || !channelId.startsWith("D")) return undefined;
  return "Production changes are requested in a channel, where the team and the approvers can see them: run the command there.";
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function isGrantScope(value: string): value is GrantScope {
  return value === "*" || (ENVIRONMENTS as readonly string[]).includes(value);
}

/**
 * Who may press a rollout's buttons. Pause and resume only hold traffic where it is: the
 * requester or any deployer. Abort rolls back someone's update: the requester, or in
 * production an approver. Promote skips the remaining analysis, so in production it takes an
 * approver other than the requester, as an approval would; so does "Promote to next step", where
 * an environment makes a canary wait for a human at each step.
 */
export function controlRefusal(
  control: "pause" | "resume" | "promote" | "abort" | "advance",
  context: { isRequester: boolean; actions: ReadonlySet<AccessAction>; environment: Environment },
): string | undefined {
  const production = context.environment === "production";
  const { isRequester, actions } = context;
  switch (control) {
    case "pause":
    case "resume":
      return isRequester || actions.has("request") ? undefined : "Only the requester or a deployer can pause or resume this rollout.";
    case "abort":
      if (isRequester) return undefined;
      if (production) return actions.has("approve") ? undefined : "Only the requester or an approver can abort a production rollout.";
      return actions.has("request") ? undefined : "Only the requester or a deployer can abort this rollout.";
    case "promote":
      if (production) {
        if (isRequester) return "Promote skips the remaining checks: in production another approver must press it.";
        return actions.has("approve") ? undefined : "Only an approver can promote a production rollout.";
      }
      return isRequester || actions.has("request") ? undefined : "Only the requester or a deployer can promote this rollout.";
    case "advance":
      if (isRequester) return "A step of your own canary is promoted by an approver, not by you.";
      return actions.has("approve") ? undefined : "Only an approver can promote a canary to its next step.";
  }
}

/** Who a Slack user is, as Slack's directory says: the port the operations service asks through. */
export interface UserDirectory {
  /** The user's workspace and whether they are a guest; null when Slack does not know them. */
  describe(userId: string): Promise<{ teamId: string | null; guest: boolean } | null>;
  /** The user groups the user belongs to. */
  groupsOf(userId: string): Promise<string[]>;
}

/**
 * A freeze (`/deploy lock`) stops everyone but its holder: changes, and the buttons of a running
 * rollout alike.
 */
export function freezeRefusal(deploymentName: string, freeze: DeploymentFreeze | null, userId: string): string | undefined {
  if (!freeze || freeze.holder === userId) return undefined;
  const since = `${freeze.since.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  return `:lock: *${deploymentName}* is locked by <@${freeze.holder}> since ${since}: ${freeze.reason}. Only they can change it until \`/deploy unlock ${deploymentName}\`.`;
}
