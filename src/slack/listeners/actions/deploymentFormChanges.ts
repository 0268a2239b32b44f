import { buildDeploymentFormView, CREATE_DEPLOYMENT_CALLBACK_ID, EDIT_DEPLOYMENT_CALLBACK_ID } from "../../views/deploymentFormView.js";
import { FORM_ACTION_PREFIX } from "../../views/deploymentFormFields.js";
import { readFormValues, viewStateValuesSchema } from "../../views/deploymentFormState.js";
import { readOnlyFields } from "../../views/editFormValues.js";
import { parseMetadataOf } from "../../views/formMetadata.js";
import type { ListenerRoutes } from "../listenerRoutes.js";
import type { SlackDependencies } from "../listenerContext.js";

/** A checkbox or the GPU count changed in the Create or Edit Deployment form: show or hide the sections that depend on it. */
export function registerDeploymentFormChanges(routes: ListenerRoutes, deps: SlackDependencies): void {
  routes.action(new RegExp(`^${FORM_ACTION_PREFIX}`), async ({ ack, body, client }) => {
    await ack();
    if (body.type !== "block_actions" || !body.view) return;
    const state = viewStateValuesSchema.safeParse(body.view.state?.values ?? {});
    if (!state.success) return;
    const values = readFormValues(state.data);
    let view;
    if (body.view.callback_id === CREATE_DEPLOYMENT_CALLBACK_ID) {
      view = buildDeploymentFormView({ values, privateMetadata: body.view.private_metadata });
    } else if (body.view.callback_id === EDIT_DEPLOYMENT_CALLBACK_ID) {
      const metadata = parseMetadataOf(body.view.private_metadata, "edit");
      const found = metadata ? await deps.operations.find(metadata.name) : null;
      if (!found?.ok) return;
      view = buildDeploymentFormView({ mode: "edit", values, readOnly: readOnlyFields(found.deployment), privateMetadata: body.view.private_metadata });
    } else return;
    try {
      await client.views.update({ view_id: body.view.id, hash: body.view.hash, view });
    } catch (error) {
      // hash_conflict: a newer render is already on screen; nothing to do.
      deps.logger.debug({ err: error }, "form re-render skipped");
    }
  });
}
