import { describe, expect, it } from "vitest";
import { DatabaseOutageWait } from "../../src/jobs/databaseOutageWait.js";

/** What the driver raises once PostgreSQL began shutting down. */
const SHUTDOWN = Object.assign(new Error("terminating connection due to administrator command"), {
  name: "DriverAdapterError",
  cause: { kind: "postgres", code: "57P01" },
});

function waitFor(maxWaitMs: number, signal = new AbortController().signal) {
  const seen: string[] = [];
  const wait = new DatabaseOutageWait({ maxWaitMs, signal, onOutage: () => seen.push("outage"), onBack: () => seen.push("back") });
  return { wait, seen };
}

describe("a run's database writes through an outage", () => {
  it("waits out a short outage, says when it began and ended, and counts the delay", async () => {
    const { wait, seen } = waitFor(10_000);
    let calls = 0;
    const result = await wait.through(async () => {
      calls += 1;
      if (calls < 3) throw SHUTDOWN;
      return "written";
    });
    expect(result).toBe("written");
    expect(seen).toEqual(["outage", "back"]);
    expect(wait.delayedMs).toBeGreaterThan(0);
  });

  it("gives the error back once the outage lasts longer than it may wait", async () => {
    const { wait, seen } = waitFor(300);
    await expect(wait.through(() => Promise.reject(SHUTDOWN))).rejects.toBe(SHUTDOWN);
    expect(seen).toEqual(["outage"]);
  });

  it("never waits out an error that is not an outage", async () => {
    const { wait, seen } = waitFor(10_000);
    const refused = new Error("value out of range");
    let calls = 0;
    await expect(wait.through(() => ((calls += 1), Promise.reject(refused)))).rejects.toBe(refused);
    expect(calls).toBe(1);
    expect(seen).toEqual([]);
  });

  it("stops waiting when the worker shuts down", async () => {
    const shutdown = new AbortController();
    const { wait } = waitFor(60_000, shutdown.signal);
    setTimeout(() => shutdown.abort(), 100);
    await expect(wait.through(() => Promise.reject(SHUTDOWN))).rejects.toBe(SHUTDOWN);
  });
});
