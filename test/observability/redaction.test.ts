import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { REDACTED, createRedactor, isSecretKey } from "../../src/observability/redaction.js";
import { slackLogger } from "../../src/slack/slackLogger.js";

const redactor = createRedactor();

describe("credential-like keys", () => {
  it.each(["token", "botToken", "BOT_TOKEN", "HF_TOKEN", "Authorization", "authorization", "X-Slack-Signature", "signingSecret", "SIGNING_SECRET", "client_secret", "password", "DB_PASSWORD", "apiKey", "api_key", "x-api-key", "OPENAI_KEY", "Cookie", "set-cookie", "credentials", "privateKey", "DB_PWD"])(
    "%s is a secret key",
    (key) => expect(isSecretKey(key)).toBe(true),
  );

  it.each(["name", "key", "secretName", "secretKey", "tokenVerificationEnabled", "channel", "monkey", "trigger_id", "response_url", "kind"])("%s is not", (key) => {
    expect(isSecretKey(key)).toBe(false);
  });
});

describe("redacting values", () => {
  it("redacts credential-like keys at any depth and in any case, keeping everything else", () => {
    const input = {
      user: "alice",
      slack: { BOT_TOKEN: "plain-looking-value", nested: [{ deeper: { Authorization: "whatever" } }] },
      headers: { "Set-Cookie": "sid=1", accept: "json" },
      count: 3,
    };
    expect(redactor.value(input)).toEqual({
      user: "alice",
      slack: { BOT_TOKEN: REDACTED, nested: [{ deeper: { Authorization: REDACTED } }] },
      headers: { "Set-Cookie": REDACTED, accept: "json" },
      count: 3,
    });
    expect(input.slack.BOT_TOKEN).toBe("plain-looking-value");
  });

  it("keeps flags and counts under credential-like keys, which reveal nothing", () => {
    expect(redactor.value({ tokenVerificationEnabled: false, tokens: 3 })).toEqual({ tokenVerificationEnabled: false, tokens: 3 });
  });

  it("redacts every environment variable value, in specs and in Kubernetes env entries", () => {
    const spec = { env: [{ kind: "plain", name: "API_URL", value: "https://internal" }, { kind: "secret", name: "HF_TOKEN", secretName: "hf", secretKey: "token" }] };
    expect(redactor.value(spec)).toEqual({
      env: [{ kind: "plain", name: "API_URL", value: REDACTED }, { kind: "secret", name: "HF_TOKEN", secretName: "hf", secretKey: "token" }],
    });
    expect(redactor.value({ containers: [{ env: [{ name: "LOG_LEVEL", value: "debug" }] }] })).toEqual({ containers: [{ env: [{ name: "LOG_LEVEL", value: REDACTED }] }] });
  });

  it("survives cycles and very deep objects", () => {
    const cyclic: Record<string, unknown> = { name: "a" };
    cyclic.self = cyclic;
    expect(redactor.value(cyclic)).toEqual({ name: "a", self: "[circular]" });
    let deep: Record<string, unknown> = { token: "x" };
    for (let i = 0; i < 20; i += 1) deep = { next: deep };
    expect(JSON.stringify(redactor.value(deep))).toContain("[too deep]");
  });

  it("flattens errors so that their message, stack and fields are redacted", () => {
    const error = Object.assign(new Error("auth failed for xoxb-1234-abcd"), { data: { token: "t0ps3cret" } });
    const redacted = redactor.value(error) as Record<string, unknown>;
    expect(JSON.stringify(redacted)).not.toContain("xoxb-1234");
    expect(JSON.stringify(redacted)).not.toContain("t0ps3cret");
    expect(redacted.message).toBe(`auth failed for ${REDACTED}`);
    expect(redacted.type).toBe("Error");
  });
});

describe("redacting text", () => {
  it.each([
    ["Slack bot token", "calling with xoxb-123-456-abcDEF now", "calling with [redacted] now"],
    ["Slack user token", "xoxp-1-2-3", "[redacted]"],
    ["Slack app token", "app token xapp-1-A0-123-abc", "app token [redacted]"],
    ["Slack refresh token", "xoxe-1-abc", "[redacted]"],
    ["Bearer header", "Authorization: Bearer abc.def-ghi", "Authorization: [redacted] [redacted]"],
    ["Basic header", "Authorization: Basic dXNlcjpwYXNz", "Authorization: [redacted] [redacted]"],
    ["bearer in JSON", '{"headers":{"authorization":"Bearer s3cr3t-value"}}', '{"headers":{"authorization":"[redacted]"}}'],
    ["password=", "connect password=hunter22 host=db", "connect password=[redacted] host=db"],
    ["env line", "HF_TOKEN=abc123\nLOG_LEVEL=info", "HF_TOKEN=[redacted]\nLOG_LEVEL=info"],
    ["lowercase env line", "my_api_key=zzz", "my_api_key=[redacted]"],
    ["query string", "?client_secret=abc&code=1", "?client_secret=[redacted]&code=1"],
    ["URL with password", "postgres://deploy:Pa55word@db:5432/deploybot", "postgres://deploy:[redacted]@db:5432/deploybot"],
    ["redis URL with password only", "redis://:hunter2@cache:6379", "redis://:[redacted]@cache:6379"],
    ["JSON pair", '{"token":"legacy-verification","user":"u"}', '{"token":"[redacted]","user":"u"}'],
    ["escaped JSON pair", '"{\\"signing_secret\\":\\"abc\\"}"', '"{\\"signing_secret\\":\\"[redacted]\\"}"'],
    ["response_url", "posting to https://hooks.slack.com/commands/T1/2/abc", "posting to https://hooks.slack.com/commands/[redacted]"],
  ])("%s", (_what, input, expected) => {
    expect(redactor.text(input)).toBe(expected);
  });

  it("leaves secret references and ordinary text alone", () => {
    for (const text of ["HF_TOKEN=secret:huggingface/token", "LOG_LEVEL=debug", "token verification is disabled", "Basic Information", "Scaled resnet-prod to 3 replicas", "http://127.0.0.1:3000/slack/events"]) {
      expect(redactor.text(text)).toBe(text);
    }
  });

  it("removes the values the bot knows are secret, whatever their shape", () => {
    const known = createRedactor(["0123456789abcdef-signing", undefined, "abc"]);
    expect(known.text("sig 0123456789abcdef-signing; abc stays")).toBe(`sig ${REDACTED}; abc stays`);
  });
});

describe("the logger", () => {
  function capture(knownSecrets: string[] = []) {
    const lines: string[] = [];
    const logger = createLogger("debug", { write: (line: string) => void lines.push(line) }, { knownSecrets });
    return { logger, lines };
  }

  it("redacts merging objects, messages, interpolation arguments and child bindings", () => {
    const { logger, lines } = capture(["my-signing-secret-value"]);
    const child = logger.child({ config: { databaseUrl: "postgresql://bot:dbpass99@db/deploybot", SLACK_BOT_TOKEN: "xoxb-1-2" } });
    child.info({ request: { headers: { Authorization: "Bearer abcdefgh" } }, HF_TOKEN: "abc" }, "token is %s and secret my-signing-secret-value", "xoxb-9-9");
    child.warn("plain message with password=letmein");
    const all = lines.join("\n");
    for (const secret of ["dbpass99", "xoxb-1-2", "abcdefgh", '"abc"', "xoxb-9-9", "my-signing-secret-value", "letmein"]) expect(all).not.toContain(secret);
    expect(all).toContain("postgresql://bot:[redacted]@db/deploybot");
  });

  it("redacts errors logged under err", () => {
    const { logger, lines } = capture();
    logger.error({ err: Object.assign(new Error("boom xapp-1-2-3"), { config: { headers: { authorization: "Bearer zzzzzzzz" } } }) }, "failed");
    const line = JSON.parse(lines[0] ?? "{}") as { err: { message: string; stack: string } };
    expect(line.err.message).toBe(`boom ${REDACTED}`);
    expect(lines[0]).not.toContain("zzzzzzzz");
    expect(line.err.stack).toContain("boom [redacted]");
  });

  it("redacts what Bolt and the Web API client log, objects by key and strings by pattern", () => {
    const { logger, lines } = capture();
    const slack = slackLogger(logger);
    slack.debug("http request body:", { token: "opaque-verification", payload: { user: "U1" } });
    slack.warn("API call failed with xoxb-abc-def and", new Error("headers Authorization: Bearer qqqqqqqq"));
    slack.info('{"client_secret":"cs-value"}');
    const all = lines.join("\n");
    for (const secret of ["opaque-verification", "xoxb-abc-def", "qqqqqqqq", "cs-value"]) expect(all).not.toContain(secret);
    expect(all).toContain('"user":"U1"');
  });
});
