import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import type { KnownBlock, ModalView } from "@slack/types";
import type { TrafficProviderId } from "../../domain/trafficCapabilities.js";
import type { DeploymentQueries } from "../../operations/deploymentQueries.js";
import type { DeploymentRequests } from "../../operations/deploymentRequests.js";
import type { ModelUpdateRequests } from "../../operations/modelUpdateRequests.js";
import type { OperationRequests } from "../../operations/operationRequests.js";
import type { ProgressPublisher } from "../../domain/progress.js";

/** What every Slack listener may use: the request side of the jobs layer, and the publisher. */
export interface SlackDependencies {
  requests: DeploymentRequests;
  operations: OperationRequests;
  queries: DeploymentQueries;
  modelUpdates: ModelUpdateRequests;
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

/** One `/deploy` invocation, after it was acknowledged. */
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
