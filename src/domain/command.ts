import { deploymentNameSchema, modelVersionSchema } from "./deploymentSpec.js";
import { parseAccessCommand, type AccessCommand } from "./accessCommand.js";
import { parseDuration } from "./duration.js";
import { parseReplicaCount } from "./scaling.js";
import { isUpdateStrategy, type UpdateStrategy } from "./strategy.js";
import { parseAlertChange, parseLogsOptions, parseMetricsWindow, type AlertChange, type LogsOptions, type MetricsWindowWord } from "./monitoringCommand.js";

/**
 * The `/deploy` command grammar: `/deploy <verb> [arguments]`. Parsing is pure and returns either
 * a command or a message that tells the user what was wrong and how to say it.
 */
export type DeployCommand =
  | { verb: "help" }
  | { verb: "create" }
  | { verb: "list"; page?: number }
  | { verb: "show"; name: string }
  | { verb: "edit"; name: string }
  | { verb: "scale"; name: string; replicas?: number; dryRun?: true }
  | { verb: "stop"; name: string; dryRun?: true }
  | { verb: "start"; name: string; dryRun?: true }
  | { verb: "delete"; name: string; dryRun?: true }
  | { verb: "reapply"; name: string }
  | { verb: "adopt"; name: string }
  | { verb: "update-model"; name?: string; version?: string; strategy?: UpdateStrategy; dryRun?: true }
  | { verb: "rollback"; name: string; revision?: number; dryRun?: true }
  | { verb: "lock"; name: string; reason: string }
  | { verb: "unlock"; name: string }
  | { verb: "history"; name: string; page: number }
  | { verb: "audit"; sinceMs: number; format: "csv" | "json" }
  | { verb: "access"; access: AccessCommand }
  | { verb: "metrics"; name: string; window: MetricsWindowWord }
  | { verb: "logs"; name: string; options: LogsOptions }
  | { verb: "alerts"; name: string; change?: AlertChange };

/** Verbs that change a deployment and so accept `--dry-run`. */
const DRY_RUN_VERBS: readonly DeployCommand["verb"][] = ["scale", "stop", "start", "delete", "update-model", "rollback"];

/** The largest revision number a person can mean (revisions are stored as 32-bit integers). */
export const MAX_REVISION = 1_000_000;
/** How far back an audit export may reach. */
const MAX_AUDIT_SINCE = { ms: 400 * 86_400_000, label: "400 days" };
const MAX_REASON_LENGTH = 300;

export type CommandParse = { ok: true; command: DeployCommand } | { ok: false; message: string };

export const COMMAND_USAGE: readonly { usage: string; summary: string }[] = [
  { usage: "/deploy create", summary: "Open the Create Deployment form" },
  { usage: "/deploy list [PAGE]", summary: "List deployments with their model, environment, status and replicas" },
  { usage: "/deploy show NAME", summary: "Show a deployment's details" },
  { usage: "/deploy edit NAME", summary: "Edit a deployment's configuration" },
  { usage: "/deploy scale NAME REPLICAS", summary: "Set the number of replicas" },
  { usage: "/deploy update-model NAME VERSION [rolling|blue-green|canary]", summary: "Roll out a new model version" },
  { usage: "/deploy rollback NAME [REVISION]", summary: "Return to an earlier revision" },
  { usage: "/deploy stop NAME", summary: "Shut down all instances (configuration is kept)" },
  { usage: "/deploy start NAME", summary: "Resume a stopped deployment" },
  { usage: "/deploy delete NAME", summary: "Permanently remove a deployment" },
  { usage: "/deploy reapply NAME", summary: "Drifted: put back the stored configuration over changes made outside deploybot" },
  { usage: "/deploy adopt NAME", summary: "Drifted: keep the changes made outside deploybot as the configuration" },
  { usage: "/deploy metrics NAME [1h|6h|24h|7d]", summary: "Request rate, latency, errors, resources and replicas, with charts" },
  { usage: "/deploy logs NAME [--since 10m] [--pod POD] [--previous]", summary: "The tail of the pods' logs (secrets redacted)" },
  { usage: "/deploy alerts NAME [set RULE threshold N|set RULE for 10m|disable RULE|enable RULE|channel #channel]", summary: "Show or change the deployment's alert rules" },
  { usage: "/deploy lock NAME REASON", summary: "Freeze a deployment: only you can change it until unlocked" },
  { usage: "/deploy unlock NAME", summary: "Lift your freeze (admins can break anyone's)" },
  { usage: "/deploy history NAME [PAGE]", summary: "Who changed what and when (the audit trail)" },
  { usage: "/deploy audit export [--since 7d] [--format csv|json]", summary: "Upload the audit trail as a file (admins)" },
  { usage: "/deploy access", summary: "Who may do what: roles, approvals, bound channels, quotas (admins change it)" },
  { usage: "/deploy help", summary: "Show this list" },
];

const VERB_ALIASES: Record<string, DeployCommand["verb"]> = {
  help: "help",
  create: "create",
  new: "create",
  list: "list",
  ls: "list",
  show: "show",
  details: "show",
  describe: "show",
  edit: "edit",
  scale: "scale",
  stop: "stop",
  start: "start",
  restart: "start",
  delete: "delete",
  reapply: "reapply",
  "re-apply": "reapply",
  adopt: "adopt",
  "update-model": "update-model",
  update: "update-model",
  rollback: "rollback",
  lock: "lock",
  freeze: "lock",
  unlock: "unlock",
  unfreeze: "unlock",
  history: "history",
  log: "history",
  audit: "audit",
  access: "access",
  metrics: "metrics",
  stats: "metrics",
  logs: "logs",
  alerts: "alerts",
};

function usageOf(verb: DeployCommand["verb"]): string {
  const entry = COMMAND_USAGE.find((item) => item.usage.split(" ")[1] === verb);
  return entry ? `\`${entry.usage}\`` : "`/deploy help`";
}

function parseName(raw: string | undefined, verb: DeployCommand["verb"]): { ok: true; name: string } | { ok: false; message: string } {
  if (!raw) return { ok: false, message: `Which deployment? Usage: ${usageOf(verb)}` };
  const result = deploymentNameSchema.safeParse(raw);
  if (!result.success) return { ok: false, message: `\`${raw}\` is not a deployment name. ${result.error.issues[0]?.message ?? ""}`.trim() };
  return { ok: true, name: result.data };
}

const STRATEGY_ALIASES: Record<string, UpdateStrategy> = {
  rolling: "rolling",
  "rolling-update": "rolling",
  "blue-green": "blue-green",
  bluegreen: "blue-green",
  canary: "canary",
};

export function parseDeployCommand(text: string): CommandParse {
  const words = text.trim().split(/\s+/).filter((word) => word.length > 0);
  const [rawVerb, ...rawArgs] = words;
  if (!rawVerb) return { ok: true, command: { verb: "help" } };
  const verb = VERB_ALIASES[rawVerb.toLowerCase()];
  if (!verb) return { ok: false, message: `Unknown command \`${rawVerb}\`. Try \`/deploy help\` for the list.` };
  const dryRun = rawArgs.some((word) => word.toLowerCase() === "--dry-run");
  if (dryRun && !DRY_RUN_VERBS.includes(verb)) return { ok: false, message: "`--dry-run` previews scale, stop, start, delete, update-model and rollback; `/deploy show NAME` shows what a re-apply or an adopt would change." };
  const args = rawArgs.filter((word) => word.toLowerCase() !== "--dry-run");
  const parsed = parseVerb(verb, args);
  if (!parsed.ok || !dryRun) return parsed;
  if (parsed.command.verb === "scale" && parsed.command.replicas === undefined) return { ok: false, message: "A dry run needs the replica count: `/deploy scale NAME N --dry-run`." };
  if (parsed.command.verb === "update-model" && (!parsed.command.name || !parsed.command.version)) {
    return { ok: false, message: "A dry run needs the deployment and the version: `/deploy update-model NAME VERSION [strategy] --dry-run`." };
  }
  return { ok: true, command: { ...parsed.command, dryRun: true } as DeployCommand };
}

function parseVerb(verb: DeployCommand["verb"], args: string[]): CommandParse {
  switch (verb) {
    case "help":
    case "create":
      if (args.length > 0) return { ok: false, message: `\`/deploy ${verb}\` takes no arguments.` };
      return { ok: true, command: { verb } };
    case "list": {
      if (args.length > 1) return { ok: false, message: `Too many arguments. Usage: ${usageOf(verb)}` };
      if (args[0] !== undefined && !(/^\d{1,5}$/.test(args[0]) && Number(args[0]) >= 1)) return { ok: false, message: `The page must be a number like 2, got \`${args[0]}\`.` };
      return { ok: true, command: args[0] === undefined ? { verb } : { verb, page: Number(args[0]) } };
    }
    case "show":
    case "edit":
    case "stop":
    case "start":
    case "delete":
    case "reapply":
    case "adopt": {
      if (args.length > 1) return { ok: false, message: `Too many arguments. Usage: ${usageOf(verb)}` };
      const name = parseName(args[0], verb);
      return name.ok ? { ok: true, command: { verb, name: name.name } } : name;
    }
    case "scale": {
      if (args.length > 2) return { ok: false, message: `Too many arguments. Usage: ${usageOf(verb)}` };
      const name = parseName(args[0], verb);
      if (!name.ok) return name;
      if (args[1] === undefined) return { ok: true, command: { verb, name: name.name } };
      const count = parseReplicaCount(args[1]);
      if (!count.ok) return { ok: false, message: count.problem === "not-a-number" ? `${count.message} Usage: ${usageOf(verb)}` : count.message };
      return { ok: true, command: { verb, name: name.name, replicas: count.replicas } };
    }
    case "update-model":
      return parseUpdateModel(args);
    case "rollback": {
      if (args.length > 2) return { ok: false, message: `Too many arguments. Usage: ${usageOf(verb)}` };
      const name = parseName(args[0], verb);
      if (!name.ok) return name;
      if (args[1] === undefined) return { ok: true, command: { verb, name: name.name } };
      const revision = args[1].replace(/^r(ev(ision)?)?/i, "");
      if (!/^\d+$/.test(revision) || Number(revision) < 1) {
        return { ok: false, message: `Revision must be a number like 3, got \`${args[1]}\`. Usage: ${usageOf(verb)}` };
      }
      if (Number(revision) > MAX_REVISION) return { ok: false, message: `Revision must be at most ${MAX_REVISION.toLocaleString("en-US")}, got \`${args[1]}\`.` };
      return { ok: true, command: { verb, name: name.name, revision: Number(revision) } };
    }
    case "lock": {
      const name = parseName(args[0], verb);
      if (!name.ok) return name;
      const reason = args.slice(1).join(" ").trim();
      if (reason.length < 3) return { ok: false, message: `Say why, so that others know: ${usageOf(verb)} (e.g. \`/deploy lock ${name.name} incident INC-42\`).` };
      if (reason.length > MAX_REASON_LENGTH) return { ok: false, message: `The reason must be at most ${MAX_REASON_LENGTH} characters.` };
      return { ok: true, command: { verb, name: name.name, reason } };
    }
    case "unlock": {
      if (args.length > 1) return { ok: false, message: `Too many arguments. Usage: ${usageOf(verb)}` };
      const name = parseName(args[0], verb);
      return name.ok ? { ok: true, command: { verb, name: name.name } } : name;
    }
    case "history": {
      if (args.length > 2) return { ok: false, message: `Too many arguments. Usage: ${usageOf(verb)}` };
      const name = parseName(args[0], verb);
      if (!name.ok) return name;
      const page = args[1] === undefined ? 1 : /^\d{1,4}$/.test(args[1]) && Number(args[1]) >= 1 ? Number(args[1]) : Number.NaN;
      if (Number.isNaN(page)) return { ok: false, message: `The page must be a number like 2, got \`${args[1]}\`.` };
      return { ok: true, command: { verb, name: name.name, page } };
    }
    case "audit":
      return parseAudit(args);
    case "metrics":
    case "logs":
    case "alerts":
      return parseMonitoringVerb(verb, args);
    case "access": {
      const access = parseAccessCommand(args);
      return access.ok ? { ok: true, command: { verb, access: access.value } } : access;
    }
  }
}

/** `metrics NAME [window]`, `logs NAME [flags]`, `alerts NAME [change]`: the name, then the rest. */
function parseMonitoringVerb(verb: "metrics" | "logs" | "alerts", args: string[]): CommandParse {
  const name = parseName(args[0], verb);
  if (!name.ok) return name;
  const rest = args.slice(1);
  if (verb === "metrics") {
    const window = parseMetricsWindow(rest);
    return window.ok ? { ok: true, command: { verb, name: name.name, window: window.value } } : window;
  }
  if (verb === "logs") {
    const options = parseLogsOptions(rest);
    return options.ok ? { ok: true, command: { verb, name: name.name, options: options.value } } : options;
  }
  const change = parseAlertChange(rest);
  if (!change.ok) return change;
  return { ok: true, command: { verb, name: name.name, ...(change.value === undefined ? {} : { change: change.value }) } };
}

/** `audit export [--since 7d] [--format csv|json]`. */
function parseAudit(args: string[]): CommandParse {
  if (args[0]?.toLowerCase() !== "export") return { ok: false, message: `Usage: ${usageOf("audit")}` };
  let sinceMs = 7 * 86_400_000;
  let format: "csv" | "json" = "csv";
  for (let index = 1; index < args.length; index += 2) {
    const flag = args[index]?.toLowerCase();
    const value = args[index + 1];
    if (flag === "--since" && value) {
      const since = parseDuration(value, MAX_AUDIT_SINCE);
      if (!since.ok) return { ok: false, message: since.message };
      sinceMs = since.ms;
    } else if (flag === "--format" && (value === "csv" || value === "json")) {
      format = value;
    } else {
      return { ok: false, message: `Usage: ${usageOf("audit")}` };
    }
  }
  return { ok: true, command: { verb: "audit", sinceMs, format } };
}

/**
 * `update-model` accepts its words in any order a person might type them: a strategy word
 * anywhere, then the name and the version. Whatever is missing is asked for in a modal.
 */
function parseUpdateModel(args: string[]): CommandParse {
  let strategy: UpdateStrategy | undefined;
  const rest: string[] = [];
  for (const word of args) {
    const alias = STRATEGY_ALIASES[word.toLowerCase()];
    if (alias && !strategy) strategy = alias;
    else rest.push(word);
  }
  if (rest.length > 2) return { ok: false, message: `Too many arguments. Usage: ${usageOf("update-model")}` };
  const command: DeployCommand = { verb: "update-model" };
  if (strategy && isUpdateStrategy(strategy)) command.strategy = strategy;
  if (rest[0] !== undefined) {
    const name = parseName(rest[0], "update-model");
    if (!name.ok) return name;
    command.name = name.name;
  }
  if (rest[1] !== undefined) {
    const version = modelVersionSchema.safeParse(rest[1]);
    if (!version.success) return { ok: false, message: version.error.issues[0]?.message ?? "Invalid model version." };
    command.version = version.data;
  }
  return { ok: true, command };
}
