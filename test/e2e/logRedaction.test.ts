import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BOT_TOKEN, SIGNING_SECRET, eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { createLiveDeployment, finishedOperation, openModal } from "../harness/deploymentFlows.js";
import { sendSignedRequest, sendSlashCommand, sendViewSubmission, slashCommandFields } from "../harness/slackRequests.js";

/**
 * Plants every kind of secret the bot can meet — its own tokens and signing secret, a database
 * password, the cluster's bearer token, an Authorization header on a request, a credential typed
 * into a form — runs a full create and edit at debug level, and searches the whole log for each.
 * The logger here redacts by key and by shape only (not by the values it was told are secret),
 * so a pass means the structural redaction alone kept them out.
 */
const CHANNEL = "C0REDACT";
const USER = "U0GRACE";
const NS = "ml-development";
const DATABASE_PASSWORD = "planted-db-password-5e1f";
const BEARER = "planted-bearer-7c2a9d";
const TYPED_CREDENTIAL = "planted-hf-token-value-42aa";
const URL_PASSWORD = "planted-url-password-93bd";

let h: DeploybotHarness;

beforeAll(async () => {
  h = await startHarness({ kube: { namespaces: [NS] }, databasePassword: DATABASE_PASSWORD, redactKnownSecrets: false });
  h.kube.setAutoProgress({ delayMs: 20 });
});
afterAll(async () => {
  await h?.stop();
});

describe("a full run at debug level", () => {
  it("keeps every planted secret out of the log", async () => {
    expect(h.config.databaseUrl).toContain(DATABASE_PASSWORD);

    // A request carrying an Authorization header (a proxy in front of the bot might add one).
    const fields = slashCommandFields(h.target, { text: "help", userId: USER, channelId: CHANNEL });
    const withHeader = await sendSignedRequest(h.target, new URLSearchParams(fields).toString(), "application/x-www-form-urlencoded", {}, { authorization: `Bearer ${BEARER}` });
    expect(withHeader.status).toBe(200);

    await createLiveDeployment(h, { answers: { name: "quiet-model" }, userId: USER, channelId: CHANNEL });

    // A credential typed as a plain value is refused on its field, and its value is not logged.
    const viewId = (await openModal(h, "edit quiet-model", { userId: USER, channelId: CHANNEL })).id;
    const refused = await sendViewSubmission(h.target, { userId: USER, view: { id: viewId }, answers: { env: `HF_TOKEN=${TYPED_CREDENTIAL}` } });
    expect(refused.body).toMatchObject({ response_action: "errors", errors: { env: expect.stringContaining("HF_TOKEN=secret:<secret-name>/<key>") } });
    expect(JSON.stringify(refused.body)).not.toContain(TYPED_CREDENTIAL);

    // A plain variable is accepted, applied to the cluster, and still never logged.
    const review = await sendViewSubmission(h.target, {
      userId: USER,
      view: { id: viewId },
      answers: { env: `API_URL=https://svc:${URL_PASSWORD}@internal.example/v1\nHF_TOKEN=secret:huggingface/token` },
    });
    expect(review.body).toMatchObject({ response_action: "update" });
    await sendViewSubmission(h.target, { userId: USER, view: { id: viewId } });
    expect((await finishedOperation(h, "quiet-model", "edit")).status).toBe("succeeded");
    const applied = await eventually(() => h.kube.get("Deployment", NS, "quiet-model-blue"), 5000, "the Deployment");
    expect(JSON.stringify(applied)).toContain(URL_PASSWORD);

    // A Slack API failure and a refused command get logged with their details, redacted.
    h.slack.failNext("chat.postEphemeral", { error: "channel_not_found" });
    await sendSlashCommand(h.target, { text: "show nothing-here", userId: USER, channelId: CHANNEL });
    await new Promise((resolve) => setTimeout(resolve, 300));

    const log = h.logLines.join("");
    // The run was logged, at debug level, including Bolt's and the Web API client's own lines.
    expect(h.logLines.length).toBeGreaterThan(50);
    expect(log).toContain('"component":"slack"');
    expect(log).toContain("[redacted]");
    // Redaction by shape does not eat ordinary words ("Basic Information" is a section title).
    expect(log).toContain("Basic Information");
    for (const [what, secret] of Object.entries({
      "bot token": BOT_TOKEN,
      "signing secret": SIGNING_SECRET,
      "database password": DATABASE_PASSWORD,
      "cluster bearer token": h.kube.token,
      "request Authorization header": BEARER,
      "credential typed into the form": TYPED_CREDENTIAL,
      "password in a variable's URL": URL_PASSWORD,
    })) {
      expect(log.includes(secret), `${what} appears in the log`).toBe(false);
    }
  }, 60_000);
});
