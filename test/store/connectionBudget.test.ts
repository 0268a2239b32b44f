import { describe, expect, it } from "vitest";
import { connectionBudget } from "../../src/store/database.js";

describe("a process's PostgreSQL connections", () => {
  it("give every job a connection, plus room for the periodic work, in a process that runs jobs", () => {
    expect(connectionBudget({ role: "all", workerConcurrency: 16 })).toEqual({ shared: 20, reserved: 10 });
    expect(connectionBudget({ role: "worker", workerConcurrency: 24 })).toEqual({ shared: 28, reserved: 1 });
  });

  it("keep a reserve for acknowledgements only where Slack is answered; a worker keeps one for its probe", () => {
    expect(connectionBudget({ role: "web", workerConcurrency: 16 })).toEqual({ shared: 10, reserved: 10 });
    expect(connectionBudget({ role: "worker", workerConcurrency: 16 }).reserved).toBe(1);
  });

  it("stay within DATABASE_MAX_CONNECTIONS when it is set, the reserve a third of it at most", () => {
    expect(connectionBudget({ role: "web", workerConcurrency: 16, databaseMaxConnections: 12 })).toEqual({ shared: 8, reserved: 4 });
    expect(connectionBudget({ role: "all", workerConcurrency: 16, databaseMaxConnections: 60 })).toEqual({ shared: 50, reserved: 10 });
    expect(connectionBudget({ role: "all", workerConcurrency: 16, databaseMaxConnections: 3 })).toEqual({ shared: 2, reserved: 1 });
    expect(connectionBudget({ role: "worker", workerConcurrency: 16, databaseMaxConnections: 10 })).toEqual({ shared: 9, reserved: 1 });
  });
});
