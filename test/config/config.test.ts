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
