import type { ModalView } from "@slack/types";
import { expect } from "vitest";
import { eventually, type DeploybotHarness } from "../harness/deploybotHarness.js";
import type { KubeObject } from "../harness/fakeKubeApiServer.js";
import type { StoredMessage } from "../harness/slackRecorder.js";
import { openModal as openModalWithCommand } from "../harness/deploymentFlows.js";
import { sendBlockAction, sendViewSubmission, type SlackTarget } from "../harness/slackRequests.js";

/** What the model-update end-to-end tests share: a live deployment made the way a user makes one, and lookups. */

export const CHANNEL = "C0DEPLOYS";
export const USER = "U0ALICE";
export const NAMESPACE = "ml-development";

export interface LiveDeploymentOptions {
  name: string;
  replicas?: number;
  loadBalancer?: boolean;
}

/** Opens a modal with a slash command and returns the view Slack shows. */
export async function openModal(h: DeploybotHarness, text: string, userId = USER): Promise<ModalView & { id: string }> {
  const viewId = await openModalWithCommand(h, text, userId, CHANNEL);
  return h.slack.view(viewId) as unknown as ModalView & { id: string };
}

/** Creates a deployment through the Create Deployment modal and brings it live at v1. */
export async function createLiveDeployment(h: DeploybotHarness, options: LiveDeploymentOptions): Promise<void> {
  const replicas = options.replicas ?? 3;
  const view = await openModal(h, "create");
  const answers: Record<string, unknown> = {
    name: options.name,
    modelId: "model-001",
    modelVersion: "v1",
    environment: "development",
    "resources.cpuCores": "2",
    "resources.memoryGb": "4",
    "scaling.minReplicas": String(replicas),
    "scaling.maxReplicas": "10",
    "scaling.targetCpuUtilization": "70",
    "scaling.targetMemoryUtilization": "80",
  };
  if (options.loadBalancer) {
    await sendBlockAction(h.target, { userId: USER, actionId: "deployment-form:loadBalancer.enabled", view: { id: view.id }, answers: { ...answers, "loadBalancer.enabled": ["on"] } });
    await eventually(() => JSON.stringify(h.slack.view(view.id)?.blocks).includes("loadBalancer.algorithm"), 5000, "load balancer fields");
    answers["loadBalancer.enabled"] = ["on"];
    answers["loadBalancer.algorithm"] = "round-robin";
  }
  const response = await sendViewSubmission(h.target, { userId: USER, view: { id: view.id }, answers });
  expect(response.body).toBe("");
  await eventually(() => h.kube.get("Deployment", NAMESPACE, `${options.name}-blue`), 10_000, `${options.name}-blue`);
  h.kube.progressDeployment(NAMESPACE, `${options.name}-blue`, replicas);
  await waitForStatus(h, options.name, "live");
}

export async function waitForStatus(h: DeploybotHarness, name: string, status: string, timeoutMs = 15_000) {
  return eventually(
    async () => {
      const row = await h.bot.db.deployment.findUniqueOrThrow({ where: { name } });
      return row.status === status && row.activeOperationId === null ? row : false;
    },
    timeoutMs,
    `${name} ${status} and unlocked`,
  );
}

/** Ids of the operations recorded so far: `newOperation` then finds the one a command records next. */
export async function knownOperations(h: DeploybotHarness): Promise<string[]> {
  return (await h.bot.db.operation.findMany({ select: { id: true } })).map((row) => row.id);
}

export async function newOperation(h: DeploybotHarness, name: string, kind: string, known: readonly string[]) {
  return eventually(
    () => h.bot.db.operation.findFirst({ where: { deploymentName: name, kind, id: { notIn: [...known] } }, orderBy: { createdAt: "desc" } }),
    15_000,
    `a new ${kind} operation`,
  );
}

export async function waitForOperation(h: DeploybotHarness, id: string, status: string, timeoutMs = 20_000) {
  return eventually(
    async () => {
      const row = await h.bot.db.operation.findUniqueOrThrow({ where: { id } });
      return row.status === status ? row : false;
    },
    timeoutMs,
    `operation ${status}`,
  );
}

/** Waits until the operation's checkpoint satisfies `check` and returns it. */
export async function waitForCheckpoint(h: DeploybotHarness, id: string, check: (checkpoint: Record<string, unknown>) => boolean, what: string, timeoutMs = 15_000) {
  return eventually(
    async () => {
      const row = await h.bot.db.operation.findUniqueOrThrow({ where: { id } });
      const checkpoint = row.checkpoint as Record<string, unknown> | null;
      return checkpoint && check(checkpoint) ? checkpoint : false;
    },
    timeoutMs,
    what,
  );
}

/** The progress message of an operation (its blocks carry the operation id's first 8 characters). */
export function progressMessage(h: DeploybotHarness, operationId: string): StoredMessage | undefined {
  return h.slack.messages(CHANNEL).find((message) => JSON.stringify(message.blocks ?? []).includes(operationId.slice(0, 8)));
}

export async function waitForMessage(h: DeploybotHarness, operationId: string, contains: string, timeoutMs = 15_000): Promise<StoredMessage> {
  return eventually(
    () => {
      const message = progressMessage(h, operationId);
      return message && JSON.stringify(message.blocks).includes(contains) ? message : false;
    },
    timeoutMs,
    `progress message showing "${contains}"`,
  );
}

/** Every line the rollout posted in its message's thread. */
export function threadText(h: DeploybotHarness, operationId: string): string {
  return (progressMessage(h, operationId)?.replies ?? []).map((reply) => reply.text ?? "").join("\n");
}

export function modelVersionOf(object: KubeObject | undefined): string | undefined {
  return (object?.metadata.annotations as Record<string, string> | undefined)?.["deploybot.io/model-version"];
}

export function serviceSelector(h: DeploybotHarness, name: string): Record<string, string> | undefined {
  const spec = h.kube.get("Service", NAMESPACE, name)?.spec as { selector?: Record<string, string> } | undefined;
  return spec?.selector;
}

export async function clickRolloutButton(
  h: DeploybotHarness,
  operationId: string,
  control: string,
  options: { userId?: string; channelId?: string; target?: SlackTarget } = {},
) {
  const message = await eventually(
    () => {
      const found = progressMessage(h, operationId);
      return found && JSON.stringify(found.blocks).includes(`"rollout:${control}"`) ? found : false;
    },
    15_000,
    `the ${control} button`,
  );
  return sendBlockAction(options.target ?? h.target, {
    userId: options.userId ?? USER,
    channelId: options.channelId ?? CHANNEL,
    actionId: `rollout:${control}`,
    message: { ts: message.ts },
  });
}

export async function revisionsOf(h: DeploybotHarness, name: string) {
  return h.bot.db.revision.findMany({ where: { deploymentName: name }, orderBy: { number: "asc" } });
}
