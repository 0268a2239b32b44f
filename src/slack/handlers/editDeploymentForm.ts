import type { App } from "@slack/bolt";
import type { ModalView } from "@slack/types";
import type { FieldError } from "../../domain/deploymentSpec.js";
import { needsRestart, validateEdit } from "../../domain/editability.js";
import { parseEnvironmentVariables } from "../../domain/environmentVariablesText.js";
import { mrkdwn, plainText } from "../messages/text.js";
import { EDIT_DEPLOYMENT_CALLBACK_ID } from "../views/deploymentFormView.js";
import { formValuesToSpecInput, inlineErrors, readFormValues, viewStateValuesSchema, visibleBlockIds } from "../views/deploymentFormState.js";
import type { FormValues } from "../views/deploymentFormFields.js";
import { parseMetadataOf, serializeFormMetadata } from "../views/formMetadata.js";
import { buildReviewChangesView, REVIEW_CHANGES_CALLBACK_ID } from "../views/reviewChangesView.js";
import { SCALE_BLOCK_ID, SCALE_CALLBACK_ID } from "../views/scaleView.js";
import type { SlackDependencies } from "./commandContext.js";
import { readOnlyFields } from "./lifecycleCommands.js";
import { announceConfirmed, announceRequest, ephemeralTeller } from "./operationAnnouncements.js";

/** The form's values as the spec input an edit is validated from (environment variables parsed from their lines). */
function editedInput(values: FormValues): { ok: true; input: Record<string, unknown> } | { ok: false; errors: FieldError[] } {
  const env = parseEnvironmentVariables(typeof values.env === "string" ? values.env : "");
  if (!env.ok) return { ok: false, errors: [env.error] };
  return { ok: true, input: { ...formValuesToSpecInput(values, "edit"), env: env.variables } };
}

function messageView(title: string, text: string): ModalView {
  return { type: "modal", title: plainText(title), close: plainText("Close"), blocks: [{ type: "section", text: mrkdwn(text) }] };
}

/**
 * The Edit Deployment form, its Review Changes step, and the Scale form. Edits show their diff
 * before they apply: in the modal for changes that apply live or by rolling update, and as a
 * confirmation message in the channel for changes that restart every instance.
 */
export function registerEditDeploymentForm(app: App, deps: SlackDependencies): void {
  app.view(EDIT_DEPLOYMENT_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const metadata = parseMetadataOf(view.private_metadata, "edit");
    const state = viewStateValuesSchema.safeParse(view.state.values);
    const found = metadata ? await deps.operations.find(metadata.name) : null;
    if (!metadata || !state.success || !found?.ok) {
      await ack({ response_action: "update", view: messageView("Edit Deployment", found && !found.ok ? found.message : "This form is out of date. Run `/deploy edit NAME` again.") });
      return;
    }
    const { deployment } = found;
    const values = readFormValues(state.data);
    const blockIds = visibleBlockIds(values, "edit", Object.keys(readOnlyFields(deployment)));
    const edited = editedInput(values);
    const validation = edited.ok ? validateEdit(deployment.spec, edited.input, deps.trafficProvider) : edited;
    if (!validation.ok) {
      await ack({ response_action: "errors", errors: inlineErrors(validation.errors, blockIds) });
      return;
    }
    const { changes } = validation;
    const result = await deps.operations.request({
      name: deployment.name,
      kind: "edit",
      params: { spec: validation.spec },
      requester: { userId: body.user.id, channelId: metadata.channelId, teamId: body.team?.id ?? null },
      confirmation: true,
    });
    if (!result.ok) {
      await ack({ response_action: "errors", errors: inlineErrors([{ path: "description", message: result.message.replaceAll("*", "") }], blockIds) });
      return;
    }
    if (needsRestart(changes)) {
      await ack();
      await announceRequest(result, { client, deps, changes, tell: ephemeralTeller(client, metadata.channelId, body.user.id) });
      return;
    }
    const review = serializeFormMetadata({ mode: "review", channelId: metadata.channelId, operationId: result.operation.id });
    await ack({ response_action: "update", view: buildReviewChangesView(deployment.name, changes, review) });
  });

  app.view(REVIEW_CHANGES_CALLBACK_ID, async ({ ack, body, view }) => {
    const metadata = parseMetadataOf(view.private_metadata, "review");
    if (!metadata) {
      await ack({ response_action: "update", view: messageView("Review Changes", "This form is out of date. Run `/deploy edit NAME` again.") });
      return;
    }
    const decision = await deps.operations.confirm(metadata.operationId, body.user.id);
    if (!decision.ok) {
      await ack({ response_action: "update", view: messageView("Review Changes", decision.message) });
      return;
    }
    await ack();
    await announceConfirmed(decision.operation, decision.deployment, deps);
  });

  app.view(SCALE_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const metadata = parseMetadataOf(view.private_metadata, "scale");
    const state = viewStateValuesSchema.safeParse(view.state.values);
    const raw = state.success ? Object.values(state.data[SCALE_BLOCK_ID] ?? {})[0]?.value : undefined;
    const replicas = raw !== undefined && raw !== null && /^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
    if (!metadata || Number.isNaN(replicas)) {
      await ack({ response_action: "errors", errors: { [SCALE_BLOCK_ID]: "Enter a whole number of replicas." } });
      return;
    }
    // Checked and recorded before answering, so that a refusal shows on the field.
    const result = await deps.operations.requestScale(metadata.name, replicas, {
      userId: body.user.id,
      channelId: metadata.channelId,
      teamId: body.team?.id ?? null,
    });
    if (!result.ok) {
      await ack({ response_action: "errors", errors: { [SCALE_BLOCK_ID]: result.message.replaceAll("*", "").replaceAll("`", "") } });
      return;
    }
    await ack({ response_action: "clear" });
    await announceRequest(result, { client, deps, tell: ephemeralTeller(client, metadata.channelId, body.user.id) });
  });
}
