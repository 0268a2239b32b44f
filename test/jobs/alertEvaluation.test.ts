import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WorkloadStatus } from "../../src/cluster/workloadStatus.js";
import { defaultAlertRules } from "../../src/domain/alertRules.js";
import { ruleAlertKey } from "../../src/domain/alerts.js";
import { deploymentKey } from "../../src/domain/deploymentRef.js";
import { AlertEvaluator } from "../../src/jobs/alertEvaluation.js";
import { metricsNotConfigured } from "../../src/monitoring/deploymentMetrics.js";
import type { AlertNotifier } from "../../src/operations/alertNotifications.js";
import { AlertRepository } from "../../src/store/alertRepository.js";
import { DeploymentRepository } from "../../src/store/deploymentRepository.js";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";
import { countingPages, storedDeployments } from "./fleetSweeps.js";

const NAMESPACE = "ml-development";
let database: TestDatabase;
let deployments: DeploymentRepository;

beforeAll(async () => {
  database = await createTestDatabase();
  deployments = new DeploymentRepository(database.db);
});
afterAll(async () => {
  await database?.drop();
});

/** Nothing fires in one round (the rules wait `for` a while): a call here would be a bug. */
const notifier = {
  announceFiring: async () => {
    throw new Error("nothing should fire in one round");
  },
  announceResolved: async () => {
    throw new Error("nothing should resolve in one round");
  },
} as unknown as AlertNotifier;

describe("the alert evaluation over a fleet larger than a page", () => {
  it("reads the signals once and evaluates every deployment, a page of stored state at a time", async () => {
    const ids = await storedDeployments(deployments, ["a-1", "a-2", "a-3", "a-4", "a-5"], "live");
    // Every deployment meant to run 1 replica, none ready: "no ready replicas" breaches for each.
    const fleetReads: string[][] = [];
    const workloads = {
      readFleet: async (namespaces: readonly string[]) => {
        fleetReads.push([...namespaces]);
        const refs = await deployments.refs();
        return new Map<string, WorkloadStatus>(
          refs.map((ref) => [deploymentKey(ref), { ref, desiredReplicas: 1, readyReplicas: 0, availableReplicas: 0, hpa: undefined, requests: { cpu: "1", memory: "1Gi", gpu: undefined } }]),
        );
      },
    };
    const alerts = new AlertRepository(database.db);
    const { reads, pages } = countingPages(deployments);
    const evaluator = new AlertEvaluator({ deployments: reads, alerts, notifier, metrics: metricsNotConfigured, workloads, defaultRules: defaultAlertRules(60), logger: pino({ level: "silent" }), now: () => Date.parse("2026-12-01T10:00:00Z"), pageSize: 2 });

    const summary = await evaluator.evaluate();

    expect(fleetReads).toEqual([[NAMESPACE]]);
    expect(pages).toEqual([2, 2, 1]);
    expect(summary).toMatchObject({ deployments: 5, fired: 0, resolved: 0 });
    const stored = await alerts.byKeys(ids.map((id) => ruleAlertKey(id, "no-ready-replicas")));
    expect([...stored.values()].map((alert) => alert.state.phase)).toEqual(["pending", "pending", "pending", "pending", "pending"]);
  });
});
