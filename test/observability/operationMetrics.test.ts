import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { queueSnapshot } from "../../src/observability/operationMetrics.js";
import { createMetrics } from "../../src/observability/metrics.js";
import { parseExposition, sampleValue } from "../harness/prometheusText.js";
import { createTestRedis, type TestRedis } from "../harness/redis.js";

let redis: TestRedis;
let connection: Redis;
let queue: Queue;

beforeAll(() => {
  redis = createTestRedis();
  connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  queue = new Queue("operations", { connection, prefix: redis.prefix });
});
afterAll(async () => {
  await queue?.close();
  connection?.disconnect();
  await redis?.cleanup();
});

describe("the queue on scrape", () => {
  it("reports depth by state and the age of the job that has waited longest", async () => {
    expect(await queueSnapshot(queue)).toEqual({ counts: { waiting: 0, active: 0, delayed: 0, prioritized: 0, "waiting-children": 0, failed: 0 }, oldestWaitingSeconds: 0 });
    await queue.add("run-operation", { operationId: "first" }, { jobId: "first", timestamp: Date.now() - 90_000 });
    await queue.add("run-operation", { operationId: "second" }, { jobId: "second" });
    await queue.add("run-operation", { operationId: "later" }, { jobId: "later", delay: 60_000 });

    const snapshot = await queueSnapshot(queue);
    expect(snapshot.counts).toMatchObject({ waiting: 2, delayed: 1, active: 0 });
    expect(snapshot.oldestWaitingSeconds).toBeGreaterThanOrEqual(90);
    expect(snapshot.oldestWaitingSeconds).toBeLessThan(120);

    const metrics = createMetrics({ queue: () => queueSnapshot(queue) });
    const samples = parseExposition(await metrics.exposition());
    expect(sampleValue(samples, "deploybot_queue_jobs", { state: "waiting" })).toBe(2);
    expect(sampleValue(samples, "deploybot_queue_jobs", { state: "delayed" })).toBe(1);
    expect(sampleValue(samples, "deploybot_queue_oldest_waiting_seconds")).toBeGreaterThanOrEqual(90);
  });

  it("leaves the queue out of a scrape that it cannot answer in time, instead of failing the scrape", async () => {
    const metrics = createMetrics({ queue: () => new Promise(() => undefined), dependencies: () => new Promise(() => undefined), timeoutMs: 100 });
    const samples = parseExposition(await metrics.exposition());
    expect(samples.filter((sample) => sample.name.startsWith("deploybot_queue_"))).toEqual([]);
    expect(sampleValue(samples, "deploybot_dependency_up", { dependency: "redis" })).toBe(0);
  });
});
