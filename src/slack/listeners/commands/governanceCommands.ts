import type { DeployCommand } from "../../../domain/command.js";
import { historyMessage } from "../../messages/historyMessage.js";
import { mrkdwn } from "../../messages/text.js";
import { replyPrivately, requesterOf, type CommandContext } from "../listenerContext.js";

export type GovernanceCommand = Extract<DeployCommand, { verb: "lock" | "unlock" | "history" | "audit" | "access" }>;

/** Locks, the audit trail and the access policy: who may do what, and what was done. */
export async function runGovernanceCommand(command: GovernanceCommand, context: CommandContext): Promise<void> {
  const requester = requesterOf(context);
  const { deps } = context;
  switch (command.verb) {
    case "lock":
    case "unlock": {
      const answer = command.verb === "lock" ? await deps.freezes.lock(command.name, command.reason, requester) : await deps.freezes.unlock(command.name, requester);
      if (!answer.ok) return replyPrivately(context, answer.message);
      // A freeze is news for the whole channel: everyone there is stopped by it.
      await context.client.chat.postMessage({ channel: context.channelId, text: answer.message, blocks: [{ type: "section", text: mrkdwn(answer.message) }] }).catch(async () => {
        await replyPrivately(context, answer.message);
      });
      return;
    }
    case "history": {
      const found = await deps.audit.history(command.name, command.page, requester);
      if (!found.ok) return replyPrivately(context, found.message);
      await context.respond({ response_type: "ephemeral", ...historyMessage(command.name, found.records, found.page, found.pages, found.total) });
      return;
    }
    case "audit": {
      const exported = await deps.audit.export(command.sinceMs, command.format, requester);
      if (!exported.ok) return replyPrivately(context, exported.message);
      await context.client.filesUploadV2({
        channel_id: context.channelId,
        file: Buffer.from(exported.content, "utf8"),
        filename: exported.fileName,
        title: exported.fileName,
        initial_comment: `Audit trail export: ${exported.count} event(s), requested by <@${context.userId}>.`,
      });
      return;
    }
    case "access": {
      const answer = await deps.accessAdministration.run(command.access, requester);
      await context.respond({ response_type: "ephemeral", text: answer.message, blocks: [{ type: "section", text: mrkdwn(answer.ok ? answer.message : `:warning: ${answer.message}`) }] });
      return;
    }
  }
}
