/**
 * How long one Slack Web API call may take before it is abandoned (and retried by the client):
 * without it a hung connection would hold a progress update, a button's answer or a worker's
 * final publish for as long as the socket stays open.
 */
export const SLACK_API_TIMEOUT_MS = 10_000;
