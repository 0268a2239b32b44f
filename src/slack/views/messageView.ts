import type { ModalView } from "@slack/types";
import { mrkdwn, plainText } from "../messages/text.js";

/** A modal that only says something (a form that went out of date, a refusal): replaces the form in place. */
export function buildMessageView(title: string, text: string): ModalView {
  return { type: "modal", title: plainText(title), close: plainText("Close"), blocks: [{ type: "section", text: mrkdwn(text) }] };
}
