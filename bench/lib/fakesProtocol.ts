/**
 * What the fakes process (bench/fakes.ts) offers the bench driver over loopback HTTP. The fakes
 * live in a process of their own so that the bot's RSS is the bot's alone; the driver still needs
 * what a test reads from the recorder in-process (trigger ids, response URLs, opened views, what
 * the bot posted), hence this small control API.
 */

/** Printed as one JSON line on the fakes process's stdout once everything listens. */
export interface FakesReady {
  slackApiUrl: string;
  kubeconfigPath: string;
  controlUrl: string;
  kubeUrl: string;
}

export interface SlashFieldsRequest {
  count: number;
  channelId: string;
  userId: string;
}

export interface SlashFields {
  triggerId: string;
  responseUrl: string;
}

export interface OpenedView {
  viewId: string;
  /** The view as the recorder holds it (a ViewOutput), for building the submission. */
  view: Record<string, unknown>;
}

export interface ViewSubmittedRequest {
  viewId: string;
  /** view.state.values as sent to the bot. */
  values: Record<string, unknown>;
  /** What the bot answered to the view_submission. */
  body: unknown;
}

/** A post to a response URL, summed up against Slack's message limits. */
export interface ResponsePost {
  /** Epoch milliseconds when it reached the recorder (same machine clock as the driver). */
  at: number;
  ok: boolean;
  error?: string;
  /** Size of the JSON request body the bot sent. */
  bytes: number;
  blocks: number;
  /** Longest text of a section block (Slack's limit: 3000 characters). */
  maxSectionChars: number;
  /** Size of the top-level `text` fallback. */
  textChars: number;
  /** Whether the message offers a way to the next page (a button whose action_id speaks of a page, next or more). */
  hasPageControl: boolean;
}

export interface FakesCounts {
  slackCalls: number;
  slackCallsByMethod: Record<string, number>;
  kubeObjects: number;
}
