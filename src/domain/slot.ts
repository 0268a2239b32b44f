/**
 * Each deployment has two slots for its model-server Deployment, blue and green. A rolling update
 * changes the active slot in place; blue-green and canary bring the new version up in the other
 * slot and move traffic over, so the previous version stays one switch away.
 */
export const SLOTS = ["blue", "green"] as const;
export type Slot = (typeof SLOTS)[number];

export function otherSlot(slot: Slot): Slot {
  return slot === "blue" ? "green" : "blue";
}
