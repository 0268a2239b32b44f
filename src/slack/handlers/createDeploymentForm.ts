import type { App } from "@slack/bolt";
import { queuedProgress } from "../../domain/progress.js";
import type { SlackDependencies } from "./commandContext.js";
import { newMessageTarget, showThenEnqueue } from "./operationAnnouncements.js";
import { buildDeploymentFormView, CREATE_DEPLOYMENT_CALLBACK_ID, EDIT_DEPLOYMENT_CALLBACK_ID } from "../views/deploymentFormView.js";
import { FORM_ACTION_PREFIX } from "../views/deploymentFormFields.js";
import { formValuesToSpecInput, inlineErrors, readFormValues, viewStateValuesSchema, visibleBlockIds } from "../views/deploymentFormState.js";
import { parseMetadataOf } from "../views/formMetadata.js";
import { readOnlyFields } from "./lifecycleCommands.js";
import { describeFailure } from "./failureText.js";

export function registerCreateDeploymentForm(app: App, deps: SlackDependencies): void {
  // A checkbox or the GPU count changed: show or hide the sections that depend on it.
  app.action(new RegExp(`^${FORM_ACTION_PREFIX}`), async ({ ack, body, client }) => {
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

  app.view(CREATE_DEPLOYMENT_CALLBACK_ID, async ({ ack, body, view }) => {
    const metadata = parseMetadataOf(view.private_metadata, "create");
    const state = viewStateValuesSchema.safeParse(view.state.values);
    if (!metadata || !state.success) {
      await ack({ response_action: "errors", errors: { name: "This form is out of date. Close it and run /deploy create again." } });
      return;
    }
    const values = readFormValues(state.data);
    const requester = { userId: body.user.id, channelId: metadata.channelId, teamId: body.team?.id ?? null };
    let result;
    try {
      result = await deps.requests.requestCreate(formValuesToSpecInput(values), requester, `view:${view.id}`);
    } catch (error) {
      deps.logger.error({ err: error }, "could not record a new deployment");
      await ack({ response_action: "errors", errors: { name: describeFailure(error) } });
      return;
    }
    if (!result.ok) {
      await ack({ response_action: "errors", errors: inlineErrors(result.errors, visibleBlockIds(values)) });
      return;
    }
    await ack();
    if (result.duplicate) return;

    await showThenEnqueue(deps, newMessageTarget(result.operation), queuedProgress(result.operation, result.deployment));
  });
}
