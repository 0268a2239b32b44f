import { pino, type Logger } from "pino";
import { createRedactor } from "./observability/redaction.js";

/**
 * Secrets must never reach a log line. Every argument of every log call goes through the
 * redactor (src/observability/redaction.ts): credential-like keys at any depth and in any case,
 * credential-shaped values inside strings, and the secret values the bot itself holds
 * (`knownSecrets`). pino serializes a child logger's bindings once, without any hook, so the
 * finished line goes through the string redaction again before it is written: that also catches
 * `"token":"…"` pairs and token shapes in bindings.
 */
export interface LoggerOptions {
  /** Values to remove wherever they appear: the bot's tokens, signing secret, connection passwords. */
  knownSecrets?: readonly (string | undefined)[];
}

export function createLogger(level: string, destination?: pino.DestinationStream, options: LoggerOptions = {}): Logger {
  const redactor = createRedactor(options.knownSecrets);
  const target = destination ?? pino.destination(1);
  const redactedLines: pino.DestinationStream = { write: (line: string) => target.write(redactor.text(line)) };
  return pino(
    {
      level,
      base: { service: "deploybot" },
      hooks: {
        logMethod(args, method) {
          // Redacted copies: the caller's objects are left as they were.
          const redacted = args.map((arg) => (typeof arg === "string" ? redactor.text(arg) : redactor.value(arg)));
          method.apply(this, redacted as Parameters<typeof method>);
        },
      },
    },
    redactedLines,
  );
}

/** Hides the password of a URL before it is shown anywhere. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "[unparseable url]";
  }
}

export type { Logger };
