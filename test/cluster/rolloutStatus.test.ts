import type { V1Deployment, V1DeploymentCondition, V1DeploymentStatus } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { rolloutStatusOf } from "../../src/cluster/rolloutStatus.js";

function deployment(options: { replicas?: number; generation?: number; status?: V1DeploymentStatus }): V1Deployment {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "resnet-prod", namespace: "ml-dev", generation: options.generation ?? 2 },
    spec: {
      replicas: options.replicas,
      selector: { matchLabels: { app: "resnet" } },
      template: { metadata: { labels: { app: "resnet" } }, spec: { containers: [{ name: "server", image: "resnet:1" }] } },
    },
    status: options.status,
  };
}

const progressing = (reason: string, status = "True", message = "ReplicaSet is progressing."): V1DeploymentCondition => ({
  type: "Progressing",
  status,
  reason,
  message,
});

describe("rolloutStatusOf", () => {
  it("waits while the controller has not observed the latest generation", () => {
    const status = rolloutStatusOf(
      deployment({
        replicas: 3,
        generation: 3,
        // Counts from generation 2 look complete, but describe the previous spec.
        status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 },
      }),
    );
    expect(status).toMatchObject({ phase: "progressing", desiredReplicas: 3, readyReplicas: 3 });
    expect(status.message).toMatch(/spec update to be observed/);
  });

  it("is progressing when there is no status at all (freshly created)", () => {
    expect(rolloutStatusOf(deployment({ replicas: 2 }))).toEqual({
      desiredReplicas: 2,
      updatedReplicas: 0,
      readyReplicas: 0,
      availableReplicas: 0,
      phase: "progressing",
      message: "Waiting for deployment spec update to be observed",
    });
  });

  it("ignores a ProgressDeadlineExceeded left over from an earlier generation", () => {
    const status = rolloutStatusOf(
      deployment({
        replicas: 1,
        generation: 4,
        status: { observedGeneration: 3, conditions: [progressing("ProgressDeadlineExceeded", "False")] },
      }),
    );
    expect(status.phase).toBe("progressing");
  });

  it("fails on ProgressDeadlineExceeded with the condition's message", () => {
    const status = rolloutStatusOf(
      deployment({
        replicas: 3,
        status: {
          observedGeneration: 2,
          replicas: 3,
          updatedReplicas: 3,
          readyReplicas: 1,
          availableReplicas: 1,
          conditions: [progressing("ProgressDeadlineExceeded", "False", 'ReplicaSet "resnet-prod-abc" has timed out progressing.')],
        },
      }),
    );
    expect(status).toEqual({
      desiredReplicas: 3,
      updatedReplicas: 3,
      readyReplicas: 1,
      availableReplicas: 1,
      phase: "failed",
      reason: "ProgressDeadlineExceeded",
      message: 'ReplicaSet "resnet-prod-abc" has timed out progressing.',
    });
  });

  it("is progressing while new replicas are still being created", () => {
    const status = rolloutStatusOf(
      deployment({ replicas: 3, status: { observedGeneration: 2, replicas: 3, updatedReplicas: 1, readyReplicas: 3, availableReplicas: 3 } }),
    );
    expect(status.phase).toBe("progressing");
    expect(status.message).toBe("Waiting for rollout to finish: 1 out of 3 new replicas have been updated");
  });

  it("is progressing while old replicas are still terminating", () => {
    const status = rolloutStatusOf(
      deployment({ replicas: 3, status: { observedGeneration: 2, replicas: 4, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3 } }),
    );
    expect(status.phase).toBe("progressing");
    expect(status.message).toBe("Waiting for rollout to finish: 1 old replicas are pending termination");
  });

  it("is progressing until every updated replica is ready and available", () => {
    const notReady = rolloutStatusOf(
      deployment({ replicas: 3, status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2 } }),
    );
    expect(notReady).toMatchObject({ phase: "progressing", readyReplicas: 2 });
    const readyNotAvailable = rolloutStatusOf(
      deployment({ replicas: 3, status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 2 } }),
    );
    expect(readyNotAvailable.phase).toBe("progressing");
  });

  it("is ready when all desired replicas are updated, ready and available and no old ones remain", () => {
    const status = rolloutStatusOf(
      deployment({
        replicas: 3,
        status: {
          observedGeneration: 2,
          replicas: 3,
          updatedReplicas: 3,
          readyReplicas: 3,
          availableReplicas: 3,
          conditions: [progressing("NewReplicaSetAvailable")],
        },
      }),
    );
    expect(status).toEqual({
      desiredReplicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      phase: "ready",
      message: 'deployment "resnet-prod" successfully rolled out',
    });
  });

  it("treats a missing spec.replicas as 1, the API default", () => {
    const status = rolloutStatusOf(
      deployment({ status: { observedGeneration: 2, replicas: 1, updatedReplicas: 1, readyReplicas: 1, availableReplicas: 1 } }),
    );
    expect(status).toMatchObject({ phase: "ready", desiredReplicas: 1 });
  });

  it("is ready at zero replicas once observed (zero counts are omitted by the API)", () => {
    const status = rolloutStatusOf(deployment({ replicas: 0, status: { observedGeneration: 2 } }));
    expect(status).toMatchObject({ phase: "ready", desiredReplicas: 0, readyReplicas: 0 });
  });
});
