import { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";
import { PrismaClient } from "../generated/prisma/client.js";
import { ReservingPool, withReservedConnections } from "./connectionReserve.js";

export type Database = PrismaClient;

/**
 * Bounds on every wait on PostgreSQL, so that an outage shows as an error (and a retry) instead
 * of a button, a job or a transaction hanging: connecting, one statement, and a transaction left
 * open by a stuck process (which would hold its row locks, and with them the deployment's lock).
 */
export const DATABASE_TIMEOUTS = {
  connectionTimeoutMillis: 5_000,
  statement_timeout: 30_000,
  idle_in_transaction_session_timeout: 60_000,
} as const;

/**
 * Interactive transactions wait this long for a pooled connection, and may run this long. Prisma's
 * defaults (2 s and 5 s) failed requests when two replicas on two busy cores shared the database:
 * a request then waited for the connections its own worker held ("Unable to start a transaction
 * in the given time"). Still well inside the statement and idle-in-transaction bounds above.
 */
export const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 20_000 } as const;

/** The pool every query shares but those with a deadline (see RESERVED_CONNECTIONS). */
export const SHARED_CONNECTIONS = 20;

/** How long a connection that ended while checked out may stay so before the pool takes it back. */
const ENDED_CONNECTION_GRACE_MS = 1_000;

/**
 * Prisma's transaction manager releases a transaction's connection only once its COMMIT or
 * ROLLBACK statement succeeded. When the server ended the connection (a restart, a fail-over, a
 * terminated backend) that statement fails, and the connection would stay checked out for good:
 * every outage would take slots of the pool, and disconnecting would wait for them forever. A
 * connection that ended while checked out and was not released soon after is released here.
 */
function releaseEndedConnections(pool: pg.Pool): void {
  const checkedOut = new Set<pg.PoolClient>();
  pool.on("acquire", (client) => checkedOut.add(client));
  pool.on("release", (_error, client) => checkedOut.delete(client));
  pool.on("connect", (client) => {
    client.once("end", () => {
      if (!checkedOut.has(client)) return;
      setTimeout(() => {
        if (!checkedOut.has(client)) return;
        client.release(new Error("the connection ended while checked out"));
        // Whoever held it may still release it later: that is no longer an error.
        client.release = () => undefined;
      }, ENDED_CONNECTION_GRACE_MS).unref();
    });
  });
}

/** Connections a process keeps apart: for Slack requests before their acknowledgement and for readiness. */
export const RESERVED_CONNECTIONS = { servingSlack: 10, probesOnly: 1 } as const;

/**
 * At most `SHARED_CONNECTIONS` + `reserved` connections per process. The shared ones are sized
 * for the worker's concurrency (16 jobs by default) plus the requests Slack sends meanwhile; the
 * reserved ones serve work with a deadline (connectionReserve).
 */
export function createDatabase(databaseUrl: string, reserved: number = RESERVED_CONNECTIONS.servingSlack): Database {
  const pool = new ReservingPool({ connectionString: databaseUrl, max: SHARED_CONNECTIONS, reserve: reserved, ...DATABASE_TIMEOUTS });
  releaseEndedConnections(pool);
  return new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }), transactionOptions: TRANSACTION_OPTIONS });
}

/** Readiness: the database answers a trivial query (on a reserved connection: a probe has a deadline, and a busy pool is not an unready one). */
export async function pingDatabase(db: Database): Promise<void> {
  await withReservedConnections(async () => {
    await db.$queryRaw`SELECT 1`;
  });
}
