import { describe, expect, it } from "vitest";
import { canarySplit } from "../../src/domain/canarySplit.js";

describe("canary split", () => {
  it("is exact with weights: the canary gets enough pods for its share, stable keeps full size", () => {
    expect(canarySplit(10, { stableReplicas: 4, exactWeights: true, canShrinkStable: true })).toEqual({
      canaryReplicas: 1,
      stableReplicas: 4,
      sharePercent: 10,
      exact: true,
    });
    expect(canarySplit(50, { stableReplicas: 4, exactWeights: true, canShrinkStable: true })).toMatchObject({ canaryReplicas: 2, sharePercent: 50 });
  });

  it("follows the replica ratio behind a plain Service and reports the real share", () => {
    expect(canarySplit(10, { stableReplicas: 3, exactWeights: false, canShrinkStable: true })).toEqual({
      canaryReplicas: 1,
      stableReplicas: 3,
      sharePercent: 25,
      exact: false,
    });
    expect(canarySplit(25, { stableReplicas: 3, exactWeights: false, canShrinkStable: true })).toMatchObject({ canaryReplicas: 1, sharePercent: 25 });
    expect(canarySplit(50, { stableReplicas: 3, exactWeights: false, canShrinkStable: true })).toMatchObject({ canaryReplicas: 3, sharePercent: 50 });
  });

  it("shrinks the stable side past half when it may, and caps the canary when it may not", () => {
    expect(canarySplit(75, { stableReplicas: 4, exactWeights: false, canShrinkStable: true })).toEqual({
      canaryReplicas: 4,
      stableReplicas: 1,
      sharePercent: 80,
      exact: false,
    });
    expect(canarySplit(75, { stableReplicas: 4, exactWeights: false, canShrinkStable: false })).toMatchObject({ canaryReplicas: 4, stableReplicas: 4, sharePercent: 50 });
  });

  it("refuses impossible weights", () => {
    expect(() => canarySplit(0, { stableReplicas: 1, exactWeights: true, canShrinkStable: true })).toThrow(RangeError);
  });
});
