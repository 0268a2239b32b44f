import { describe, expect, it } from "vitest";
import { allowedActions, authorize, channelRefusal, controlRefusal, directMessageRefusal, freezeRefusal, ROLES, type AccessGrant, type AccessPolicy, type Actor, type Role } from "../../src/domain/access.js";
import { parseAccessCommand } from "../../src/domain/accessCommand.js";
import { auditCsv } from "../../src/domain/audit.js";
import { changeRisks, describeCostChange, monthlyCost, type ResourcePrices } from "../../src/domain/changeRequest.js";
import { parseDeployCommand } from "../../src/domain/command.js";
import { parseDuration } from "../../src/domain/duration.js";
import { controlEffect, parseStrategyOptions, rolloutPlan } from "../../src/domain/rolloutPlan.js";
import { effectiveRules, quotaErrors, scaleQuotaRefusal } from "../../src/domain/environmentRules.js";

const member = (userId: string, groupIds: string[] = []): Actor => ({ userId, membership: "member", groupIds });
const policy = (grants: AccessGrant[], configuredAdmins: string[] = []): AccessPolicy => ({ grants, configuredAdmins });
const grant = (subjectId: string, role: Role, environment: AccessGrant["environment"] = "production"): AccessGrant => ({ subjectType: "user", subjectId, role, environment });

describe("roles against actions", () => {
  const expected: Record<Role, string[]> = {
    viewer: ["view"],
    deployer: ["view", "request"],
    approver: ["view", "approve"],
    admin: ["view", "request", "approve", "administer"],
  };
  // Every role is granted to U1 in production; someone else holds each role too, so the open default is off.
  const named = [grant("U9", "deployer"), grant("U9", "approver")];
  for (const role of ROLES) {
    it(`a ${role} may ${expected[role].join(", ")} in production`, () => {
      const actions = allowedActions(member("U1"), policy([...named, grant("U1", role)]), "production");
      expect([...actions].sort()).toEqual([...expected[role]].sort());
    });
  }

  it("the safe default: with no policy, members view, request and approve; guests and other organizations only view", () => {
    expect([...allowedActions(member("U1"), policy([]), "production")].sort()).toEqual(["approve", "request", "view"]);
    expect([...allowedActions({ userId: "U2", membership: "guest", groupIds: [] }, policy([]), "production")]).toEqual(["view"]);
    expect([...allowedActions({ userId: "U3", membership: "external", groupIds: [] }, policy([grant("U3", "admin", "*")]), "production")]).toEqual(["view"]);
  });

  it("applies grants per environment, to user groups, and keeps other environments open", () => {
    const p = policy([grant("U9", "deployer"), { subjectType: "usergroup", subjectId: "S1", role: "approver", environment: "production" }]);
    expect(authorize(member("U1"), p, "request", "production")).toMatchObject({ allowed: false, reason: expect.stringContaining("You may not request changes in production") });
    expect(authorize(member("U1"), p, "request", "development")).toEqual({ allowed: true });
    expect(authorize(member("U1", ["S1"]), p, "approve", "production")).toEqual({ allowed: true });
    expect(authorize(member("U1"), p, "approve", "production").allowed).toBe(false);
  });

  it("lets configured admins and admin grants administer; nobody else", () => {
    expect(authorize(member("U0ADMIN"), policy([], ["U0ADMIN"]), "administer", null)).toEqual({ allowed: true });
    expect(authorize(member("U1"), policy([grant("U1", "admin", "*")]), "administer", null)).toEqual({ allowed: true });
    expect(authorize(member("U1"), policy([]), "administer", null).allowed).toBe(false);
  });

  it("decides who may press which rollout button", () => {
    const deployer = new Set(["view", "request"] as const);
    const approver = new Set(["view", "approve"] as const);
    expect(controlRefusal("promote", { isRequester: true, actions: deployer, environment: "production" })).toContain("another approver");
    expect(controlRefusal("promote", { isRequester: false, actions: approver, environment: "production" })).toBeUndefined();
    expect(controlRefusal("abort", { isRequester: false, actions: deployer, environment: "production" })).toContain("approver");
    expect(controlRefusal("abort", { isRequester: true, actions: new Set(["view"] as const), environment: "production" })).toBeUndefined();
    expect(controlRefusal("pause", { isRequester: false, actions: deployer, environment: "staging" })).toBeUndefined();
    expect(controlRefusal("pause", { isRequester: false, actions: new Set(["view"] as const), environment: "staging" })).toContain("Only the requester");
  });

  it("lets only a freeze's holder change the deployment or press its rollout's buttons", () => {
    const freeze = { holder: "U1", reason: "incident INC-42", since: new Date("2026-11-30T10:00:00Z") };
    expect(freezeRefusal("fraud-prod", freeze, "U2")).toContain("is locked by <@U1> since 2026-11-30 10:00 UTC: incident INC-42");
    expect(freezeRefusal("fraud-prod", freeze, "U1")).toBeUndefined();
    expect(freezeRefusal("fraud-prod", null, "U2")).toBeUndefined();
  });

  it("refuses production changes from a DM, and changes from a channel bound elsewhere", () => {
    expect(directMessageRefusal("D123", "production")).toContain("in a channel");
    expect(directMessageRefusal("D123", "development")).toBeUndefined();
    expect(channelRefusal(["production"], "development", "C1")).toContain("bound to production");
    expect(channelRefusal(["production"], "production", "C1")).toBeUndefined();
    expect(channelRefusal(null, "development", "C1")).toBeUndefined();
  });
});

describe("canary steps that wait for an approver", () => {
  it("adds an approval step after each healthy step, and only there does Promote to next step act", () => {
    const options = parseStrategyOptions("canary", { steps: "25, 50", pauseSeconds: "0" });
    if (!options.ok || options.value.strategy !== "canary") throw new Error("options");
    const plan = rolloutPlan({ strategy: "canary", options: { ...options.value.options, stepApproval: true } });
    expect(plan.filter((step) => step.type === "await-approval")).toHaveLength(2);
    expect(controlEffect("advance", { step: { type: "await-approval" }, paused: false, switched: false })).toEqual({ effect: "advance" });
    expect(controlEffect("advance", { step: { type: "analysis" }, paused: false, switched: false })).toMatchObject({ effect: "ignore" });
    expect(rolloutPlan(options.value).some((step) => step.type === "await-approval")).toBe(false);
  });
});

describe("environment rules", () => {
  it("defaults to one approval for production, none elsewhere, and takes stored values over defaults", () => {
    expect(effectiveRules("production", null).requiredApprovals).toBe(1);
    expect(effectiveRules("staging", null).requiredApprovals).toBe(0);
    expect(effectiveRules("production", { requiredApprovals: 2, maxReplicas: null }).requiredApprovals).toBe(2);
  });

  it("refuses quotas on the field that carries the number", () => {
    const rules = { ...effectiveRules("production", null), maxReplicas: 10, maxGpusPerDeployment: 2 };
    const errors = quotaErrors({ environment: "production", resources: { cpuCores: 4, memoryGb: 16, gpuCount: 4, gpuType: "nvidia-a100", storageGb: 20 }, scaling: { minReplicas: 2, maxReplicas: 100, targetCpuUtilization: 70, targetMemoryUtilization: 80, autoscalingEnabled: true } }, rules);
    expect(errors.map((error) => error.path)).toEqual(["resources.gpuCount", "scaling.maxReplicas"]);
    expect(scaleQuotaRefusal("production", 11, rules)).toContain("at most 10 replicas");
    expect(scaleQuotaRefusal("production", 10, rules)).toBeUndefined();
  });
});

describe("risk and cost of a change", () => {
  const prices: ResourcePrices = { cpuCoreHour: 0.04, memoryGbHour: 0.005, gpuHour: { "nvidia-t4": 0.35, "nvidia-v100": 2.48, "nvidia-a100": 3.67 }, currency: "$" };
  const spec = { resources: { cpuCores: 4, memoryGb: 16, gpuCount: 1, gpuType: "nvidia-a100" as const, storageGb: 20 }, scaling: { minReplicas: 2, maxReplicas: 6, targetCpuUtilization: 70, targetMemoryUtilization: 80, autoscalingEnabled: false } };

  it("costs CPU, memory and GPU hours a month, before → after", () => {
    const before = monthlyCost({ spec, replicas: 2, running: true }, prices);
    const after = monthlyCost({ spec, replicas: 4, running: true }, prices);
    expect(before.low).toMatchObject({ cpuCoreHours: 5840, memoryGbHours: 23360, gpuHours: 1460 });
    expect(after.low.cost).toBeCloseTo(2 * before.low.cost, 6);
    expect(describeCostChange(before, after, "$")).toMatch(/5,840 CPU-h, 23,360 GB-h, 1,460 GPU-h ≈ \$[\d,]+ → 11,680 CPU-h/);
    expect(monthlyCost({ spec, replicas: 2, running: false }, prices).low.cost).toBe(0);
  });

  it("names the risks reviewers weigh", () => {
    const state = { spec, replicas: 4, running: true };
    expect(changeRisks({ kind: "scale", before: state, after: { ...state, replicas: 2 } })[0]).toMatchObject({ kind: "capacity-drop" });
    expect(changeRisks({ kind: "scale", before: state, after: { ...state, replicas: 0 } })[0]).toMatchObject({ kind: "endpoint-removed" });
    expect(changeRisks({ kind: "update-model", strategy: "blue-green", fromVersion: "v1", toVersion: "v2" })[0]).toMatchObject({ kind: "traffic-switch" });
    expect(changeRisks({ kind: "delete", before: state })[0]?.detail).toContain("cannot be undone");
  });
});

describe("the commands' grammar", () => {
  it("parses access commands with Slack's escaped mentions", () => {
    expect(parseAccessCommand(["grant", "<@U0BOB|bob>", "approver", "prod"])).toEqual({ ok: true, value: { action: "grant", subject: { type: "user", id: "U0BOB" }, role: "approver", scope: "production" } });
    expect(parseAccessCommand(["grant", "<!subteam^S0LEADS|@leads>", "deployer", "all"])).toMatchObject({ ok: true, value: { subject: { type: "usergroup", id: "S0LEADS" }, scope: "*" } });
    expect(parseAccessCommand(["bind", "<#C0PROD|ml-prod>", "production,staging"])).toEqual({ ok: true, value: { action: "bind", channelId: "C0PROD", environments: ["production", "staging"] } });
    expect(parseAccessCommand(["approvals", "production", "9"])).toMatchObject({ ok: false, message: expect.stringContaining("0 to 5") });
    expect(parseAccessCommand(["grant", "bob", "approver"])).toMatchObject({ ok: false });
    expect(parseAccessCommand(["grant", "<@U0BOB>", "boss"])).toMatchObject({ ok: false, message: expect.stringContaining("viewer, deployer, approver or admin") });
  });

  it("parses lock, unlock, history, audit export and --dry-run, with bounds on every number", () => {
    expect(parseDeployCommand("lock fraud-prod incident INC-42")).toEqual({ ok: true, command: { verb: "lock", name: "fraud-prod", reason: "incident INC-42" } });
    expect(parseDeployCommand("lock fraud-prod")).toMatchObject({ ok: false, message: expect.stringContaining("Say why") });
    expect(parseDeployCommand("history fraud-prod 2")).toEqual({ ok: true, command: { verb: "history", name: "fraud-prod", page: 2 } });
    expect(parseDeployCommand("audit export --since 30d --format json")).toEqual({ ok: true, command: { verb: "audit", sinceMs: 30 * 86_400_000, format: "json" } });
    expect(parseDeployCommand("audit export --since 10")).toMatchObject({ ok: false });
    expect(parseDeployCommand("scale fraud-prod 4 --dry-run")).toEqual({ ok: true, command: { verb: "scale", name: "fraud-prod", replicas: 4, dryRun: true } });
    expect(parseDeployCommand("list --dry-run")).toMatchObject({ ok: false });
    expect(parseDeployCommand("rollback fraud-prod 99999999999")).toMatchObject({ ok: false, message: expect.stringContaining("at most 1,000,000") });
  });

  it("reads durations with their unit, bounded", () => {
    expect(parseDuration("10m", { ms: 86_400_000, label: "a day" })).toEqual({ ok: true, ms: 600_000 });
    expect(parseDuration("10", { ms: 86_400_000, label: "a day" })).toMatchObject({ ok: false });
    expect(parseDuration("2d", { ms: 86_400_000, label: "a day" })).toEqual({ ok: false, message: "At most a day." });
  });
});

describe("the audit export", () => {
  it("writes RFC 4180 CSV and defuses spreadsheet formulas", () => {
    const csv = auditCsv([
      { id: 1n, at: new Date("2026-11-30T10:00:00Z"), actorId: "U1", action: "rejected", reason: 'not "today", sorry', deploymentName: "fraud-prod" },
      { id: 2n, at: new Date("2026-11-30T10:01:00Z"), actorId: "U2", action: "requested", reason: "=HYPERLINK(\"x\")" },
    ]);
    const lines = csv.split("\r\n");
    expect(lines[1]).toBe('1,2026-11-30T10:00:00.000Z,U1,,fraud-prod,,,rejected,,"not ""today"", sorry",,');
    expect(lines[2]).toContain(`"'=HYPERLINK(""x"")"`);
  });
});
