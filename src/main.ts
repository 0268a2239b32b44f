import { ConfigError, loadConfig } from "./config.js";
import { startDeploybot } from "./deploybot.js";
import { stopGracefullyOnSignals } from "./lifecycle/shutdown.js";
import { createLogger } from "./logger.js";
import { secretsOfConfig } from "./observability/redaction.js";

try {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel, undefined, { knownSecrets: secretsOfConfig(config) });
  const bot = await startDeploybot(config, { logger });
  stopGracefullyOnSignals(bot, { drainMs: config.drainSeconds * 1000, logger });
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
