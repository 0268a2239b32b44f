import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildSpec } from "../cluster/render/fixtures.js";
import { eventually, startHarness, type DeploybotHarness } from "../harness/deploybotHarness.js";
import { BASE_ANSWERS, CHANNEL, NAMESPACE, USER, openModal } from "../harness/deploymentFlows.js";
import { sendSlashCommand, sendViewSubmission } from "../harness/slackRequests.js";

// Work after an acknowledgement can take every shared connection; work before one must still be answered.
let sharedPoolSize: number;
let busyDeployments: number;

let h: DeploybotHarness;
let blocker: pg.Client;

beforeAll(async () => {
  h = await startHarness();
  sharedPoolSize = h.bot.databaseConnections.shared;
  busyDeployments = sharedPoolSize + 4;
  for (let i = 0; i < busyDeployments; i++) {
    const name = `busy-${i}`;
    const { deployment, operation } = await h.store.deployments.createWithOperation({
      spec: buildSpec({ name, environment: "development" }),
      namespace: NAMESPACE,
      replicas: 1,
      channelId: CHANNEL,
      teamId: null,
      requestedBy: USER,
      idempotencyKey: `seed:${name}`,
    });
    await h.store.deployments.settle(deployment.id, operation.id, "live");
  }
  blocker = new pg.Client({ connectionString: h.database.url });
  await blocker.connect();
});
afterAll(async () => {
  await blocker?.end().catch(() => undefined);
  await h?.stop();
});

/** Backends of the bot's database waiting for a lock: each holds one of the pool's connections. */
async function waitingOnLocks(): Promise<number> {
  const { rows } = await blocker.query<{ waiting: number }>(
    `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`,
  );
  return rows[0]?.waiting ?? 0;
}

describe("work before Slack's acknowledgement, with every shared connection taken", () => {
  it("answers a create form and the readiness probe while scales recorded after their acknowledgements wait", async () => {
    // Every scale, once acknowledged, records its audit event; with the audit table locked each
    // one keeps its connection until the lock goes, and the shared pool runs dry.
    await blocker.query("BEGIN");
    await blocker.query(`LOCK TABLE "AuditEvent" IN ACCESS EXCLUSIVE MODE`);
    for (let i = 0; i < busyDeployments; i++) {
      const response = await sendSlashCommand(h.target, { text: `scale busy-${i} 2`, userId: USER, channelId: CHANNEL });
      expect(response.status).toBe(200);
    }
    await eventually(async () => (await waitingOnLocks()) >= sharedPoolSize, 15_000, "the shared pool's connections all waiting on the lock");

    const ready = await fetch(`http://127.0.0.1:${h.bot.port}/readyz`);
    expect(ready.status).toBe(200);

    const view = await openModal(h, "create");
    const submitted = await sendViewSubmission(h.target, { userId: USER, view: { id: view.id }, answers: { ...BASE_ANSWERS, name: "answered-anyway" } });
    // Accepted: no inline errors (without the reserve the check waits for a connection and fails).
    expect(submitted.status).toBe(200);
    expect(submitted.body).toBe("");
    // Its recording comes after the acknowledgement, in the shared pool's queue: not yet.
    expect(await h.store.deployments.findByName("answered-anyway")).toBeNull();

    await blocker.query("COMMIT");
    await eventually(() => h.store.deployments.findByName("answered-anyway"), 15_000, "the create recorded once the pool frees up");
    for (let i = 0; i < busyDeployments; i++) {
      await eventually(async () => (await h.store.operations.recentForDeployment((await h.store.deployments.findByName(`busy-${i}`))?.id ?? "")).some((op) => op.kind === "scale"), 15_000, `the scale of busy-${i} recorded`);
    }
  });
});
