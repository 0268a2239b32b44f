/**
 * Child processes of the bench: started with their output in log files (a pipe nobody reads
 * would block a logger), tracked so that every exit path kills them, and sampled for RSS.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { resolve } from "node:path";
import { createInterface } from "node:readline";

const running = new Set<ChildProcess>();
/** Children run from the project, where `--import tsx` and node_modules resolve. */
const CWD = resolve(import.meta.dirname, "../..");

export interface Started {
  child: ChildProcess;
  pid: number;
  name: string;
  logPath: string;
}

/** Kills every child still running (SIGTERM, then SIGKILL after `graceMs`). */
export async function killAll(graceMs = 5_000): Promise<void> {
  await Promise.all([...running].map((child) => stop(child, graceMs)));
}

export async function stop(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    running.delete(child);
    return;
  }
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
  running.delete(child);
}

/** Starts a process with stdout and stderr appended to `logPath`. */
export function startLogged(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, logPath: string): Started {
  const fd = openSync(logPath, "a");
  const child = spawn(command, args, { env, cwd: CWD, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  running.add(child);
  child.once("exit", () => running.delete(child));
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  return { child, pid: child.pid, name, logPath };
}

/**
 * Starts a process whose first stdout line announces it is ready (the fakes print their URLs);
 * stdin stays open so that the child notices when the bench goes away.
 */
export async function startWithReadyLine(name: string, command: string, args: string[], env: NodeJS.ProcessEnv, logPath: string, timeoutMs = 60_000): Promise<{ started: Started; line: string }> {
  const fd = openSync(logPath, "a");
  const child = spawn(command, args, { env, cwd: CWD, stdio: ["pipe", "pipe", fd] });
  closeSync(fd);
  running.add(child);
  child.once("exit", () => running.delete(child));
  if (child.pid === undefined || !child.stdout) throw new Error(`${name} did not start`);
  const lines = createInterface({ input: child.stdout });
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not announce itself within ${timeoutMs} ms (log: ${logPath})`)), timeoutMs);
    lines.once("line", (first) => {
      clearTimeout(timer);
      resolve(first);
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${String(code)} before it was ready (log: ${logPath})`));
    });
  });
  // Later lines are not needed, but the pipe must keep draining.
  lines.on("line", () => undefined);
  return { started: { child, pid: child.pid, name, logPath }, line };
}

/** A port that was free a moment ago on 127.0.0.1 (the bot takes its port from PORT). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `url` until it answers 200 or the process dies. */
export async function waitForHttp(url: string, started: Started, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (started.child.exitCode !== null) throw new Error(`${started.name} exited with ${started.child.exitCode} (log: ${started.logPath})`);
    const ok = await fetch(url).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`${started.name} did not answer ${url} within ${timeoutMs} ms (log: ${started.logPath})`);
}

/** Resident set size of a process in MiB, from /proc (what `ps` and the issue call RSS). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!match?.[1]) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]) / 1024;
}

/** CPU time (user + system) a process has used so far, in seconds, from /proc/<pid>/stat. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // The command name may hold spaces: fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

/** Samples RSS every `intervalMs` until stopped. */
export class RssSampler {
  readonly samples: { at: number; mib: number }[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly pid: number,
    intervalMs = 1000,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): number | undefined {
    try {
      const mib = rssMiB(this.pid);
      this.samples.push({ at: Date.now(), mib });
      return mib;
    } catch {
      // The process is gone: the last sample stands.
      return undefined;
    }
  }

  stop(): void {
    clearInterval(this.timer);
    this.sample();
  }

  get max(): number {
    return Math.max(...this.samples.map((s) => s.mib));
  }

  get last(): number {
    return this.samples.at(-1)?.mib ?? Number.NaN;
  }
}
