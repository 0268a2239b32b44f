import { isUpdateStrategy } from "../../../domain/strategy.js";
import {
  BLOCK_DEPLOYMENT,
  BLOCK_STRATEGY,
  UPDATE_MODEL_ACTION_PREFIX,
  UPDATE_MODEL_CALLBACK_ID,
  parseUpdateModelMetadata,
  readUpdateModelValues,
  updateModelStateSchema,
} from "../../views/updateModelView.js";
import type { ListenerRoutes } from "../listenerRoutes.js";
import type { SlackDependencies } from "../listenerContext.js";
import { renderUpdateModelModal } from "../views/updateModelSubmission.js";

/** The strategy (or the deployment) changed in the Update Model modal: show the options that apply to it. */
export function registerUpdateModelFormChanges(routes: ListenerRoutes, deps: SlackDependencies): void {
  routes.action(new RegExp(`^${UPDATE_MODEL_ACTION_PREFIX}(${BLOCK_STRATEGY}|${BLOCK_DEPLOYMENT})$`), async ({ ack, body, action, client }) => {
    await ack();
    if (body.type !== "block_actions" || !body.view || body.view.callback_id !== UPDATE_MODEL_CALLBACK_ID) return;
    const metadata = parseUpdateModelMetadata(body.view.private_metadata);
    const state = updateModelStateSchema.safeParse(body.view.state?.values ?? {});
    if (!metadata || !state.success) return;
    const values = readUpdateModelValues(state.data);
    // The action carries the new choice even when the view's state was captured before it.
    const chosen = "selected_option" in action ? action.selected_option?.value : undefined;
    const actionId = "action_id" in action ? action.action_id : "";
    if (chosen && actionId.endsWith(BLOCK_STRATEGY) && isUpdateStrategy(chosen)) values.strategy = chosen;
    if (chosen && actionId.endsWith(BLOCK_DEPLOYMENT)) values.deployment = chosen;
    const view = await renderUpdateModelModal(deps, metadata, values);
    try {
      await client.views.update({ view_id: body.view.id, hash: body.view.hash, view });
    } catch (error) {
      // hash_conflict: a newer render is already on screen.
      deps.logger.debug({ err: error }, "update model form re-render skipped");
    }
  });
}
