import { execFile } from "node:child_process";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

const run = promisify(execFile);
const PROJECT = resolve(import.meta.dirname, "../..");

/**
 * The bench's short mode, as CI runs it: a few deployments and scale operations through the real
 * bot process: one bot, a web process beside a worker process, then two replicas. It fails only when an operation is lost, recorded or
 * run twice, overlaps another on its deployment, or leaves a wrong replica count; never on a time.
 * The bot runs from source here: CI checks the invariants, `npm run bench` measures the build.
 */
it("keeps every operation exactly once, one at a time per deployment, with one bot and with two", async () => {
  const { stdout } = await run(process.execPath, ["--import", "tsx", "bench/run.ts", "--short", "--from-source"], {
    cwd: PROJECT,
    timeout: 230_000,
    maxBuffer: 10 * 2 ** 20,
  });
  const invariantRows = stdout.split("\n").filter((line) => line.includes("invariants"));
  // The busy phases (chains and backlog) in one process and split, one bot's throughput, two replicas'.
  expect(invariantRows).toHaveLength(6);
  for (const row of invariantRows) expect(row).toContain("| PASS (");
}, 240_000);
