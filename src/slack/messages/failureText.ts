/**
 * Turns an infrastructure failure into a sentence for the user: which dependency is away and
 * that nothing was lost. Internal details stay in the logs.
 */
export function describeFailure(error: unknown): string {
  const text = error instanceof Error ? `${error.name} ${error.message}` : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  if (/Prisma|P1001|P1017|P2024|ECONNREFUSED.*5432|database/i.test(text) || (typeof code === "string" && code.startsWith("P1"))) {
    return "The deploybot database is unreachable right now; nothing was changed. Please try again in a minute.";
  }
  if (/redis|ECONNREFUSED.*6379/i.test(text)) return "The deploybot job queue is unreachable right now; please try again in a minute.";
  if (/expired_trigger_id|trigger_exchanged|invalid_trigger_id/.test(text)) {
    return "Slack took too long to open the form. Please run the command again.";
  }
  if (/slack_webapi|An API error occurred/i.test(text)) return "Slack refused the request; please try again.";
  return "Something went wrong on deploybot's side; nothing was changed. The error is in the bot's logs.";
}
