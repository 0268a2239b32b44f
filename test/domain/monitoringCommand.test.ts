import { describe, expect, it } from "vitest";
import { parseDeployCommand } from "../../src/domain/command.js";
import { defaultAlertRules } from "../../src/domain/alertRules.js";
import { effectiveAlertRules, formatAlertDuration } from "../../src/domain/alerts.js";

describe("the metrics, logs and alerts grammar", () => {
  it("reads a metrics window, 1h by default", () => {
    expect(parseDeployCommand("metrics resnet-prod")).toEqual({ ok: true, command: { verb: "metrics", name: "resnet-prod", window: "1h" } });
    expect(parseDeployCommand("metrics resnet-prod 7d")).toEqual({ ok: true, command: { verb: "metrics", name: "resnet-prod", window: "7d" } });
    expect(parseDeployCommand("metrics resnet-prod 2d")).toMatchObject({ ok: false, message: expect.stringContaining("1h, 6h, 24h or 7d") });
  });

  it("reads log flags in any order", () => {
    expect(parseDeployCommand("logs resnet-prod --previous --since 10m --pod resnet-prod-blue-5d9c-x2")).toEqual({
      ok: true,
      command: { verb: "logs", name: "resnet-prod", options: { previous: true, sinceMs: 600_000, pod: "resnet-prod-blue-5d9c-x2" } },
    });
    expect(parseDeployCommand("logs resnet-prod --since 10")).toMatchObject({ ok: false, message: expect.stringContaining("not a duration") });
    expect(parseDeployCommand("logs resnet-prod --tail 5")).toMatchObject({ ok: false, message: expect.stringContaining("Usage") });
  });

  it("reads alert rule changes and refuses unknown rules and bad numbers", () => {
    expect(parseDeployCommand("alerts resnet-prod")).toEqual({ ok: true, command: { verb: "alerts", name: "resnet-prod" } });
    expect(parseDeployCommand("alerts resnet-prod set p99-latency threshold 1500ms")).toMatchObject({ ok: true, command: { change: { kind: "threshold", rule: "p99-latency", fireAt: 1500 } } });
    expect(parseDeployCommand("alerts resnet-prod set error-rate for 10m")).toMatchObject({ ok: true, command: { change: { kind: "for", rule: "error-rate", forSeconds: 600 } } });
    expect(parseDeployCommand("alerts resnet-prod disable gpu-saturation")).toMatchObject({ ok: true, command: { change: { kind: "disable", rule: "gpu-saturation" } } });
    expect(parseDeployCommand("alerts resnet-prod channel <#C0ONCALL|oncall> --environment")).toMatchObject({
      ok: true,
      command: { change: { kind: "channel", channelId: "C0ONCALL", scope: "environment" } },
    });
    expect(parseDeployCommand("alerts resnet-prod disable latency")).toMatchObject({ ok: false, message: expect.stringContaining("is not a rule") });
    expect(parseDeployCommand("alerts resnet-prod set error-rate threshold lots")).toMatchObject({ ok: false, message: expect.stringContaining("number") });
    expect(parseDeployCommand("alerts resnet-prod channel general")).toMatchObject({ ok: false, message: expect.stringContaining("Name a channel") });
  });
});

describe("a deployment's effective alert rules", () => {
  const defaults = defaultAlertRules(300);

  it("are the defaults without overrides", () => {
    const rules = effectiveAlertRules(defaults, []);
    expect(rules.find((r) => r.kind === "error-rate")).toMatchObject({ fireAt: 5, resolveAt: 2, forSeconds: 300, enabled: true, overridden: false });
  });

  it("move the resolve threshold with the firing one, keep immediate rules immediate, and can be switched off", () => {
    const rules = effectiveAlertRules(defaults, [
      { kind: "error-rate", fireAt: 10, forSeconds: 60, disabled: false },
      { kind: "oom-killed", fireAt: null, forSeconds: 600, disabled: false },
      { kind: "gpu-saturation", fireAt: null, forSeconds: null, disabled: true },
    ]);
    expect(rules.find((r) => r.kind === "error-rate")).toMatchObject({ fireAt: 10, resolveAt: 4, forSeconds: 60, overridden: true });
    expect(rules.find((r) => r.kind === "oom-killed")).toMatchObject({ forSeconds: 0 });
    expect(rules.find((r) => r.kind === "gpu-saturation")).toMatchObject({ enabled: false, fireAt: 95 });
  });

  it("say how long an alert lasted", () => {
    expect(formatAlertDuration(20_000)).toBe("less than a minute");
    expect(formatAlertDuration(12 * 60_000)).toBe("12 min");
    expect(formatAlertDuration(125 * 60_000)).toBe("2 h 5 min");
    expect(formatAlertDuration(3 * 86_400_000 + 4 * 3_600_000)).toBe("3 d 4 h");
  });
});
