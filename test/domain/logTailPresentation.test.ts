import { describe, expect, it } from "vitest";
import { presentLogTail } from "../../src/domain/logTailPresentation.js";

const NOW = new Date("2026-11-20T10:15:30.123Z");

describe("log tail presentation", () => {
  it("puts a short tail in code blocks, one per container", () => {
    const result = presentLogTail("resnet-prod", [{ heading: "pod-a / model-server", text: "ready\n" }, { heading: "pod-b / model-server", text: "", unavailable: "pod is gone" }], NOW);
    expect(result).toEqual({ kind: "inline", blocksText: ["*pod-a / model-server*\n```ready```", "*pod-b / model-server*\n```(pod is gone)```"] });
  });

  it("uploads a long tail as a file", () => {
    const text = Array.from({ length: 120 }, (_, i) => `line ${i}`).join("\n");
    const result = presentLogTail("resnet-prod", [{ heading: "pod-a / model-server", text }], NOW);
    expect(result).toMatchObject({ kind: "file", fileName: "resnet-prod-logs-2026-11-20T10-15-30.txt", summary: "120 log lines from 1 container" });
    if (result.kind === "file") expect(result.content.startsWith("===== pod-a / model-server =====\nline 0\n")).toBe(true);
  });
});
