import type { ModalView } from "@slack/types";
import type { DeploymentRecord } from "../../src/domain/deployment.js";
import { isFinished, type OperationEventRecord, type OperationRecord } from "../../src/domain/operation.js";
import type { RevisionRecord } from "../../src/domain/revision.js";
import { eventually, type DeploybotHarness } from "./deploybotHarness.js";
import { sendBlockAction, sendSlashCommand, sendViewSubmission } from "./slackRequests.js";

/** What the end-to-end tests share: flows a user goes through in Slack, and lookups of what the bot stored. */

/** Who asks, and where, unless a test says otherwise. */
export const USER = "U0ALICE";
export const CHANNEL = "C0DEPLOYS";
/** Where BASE_ANSWERS' environment (development) deploys. */
export const NAMESPACE = "ml-development";

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

export interface Requester {
  userId?: string;
  channelId?: string;
}

/** Opens a modal with a `/deploy` command and returns the view Slack shows. */
export async function openModal(h: DeploybotHarness, text: string, { userId = USER, channelId = CHANNEL }: Requester = {}): Promise<ModalView & { id: string }> {
  const mark = h.slack.calls.length;
  const response = await sendSlashCommand(h.target, { text, userId, channelId });
  if (response.status !== 200) throw new Error(`/deploy ${text} answered ${response.status}`);
  const call = await eventually(() => h.slack.calls.slice(mark).find((c) => c.method === "views.open"), 5000, `views.open after /deploy ${text}`);
  if (!call.ok) throw new Error(`views.open failed: ${call.error ?? "?"}`);
  const viewId = (call.response as unknown as { view: { id: string } }).view.id;
  return h.slack.view(viewId) as unknown as ModalView & { id: string };
}

export interface LiveDeploymentOptions extends Requester {
  /** Create Deployment answers over BASE_ANSWERS (keyed by block id). */
  answers?: Record<string, unknown>;
  /** Min replicas, and how many pods `readiness: "manual"` marks ready (default: the answers' min replicas). */
  replicas?: number;
  /** Ticks "Enable load balancer" first (the modal re-renders to show its fields) and picks Round Robin. */
  loadBalancer?: boolean;
  /**
   * How the pods become ready. "cluster" (default): the fake cluster progresses Deployments by
   * itself (`h.kube.setAutoProgress`), the test only waits. "manual": the test marks the blue
   * Deployment's pods ready with `h.kube.progressDeployment`, as the model-update tests drive rollouts.
   */
  readiness?: "cluster" | "manual";
}

/** Creates a deployment through the Create Deployment modal and waits until it is live and unlocked. */
export async function createLiveDeployment(h: DeploybotHarness, options: LiveDeploymentOptions = {}): Promise<DeploymentRecord> {
  const { userId = USER, channelId = CHANNEL } = options;
  const answers: Record<string, unknown> = { ...BASE_ANSWERS, ...options.answers };
  if (options.replicas !== undefined) answers["scaling.minReplicas"] = String(options.replicas);
  const name = String(answers.name);
  const view = await openModal(h, "create", { userId, channelId });
  if (options.loadBalancer) {
    await sendBlockAction(h.target, { userId, actionId: "deployment-form:loadBalancer.enabled", view: { id: view.id }, answers: { ...answers, "loadBalancer.enabled": ["on"] } });
    await eventually(() => JSON.stringify(h.slack.view(view.id)?.blocks).includes("loadBalancer.algorithm"), 5000, "load balancer fields");
    answers["loadBalancer.enabled"] = ["on"];
    answers["loadBalancer.algorithm"] = "round-robin";
  }
  const response = await sendViewSubmission(h.target, { userId, view: { id: view.id }, answers });
  if (response.body !== "") throw new Error(`create refused: ${JSON.stringify(response.body)}`);
  if (options.readiness === "manual") {
    const { namespace } = await deploymentNamed(h, name);
    await eventually(() => h.kube.get("Deployment", namespace, `${name}-blue`), 10_000, `${name}-blue`);
    h.kube.progressDeployment(namespace, `${name}-blue`, Number(answers["scaling.minReplicas"]));
  }
  return waitForStatus(h, name, "live");
}

// ---------------------------------------------------------------- lookups, through the repositories

/** More than any test records: the repositories' list methods take a limit. */
const EVERY = 1000;

/** The stored deployment; a create submission is recorded just after its answer, so this waits a little for it. */
export async function deploymentNamed(h: DeploybotHarness, name: string): Promise<DeploymentRecord> {
  return eventually(() => h.store.deployments.findByName(name), 5000, `a deployment named ${name}`);
}

export async function operationById(h: DeploybotHarness, id: string): Promise<OperationRecord> {
  const operation = await h.store.operations.get(id);
  if (!operation) throw new Error(`no operation ${id}`);
  return operation;
}

/** Every operation recorded under the deployment's name (its history outlives a delete), newest first. */
export async function operationsOf(h: DeploybotHarness, name: string): Promise<OperationRecord[]> {
  return h.store.operations.historyForName(name, EVERY);
}

/** The steps an operation recorded, oldest first. */
export async function eventsOf(h: DeploybotHarness, operationId: string): Promise<OperationEventRecord[]> {
  return h.store.operations.events(operationId);
}

/** The deployment's revisions, oldest first. */
export async function revisionsOf(h: DeploybotHarness, name: string): Promise<RevisionRecord[]> {
  const { id } = await deploymentNamed(h, name);
  return (await h.store.revisions.list(id, EVERY)).reverse();
}

/** Waits until the deployment is in `status` and no operation holds it; returns it. */
export async function waitForStatus(h: DeploybotHarness, name: string, status: string, timeoutMs = 15_000): Promise<DeploymentRecord> {
  return eventually(
    async () => {
      const deployment = await deploymentNamed(h, name);
      return deployment.status === status && deployment.activeOperationId === null ? deployment : false;
    },
    timeoutMs,
    `${name} ${status} and unlocked`,
  );
}

/** Ids of the deployment's operations recorded so far: `newOperation` then finds the one a command records next. */
export async function knownOperations(h: DeploybotHarness, name: string): Promise<string[]> {
  return (await operationsOf(h, name)).map((operation) => operation.id);
}

/** Waits for the newest operation of a kind on the deployment that is not among `known`. */
export async function newOperation(h: DeploybotHarness, name: string, kind: string, known: readonly string[], timeoutMs = 15_000): Promise<OperationRecord> {
  return eventually(
    async () => (await operationsOf(h, name)).find((operation) => operation.kind === kind && !known.includes(operation.id)),
    timeoutMs,
    `a new ${kind} operation`,
  );
}

export async function waitForOperation(h: DeploybotHarness, id: string, status: string, timeoutMs = 20_000): Promise<OperationRecord> {
  return eventually(
    async () => {
      const operation = await operationById(h, id);
      return operation.status === status ? operation : false;
    },
    timeoutMs,
    `operation ${status}`,
  );
}

/** Waits for the latest operation of a kind on a deployment to finish; returns its final record. */
export async function finishedOperation(h: DeploybotHarness, name: string, kind: string, timeoutMs = 15_000): Promise<OperationRecord> {
  return eventually(async () => {
    const operation = (await operationsOf(h, name)).find((candidate) => candidate.kind === kind);
    return operation && isFinished(operation.status) ? operation : undefined;
  }, timeoutMs, `${kind} of ${name} to finish`);
}
