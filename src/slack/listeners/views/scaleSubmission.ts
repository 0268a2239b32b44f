import { parseReplicaCount } from "../../../domain/scaling.js";
import { plainTextOf } from "../../messages/text.js";
import { viewStateValuesSchema } from "../../views/deploymentFormState.js";
import { parseMetadataOf } from "../../views/formMetadata.js";
import { SCALE_BLOCK_ID, SCALE_CALLBACK_ID } from "../../views/scaleView.js";
import { announceRequest } from "../../operationAnnouncements.js";
import type { ListenerRoutes } from "../listenerRoutes.js";
import { ephemeralTeller, requesterOfInteraction, type SlackDependencies } from "../listenerContext.js";

/** Apply on the Scale modal: checked and recorded before answering, so that a refusal shows on the field. */
export function registerScaleSubmission(routes: ListenerRoutes, deps: SlackDependencies): void {
  routes.view(SCALE_CALLBACK_ID, async ({ ack, body, view, client }) => {
    const metadata = parseMetadataOf(view.private_metadata, "scale");
    const state = viewStateValuesSchema.safeParse(view.state.values);
    const typed = state.success ? (Object.values(state.data[SCALE_BLOCK_ID] ?? {})[0]?.value ?? "") : "";
    const count = parseReplicaCount(typed);
    if (!metadata || !count.ok) {
      await ack({ response_action: "errors", errors: { [SCALE_BLOCK_ID]: count.ok ? "This form is out of date; open it again." : plainTextOf(count.message) } });
      return;
    }
    const result = await deps.operations.requestScale(metadata.name, count.replicas, requesterOfInteraction(body, metadata.channelId));
    if (!result.ok) {
      await ack({ response_action: "errors", errors: { [SCALE_BLOCK_ID]: plainTextOf(result.message) } });
      return;
    }
    await ack({ response_action: "clear" });
    await announceRequest(result, { client, deps, tell: ephemeralTeller(client, metadata.channelId, body.user.id) });
  });
}
