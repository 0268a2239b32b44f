import { deploymentNameSchema, modelVersionSchema } from "./deploymentSpec.js";
import { parseReplicaCount } from "./scaling.js";
import { isUpdateStrategy, type UpdateStrategy } from "./strategy.js";

/**
 * The `/deploy` command grammar: `/deploy <verb> [arguments]`. Parsing is pure and returns either
 * a command or a message that tells the user what was wrong and how to say it.
 */
export type DeployCommand =
  | { verb: "help" }
  | { verb: "create" }
  | { verb: "list" }
  | { verb: "show"; name: string }
  | { verb: "edit"; name: string }
  | { verb: "scale"; name: string; replicas?: number }
  | { verb: "stop"; name: string }
  | { verb: "start"; name: string }
  | { verb: "delete"; name: string }
  | { verb: "update-model"; name?: string; version?: string; strategy?: UpdateStrategy }
  | { verb: "rollback"; name: string; revision?: number };

export type CommandParse = { ok: true; command: DeployCommand } | { ok: false; message: string };

export const COMMAND_USAGE: readonly { usage: string; summary: string }[] = [
  { usage: "/deploy create", summary: "Open the Create Deployment form" },
  { usage: "/deploy list", summary: "List deployments with their model, environment, status and replicas" },
  { usage: "/deploy show NAME", summary: "Show a deployment's details" },
  { usage: "/deploy edit NAME", summary: "Edit a deployment's configuration" },
  { usage: "/deploy scale NAME REPLICAS", summary: "Set the number of replicas" },
  { usage: "/deploy update-model NAME VERSION [rolling|blue-green|canary]", summary: "Roll out a new model version" },
  { usage: "/deploy rollback NAME [REVISION]", summary: "Return to an earlier revision" },
  { usage: "/deploy stop NAME", summary: "Shut down all instances (configuration is kept)" },
  { usage: "/deploy start NAME", summary: "Resume a stopped deployment" },
  { usage: "/deploy delete NAME", summary: "Permanently remove a deployment" },
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
  "update-model": "update-model",
  update: "update-model",
  rollback: "rollback",
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
  const [rawVerb, ...args] = words;
  if (!rawVerb) return { ok: true, command: { verb: "help" } };
  const verb = VERB_ALIASES[rawVerb.toLowerCase()];
  if (!verb) return { ok: false, message: `Unknown command \`${rawVerb}\`. Try \`/deploy help\` for the list.` };

  switch (verb) {
    case "help":
    case "create":
    case "list":
      if (args.length > 0) return { ok: false, message: `\`/deploy ${verb}\` takes no arguments.` };
      return { ok: true, command: { verb } };
    case "show":
    case "edit":
    case "stop":
    case "start":
    case "delete": {
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
      return { ok: true, command: { verb, name: name.name, revision: Number(revision) } };
    }
  }
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
