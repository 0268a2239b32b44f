import { AsyncLocalStorage } from "node:async_hooks";
import pg from "pg";

/**
 * Work that someone is waiting on with a deadline — a Slack request before its acknowledgement
 * (Slack drops it after 3 s), a readiness probe — takes its PostgreSQL connections from a small
 * reserve instead of the shared pool. The shared pool is a first-come queue: under a burst of
 * commands, or with the worker's jobs in the same process, a create form's checks would otherwise
 * wait behind dozens of queries whose answers nobody is waiting for (measured in the bench's web
 * process: all 20 connections checked out, 40-60 queries waiting for one, and a create check's
 * reads taking 300-550 ms, most of it in that queue).
 *
 * And while such work has not answered, the work nobody waits on (the worker's jobs in the same
 * process, a command's recording after its acknowledgement) holds back its next query for a
 * moment (HOLD_BACK_MAX_MS at most): they share the process's event loop and the host's cores,
 * and a create form's checks under a busy worker otherwise waited 200-300 ms for both (the
 * bench's one-process create acknowledgement: p99 229 ms before, 124 ms after).
 */
interface Urgency {
  urgent: boolean;
}

const urgency = new AsyncLocalStorage<Urgency>();
/** Urgent works that have not answered yet, in this process. */
let urgentInFlight = 0;
/** Work that is not urgent, waiting for every urgent work to answer (see `afterUrgentWork`). */
const waitingForUrgent = new Set<() => void>();

/** How long work nobody waits on may be held back, at most, while urgent work has not answered. */
export const HOLD_BACK_MAX_MS = 100;

/**
 * Resolves once no urgent work is in flight, or after HOLD_BACK_MAX_MS: the worker's next query
 * waits while a form's checks race Slack's 3 s (both share the process's CPU), never for long.
 */
function afterUrgentWork(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      waitingForUrgent.delete(done);
      resolve();
    };
    const timer = setTimeout(done, HOLD_BACK_MAX_MS);
    waitingForUrgent.add(done);
  });
}

/**
 * Runs `work` with its queries on the reserved connections until it calls `answered()`; what it
 * does after (recording, posting, enqueueing) goes back to the shared pool. The mark follows the
 * work's promises and callbacks (AsyncLocalStorage); Prisma runs `findUnique` calls made in the
 * same tick as one batch, in the context of the first of them.
 */
export function withReservedConnections<T>(work: (answered: () => void) => Promise<T>): Promise<T> {
  const mark: Urgency = { urgent: true };
  urgentInFlight++;
  const answered = () => {
    if (!mark.urgent) return;
    mark.urgent = false;
    urgentInFlight--;
    // While an AsyncLocalStorage is enabled, Node 20 tracks the context of every promise the
    // process makes (measured: 10-30 % more CPU per Prisma query). Off whenever no work is urgent,
    // which in a busy bot is most of the time; `run` turns it back on.
    if (urgentInFlight === 0) {
      urgency.disable();
      for (const release of [...waitingForUrgent]) release();
    }
  };
  return urgency.run(mark, () => work(answered)).finally(answered);
}

function isUrgent(): boolean {
  return urgency.getStore()?.urgent === true;
}

type ConnectCallback = (error: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void;

/**
 * A pg pool with a reserve: `connect` (which `query` and Prisma's transactions go through) hands
 * urgent work a connection of the reserve, everything else one of the shared pool. When every
 * reserved connection is taken and a shared one is free (a burst of commands while the worker is
 * quiet), urgent work takes the shared one rather than queue behind the reserve's ten. Each client
 * goes back to the pool it came from (its `release` is bound there).
 */
export class ReservingPool extends pg.Pool {
  private readonly reserve: pg.Pool;
  private readonly reserveSize: number;
  private readonly sharedSize: number;

  constructor(config: pg.PoolConfig & { reserve: number }) {
    const { reserve, ...shared } = config;
    super(shared);
    this.reserveSize = reserve;
    this.sharedSize = shared.max ?? 10;
    // Reserved connections stay open once made: a new one is a TCP connection and a server
    // process forked and authenticated, slow on a busy database host, which is when they are used.
    this.reserve = new pg.Pool({ ...shared, max: reserve, idleTimeoutMillis: 0 });
    // An idle reserved client that errors (the server restarted) is the pool's error, as for the shared ones.
    this.reserve.on("error", (error, client) => this.emit("error", error, client));
    for (const event of ["connect", "acquire", "release", "remove"] as const) {
      this.reserve.on(event, (...args: unknown[]) => this.emit(event, ...args));
    }
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    const urgent = isUrgent();
    if (urgent && !this.overflows()) return callback ? this.reserve.connect(callback) : this.reserve.connect();
    if (urgent || urgentInFlight === 0) return callback ? super.connect(callback) : super.connect();
    // Work nobody waits on, while urgent work has not answered: held back (afterUrgentWork).
    const connected = afterUrgentWork().then(() => super.connect());
    if (!callback) return connected;
    connected.then(
      (client) => callback(undefined, client, (release) => client.release(release as Error | boolean | undefined)),
      (error: Error) => callback(error, undefined, () => undefined),
    );
  }

  /** Urgent work overflows to the shared pool when the reserve has nothing free and the shared pool has. */
  private overflows(): boolean {
    const reserveTaken = this.reserve.idleCount === 0 && this.reserve.totalCount >= this.reserveSize;
    const sharedFree = this.waitingCount === 0 && (this.idleCount > 0 || this.totalCount < this.sharedSize);
    return reserveTaken && sharedFree;
  }

  override async end(): Promise<void> {
    await Promise.all([super.end(), this.reserve.end()]);
  }
}
