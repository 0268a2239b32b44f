import type { ModalView } from "@slack/types";
import { mrkdwn, plainText } from "../messages/text.js";

export const DELETE_CONFIRMATION_CALLBACK_ID = "deployment-delete:confirm";
export const DELETE_NAME_BLOCK_ID = "confirm-name";

/** Deleting cannot be undone: the requester types the deployment's name to confirm. */
export function buildDeleteConfirmationView(name: string, privateMetadata: string): ModalView {
  return {
    type: "modal",
    callback_id: DELETE_CONFIRMATION_CALLBACK_ID,
    title: plainText("Delete Deployment"),
    submit: plainText("Delete"),
    close: plainText("Cancel"),
    private_metadata: privateMetadata,
    blocks: [
      { type: "section", text: mrkdwn(`:warning: This action cannot be undone! Type *${name}* to delete it.`) },
      {
        type: "input",
        block_id: DELETE_NAME_BLOCK_ID,
        label: plainText("Deployment name"),
        element: { type: "plain_text_input", action_id: "delete:name", placeholder: plainText(name), max_length: 64 },
      },
    ],
  };
}
