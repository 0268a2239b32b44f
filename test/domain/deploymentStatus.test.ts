import { describe, expect, it } from "vitest";
import {
  DEPLOYMENT_STATUSES,
  OPERATION_KINDS,
  TRANSITIONS,
  checkTransition,
  statusAfter,
  statusWhileRunning,
} from "../../src/domain/deploymentStatus.js";
import { alwaysConfirmed } from "../../src/domain/operation.js";

describe("deployment status state machine", () => {
  const cases = OPERATION_KINDS.flatMap((kind) => DEPLOYMENT_STATUSES.map((status) => [kind, status] as const));

  it.each(cases)("%s from %s is allowed exactly when the table says so", (kind, status) => {
    const check = checkTransition("resnet-prod", status, kind);
    expect(check.allowed).toBe(TRANSITIONS[kind].from.includes(status));
    if (!check.allowed) expect(check.reason).toContain("*resnet-prod*");
  });

  it("explains a refusal in words, with a hint", () => {
    expect(checkTransition("resnet-prod", "stopped", "scale")).toEqual({
      allowed: false,
      reason: "Cannot scale *resnet-prod*: it is stopped. Start it first with `/deploy start resnet-prod`.",
    });
    expect(checkTransition("resnet-prod", "deleting", "scale")).toEqual({ allowed: false, reason: "Cannot scale *resnet-prod*: it is deleting." });
  });

  it("moves create through deploying to live, or failed", () => {
    expect(statusWhileRunning("create")).toBe("deploying");
    expect(statusAfter("create", "succeeded", "pending")).toBe("live");
    expect(statusAfter("create", "failed", "pending")).toBe("failed");
  });

  it("leaves a deployment as it was when a scale or model update fails", () => {
    expect(statusAfter("scale", "failed", "live")).toBe("live");
    expect(statusAfter("update-model", "failed", "live")).toBe("live");
    expect(statusAfter("edit", "failed", "stopped")).toBe("stopped");
  });

  it("ends stop in stopped, start in live, delete in deleted", () => {
    expect(statusAfter("stop", "succeeded", "live")).toBe("stopped");
    expect(statusAfter("start", "succeeded", "stopped")).toBe("live");
    expect(statusAfter("delete", "succeeded", "live")).toBe("deleted");
    expect(statusAfter("delete", "failed", "live")).toBe("failed");
  });

  it("lets a missing deployment be re-created (start, Re-apply) or deleted, and a Re-apply return it to where it was", () => {
    expect(checkTransition("resnet-prod", "missing", "scale")).toMatchObject({ allowed: false, reason: expect.stringContaining("`/deploy start resnet-prod`") });
    for (const kind of ["start", "reapply", "delete"] as const) expect(checkTransition("resnet-prod", "missing", kind)).toEqual({ allowed: true });
    expect(statusAfter("reapply", "succeeded", "missing", "stopped")).toBe("stopped");
    expect(statusAfter("reapply", "succeeded", "missing", null)).toBe("live");
    expect(statusAfter("reapply", "failed", "missing", "stopped")).toBe("missing");
    expect(statusAfter("start", "succeeded", "missing", "stopped")).toBe("live");
    expect(statusAfter("reapply", "succeeded", "live")).toBe("live");
  });
});

describe("which operations always wait for a confirmation", () => {
  it("stop and delete do; the others decide by what they change", () => {
    expect(OPERATION_KINDS.filter((kind) => alwaysConfirmed(kind))).toEqual(["stop", "delete"]);
  });
});
