import { LogLevel, type Logger as SlackLogger } from "@slack/logger";
import type { Logger } from "pino";

/**
 * Bolt, the Web API client and the Socket Mode client log through Slack's Logger interface; this
 * routes them into pino and so through its redaction. Strings become the message (redacted by
 * pattern: Slack tokens, `Bearer …`, `"token":"…"`); objects are kept as structured `details`
 * instead of being stringified, so that their credential-like keys are redacted by name too.
 */
export function slackLogger(logger: Logger): SlackLogger {
  const child = logger.child({ component: "slack" });
  let level = LogLevel.INFO;
  const split = (messages: unknown[]): [Record<string, unknown>, string] => {
    const text: string[] = [];
    const details: unknown[] = [];
    for (const message of messages) {
      if (typeof message === "string") text.push(message);
      else if (message instanceof Error) text.push(message.message);
      else details.push(message);
    }
    return [details.length > 0 ? { details } : {}, text.join(" ")];
  };
  return {
    debug: (...messages: unknown[]) => child.debug(...split(messages)),
    info: (...messages: unknown[]) => child.info(...split(messages)),
    warn: (...messages: unknown[]) => child.warn(...split(messages)),
    error: (...messages: unknown[]) => child.error(...split(messages)),
    setLevel: (next: LogLevel) => {
      level = next;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
