/**
 * The baseline: a bare @slack/bolt App on its HTTP receiver with the same signing secret as the
 * bot, answering every `/deploy` with a static acknowledgement and every modal submission with an empty one. Whatever the bot spends beyond
 * this (its own listeners, database, queue) is what the bench's ratios show.
 *
 *   PORT=3001 SLACK_SIGNING_SECRET=... tsx bench/bareBolt.ts
 */
import { App, LogLevel } from "@slack/bolt";

const port = Number(process.env.PORT ?? 3001);
const app = new App({
  token: process.env.SLACK_BOT_TOKEN ?? "xoxb-bench",
  signingSecret: process.env.SLACK_SIGNING_SECRET ?? "",
  // The bot gives Bolt its identity after one auth.test at start; so does the baseline, so
  // that neither calls Slack per request.
  botId: "B0DEPLOYBOT",
  botUserId: "U0DEPLOYBOT",
  tokenVerificationEnabled: false,
  logLevel: LogLevel.WARN,
});

app.command("/deploy", async ({ ack }) => {
  await ack({ response_type: "ephemeral", text: "deploybot baseline: static answer" });
});
// A modal submission (the bench's create form), acknowledged with nothing: the modal closes.
app.view(/.*/, async ({ ack }) => {
  await ack();
});

await app.start(port);
// Health, as the bot's /healthz: the driver waits on it before sending requests.
process.stdout.write(`bare bolt listening ${port}\n`);
process.once("SIGTERM", () => {
  app.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
