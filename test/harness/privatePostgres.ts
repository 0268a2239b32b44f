import { execFile } from "node:child_process";
import { readdirSync } from "node:fs";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { createDatabase } from "../../src/store/database.js";
import { applyMigrations, type TestDatabase } from "./database.js";
import { freePort } from "./freePort.js";

const run = promisify(execFile);

/** The newest PostgreSQL installed from the distribution's packages (e.g. /usr/lib/postgresql/15/bin). */
function binariesDirectory(): string {
  const versions = readdirSync("/usr/lib/postgresql").filter((entry) => /^\d+$/.test(entry)).sort((a, b) => Number(b) - Number(a));
  if (!versions[0]) throw new Error("no PostgreSQL under /usr/lib/postgresql");
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

/** PostgreSQL refuses to run as root: as root, its tools run as the `postgres` OS user. */
const AS_ROOT = process.getuid?.() === 0;

async function postgresTool(tool: string, args: readonly string[]): Promise<void> {
  const path = join(binariesDirectory(), tool);
  if (AS_ROOT) await run("runuser", ["-u", "postgres", "--", path, ...args]);
  else await run(path, [...args]);
}

export type StopMode = "fast" | "immediate";

/**
 * A PostgreSQL cluster of one test's own (initdb on a temporary directory, a free port, trust
 * authentication), with the committed migrations applied, which the test can stop and start
 * again on the same port: an outage of the database without touching the machine's shared one.
 */
export class PrivatePostgres {
  private constructor(
    private readonly directory: string,
    readonly port: number,
  ) {}

  static async start(): Promise<PrivatePostgres> {
    const directory = await mkdtemp(join(tmpdir(), "deploybot-pg-"));
    if (AS_ROOT) {
      const { stdout } = await run("id", ["-u", "postgres"]);
      const { stdout: group } = await run("id", ["-g", "postgres"]);
      await chown(directory, Number(stdout.trim()), Number(group.trim()));
    }
    const postgres = new PrivatePostgres(directory, await freePort());
    await postgresTool("initdb", ["-D", postgres.dataDirectory, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--no-sync"]);
    await postgres.up();
    const admin = new pg.Client({ connectionString: `postgresql://postgres@127.0.0.1:${postgres.port}/postgres` });
    await admin.connect();
    try {
      await admin.query("CREATE DATABASE deploybot");
    } finally {
      await admin.end();
    }
    await applyMigrations(postgres.url);
    return postgres;
  }

  private get dataDirectory(): string {
    return join(this.directory, "data");
  }

  /** The migrated database. */
  get url(): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/deploybot`;
  }

  /** Starts the server and waits until it accepts connections. */
  async up(): Promise<void> {
    // Its socket lives in the temporary directory: nothing shared under /var/run/postgresql.
    const options = `-p ${this.port} -c listen_addresses=127.0.0.1 -k ${this.directory} -c fsync=off`;
    await postgresTool("pg_ctl", ["-D", this.dataDirectory, "-o", options, "-l", join(this.directory, "server.log"), "-w", "-t", "30", "start"]);
  }

  /** Stops the server: `fast` ends every session cleanly, `immediate` is a crash (recovery runs at the next start). */
  async down(mode: StopMode = "fast"): Promise<void> {
    await postgresTool("pg_ctl", ["-D", this.dataDirectory, "-m", mode, "-w", "stop"]);
  }

  /** The migrated database as a test's own (the harness disconnects it when it stops). */
  testDatabase(): TestDatabase {
    const db = createDatabase(this.url);
    return { url: this.url, db, drop: () => db.$disconnect() };
  }

  /** Stops the server (if it runs) and removes its files. */
  async remove(): Promise<void> {
    await this.down("immediate").catch(() => undefined);
    await rm(this.directory, { recursive: true, force: true });
  }
}
