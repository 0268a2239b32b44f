import type { Logger } from "pino";

export interface Drainable {
  /** Readiness answers 503 from now on; everything else keeps working. */
  beginDrain(): void;
  /** Stops the worker at a safe point, then Slack, the queue and the database. */
  stop(): Promise<void>;
}

/**
 * SIGTERM (Kubernetes) or SIGINT: readiness flips to 503 at once so that the Service stops
 * sending requests here, but the bot keeps serving for `drainMs` — endpoints take a few seconds
 * to notice, and requests already routed here must still be answered. Then the worker stops
 * taking jobs (running handlers see the abort and return at a safe point; their jobs resume on
 * another replica) and the process exits. A second signal skips the rest of the drain.
 */
export function stopGracefullyOnSignals(bot: Drainable, options: { drainMs: number; logger: Logger; exit?: (code: number) => void }): void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping: Promise<void> | undefined;
  let drainTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    clearTimeout(drainTimer);
    stopping ??= bot.stop().then(
      () => {
        options.logger.info("stopped");
        exit(0);
      },
      (error: unknown) => {
        options.logger.error({ err: error }, "unclean shutdown");
        exit(1);
      },
    );
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (drainTimer || stopping) {
      options.logger.warn({ signal }, "second signal: stopping now, without waiting for the drain to end");
      stop();
      return;
    }
    bot.beginDrain();
    options.logger.info({ signal, drainSeconds: options.drainMs / 1000 }, "draining: readiness answers 503, requests are still served until the drain ends");
    drainTimer = setTimeout(() => {
      options.logger.info("drain over: stopping the worker at a safe point; running jobs resume on the next start");
      stop();
    }, options.drainMs);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
}
