import type { ModalView } from "@slack/types";
import { mrkdwn, plainText } from "../messages/text.js";

export const REJECT_REASON_CALLBACK_ID = "change-request:reject-reason";
export const REJECT_REASON_BLOCK_ID = "reason";

/** Reject asks why: the requester and the channel read the reason on the request. */
export function buildRejectReasonView(deploymentName: string, privateMetadata: string): ModalView {
  return {
    type: "modal",
    callback_id: REJECT_REASON_CALLBACK_ID,
    title: plainText("Reject Change"),
    submit: plainText("Reject"),
    close: plainText("Cancel"),
    private_metadata: privateMetadata,
    blocks: [
      { type: "section", text: mrkdwn(`Why are you rejecting the change to *${deploymentName}*?`) },
      {
        type: "input",
        block_id: REJECT_REASON_BLOCK_ID,
        label: plainText("Reason"),
        element: { type: "plain_text_input", action_id: "reason", multiline: true, min_length: 3, max_length: 500 },
      },
    ],
  };
}
