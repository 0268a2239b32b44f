import { LogLevel, type Logger as SlackLogger } from "@slack/logger";
import type { Logger } from "pino";

/** Bolt and the Web API client log through Slack's Logger interface; this routes them into pino (and its redaction). */
export function slackLogger(logger: Logger): SlackLogger {
  const child = logger.child({ component: "slack" });
  let level = LogLevel.INFO;
  const format = (messages: unknown[]) => messages.map((m) => (m instanceof Error ? m.message : typeof m === "string" ? m : JSON.stringify(m))).join(" ");
  return {
    debug: (...messages: unknown[]) => child.debug(format(messages)),
    info: (...messages: unknown[]) => child.info(format(messages)),
    warn: (...messages: unknown[]) => child.warn(format(messages)),
    error: (...messages: unknown[]) => child.error(format(messages)),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
