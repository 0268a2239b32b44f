import type { KnownBlock } from "@slack/types";
import type { AuditRecord } from "../../domain/audit.js";
import type { SlackMessage } from "./helpMessage.js";
import { escapeMrkdwn, mrkdwn, plainText, truncate } from "./text.js";

export const HISTORY_PAGE_ACTION_ID = "history:page";

const ACTION_WORDS: Record<AuditRecord["action"], string> = {
  requested: "requested",
  "dry-run": "previewed (dry run)",
  confirmed: "confirmed",
  cancelled: "cancelled",
  expired: "expired",
  approved: "approved",
  rejected: "rejected",
  refused: "was refused",
  started: "started",
  succeeded: "succeeded",
  failed: "failed",
  locked: "locked",
  unlocked: "unlocked",
  "lock-broken": "broke the lock",
  "access-changed": "changed access",
};

function line(record: AuditRecord): string {
  const who = record.actorId === "deploybot" ? "deploybot" : `<@${record.actorId}>`;
  const what = record.decision ? ` ${escapeMrkdwn(record.decision)}` : "";
  const where = record.channelId ? ` in <#${record.channelId}>` : "";
  const why = record.reason ? `: ${escapeMrkdwn(truncate(record.reason, 240))}` : "";
  const operation = record.operationId ? ` · op \`${record.operationId.slice(0, 8)}\`` : "";
  return `\`${record.at.toISOString().slice(0, 16).replace("T", " ")}\` ${who} ${ACTION_WORDS[record.action]}${what}${where}${why}${operation}`;
}

/** One page of a deployment's audit trail, newest first, with Newer / Older buttons. */
export function historyMessage(name: string, records: readonly AuditRecord[], page: number, pages: number, total: number): SlackMessage {
  const blocks: KnownBlock[] = [
    { type: "section", text: mrkdwn(`*History of ${name}*  (page ${page} of ${pages}, ${total} events)`) },
    { type: "section", text: mrkdwn(records.map(line).join("\n")) },
  ];
  const buttons = [];
  if (page > 1) buttons.push({ type: "button" as const, action_id: `${HISTORY_PAGE_ACTION_ID}:newer`, text: plainText("← Newer", 75), value: JSON.stringify({ name, page: page - 1 }) });
  if (page < pages) buttons.push({ type: "button" as const, action_id: `${HISTORY_PAGE_ACTION_ID}:older`, text: plainText("Older →", 75), value: JSON.stringify({ name, page: page + 1 }) });
  if (buttons.length > 0) blocks.push({ type: "actions", elements: buttons });
  return { text: `History of ${name}, page ${page} of ${pages}`, blocks };
}
