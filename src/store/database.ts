import { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";
import { dutiesOf, type Config } from "../config.js";
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

/** How many PostgreSQL connections a process opens: shared by all its work, and kept apart (connectionReserve). */
export interface ConnectionBudget {
  shared: number;
  /** For Slack requests before their acknowledgement and for the readiness probe. */
  reserved: number;
}

/** The reserve of a process that answers Slack: a burst of form checks and commands; a worker's: its probe. */
const RESERVED_FOR_SLACK = 10;
const RESERVED_FOR_PROBE = 1;
/** Beside the jobs, a worker's periodic checks, recovery and queue bookkeeping hold connections too. */
const BESIDE_JOBS = 4;
/** What a web process needs for the work after the acknowledgements: recording, posting, listing. */
const WEB_SHARED = 10;

/**
 * Sized by what the process does (`role`), so that every job can hold a connection without waiting
 * for one (a worker's shared pool is its concurrency plus the periodic work), and a process that
 * answers Slack keeps a reserve for its acknowledgements. `databaseMaxConnections`
 * (DATABASE_MAX_CONNECTIONS), when set, is the process's total: the install's budget against the
 * server's `max_connections` (see docs/install.md); the reserve then takes a third of it, at most
 * its default.
 */
export function connectionBudget(bot: Pick<Config, "role" | "workerConcurrency" | "databaseMaxConnections">): ConnectionBudget {
  const { servesSlack, runsJobs } = dutiesOf(bot.role);
  if (bot.databaseMaxConnections !== undefined) {
    const reserved = servesSlack ? Math.max(1, Math.min(RESERVED_FOR_SLACK, Math.floor(bot.databaseMaxConnections / 3))) : RESERVED_FOR_PROBE;
    return { shared: bot.databaseMaxConnections - reserved, reserved };
  }
  return {
    shared: runsJobs ? bot.workerConcurrency + BESIDE_JOBS : WEB_SHARED,
    reserved: servesSlack ? RESERVED_FOR_SLACK : RESERVED_FOR_PROBE,
  };
}

/** The budget of one process that answers Slack and runs jobs at the default concurrency: tests and scripts. */
const DEFAULT_CONNECTION_BUDGET: ConnectionBudget = connectionBudget({ role: "all", workerConcurrency: 16 });

/** At most `shared` + `reserved` connections (see connectionBudget). */
export function createDatabase(databaseUrl: string, budget: ConnectionBudget = DEFAULT_CONNECTION_BUDGET): Database {
  const pool = new ReservingPool({ connectionString: databaseUrl, max: budget.shared, reserve: budget.reserved, ...DATABASE_TIMEOUTS });
  releaseEndedConnections(pool);
  return new PrismaClient({ adapter: new PrismaPg(pool, { disposeExternalPool: true }), transactionOptions: TRANSACTION_OPTIONS });
}

/** Readiness: the database answers a trivial query (on a reserved connection: a probe has a deadline, and a busy pool is not an unready one). */
export async function pingDatabase(db: Database): Promise<void> {
  await withReservedConnections(async () => {
    await db.$queryRaw`SELECT 1`;
  });
}
