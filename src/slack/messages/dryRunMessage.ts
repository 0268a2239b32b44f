import type { KnownBlock } from "@slack/types";
import type { DryRunResult } from "../../operations/dryRuns.js";
import type { SlackMessage } from "./helpMessage.js";
import { escapeMrkdwn, mrkdwn } from "./text.js";

/** What a command would do, and that nothing was done. */
export function dryRunMessage(result: DryRunResult): SlackMessage {
  const blocks: KnownBlock[] = [{ type: "section", text: mrkdwn(`:mag: *Dry run:* ${result.kind} *${result.deploymentName}*. Nothing was changed.`) }];
  if (result.refusal) blocks.push({ type: "section", text: mrkdwn(`:no_entry: The real command would be refused: ${result.refusal}`) });
  else if (result.gate) blocks.push({ type: "section", text: mrkdwn(`:memo: The real command would wait for ${escapeMrkdwn(result.gate)}.`) });
  if (result.fieldChanges.length > 0) blocks.push({ type: "section", text: mrkdwn(`*Changes*\n${result.fieldChanges.map((change) => `• ${escapeMrkdwn(change)}`).join("\n")}`) });
  blocks.push({ type: "section", text: mrkdwn(`*Kubernetes objects* (server-side apply, dry run)\n\`\`\`${result.objects || "no object would change"}\`\`\``, 3000) });
  if (result.risks.length > 0) blocks.push({ type: "section", text: mrkdwn(`*Risk*\n${result.risks.map((risk) => `• ${escapeMrkdwn(risk.detail)}`).join("\n")}`) });
  return { text: `Dry run: ${result.kind} ${result.deploymentName}`, blocks };
}
