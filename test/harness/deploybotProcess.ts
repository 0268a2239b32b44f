/**
 * Runs the bot in a process of its own, so that a test can kill it outright (SIGKILL: no
 * shutdown hooks, no lock released) and watch another instance pick its work up. The
 * configuration comes from the environment, as for `npm start`; the timings a test needs come
 * from DEPLOYBOT_TEST_* variables. Prints `deploybot listening <port>` once it serves.
 */
import { pino } from "pino";
import { loadConfig } from "../../src/config.js";
import { startDeploybot } from "../../src/deploybot.js";

function milliseconds(name: string): number | undefined {
  const value = Number(process.env[name]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

const lockDurationMs = milliseconds("DEPLOYBOT_TEST_LOCK_DURATION_MS");
const stalledIntervalMs = milliseconds("DEPLOYBOT_TEST_STALLED_INTERVAL_MS");
const rolloutPollIntervalMs = milliseconds("DEPLOYBOT_TEST_ROLLOUT_POLL_MS");
const bot = await startDeploybot(loadConfig(process.env), {
  logger: pino({ level: "warn" }),
  recoveryIntervalMs: 60_000,
  progressUpdateIntervalMs: 50,
  ...(lockDurationMs ? { lockDurationMs } : {}),
  ...(stalledIntervalMs ? { stalledIntervalMs } : {}),
  ...(rolloutPollIntervalMs ? { rolloutPollIntervalMs } : {}),
});
process.stdout.write(`deploybot listening ${bot.port}\n`);
