import type { ModalView } from "@slack/types";
import type { FieldChange } from "../../domain/editability.js";
import { changesText } from "../messages/confirmationMessage.js";
import { mrkdwn, plainText } from "../messages/text.js";

export const REVIEW_CHANGES_CALLBACK_ID = "deployment-edit:review";

/** The diff of an edit, shown before it is applied; submitting it applies the edit. */
export function buildReviewChangesView(name: string, changes: readonly FieldChange[], privateMetadata: string): ModalView {
  const rolling = changes.some((change) => change.editability.kind === "rolling");
  return {
    type: "modal",
    callback_id: REVIEW_CHANGES_CALLBACK_ID,
    title: plainText("Review Changes"),
    submit: plainText("Apply Changes"),
    close: plainText("Back"),
    private_metadata: privateMetadata,
    blocks: [
      { type: "section", text: mrkdwn(`*${name}*: ${changes.length} change${changes.length === 1 ? "" : "s"}`) },
      { type: "section", text: mrkdwn(changesText(changes)) },
      {
        type: "context",
        elements: [mrkdwn(rolling ? "Pods are replaced one by one (rolling update, zero downtime)." : "Applied in place; running instances are not restarted.")],
      },
    ],
  };
}
