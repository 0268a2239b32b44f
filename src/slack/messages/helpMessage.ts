import type { KnownBlock } from "@slack/types";
import { COMMAND_USAGE } from "../../domain/command.js";
import { mrkdwn } from "./text.js";

export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

export function helpMessage(): SlackMessage {
  const lines = COMMAND_USAGE.map((entry) => `\`${entry.usage}\`  ${entry.summary}`);
  return {
    text: "deploybot commands",
    blocks: [
      { type: "section", text: mrkdwn("*deploybot* deploys ML models to Kubernetes with auto-scaling and load balancing.") },
      { type: "section", text: mrkdwn(lines.join("\n")) },
    ],
  };
}

export function errorMessage(text: string): SlackMessage {
  return { text, blocks: [{ type: "section", text: mrkdwn(`:warning: ${text}`) }] };
}
