import { describe, expect, it } from "vitest";
import { FreshSharedReads } from "../../src/operations/freshSharedReads.js";

/** A read the test finishes by hand, numbered in the order the reads started. */
function manualReads() {
  const started: { n: number; finish: (value: string) => void; fail: (error: Error) => void }[] = [];
  const read = () =>
    new Promise<string>((resolve, reject) => {
      const n = started.length + 1;
      started.push({ n, finish: resolve, fail: reject });
    });
  return { started, read };
}

describe("FreshSharedReads", () => {
  it("lets a burst share two reads, and answers each caller with a read that started after it asked", async () => {
    const reads = new FreshSharedReads<string>();
    const { started, read } = manualReads();
    const first = reads.get("page 1", read);
    const burst = Array.from({ length: 49 }, () => reads.get("page 1", read));
    // Asked while read 1 ran: none of them may get read 1's answer, which could miss their own writes.
    expect(started).toHaveLength(1);
    started[0]?.finish("read 1");
    expect(await first).toBe("read 1");
    await Promise.resolve();
    expect(started).toHaveLength(2);
    const late = reads.get("page 1", read);
    started[1]?.finish("read 2");
    expect(new Set(await Promise.all(burst))).toEqual(new Set(["read 2"]));
    // Asked while read 2 ran: a third read, its own.
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toHaveLength(3);
    started[2]?.finish("read 3");
    expect(await late).toBe("read 3");
  });

  it("reads different keys separately", async () => {
    const reads = new FreshSharedReads<string>();
    const { started, read } = manualReads();
    const one = reads.get("page 1", read);
    const two = reads.get("page 2", read);
    expect(started).toHaveLength(2);
    started[0]?.finish("one");
    started[1]?.finish("two");
    expect([await one, await two]).toEqual(["one", "two"]);
  });

  it("reads again for those who waited when the running read fails, and gives the failure only to its own callers", async () => {
    const reads = new FreshSharedReads<string>();
    const { started, read } = manualReads();
    const failing = reads.get("page 1", read);
    const waiting = reads.get("page 1", read);
    started[0]?.fail(new Error("database down"));
    await expect(failing).rejects.toThrow("database down");
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toHaveLength(2);
    started[1]?.finish("after the outage");
    expect(await waiting).toBe("after the outage");
    // Nothing is kept: the next call reads afresh.
    const next = reads.get("page 1", read);
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toHaveLength(3);
    started[2]?.finish("fresh");
    expect(await next).toBe("fresh");
  });
});
