import { ConfigError, loadConfig } from "./config.js";
import { startDeploybot } from "./deploybot.js";
import { createLogger } from "./logger.js";

try {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  const bot = await startDeploybot(config, { logger });
  const shutdown = (signal: string) => {
    logger.info({ signal }, "shutting down: finishing running steps, jobs resume on the next start");
    bot.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "unclean shutdown");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
