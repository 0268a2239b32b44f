import { createHash } from "node:crypto";
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent, type AgentOptions as HttpsAgentOptions } from "node:https";

/** Connections kept open per API server and credentials: a rollout's parallel reads fit. */
const MAX_SOCKETS = 32;
/** Distinct TLS identities kept (clusters × credential rotations); the oldest is closed beyond. */
const MAX_AGENTS = 16;

/** The TLS settings client-node puts on each request's agent: what a connection may be shared by. */
const TLS_KEYS = ["ca", "cert", "key", "pfx", "passphrase", "rejectUnauthorized", "servername"] as const satisfies readonly (keyof HttpsAgentOptions)[];

const agents = new Map<string, HttpAgent>();

function identityOf(options: HttpsAgentOptions): string {
  const hash = createHash("sha256");
  for (const key of TLS_KEYS) {
    const value: unknown = options[key];
    hash.update(`${key}:`);
    if (value === undefined) hash.update("-");
    else if (typeof value === "string" || Buffer.isBuffer(value)) hash.update(value);
    else hash.update(JSON.stringify(value));
    hash.update("\n");
  }
  return hash.digest("hex");
}

function remember(key: string, agent: HttpAgent): HttpAgent {
  agents.set(key, agent);
  if (agents.size > MAX_AGENTS) {
    const [oldestKey, oldest] = agents.entries().next().value ?? [];
    if (oldestKey !== undefined) agents.delete(oldestKey);
    oldest?.destroy();
  }
  return agent;
}

/**
 * client-node builds a new Agent for every request (its kubeconfig authentication creates one
 * from the cluster's TLS settings each time), so every API call opened its own TCP connection
 * and, against a real API server, did a full TLS handshake. This returns a kept-alive agent with
 * the same TLS settings, shared by every request that carries them; a new client certificate or
 * CA (rotation) gets an agent of its own. Agents it does not know (proxies) are returned as they are.
 */
export function keptAliveAgentFor(agent: HttpAgent | HttpsAgent | undefined): HttpAgent | HttpsAgent | undefined {
  if (agent === undefined) return undefined;
  if (agent.constructor === HttpsAgent) {
    const options = (agent as HttpsAgent).options;
    const key = `https:${identityOf(options)}`;
    const known = agents.get(key);
    if (known) return known;
    const tls = Object.fromEntries(TLS_KEYS.filter((name) => options[name] !== undefined).map((name) => [name, options[name]]));
    return remember(key, new HttpsAgent({ ...tls, keepAlive: true, maxSockets: MAX_SOCKETS }));
  }
  if (agent.constructor === HttpAgent) {
    return agents.get("http") ?? remember("http", new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS }));
  }
  return agent;
}
