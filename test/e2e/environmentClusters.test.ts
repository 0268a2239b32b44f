import type { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { createLiveDeployment } from "../harness/deploymentFlows.js";
import { kubeConfigWithContexts, startFakeKubeApiServer, type FakeKubeApiServer } from "../harness/fakeKubeApiServer.js";
import { OOM_KILLED_STATUS, setPodStatuses } from "../harness/podStatuses.js";
import { sendSlashCommand } from "../harness/slackRequests.js";

/**
 * Development lives on a cluster of its own (`DEPLOYBOT_KUBE_CONTEXT_DEVELOPMENT`), the other
 * environments on the kubeconfig's current context: what `/deploy metrics`, `/deploy logs` and
 * the alerts read about a development deployment comes from the development cluster.
 */

const CHANNEL = "C0CLUSTERS";
const ALICE = "U0ALICE";
const NS = "ml-development";
const NAME = "split-model";

let h: DeploybotHarness;
let development: FakeKubeApiServer;

/** The harness's server as the current context "shared", and the development cluster as "dev". */
function twoClusterKubeConfig(shared: FakeKubeApiServer): KubeConfig {
  return kubeConfigWithContexts({ shared, dev: development }, "shared");
}

beforeAll(async () => {
  development = await startFakeKubeApiServer({ token: "dev-token", namespaces: [NS] });
  development.setAutoProgress({ delayMs: 20 });
  h = await startHarness({
    env: { DEPLOYBOT_KUBE_CONTEXT_DEVELOPMENT: "dev", DEPLOYBOT_ALERT_FOR_SECONDS: "0" },
    kube: { token: "shared-token" },
    kubeConfig: twoClusterKubeConfig,
  });
  await createLiveDeployment(h, { answers: { name: NAME }, userId: ALICE, channelId: CHANNEL });
}, 60_000);
afterAll(async () => {
  await h?.stop();
  await development?.close();
});

async function command(text: string) {
  const response = await sendSlashCommand(h.target, { text, userId: ALICE, channelId: CHANNEL, responseUrl: h.slack.responseUrl({ channelId: CHANNEL, userId: ALICE }) });
  expect(response.status).toBe(200);
}

function postsSince(mark: number) {
  return h.slack.calls.slice(mark).filter((call) => call.method === "chat.postMessage");
}

/** Requests the shared cluster got under the development namespace (there should be none). */
function sharedAskedAboutDevelopment(): string[] {
  return h.kube.requests.filter((request) => request.path.includes(`/namespaces/${NS}/`)).map((request) => `${request.method} ${request.path}`);
}

describe("monitoring reads the cluster of the deployment's environment", () => {
  it("runs the deployment on the development cluster only", () => {
    expect(development.get("Deployment", NS, `${NAME}-blue`)).toBeDefined();
    expect(h.kube.get("Deployment", NS, `${NAME}-blue`)).toBeUndefined();
  });

  it("shows the live replicas from the development cluster in /deploy metrics", async () => {
    const before = h.slack.calls.length;
    await command(`metrics ${NAME}`);
    const post = await eventually(() => postsSince(before)[0], 10_000, "the metrics message");
    expect(JSON.stringify(post.params.blocks)).toContain("*Replicas:* 2/2 ready");
    expect(development.requests.some((request) => request.path === `/apis/apps/v1/namespaces/${NS}/deployments`)).toBe(true);
    expect(sharedAskedAboutDevelopment()).toEqual([]);
  });

  it("tails the logs of the development cluster's pods", async () => {
    const pods = development.list("Pod", NS).filter((pod) => pod.metadata.name.startsWith(`${NAME}-blue-`));
    expect(pods.length).toBeGreaterThan(0);
    for (const pod of pods) development.setPodLogs(NS, pod.metadata.name, "model-server", ["served from the development cluster"]);
    const before = h.slack.calls.length;
    await command(`logs ${NAME}`);
    const post = await eventually(() => postsSince(before)[0], 10_000, "the log tail");
    expect(JSON.stringify(post.params.blocks)).toContain("served from the development cluster");
    expect(sharedAskedAboutDevelopment()).toEqual([]);
  });

  it("evaluates alerts on the development cluster's workloads, and diagnoses its pods", async () => {
    expect(await h.bot.alertEvaluator.evaluate()).toMatchObject({ deployments: 1, fired: 0 });
    development.progressDeployment(NS, `${NAME}-blue`, 0);
    setPodStatuses(development, NS, `${NAME}-blue-`, OOM_KILLED_STATUS);
    expect(await h.bot.alertEvaluator.evaluate()).toMatchObject({ deployments: 1, fired: 1 });
    const alert = await eventually(() => h.slack.messages(CHANNEL).find((m) => m.text?.startsWith("Firing")), 10_000, "the alert");
    const text = JSON.stringify(alert.blocks);
    expect(text).toContain("ready replicas");
    expect(text).toContain(`*Cause:* Container model-server of pod ${NAME}-blue-`);
    expect(sharedAskedAboutDevelopment()).toEqual([]);
  });
});
