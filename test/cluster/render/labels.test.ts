import { describe, expect, it } from "vitest";
import {
  SLOTS,
  identityLabels,
  instanceSelector,
  objectLabels,
  otherSlot,
  slotLabels,
  slotObjectLabels,
  toLabelSelector,
} from "../../../src/cluster/render/labels.js";
import { buildSpec, isSubset, labelProblems } from "./fixtures.js";

describe("labels", () => {
  it("flips slots", () => {
    expect(otherSlot("blue")).toBe("green");
    expect(otherSlot("green")).toBe("blue");
    expect(SLOTS).toEqual(["blue", "green"]);
  });

  it("identifies every object of a deployment", () => {
    expect(identityLabels("bert-api-v1")).toEqual({
      "app.kubernetes.io/name": "bert-api-v1",
      "app.kubernetes.io/instance": "bert-api-v1",
      "app.kubernetes.io/managed-by": "deploybot",
      "deploybot.io/deployment": "bert-api-v1",
    });
  });

  it("adds component, environment and slot on rendered objects", () => {
    const spec = buildSpec({ name: "bert-api-v1", environment: "staging" });
    expect(objectLabels(spec)).toEqual({
      ...identityLabels("bert-api-v1"),
      "app.kubernetes.io/component": "model-server",
      "deploybot.io/environment": "staging",
    });
    expect(slotObjectLabels(spec, "green")["deploybot.io/slot"]).toBe("green");
  });

  it("selects by deploybot's own keys only, so a selector matches every object's labels", () => {
    const spec = buildSpec();
    expect(slotLabels(spec.name, "blue")).toEqual({ "deploybot.io/deployment": "resnet-prod", "deploybot.io/slot": "blue" });
    expect(isSubset(slotLabels(spec.name, "blue"), slotObjectLabels(spec, "blue"))).toBe(true);
    expect(isSubset(slotLabels(spec.name, "blue"), slotObjectLabels(spec, "green"))).toBe(false);
    expect(isSubset(instanceSelector(spec.name), slotObjectLabels(spec, "green"))).toBe(true);
  });

  it("produces valid label syntax for the longest names", () => {
    const spec = buildSpec({ name: `a${"b".repeat(39)}` });
    expect(labelProblems(slotObjectLabels(spec, "green"))).toEqual([]);
  });

  it("formats a stable selector string for list calls", () => {
    expect(toLabelSelector(identityLabels("resnet-prod"))).toBe(
      "app.kubernetes.io/instance=resnet-prod,app.kubernetes.io/managed-by=deploybot,app.kubernetes.io/name=resnet-prod,deploybot.io/deployment=resnet-prod",
    );
  });
});
