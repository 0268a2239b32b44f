import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import type { SlackRecorder } from "./slackRecorder.js";

/**
 * Slack's side of Socket Mode, on a local port: `apps.connections.open` (served by the Slack
 * recorder, which checks the app-level token) hands out a `ws://` URL with a one-time ticket;
 * a client that connects is greeted with `hello`; envelopes are sent to the newest connection
 * and each must be acknowledged with `{ envelope_id, payload? }` within Slack's 3 seconds; the
 * server can ask the client to reconnect (`disconnect` with a reason) or just drop the socket.
 * Message shapes follow Slack's Socket Mode documentation and @slack/socket-mode's client.
 */
export interface EnvelopeAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
  /** Milliseconds between sending the envelope and receiving its acknowledgement. */
  ackMs: number;
}

export type EnvelopeType = "slash_commands" | "interactive" | "events_api";

const ACK_DEADLINE_MS = 3000;

export class FakeSlackSocket {
  /** Every connection opened by a client with a valid ticket, oldest first. */
  readonly connections: WebSocket[] = [];
  /** Messages received that were not acknowledgements of an envelope we sent. */
  readonly unexpected: string[] = [];
  private readonly tickets = new Set<string>();
  private readonly pending = new Map<string, { sentAt: number; resolve: (ack: EnvelopeAck) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();

  private constructor(
    private readonly server: WebSocketServer,
    readonly appToken: string,
    private readonly appId: string,
  ) {
    server.on("connection", (socket, request) => {
      const ticket = new URL(request.url ?? "/", "ws://localhost").searchParams.get("ticket") ?? "";
      if (!this.tickets.delete(ticket)) {
        socket.close(4001, "invalid ticket");
        return;
      }
      this.connections.push(socket);
      socket.on("message", (data) => this.onMessage(String(data)));
      socket.send(
        JSON.stringify({
          type: "hello",
          num_connections: this.openConnections().length,
          debug_info: { host: "applink-fake", build_number: 1, approximate_connection_time: 18060 },
          connection_info: { app_id: this.appId },
        }),
      );
    });
  }

  /** Starts the WebSocket server and teaches the recorder `apps.connections.open`. */
  static async start(recorder: SlackRecorder, appToken: string): Promise<FakeSlackSocket> {
    const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    await new Promise<void>((resolve, reject) => {
      server.once("listening", () => resolve());
      server.once("error", reject);
    });
    const socket = new FakeSlackSocket(server, appToken, recorder.appId);
    const port = (server.address() as AddressInfo).port;
    recorder.handle("apps.connections.open", (_params, call) => {
      // Only an app-level token may open a connection; a bot token is refused, as Slack does.
      if (call.token !== appToken) return { ok: false, error: "not_allowed_token_type" };
      const ticket = randomUUID();
      socket.tickets.add(ticket);
      return { ok: true, url: `ws://127.0.0.1:${port}/link/?ticket=${ticket}&app_id=${recorder.appId}` };
    });
    return socket;
  }

  openConnections(): WebSocket[] {
    return this.connections.filter((socket) => socket.readyState === socket.OPEN);
  }

  /** Sends an envelope on the newest open connection; resolves with its acknowledgement, rejects after 3 s without one. */
  send(type: EnvelopeType, payload: Record<string, unknown>, options: { acceptsResponsePayload?: boolean } = {}): Promise<EnvelopeAck> {
    const socket = this.openConnections().at(-1);
    if (!socket) return Promise.reject(new Error("no open Socket Mode connection"));
    const envelopeId = randomUUID();
    return new Promise<EnvelopeAck>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(envelopeId);
        reject(new Error(`envelope ${envelopeId} (${type}) was not acknowledged within ${ACK_DEADLINE_MS} ms`));
      }, ACK_DEADLINE_MS);
      this.pending.set(envelopeId, { sentAt: Date.now(), resolve, reject, timer });
      socket.send(
        JSON.stringify({
          envelope_id: envelopeId,
          type,
          payload,
          accepts_response_payload: options.acceptsResponsePayload ?? type !== "events_api",
          retry_attempt: 0,
          retry_reason: "",
        }),
      );
    });
  }

  /** Slack's request to reconnect (it recycles the connection's host). */
  requestReconnect(reason: "refresh_requested" | "link_disabled" | "warning" = "refresh_requested"): void {
    for (const socket of this.openConnections()) socket.send(JSON.stringify({ type: "disconnect", reason, debug_info: { host: "applink-fake" } }));
  }

  /** Cuts every connection without a close handshake, like a network failure. */
  dropConnections(): void {
    for (const socket of this.openConnections()) socket.terminate();
  }

  async close(): Promise<void> {
    for (const { timer, reject } of this.pending.values()) {
      clearTimeout(timer);
      reject(new Error("socket server closed"));
    }
    this.pending.clear();
    for (const socket of this.connections) socket.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private onMessage(text: string): void {
    let message: { envelope_id?: unknown; payload?: unknown };
    try {
      message = JSON.parse(text) as typeof message;
    } catch {
      this.unexpected.push(text);
      return;
    }
    const waiting = typeof message.envelope_id === "string" ? this.pending.get(message.envelope_id) : undefined;
    if (!waiting || typeof message.envelope_id !== "string") {
      this.unexpected.push(text);
      return;
    }
    clearTimeout(waiting.timer);
    this.pending.delete(message.envelope_id);
    const payload = typeof message.payload === "object" && message.payload !== null ? (message.payload as Record<string, unknown>) : undefined;
    waiting.resolve({ envelope_id: message.envelope_id, ...(payload ? { payload } : {}), ackMs: Date.now() - waiting.sentAt });
  }
}
