import { isRole, type GrantScope, type Role } from "./access.js";
import { ENVIRONMENTS, type Environment } from "./deploymentSpec.js";
import { MAX_REQUIRED_APPROVALS } from "./environmentRules.js";

/**
 * `/deploy access …`: how admins manage who may do what. Slack sends mentions escaped
 * (`<@U123|alice>`, `<!subteam^S123|@ml-leads>`, `<#C123|ml-prod>`); raw ids work too.
 */
export type AccessCommand =
  | { action: "show" }
  | { action: "grant" | "revoke"; subject: { type: "user" | "usergroup"; id: string }; role: Role; scope: GrantScope }
  | { action: "bind"; channelId: string; environments: Environment[] }
  | { action: "unbind"; channelId: string }
  | { action: "approvals"; environment: Environment; count: number }
  | { action: "approvers-channel"; environment: Environment; channelId: string | null }
  | { action: "quota"; environment: Environment; quota: "max-replicas" | "max-gpus"; limit: number | null }
  | { action: "canary-approval"; environment: Environment; enabled: boolean }
  | { action: "expiry"; environment: Environment; hours: number };

export const ACCESS_USAGE: readonly string[] = [
  "`/deploy access` — the policy: roles, bound channels, approvals, quotas",
  "`/deploy access grant @user|@group viewer|deployer|approver|admin [development|staging|production|all]`",
  "`/deploy access revoke @user|@group ROLE [ENVIRONMENT|all]`",
  "`/deploy access bind #channel production[,staging]` — changes from #channel touch only those environments",
  "`/deploy access unbind #channel`",
  "`/deploy access approvals production 2` — approvals a change needs (0 to 5)",
  "`/deploy access approvers-channel production #ml-approvals|none` — also post requests there",
  "`/deploy access quota production max-replicas 20|none`, `… max-gpus 4|none`",
  "`/deploy access canary-approval production on|off` — a canary waits for an approver at each step",
  "`/deploy access expiry production 24` — hours a change request stays open",
];

type Parse<T> = { ok: true; value: T } | { ok: false; message: string };

function usage(): string {
  return `Usage:\n${ACCESS_USAGE.join("\n")}`;
}

export function parseSubject(word: string | undefined): Parse<{ type: "user" | "usergroup"; id: string }> {
  if (!word) return { ok: false, message: "Whom? Mention a person (@alice) or a user group (@ml-leads)." };
  const user = /^<@([UW][A-Z0-9]+)(\|[^>]*)?>$/.exec(word) ?? /^([UW][A-Z0-9]{2,})$/.exec(word);
  if (user?.[1]) return { ok: true, value: { type: "user", id: user[1] } };
  const group = /^<!subteam\^(S[A-Z0-9]+)(\|[^>]*)?>$/.exec(word) ?? /^(S[A-Z0-9]{2,})$/.exec(word);
  if (group?.[1]) return { ok: true, value: { type: "usergroup", id: group[1] } };
  return { ok: false, message: `\`${word}\` is not a person or a user group: mention them (@alice, @ml-leads).` };
}

export function parseChannel(word: string | undefined): Parse<string> {
  const match = word ? (/^<#([CG][A-Z0-9]+)(\|[^>]*)?>$/.exec(word) ?? /^([CG][A-Z0-9]{2,})$/.exec(word)) : null;
  return match?.[1] ? { ok: true, value: match[1] } : { ok: false, message: `\`${word ?? ""}\` is not a channel: mention it (#ml-prod).` };
}

export function parseEnvironment(word: string | undefined): Parse<Environment> {
  const value = word?.toLowerCase();
  const found = ENVIRONMENTS.find((environment) => environment === value || environment.startsWith(value ?? "-") );
  return found && value && value.length >= 3 ? { ok: true, value: found } : { ok: false, message: `\`${word ?? ""}\` is not an environment: development, staging or production.` };
}

function wholeNumber(word: string | undefined, min: number, max: number, what: string): Parse<number> {
  if (!word || !/^\d{1,6}$/.test(word)) return { ok: false, message: `${what} must be a whole number from ${min} to ${max}.` };
  const value = Number(word);
  return value < min || value > max ? { ok: false, message: `${what} must be from ${min} to ${max}.` } : { ok: true, value };
}

export function parseAccessCommand(args: readonly string[]): Parse<AccessCommand> {
  const [action, ...rest] = args;
  switch (action?.toLowerCase()) {
    case undefined:
    case "show":
    case "list":
      return { ok: true, value: { action: "show" } };
    case "grant":
    case "revoke": {
      const subject = parseSubject(rest[0]);
      if (!subject.ok) return subject;
      const role = rest[1]?.toLowerCase();
      if (!role || !isRole(role)) return { ok: false, message: `Which role? viewer, deployer, approver or admin.\n${usage()}` };
      let scope: GrantScope = "*";
      if (rest[2] !== undefined && rest[2].toLowerCase() !== "all") {
        const environment = parseEnvironment(rest[2]);
        if (!environment.ok) return environment;
        scope = environment.value;
      }
      if (rest.length > 3) return { ok: false, message: `Too many words.\n${usage()}` };
      return { ok: true, value: { action: action.toLowerCase() === "grant" ? "grant" : "revoke", subject: subject.value, role, scope } };
    }
    case "bind": {
      const channel = parseChannel(rest[0]);
      if (!channel.ok) return channel;
      const environments: Environment[] = [];
      for (const word of (rest[1] ?? "").split(",").filter((part) => part.length > 0)) {
        const environment = parseEnvironment(word);
        if (!environment.ok) return environment;
        if (!environments.includes(environment.value)) environments.push(environment.value);
      }
      if (environments.length === 0) return { ok: false, message: "Bind to which environments? e.g. `/deploy access bind #ml-prod production`" };
      return { ok: true, value: { action: "bind", channelId: channel.value, environments } };
    }
    case "unbind": {
      const channel = parseChannel(rest[0]);
      return channel.ok ? { ok: true, value: { action: "unbind", channelId: channel.value } } : channel;
    }
    case "approvals": {
      const environment = parseEnvironment(rest[0]);
      if (!environment.ok) return environment;
      const count = wholeNumber(rest[1], 0, MAX_REQUIRED_APPROVALS, "Approvals");
      return count.ok ? { ok: true, value: { action: "approvals", environment: environment.value, count: count.value } } : count;
    }
    case "approvers-channel": {
      const environment = parseEnvironment(rest[0]);
      if (!environment.ok) return environment;
      if (rest[1]?.toLowerCase() === "none") return { ok: true, value: { action: "approvers-channel", environment: environment.value, channelId: null } };
      const channel = parseChannel(rest[1]);
      return channel.ok ? { ok: true, value: { action: "approvers-channel", environment: environment.value, channelId: channel.value } } : channel;
    }
    case "quota": {
      const environment = parseEnvironment(rest[0]);
      if (!environment.ok) return environment;
      const quota = rest[1]?.toLowerCase();
      if (quota !== "max-replicas" && quota !== "max-gpus") return { ok: false, message: "Which quota? max-replicas or max-gpus." };
      if (rest[2]?.toLowerCase() === "none") return { ok: true, value: { action: "quota", environment: environment.value, quota, limit: null } };
      const limit = wholeNumber(rest[2], quota === "max-gpus" ? 0 : 1, quota === "max-gpus" ? 8 : 100, quota === "max-gpus" ? "Max GPUs" : "Max replicas");
      return limit.ok ? { ok: true, value: { action: "quota", environment: environment.value, quota, limit: limit.value } } : limit;
    }
    case "canary-approval": {
      const environment = parseEnvironment(rest[0]);
      if (!environment.ok) return environment;
      const value = rest[1]?.toLowerCase();
      if (value !== "on" && value !== "off") return { ok: false, message: "canary-approval takes on or off." };
      return { ok: true, value: { action: "canary-approval", environment: environment.value, enabled: value === "on" } };
    }
    case "expiry": {
      const environment = parseEnvironment(rest[0]);
      if (!environment.ok) return environment;
      const hours = wholeNumber(rest[1], 1, 24 * 14, "Hours");
      return hours.ok ? { ok: true, value: { action: "expiry", environment: environment.value, hours: hours.value } } : hours;
    }
    default:
      return { ok: false, message: `Unknown access command \`${action}\`.\n${usage()}` };
  }
}
