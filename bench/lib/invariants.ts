/**
 * What must hold after a batch of scale operations, read from PostgreSQL and the Kubernetes API
 * server rather than from the bot's own answers: every request recorded exactly once and
 * succeeded, run once, never two operations at once on one deployment, and the cluster and the
 * store ending at the last requested count.
 */
import type pg from "pg";
import type { FakesClient } from "./slackDriver.js";

export interface ScaleRequest {
  name: string;
  replicas: number;
}

export interface InvariantReport {
  requested: number;
  recorded: number;
  /** Requests with no matching operation row. */
  lost: number;
  /** Operation rows beyond the requests (a request recorded twice). */
  duplicated: number;
  /** Operations that did not end `succeeded`. */
  notSucceeded: number;
  /** Operations whose job applied the change more than once. */
  ranTwice: number;
  /** Pairs of operations of one deployment whose [startedAt, finishedAt] overlap. */
  overlapping: number;
  /** Deployments whose Kubernetes spec.replicas or stored replicas is not the last requested. */
  wrongFinalReplicas: number;
  problems: string[];
}

interface OperationRow {
  id: string;
  deploymentName: string;
  kind: string;
  status: string;
  replicas: number | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export function brokenInvariants(report: InvariantReport): boolean {
  return report.lost + report.duplicated + report.notSucceeded + report.ranTwice + report.overlapping + report.wrongFinalReplicas > 0;
}

/** `requests` in the order each chain sent them; `since` is when the batch began. */
export async function checkScaleInvariants(pool: pg.Pool, fakes: Pick<FakesClient, "replicas">, requests: readonly ScaleRequest[], since: Date, namespace: string): Promise<InvariantReport> {
  const problems: string[] = [];
  const names = [...new Set(requests.map((r) => r.name))];
  const { rows } = await pool.query<OperationRow>(
    `SELECT id, "deploymentName", kind, status, (params->>'replicas')::int AS replicas, "startedAt", "finishedAt"
       FROM "Operation" WHERE "deploymentName" = ANY($1) AND "createdAt" >= $2 ORDER BY "createdAt", id`,
    [names, since],
  );
  const scales = rows.filter((row) => row.kind === "scale");

  let lost = 0;
  let duplicated = 0;
  for (const name of names) {
    const wanted = requests.filter((r) => r.name === name).map((r) => r.replicas);
    const got = scales.filter((row) => row.deploymentName === name).map((row) => row.replicas ?? -1);
    // Counted per requested value: a request with no row is lost, a row beyond the requests is a double.
    const counts = new Map<number, number>();
    for (const value of wanted) counts.set(value, (counts.get(value) ?? 0) + 1);
    for (const value of got) counts.set(value, (counts.get(value) ?? 0) - 1);
    for (const [value, count] of counts) {
      if (count > 0) {
        lost += count;
        problems.push(`${name}: ${count} scale(s) to ${value} never recorded`);
      } else if (count < 0) {
        duplicated += -count;
        problems.push(`${name}: ${-count} extra scale(s) to ${value} recorded`);
      }
    }
  }

  const notSucceeded = scales.filter((row) => row.status !== "succeeded");
  for (const row of notSucceeded.slice(0, 10)) problems.push(`${row.deploymentName}: scale ${row.id} ended ${row.status}`);

  // A job that ran twice applies twice: it records the "Set … replicas" step and the outcome again.
  const twice = await pool.query<{ operationId: string; applied: string; outcomes: string }>(
    `SELECT "operationId",
            count(*) FILTER (WHERE step = 'step' AND message LIKE 'Set %') AS applied,
            count(*) FILTER (WHERE step IN ('succeeded', 'failed')) AS outcomes
       FROM "OperationEvent" WHERE "operationId" = ANY($1::uuid[])
      GROUP BY "operationId"`,
    [scales.map((row) => row.id)],
  );
  const ranTwice = twice.rows.filter((row) => Number(row.applied) > 1 || Number(row.outcomes) > 1);
  for (const row of ranTwice.slice(0, 10)) problems.push(`operation ${row.operationId} applied ${row.applied} times, ended ${row.outcomes} times`);

  let overlapping = 0;
  for (const name of names) {
    const ran = rows
      .filter((row) => row.deploymentName === name && row.startedAt !== null)
      .sort((a, b) => (a.startedAt?.getTime() ?? 0) - (b.startedAt?.getTime() ?? 0));
    for (let k = 1; k < ran.length; k += 1) {
      const previous = ran[k - 1];
      const current = ran[k];
      if (!previous || !current?.startedAt) continue;
      const previousEnd = previous.finishedAt?.getTime() ?? Number.POSITIVE_INFINITY;
      if (previousEnd > current.startedAt.getTime()) {
        overlapping += 1;
        problems.push(`${name}: ${current.kind} ${current.id} started before ${previous.kind} ${previous.id} finished`);
      }
    }
  }

  const lastWanted = new Map<string, number>();
  for (const request of requests) lastWanted.set(request.name, request.replicas);
  const inCluster = await fakes.replicas(namespace);
  const stored = await pool.query<{ name: string; replicas: number }>(`SELECT name, replicas FROM "Deployment" WHERE name = ANY($1)`, [names]);
  const storedByName = new Map(stored.rows.map((row) => [row.name, row.replicas]));
  let wrongFinalReplicas = 0;
  for (const [name, replicas] of lastWanted) {
    const cluster = inCluster[`${name}-blue`];
    const store = storedByName.get(name);
    if (cluster !== replicas || store !== replicas) {
      wrongFinalReplicas += 1;
      problems.push(`${name}: last requested ${replicas}, cluster has ${String(cluster)}, store has ${String(store)}`);
    }
  }

  return {
    requested: requests.length,
    recorded: scales.length,
    lost,
    duplicated,
    notSucceeded: notSucceeded.length,
    ranTwice: ranTwice.length,
    overlapping,
    wrongFinalReplicas,
    problems,
  };
}
