import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.js";

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

export function createDatabase(databaseUrl: string): Database {
  // Sized for the worker's concurrency (16 jobs by default) plus the requests Slack sends meanwhile.
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl, max: 20, ...DATABASE_TIMEOUTS }),
    transactionOptions: TRANSACTION_OPTIONS,
  });
}

/** Readiness: the database answers a trivial query. */
export async function pingDatabase(db: Database): Promise<void> {
  await db.$queryRaw`SELECT 1`;
}
