import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import type { KnownBlock, ModalView } from "@slack/types";
import type { ProgressPublisher } from "../../domain/progress.js";
import type { TrafficProviderId } from "../../domain/trafficCapabilities.js";
import type { AccessAdministration } from "../../operations/accessAdministration.js";
import type { AlertRequests } from "../../operations/alertRequests.js";
import type { DeploymentMonitoring } from "../../operations/deploymentMonitoring.js";
import type { AuditQueries } from "../../operations/auditQueries.js";
import type { ChangeRequests } from "../../operations/changeRequests.js";
import type { DeploymentFreezes } from "../../operations/deploymentFreezes.js";
import type { DryRuns } from "../../operations/dryRuns.js";
import type { DeploymentQueries } from "../../operations/deploymentQueries.js";
import type { DeploymentRequests } from "../../operations/deploymentRequests.js";
import type { ModelUpdateRequests } from "../../operations/modelUpdateRequests.js";
import type { OperationRequests } from "../../operations/operationRequests.js";
import type { Requester } from "../../domain/operation.js";
import { errorMessage } from "../messages/helpMessage.js";

/** What every Slack listener may use: the operations service (the request side), and the progress publisher. */
export interface SlackDependencies {
  requests: DeploymentRequests;
  operations: OperationRequests;
  queries: DeploymentQueries;
  modelUpdates: ModelUpdateRequests;
  changeRequests: ChangeRequests;
  freezes: DeploymentFreezes;
  audit: AuditQueries;
  accessAdministration: AccessAdministration;
  dryRuns: DryRuns;
  /** Metrics and logs (`/deploy metrics`, `/deploy logs`, the Metrics and View logs buttons). */
  monitoring: DeploymentMonitoring;
  /** Alert rules, acknowledgements, silences and Alertmanager's webhook. */
  alerts: AlertRequests;
  publisher: ProgressPublisher;
  /** Decides which load-balancing choices the forms accept. */
  trafficProvider: TrafficProviderId;
  logger: Logger;
}

export interface PrivateReply {
  response_type?: "ephemeral";
  text: string;
  blocks?: KnownBlock[];
}

/** One `/deploy` invocation (or a button that does what a command does), after it was acknowledged. */
export interface CommandContext {
  userId: string;
  channelId: string;
  teamId: string | null;
  triggerId: string;
  /** Answers only the person who asked (the response URL after a command, an ephemeral message after a button). */
  respond: (message: PrivateReply) => Promise<unknown>;
  /** Opens a modal: a new one from a command, stacked on the current one from inside a modal. */
  openView(view: ModalView): Promise<void>;
  client: WebClient;
  deps: SlackDependencies;
}

/** Tells the person behind a command something only they see: a refusal, a problem. */
export async function replyPrivately(context: Pick<CommandContext, "respond">, text: string): Promise<void> {
  await context.respond({ response_type: "ephemeral", ...errorMessage(text) });
}

/** The same after a button or a modal, which have no response URL: an ephemeral message in the channel. */
export function ephemeralTeller(client: WebClient, channelId: string, userId: string): (text: string) => Promise<void> {
  return async (text) => {
    const message = errorMessage(text);
    await client.chat.postEphemeral({ channel: channelId, user: userId, text: message.text, blocks: message.blocks }).catch(() => undefined);
  };
}

/** Who clicked or submitted, as Slack's signed payload says (the person's own workspace first), and where to answer. */
export function requesterOfInteraction(body: { user: { id: string; team_id?: string }; team?: { id: string } | null }, channelId: string): Requester {
  return { userId: body.user.id, channelId, teamId: body.user.team_id ?? body.team?.id ?? null };
}

/**
 * A button that does what a command does (a deployment's action, an alert's Scale up): the same
 * command code runs, answering privately in the channel, and opening its modal (stacked on the
 * current one when the button is in a modal).
 */
export function buttonCommandContext(
  body: { user: { id: string; team_id?: string }; team?: { id: string } | null; trigger_id: string },
  client: WebClient,
  deps: SlackDependencies,
  options: { channelId: string; stackOnModal: boolean },
): CommandContext {
  const { channelId } = options;
  return {
    ...requesterOfInteraction(body, channelId),
    triggerId: body.trigger_id,
    client,
    deps,
    respond: (message: PrivateReply) =>
      client.chat.postEphemeral({ channel: channelId, user: body.user.id, text: message.text, ...(message.blocks ? { blocks: message.blocks } : {}) }).catch(() => undefined),
    openView: async (view) => {
      if (options.stackOnModal) await client.views.push({ trigger_id: body.trigger_id, view });
      else await client.views.open({ trigger_id: body.trigger_id, view });
    },
  };
}

export function requesterOf(context: Pick<CommandContext, "userId" | "channelId" | "teamId">) {
  return { userId: context.userId, channelId: context.channelId, teamId: context.teamId };
}
