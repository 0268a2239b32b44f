import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDeploybot, type Deploybot } from "../../src/deploybot.js";
import { eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import type { SlackTarget } from "../harness/slackRequests.js";
import { sendSlashCommand, sendViewSubmission } from "../harness/slackRequests.js";
import { CHANNEL, NAMESPACE, USER, createLiveDeployment, deploymentNamed, eventsOf, newOperation, operationById } from "../harness/deploymentFlows.js";
import { V1_ANSWERS, serviceSelector, waitForCheckpoint } from "./modelUpdateSupport.js";

const NAME = "whisper-api";
const LOCK_MS = 2_000;

let h: DeploybotHarness;
let child: ChildProcess | undefined;
let survivor: Deploybot | undefined;
let kubeconfigDir: string;

/** The same bot, in a process of its own that the test can kill. */
async function startBotProcess(): Promise<{ process: ChildProcess; port: number }> {
  kubeconfigDir = mkdtempSync(join(tmpdir(), "deploybot-kube-"));
  const kubeconfig = join(kubeconfigDir, "config");
  writeFileSync(
    kubeconfig,
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "fake", cluster: { server: h.kube.url, "insecure-skip-tls-verify": true } }],
      users: [{ name: "fake", user: { token: h.kube.token } }],
      contexts: [{ name: "fake", context: { cluster: "fake", user: "fake" } }],
      "current-context": "fake",
    }),
  );
  const env = {
    ...process.env,
    SLACK_BOT_TOKEN: h.config.slack.botToken,
    SLACK_SIGNING_SECRET: h.config.slack.signingSecret,
    SLACK_API_URL: h.config.slack.apiUrl ?? "",
    DATABASE_URL: h.config.databaseUrl,
    REDIS_URL: h.config.redisUrl,
    DEPLOYBOT_QUEUE_PREFIX: h.config.queuePrefix,
    DEPLOYBOT_PROGRESS_DEADLINE_SECONDS: String(h.config.progressDeadlineSeconds),
    KUBECONFIG: kubeconfig,
    PORT: "0",
    DEPLOYBOT_TEST_LOCK_DURATION_MS: String(LOCK_MS),
    DEPLOYBOT_TEST_STALLED_INTERVAL_MS: "1000",
    DEPLOYBOT_TEST_ROLLOUT_POLL_MS: "100",
  };
  const started = spawn(process.execPath, ["--import", "tsx", "test/harness/deploybotProcess.ts"], { env, stdio: ["ignore", "pipe", "inherit"] });
  let output = "";
  started.stdout?.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  const port = await eventually(() => Number(/deploybot listening (\d+)/.exec(output)?.[1] ?? 0) || false, 30_000, "the bot process to start");
  return { process: started, port };
}

beforeAll(async () => {
  // Every instance checks for stalled jobs often: BullMQ lets one check per interval run across all workers.
  h = await startHarness({ kube: { namespaces: [NAMESPACE] }, overrides: { rolloutPollIntervalMs: 100, stalledIntervalMs: 1_000, lockDurationMs: LOCK_MS } });
  await createLiveDeployment(h, { answers: { ...V1_ANSWERS, name: NAME }, replicas: 2, readiness: "manual" });
  h.kube.setAutoProgress(true);
  // From here on the killable process is the only worker, so it is the one that takes the update.
  await h.bot.stop();
}, 60_000);
afterAll(async () => {
  if (child && child.exitCode === null) child.kill("SIGKILL");
  await survivor?.stop();
  await h?.stop();
  if (kubeconfigDir) rmSync(kubeconfigDir, { recursive: true, force: true });
});

describe("a canary whose worker is killed", () => {
  it("is taken over by another instance through stalled-job recovery and continues from its checkpoint", async () => {
    const started = await startBotProcess();
    child = started.process;
    const target: SlackTarget = { ...h.target, url: `http://127.0.0.1:${started.port}/slack/events` };

    const opened = h.slack.callsTo("views.open").length;
    await sendSlashCommand(target, { text: `update-model ${NAME} canary`, userId: USER, channelId: CHANNEL });
    const call = await eventually(() => h.slack.callsTo("views.open")[opened], 10_000, "the modal");
    const viewId = (call.response as unknown as { view: { id: string } }).view.id;
    await sendViewSubmission(target, {
      userId: USER,
      view: { id: viewId },
      answers: { modelVersion: "v2", strategy: "canary", "option.steps": "50", "option.pauseSeconds": "3" },
    });
    const operation = await newOperation(h, NAME, "update-model", [], 10_000);
    const before = await waitForCheckpoint(h, operation.id, (cp) => cp.stepIndex === 2, "the canary's pause", 20_000);
    const canaryUid = h.kube.get("Deployment", NAMESPACE, `${NAME}-green`)?.metadata.uid;

    child.kill("SIGKILL");
    await new Promise((resolve) => child?.once("exit", resolve));
    // The job is still "active" with a lock nobody renews; the cluster holds the checkpoint's state.
    expect(serviceSelector(h, NAME)).not.toHaveProperty(["deploybot.io/slot"]);

    survivor = await startDeploybot(h.config, {
      kubeConfig: h.kube.kubeConfig(),
      logger: pino({ level: "warn" }),
      recoveryIntervalMs: 60_000,
      progressUpdateIntervalMs: 50,
      rolloutPollIntervalMs: 100,
      lockDurationMs: LOCK_MS,
      stalledIntervalMs: 1_000,
    });
    await eventually(async () => (await operationById(h, operation.id)).status === "succeeded", 30_000, "the canary to finish");

    const messages = (await eventsOf(h, operation.id)).map((event) => event.message);
    expect(messages.filter((message) => message.startsWith("Resumed at step 3/"))).toHaveLength(1);
    expect(messages.filter((message) => message.includes("gets 50% of traffic"))).toHaveLength(1);
    expect(messages.filter((message) => message.startsWith("Revision 2:"))).toHaveLength(1);
    expect(before).toMatchObject({ weight: 50, switched: false });
    expect(h.kube.get("Deployment", NAMESPACE, `${NAME}-green`)?.metadata.uid).toBe(canaryUid);
    expect(serviceSelector(h, NAME)).toMatchObject({ "deploybot.io/slot": "green" });
    expect(h.kube.get("Deployment", NAMESPACE, `${NAME}-blue`)).toBeUndefined();
    const deployment = await deploymentNamed(h, NAME);
    expect(deployment).toMatchObject({ status: "live", activeSlot: "green", activeOperationId: null });
  }, 60_000);
});
