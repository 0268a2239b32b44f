import type { WebClient } from "@slack/web-api";
import type { AlertPublisher, AlertView } from "../domain/alerts.js";
import { alertMessage } from "./messages/alertMessage.js";
import { uploadChartImages } from "./monitoringPosts.js";

/** Alert messages in Slack: posted once per firing, edited in place afterwards. */
export class SlackAlertPublisher implements AlertPublisher {
  constructor(private readonly client: WebClient) {}

  async postFiring(channelId: string, view: AlertView): Promise<{ channelId: string; ts: string }> {
    const message = alertMessage(view);
    const posted = await this.client.chat.postMessage({ channel: channelId, text: message.text, blocks: message.blocks });
    if (!posted.ts || !posted.channel) throw new Error("chat.postMessage answered without a message ts");
    // A chart Slack cannot fetch goes into the alert's thread; the alert itself is already out.
    if (view.chart) await uploadChartImages(this.client, posted.channel, [view.chart], posted.ts).catch(() => undefined);
    return { channelId: posted.channel, ts: posted.ts };
  }

  async update(view: AlertView): Promise<void> {
    const { channelId, messageTs } = view.alert;
    if (channelId === null || messageTs === null) return;
    const message = alertMessage(view);
    await this.client.chat.update({ channel: channelId, ts: messageTs, text: message.text, blocks: message.blocks });
  }
}
