import { eventually, type DeploybotHarness } from "./deploybotHarness.js";
import { sendSlashCommand, sendViewSubmission } from "./slackRequests.js";

export const BASE_ANSWERS: Record<string, unknown> = {
  name: "resnet-prod",
  description: "Image classification",
  modelId: "model-001",
  modelVersion: "v2.1.0",
  environment: "development",
  "resources.cpuCores": "4",
  "resources.memoryGb": "16",
  "scaling.minReplicas": "2",
  "scaling.maxReplicas": "6",
  "scaling.targetCpuUtilization": "70",
  "scaling.targetMemoryUtilization": "80",
};

/** Opens a modal with a `/deploy` command and returns its view id. */
export async function openModal(h: DeploybotHarness, text: string, userId: string, channelId: string): Promise<string> {
  const mark = h.slack.calls.length;
  const response = await sendSlashCommand(h.target, { text, userId, channelId });
  if (response.status !== 200) throw new Error(`/deploy ${text} answered ${response.status}`);
  const call = await eventually(() => h.slack.calls.slice(mark).find((c) => c.method === "views.open"), 5000, `views.open after /deploy ${text}`);
  if (!call.ok) throw new Error(`views.open failed: ${call.error ?? "?"}`);
  return (call.response as unknown as { view: { id: string } }).view.id;
}

/** Creates a deployment through the real modal and waits until it is live (the cluster must progress it). */
export async function createLiveDeployment(h: DeploybotHarness, answers: Record<string, unknown>, userId: string, channelId: string): Promise<void> {
  const viewId = await openModal(h, "create", userId, channelId);
  const response = await sendViewSubmission(h.target, { userId, view: { id: viewId }, answers: { ...BASE_ANSWERS, ...answers } });
  if (response.body !== "") throw new Error(`create refused: ${JSON.stringify(response.body)}`);
  const name = String(answers.name ?? BASE_ANSWERS.name);
  await eventually(async () => (await h.bot.db.deployment.findUnique({ where: { name } }))?.status === "live", 15_000, `${name} live`);
}

/** The deployment's status once no operation holds it. */
export async function settledStatus(h: DeploybotHarness, name: string, timeoutMs = 15_000): Promise<string> {
  return eventually(async () => {
    const row = await h.bot.db.deployment.findUnique({ where: { name } });
    return row && row.activeOperationId === null ? row.status : undefined;
  }, timeoutMs, `${name} settled`);
}

/** Waits for the latest operation of a kind on a deployment to finish; returns its final record. */
export async function finishedOperation(h: DeploybotHarness, name: string, kind: string, timeoutMs = 15_000) {
  return eventually(async () => {
    const operation = await h.bot.db.operation.findFirst({ where: { deploymentName: name, kind }, orderBy: { createdAt: "desc" } });
    return operation && ["succeeded", "failed", "cancelled", "expired"].includes(operation.status) ? operation : undefined;
  }, timeoutMs, `${kind} of ${name} to finish`);
}
