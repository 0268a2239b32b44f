import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

const REQUIRED = { SLACK_BOT_TOKEN: "xoxb-1-2-abc", SLACK_SIGNING_SECRET: "0123456789abcdef", DATABASE_URL: "postgresql://db/deploybot", REDIS_URL: "redis://redis:6379" };

describe("DEPLOYBOT_ROLE", () => {
  it("defaults to a process that does everything", () => {
    expect(loadConfig(REQUIRED).role).toBe("all");
  });

  it.each(["all", "web", "worker"] as const)("accepts %s", (role) => {
    expect(loadConfig({ ...REQUIRED, DEPLOYBOT_ROLE: role }).role).toBe(role);
  });

  it("refuses anything else, naming the variable and the choices", () => {
    expect(() => loadConfig({ ...REQUIRED, DEPLOYBOT_ROLE: "both" })).toThrow(ConfigError);
    expect(() => loadConfig({ ...REQUIRED, DEPLOYBOT_ROLE: "both" })).toThrow(/DEPLOYBOT_ROLE must be all, web or worker/);
  });
});

describe("DATABASE_MAX_CONNECTIONS", () => {
  it("is unset unless given: the bot then sizes its pool by role", () => {
    expect(loadConfig(REQUIRED).databaseMaxConnections).toBeUndefined();
    expect(loadConfig({ ...REQUIRED, DATABASE_MAX_CONNECTIONS: "" }).databaseMaxConnections).toBeUndefined();
    expect(loadConfig({ ...REQUIRED, DATABASE_MAX_CONNECTIONS: "12" }).databaseMaxConnections).toBe(12);
  });

  it.each([
    ["2", /DATABASE_MAX_CONNECTIONS must be at least 3/],
    ["ten", /DATABASE_MAX_CONNECTIONS must be a whole number/],
    ["4.5", /DATABASE_MAX_CONNECTIONS must be a whole number/],
  ])("refuses %s, saying why", (value, message) => {
    expect(() => loadConfig({ ...REQUIRED, DATABASE_MAX_CONNECTIONS: value })).toThrow(message);
  });
});
