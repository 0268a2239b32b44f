import type { RespondFn } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import type { Logger } from "pino";
import type { ModalView } from "@slack/types";
import type { DeploymentQueries } from "../../jobs/deploymentQueries.js";
import type { DeploymentRequests } from "../../jobs/deploymentRequests.js";
import type { OperationRequests } from "../../jobs/operationRequests.js";
import type { ProgressPublisher } from "../../jobs/progress.js";

/** What every Slack listener may use: the request side of the jobs layer, and the publisher. */
export interface SlackDependencies {
  requests: DeploymentRequests;
  operations: OperationRequests;
  queries: DeploymentQueries;
  publisher: ProgressPublisher;
  logger: Logger;
}

/** One `/deploy` invocation, after it was acknowledged. */
export interface CommandContext {
  userId: string;
  channelId: string;
  teamId: string | null;
  triggerId: string;
  respond: RespondFn;
  /** Opens a modal: a new one from a command, stacked on the current one from inside a modal. */
  openView(view: ModalView): Promise<void>;
  client: WebClient;
  deps: SlackDependencies;
}
