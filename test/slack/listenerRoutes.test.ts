import { App, LogLevel, type Receiver, type ReceiverEvent } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { ListenerRoutes } from "../../src/slack/listeners/listenerRoutes.js";

/** A receiver that starts nothing: the test hands Bolt its requests through `processEvent`, as the real receivers do. */
const idleReceiver: Receiver = { init: () => undefined, start: () => Promise.resolve(), stop: () => Promise.resolve() };

function boltApp(): App {
  return new App({ token: "xoxb-test", botId: "B1", botUserId: "U1", tokenVerificationEnabled: false, receiver: idleReceiver, logLevel: LogLevel.ERROR });
}

/** What every interaction payload carries beside its own part. */
const interaction = { user: { id: "U2" }, team: { id: "T1" }, api_app_id: "A1", token: "t", trigger_id: "1.2.3" };

const blockAction = (actionId: string) => ({
  ...interaction,
  type: "block_actions",
  container: { type: "message" },
  actions: [{ type: "button", action_id: actionId, block_id: "b", value: "v", action_ts: "1" }],
});

const viewSubmission = (callbackId: string) => ({
  ...interaction,
  type: "view_submission",
  view: { id: "V1", callback_id: callbackId, state: { values: {} }, private_metadata: "", hash: "h" },
});

/** Hands Bolt one request; resolves with what was acknowledged, or `unacknowledged`. */
async function deliver(app: App, body: Record<string, unknown>): Promise<unknown> {
  let acknowledged: unknown = "unacknowledged";
  const event: ReceiverEvent = {
    body,
    ack: async (response?: unknown) => {
      acknowledged = response ?? "empty";
    },
  };
  await app.processEvent(event);
  return acknowledged;
}

describe("one Bolt listener per surface, dispatching by id", () => {
  it("gives a click to the route its action_id matches, exactly or by pattern, and a submission to its callback_id's", async () => {
    const app = boltApp();
    const routes = new ListenerRoutes();
    const seen: string[] = [];
    routes.action("approve", async ({ ack, action }) => {
      seen.push(`exact ${"action_id" in action ? action.action_id : "?"}`);
      await ack();
    });
    routes.action(/^page:/, async ({ ack }) => {
      seen.push("pattern");
      await ack();
    });
    routes.view("create", async ({ ack, view }) => {
      seen.push(`view ${view.callback_id}`);
      await ack({ response_action: "clear" });
    });
    routes.mount(app);

    expect(await deliver(app, blockAction("approve"))).toBe("empty");
    expect(await deliver(app, blockAction("page:2"))).toBe("empty");
    expect(await deliver(app, viewSubmission("create"))).toEqual({ response_action: "clear" });
    expect(seen).toEqual(["exact approve", "pattern", "view create"]);
  });

  it("leaves a request no route matches unacknowledged, as Bolt leaves one no listener matches", async () => {
    const app = boltApp();
    const routes = new ListenerRoutes();
    routes.action("approve", async ({ ack }) => ack());
    routes.view("create", async ({ ack }) => ack());
    routes.mount(app);

    expect(await deliver(app, blockAction("approved"))).toBe("unacknowledged");
    expect(await deliver(app, viewSubmission("created"))).toBe("unacknowledged");
  });

  it("runs every route that matches, as Bolt runs every matching listener, and passes a route's failure to Bolt's error handler", async () => {
    const app = boltApp();
    const errors: unknown[] = [];
    app.error(async (error) => {
      errors.push(error);
    });
    const routes = new ListenerRoutes();
    const seen: string[] = [];
    routes.action(/^deployment:/, async ({ ack }) => {
      seen.push("first");
      await ack();
    });
    routes.action(/^deployment:scale$/, async () => {
      seen.push("second");
      throw new Error("broken route");
    });
    routes.mount(app);

    await deliver(app, blockAction("deployment:scale")).catch(() => undefined);
    expect(seen).toEqual(["first", "second"]);
    expect(String(errors[0])).toContain("broken route");
  });

  it("is the same pattern every time: a global regular expression does not skip every other match", async () => {
    const app = boltApp();
    const routes = new ListenerRoutes();
    let count = 0;
    routes.action(/^list:/g, async ({ ack }) => {
      count += 1;
      await ack();
    });
    routes.mount(app);
    for (let i = 0; i < 3; i += 1) await deliver(app, blockAction(`list:${i}`));
    expect(count).toBe(3);
  });
});
