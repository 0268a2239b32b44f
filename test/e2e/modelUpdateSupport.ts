import { eventually, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { CHANNEL, NAMESPACE, USER, operationById } from "../harness/deploymentFlows.js";
import type { KubeObject } from "../harness/fakeKubeApiServer.js";
import type { StoredMessage } from "../harness/slackRecorder.js";
import { sendBlockAction, type SlackTarget } from "../harness/slackRequests.js";

/** What the model-update end-to-end tests share about rollouts: the deployment they start from, checkpoints, messages, buttons. */

/**
 * Create Deployment answers (over BASE_ANSWERS) for the deployment every model-update test
 * starts from: model-001@v1 on 2 CPU cores and 4 GB, up to 10 replicas, no description.
 * Pass them to `createLiveDeployment` with `readiness: "manual"`: these tests drive rollouts by hand.
 */
export const V1_ANSWERS: Record<string, unknown> = {
  description: null,
  modelVersion: "v1",
  "resources.cpuCores": "2",
  "resources.memoryGb": "4",
  "scaling.maxReplicas": "10",
};

/** Waits until the operation's checkpoint satisfies `check` and returns it. */
export async function waitForCheckpoint(h: DeploybotHarness, id: string, check: (checkpoint: Record<string, unknown>) => boolean, what: string, timeoutMs = 15_000) {
  return eventually(
    async () => {
      const { checkpoint } = await operationById(h, id);
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
