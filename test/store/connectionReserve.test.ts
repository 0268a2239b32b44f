import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HOLD_BACK_MAX_MS, ReservingPool, withReservedConnections } from "../../src/store/connectionReserve.js";
import { setTimeout as sleep } from "node:timers/promises";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";

let database: TestDatabase;
let admin: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase();
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});
afterAll(async () => {
  await admin?.end();
  await database?.drop();
});

async function backendPid(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  const pid = rows[0]?.pid;
  if (pid === undefined) throw new Error("no pid");
  return pid;
}

describe("a pool with a reserve for work with a deadline", () => {
  it("holds back a query nobody waits on until urgent work has answered, and never longer than HOLD_BACK_MAX_MS", async () => {
    const pool = new ReservingPool({ connectionString: database.url, max: 2, reserve: 1 });
    pool.on("error", () => undefined);
    try {
      await pool.query("SELECT 1"); // connected once: the timings below are the hold's, not a connection's
      for (const answerAfterMs of [HOLD_BACK_MAX_MS / 2, HOLD_BACK_MAX_MS * 10]) {
        let answeredAt = 0;
        const started = performance.now();
        const urgent = withReservedConnections(async (answered) => {
          await pool.query("SELECT 'checks' AS lane");
          await sleep(answerAfterMs);
          answeredAt = performance.now();
          answered();
        });
        await sleep(5);
        // Outside the urgent work's context: a job's query.
        await pool.query("SELECT 'job' AS lane");
        const heldFor = performance.now() - started;
        if (answerAfterMs < HOLD_BACK_MAX_MS) {
          expect(answeredAt).toBeGreaterThan(0);
          expect(heldFor).toBeGreaterThanOrEqual(answerAfterMs);
        } else {
          expect(answeredAt).toBe(0);
          expect(heldFor).toBeGreaterThanOrEqual(HOLD_BACK_MAX_MS);
          expect(heldFor).toBeLessThan(answerAfterMs);
        }
        await urgent;
      }
    } finally {
      await pool.end();
    }
  });

  it("serves urgent work while every shared connection is taken, and only until it is answered", async () => {
    const pool = new ReservingPool({ connectionString: database.url, max: 1, reserve: 1 });
    pool.on("error", () => undefined);
    const held = await pool.connect();
    try {
      const queued = pool.query("SELECT 'shared' AS lane");
      expect(pool.waitingCount).toBe(1);

      let afterAnswer: Promise<unknown> | undefined;
      const urgent = await withReservedConnections(async (answered) => {
        const { rows } = await pool.query<{ lane: string }>("SELECT 'reserved' AS lane");
        answered();
        // Once answered, the same work queues for the shared pool like everything else.
        afterAnswer = pool.query("SELECT 'after' AS lane");
        return rows[0]?.lane;
      });
      expect(urgent).toBe("reserved");
      expect(pool.waitingCount).toBe(2);

      held.release();
      await expect(queued).resolves.toMatchObject({ rows: [{ lane: "shared" }] });
      await expect(afterAnswer).resolves.toMatchObject({ rows: [{ lane: "after" }] });
    } finally {
      await pool.end();
    }
  });

  it("takes transactions' connections from the reserve too, and gives each back to its own pool", async () => {
    const pool = new ReservingPool({ connectionString: database.url, max: 1, reserve: 1 });
    pool.on("error", () => undefined);
    const sharedPid = await backendPid(pool);
    const reservedPid = await withReservedConnections(async () => {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        await client.query("COMMIT");
        return rows[0]?.pid;
      } finally {
        client.release();
      }
    });
    expect(reservedPid).not.toBe(sharedPid);
    // Both connections are idle again, each in its pool: the shared one serves the next query.
    expect(await backendPid(pool)).toBe(sharedPid);
    expect(await withReservedConnections(() => backendPid(pool))).toBe(reservedPid);
    await pool.end();
  });

  it("lets urgent work take a free shared connection when every reserved one is taken", async () => {
    const pool = new ReservingPool({ connectionString: database.url, max: 1, reserve: 1 });
    pool.on("error", () => undefined);
    const sharedPid = await backendPid(pool);
    await withReservedConnections(async () => {
      const reserved = await pool.connect();
      const reservedPid = (await reserved.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]?.pid;
      // The reserve's one connection is held, the shared one is idle: the next urgent query takes it.
      expect(await backendPid(pool)).toBe(sharedPid);
      // With the shared one taken too, urgent work waits for the reserve, its own lane.
      const shared = await pool.connect();
      const waiting = backendPid(pool);
      expect(pool.waitingCount).toBe(0);
      reserved.release();
      await expect(waiting).resolves.toBe(reservedPid);
      shared.release();
    });
    await pool.end();
  });

  it("reports a reserved connection the server ended as the pool's error, and opens a new one", async () => {
    const pool = new ReservingPool({ connectionString: database.url, max: 1, reserve: 1 });
    const errors: Error[] = [];
    pool.on("error", (error) => errors.push(error));
    const reservedPid = await withReservedConnections(() => backendPid(pool));
    await admin.query("SELECT pg_terminate_backend($1)", [reservedPid]);
    await expect.poll(() => errors.length, { timeout: 5_000 }).toBeGreaterThan(0);
    const next = await withReservedConnections(() => backendPid(pool));
    expect(next).not.toBe(reservedPid);
    await pool.end();
  });
});
