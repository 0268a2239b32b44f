import { existsSync, readFileSync } from "node:fs";
import { loadYaml } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";

/**
 * docker-compose.yml cannot be run here (no Docker engine), so its wiring is checked instead:
 * services reference each other by the right names and ports, the bot runs in Socket Mode with
 * the app's database role, migrations run first with the migrator's, and every variable it
 * interpolates is documented in the example .env.
 */

const ROOT = new URL("../../", import.meta.url);
const composeText = readFileSync(new URL("docker-compose.yml", ROOT), "utf8");
const exampleEnvText = readFileSync(new URL("docs/compose.env.example", ROOT), "utf8");
const dockerfile = readFileSync(new URL("Dockerfile", ROOT), "utf8");

interface ComposeService {
  image?: string;
  build?: { context: string; target: string };
  user?: string;
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  read_only?: boolean;
  tmpfs?: string[];
  cap_drop?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
}

interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

function parseEnvFile(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (match?.[1] !== undefined) values[match[1]] = match[2] ?? "";
  }
  return values;
}

/** Compose's interpolation: ${VAR}, ${VAR:-default} and ${VAR:?error}. */
function interpolate(text: string, env: Record<string, string>): string {
  return text.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::([-?])([^}]*))?\}/g, (_whole, name: string, operator: string | undefined, argument: string | undefined) => {
    const value = env[name];
    if (value !== undefined && value !== "") return value;
    if (operator === "-") return argument ?? "";
    if (operator === "?") throw new Error(`compose would stop: ${argument ?? name}`);
    return "";
  });
}

const exampleEnv = { ...parseEnvFile(exampleEnvText), SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "signing-secret", SLACK_APP_TOKEN: "xapp-1" };
const compose = loadYaml<ComposeFile>(interpolate(composeText, exampleEnv));
const { postgres, redis, migrate, deploybot } = compose.services;

describe("docker-compose.yml", () => {
  it("runs PostgreSQL, Redis, a one-shot migration and the bot", () => {
    expect(Object.keys(compose.services).sort()).toEqual(["deploybot", "migrate", "postgres", "redis"]);
    expect(postgres?.healthcheck?.test).toContain("pg_isready");
    expect(redis?.healthcheck?.test).toContain("redis-cli");
  });

  it("builds both images from this Dockerfile's targets", () => {
    for (const service of [migrate, deploybot]) {
      expect(service?.build?.context).toBe(".");
      expect(dockerfile).toMatch(new RegExp(`^FROM \\S+ AS ${service?.build?.target ?? "?"}$`, "m"));
    }
    expect(migrate?.build?.target).toBe("migrate");
    expect(deploybot?.build?.target).toBe("bot");
  });

  it("starts the bot after a successful migration and healthy services", () => {
    expect(deploybot?.depends_on).toEqual({
      postgres: { condition: "service_healthy" },
      redis: { condition: "service_healthy" },
      migrate: { condition: "service_completed_successfully" },
    });
    expect(migrate?.depends_on).toEqual({ postgres: { condition: "service_healthy" } });
  });

  it("connects each service to the others by service name, with its own database role", () => {
    const botDatabase = new URL(deploybot?.environment?.DATABASE_URL ?? "");
    const migratorDatabase = new URL(migrate?.environment?.DATABASE_URL ?? "");
    const redisUrl = new URL(deploybot?.environment?.REDIS_URL ?? "");
    expect([botDatabase.hostname, botDatabase.port, botDatabase.pathname]).toEqual(["postgres", "5432", "/deploybot"]);
    expect([migratorDatabase.hostname, migratorDatabase.pathname]).toEqual(["postgres", "/deploybot"]);
    expect([redisUrl.hostname, redisUrl.port]).toEqual(["redis", "6379"]);
    expect(botDatabase.username).toBe("deploybot_app");
    expect(migratorDatabase.username).toBe("deploybot_migrator");
    // The roles are the ones the database init script creates.
    const init = readFileSync(new URL("scripts/compose/init-database.sh", ROOT), "utf8");
    expect(init).toContain("app_role=deploybot_app");
    expect(init).toContain("migrator_role=deploybot_migrator");
    expect(postgres?.environment?.POSTGRES_DB).toBe("deploybot");
  });

  it("runs the bot in Socket Mode with a configuration it accepts", () => {
    const config = loadConfig(deploybot?.environment ?? {});
    expect(config.slack.appToken).toBe("xapp-1");
    expect(config.port).toBe(3000);
    expect(() => loadYaml(interpolate(composeText, { ...exampleEnv, SLACK_APP_TOKEN: "" }))).toThrow(/SLACK_APP_TOKEN/);
  });

  it("publishes nothing but the bot's health port, on the loopback interface", () => {
    expect(postgres?.ports).toBeUndefined();
    expect(redis?.ports).toBeUndefined();
    expect(migrate?.ports).toBeUndefined();
    expect(deploybot?.ports).toEqual(["127.0.0.1:3000:3000"]);
  });

  it("runs both images as they run in Kubernetes: read-only root, /tmp writable, no capabilities", () => {
    for (const service of [migrate, deploybot]) {
      expect(service?.read_only).toBe(true);
      expect(service?.tmpfs).toEqual(["/tmp"]);
      expect(service?.cap_drop).toEqual(["ALL"]);
    }
    expect(deploybot?.user).toBe("10001:10001");
  });

  it("mounts only files that exist, and documents every variable it reads", () => {
    for (const volume of postgres?.volumes ?? []) {
      const source = volume.split(":")[0] ?? "";
      if (source.startsWith("./")) expect(existsSync(new URL(source, ROOT)), source).toBe(true);
    }
    const used = new Set([...composeText.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((match) => match[1]));
    const documented = new Set([...exampleEnvText.matchAll(/^#?\s*([A-Z_][A-Z0-9_]*)=/gm)].map((match) => match[1]));
    // The uid/gid are given on the command line, not in .env (see the comment in the file).
    for (const name of used) if (!name?.startsWith("DEPLOYBOT_UID") && !name?.startsWith("DEPLOYBOT_GID")) expect(documented, name).toContain(name);
  });
});
