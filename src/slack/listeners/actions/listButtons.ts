import type { BlockAction, ButtonAction } from "@slack/bolt";
import { z } from "zod";
import { deploymentListMessage, LIST_PAGE_ACTION_ID, LIST_PAGE_SIZE } from "../../messages/deploymentListMessage.js";
import type { ListenerRoutes } from "../listenerRoutes.js";
import type { SlackDependencies } from "../listenerContext.js";

const pageSchema = z.coerce.number().int().min(1).max(100_000);

/** Previous / Next on a `/deploy list` answer: the same ephemeral message shows the other page. */
export function registerListButtons(routes: ListenerRoutes, deps: SlackDependencies): void {
  routes.action<BlockAction<ButtonAction>>(new RegExp(`^${LIST_PAGE_ACTION_ID}:`), async ({ ack, action, respond }) => {
    await ack();
    const page = pageSchema.safeParse(action.value);
    if (!page.success) return;
    const listed = await deps.requests.listPage(page.data, LIST_PAGE_SIZE);
    await respond({ response_type: "ephemeral", replace_original: true, ...deploymentListMessage(listed.deployments, listed) });
  });
}
