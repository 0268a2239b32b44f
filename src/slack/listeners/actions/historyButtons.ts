import type { BlockAction, ButtonAction } from "@slack/bolt";
import { z } from "zod";
import { deploymentNameSchema } from "../../../domain/deploymentSpec.js";
import { HISTORY_PAGE_ACTION_ID, historyMessage } from "../../messages/historyMessage.js";
import type { ListenerRoutes } from "../listenerRoutes.js";
import { requesterOfInteraction, type SlackDependencies } from "../listenerContext.js";

const pageSchema = z.object({ name: deploymentNameSchema, page: z.number().int().min(1).max(10_000) });

/** Newer / Older on a `/deploy history` answer: the same ephemeral message shows the next page. */
export function registerHistoryButtons(routes: ListenerRoutes, deps: SlackDependencies): void {
  routes.action<BlockAction<ButtonAction>>(new RegExp(`^${HISTORY_PAGE_ACTION_ID}:`), async ({ ack, body, action, respond }) => {
    await ack();
    let value: unknown;
    try {
      value = JSON.parse(action.value ?? "");
    } catch {
      return;
    }
    const wanted = pageSchema.safeParse(value);
    if (!wanted.success) return;
    const requester = requesterOfInteraction(body, body.channel?.id ?? body.user.id);
    const found = await deps.audit.history(wanted.data.name, wanted.data.page, requester);
    if (!found.ok) {
      await respond({ response_type: "ephemeral", replace_original: false, text: found.message });
      return;
    }
    await respond({ response_type: "ephemeral", replace_original: true, ...historyMessage(wanted.data.name, found.records, found.page, found.pages, found.total) });
  });
}
