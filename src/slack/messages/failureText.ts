import { classifyFailure } from "../../domain/failureClass.js";

const OUTAGE: Record<"database" | "queue" | "slack" | "cluster", string> = {
  database: "The deploybot database is unreachable right now; nothing was changed. Please try again in a minute.",
  queue: "The deploybot job queue is unreachable right now; please try again in a minute.",
  slack: "Slack did not answer in time; please try again in a minute.",
  cluster: "The Kubernetes cluster is unreachable right now; nothing was changed. Please try again in a minute.",
};

/**
 * Turns a failure into a sentence for the user: which dependency is away and that nothing was
 * lost (an outage), what is wrong with the request (its own data, with the field), or that the
 * request was already recorded (a repeated submission). Internal details stay in the logs.
 */
export function describeFailure(error: unknown): string {
  const text = error instanceof Error ? `${error.name} ${error.message}` : String(error);
  if (/expired_trigger_id|trigger_exchanged|invalid_trigger_id/.test(text)) {
    return "Slack took too long to open the form. Please run the command again.";
  }
  const failure = classifyFailure(error);
  switch (failure.kind) {
    case "outage":
      return OUTAGE[failure.dependency];
    case "duplicate":
      return failure.field === "idempotencyKey" || failure.field === null
        ? "This request was already recorded (it was submitted twice); nothing was done twice."
        : `Refused: another record already has this ${failure.field}. Nothing was changed.`;
    case "invalid":
      return `Refused: ${failure.field ?? "a value of the request"} ${failure.why}. Nothing was changed.`;
    case "unknown":
      if (/slack_webapi|An API error occurred/i.test(text)) return "Slack refused the request; please try again.";
      return "Something went wrong on deploybot's side; nothing was changed. The error is in the bot's logs.";
  }
}
