import type { MrkdwnElement, PlainTextElement } from "@slack/types";

/** Slack refuses texts past a block's limit: cut them with an ellipsis instead of losing the message. */
export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function plainText(text: string, max = 150): PlainTextElement {
  return { type: "plain_text", text: truncate(text, max), emoji: true };
}

export function mrkdwn(text: string, max = 3000): MrkdwnElement {
  return { type: "mrkdwn", text: truncate(text, max) };
}

/** Escapes what Slack's mrkdwn treats as control characters in user-supplied text. */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/**
 * Inline modal errors are plain text: the service's sentences mark names and commands with
 * mrkdwn's `*bold*` and `` `code` ``, which would show as stray characters there.
 */
export function plainTextOf(mrkdwnText: string): string {
  return mrkdwnText.replace(/\*([^*\n]+)\*/g, "$1").replace(/`([^`\n]+)`/g, "$1");
}
