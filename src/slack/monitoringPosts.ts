import type { WebClient } from "@slack/web-api";
import type { ChartImage } from "../domain/alerts.js";
import type { LogTailPresentation } from "../domain/logTailPresentation.js";
import { mrkdwn } from "./messages/text.js";

/**
 * What a message cannot carry inline goes up as a file, through `files.getUploadURLExternal` +
 * `files.completeUploadExternal` (`filesUploadV2`; `files.upload` is gone): the PNG of a chart
 * Slack cannot fetch (a self-hosted QuickChart), and a log tail too long for a code block.
 */

export async function uploadChartImages(client: WebClient, channelId: string, charts: readonly ChartImage[], threadTs?: string): Promise<void> {
  const images = charts.flatMap((chart) => (chart.kind === "png" ? [chart] : []));
  if (images.length === 0) return;
  const uploads = {
    file_uploads: images.map((image) => ({ file: Buffer.from(image.png), filename: image.fileName, title: image.title, alt_text: image.altText })),
  };
  await (threadTs ? client.filesUploadV2({ ...uploads, channel_id: channelId, thread_ts: threadTs }) : client.filesUploadV2({ ...uploads, channel_id: channelId }));
}

export async function postLogTail(
  client: WebClient,
  target: { channelId: string; threadTs?: string; requestedBy: string; deployment: string },
  presentation: LogTailPresentation,
): Promise<void> {
  const intro = `Logs of *${target.deployment}*, requested by <@${target.requestedBy}> (secrets redacted)`;
  if (presentation.kind === "inline") {
    await client.chat.postMessage({
      channel: target.channelId,
      ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
      text: `Logs of ${target.deployment}`,
      blocks: [{ type: "section", text: mrkdwn(intro) }, ...presentation.blocksText.map((text) => ({ type: "section" as const, text: mrkdwn(text) }))],
    });
    return;
  }
  const file = {
    file: Buffer.from(presentation.content, "utf8"),
    filename: presentation.fileName,
    title: presentation.fileName,
    initial_comment: `${intro}: ${presentation.summary}.`,
  };
  await (target.threadTs
    ? client.filesUploadV2({ ...file, channel_id: target.channelId, thread_ts: target.threadTs })
    : client.filesUploadV2({ ...file, channel_id: target.channelId }));
}
