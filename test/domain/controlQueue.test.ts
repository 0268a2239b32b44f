import { describe, expect, it } from "vitest";
import { winningControl } from "../../src/domain/controlQueue.js";

describe("the winning click", () => {
  it("lets abort beat every other click, whatever the order", () => {
    expect(winningControl([{ control: "abort", requestedBy: "U1" }, { control: "resume", requestedBy: "U2" }])?.control).toBe("abort");
    expect(winningControl([{ control: "resume", requestedBy: "U2" }, { control: "abort", requestedBy: "U1" }])?.control).toBe("abort");
    expect(winningControl([{ control: "promote", requestedBy: "U1" }, { control: "pause", requestedBy: "U2" }])?.control).toBe("promote");
  });

  it("keeps the latest of pause and resume, and none for no clicks", () => {
    expect(winningControl([{ control: "pause", requestedBy: "U1" }, { control: "resume", requestedBy: "U2" }])?.control).toBe("resume");
    expect(winningControl([])).toBeUndefined();
  });
});
