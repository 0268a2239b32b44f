import type { FakeKubeApiServer } from "./fakeKubeApiServer.js";

/** A model server killed for memory and now in back-off: what the alerts' diagnosis names with a next step. */
export const OOM_KILLED_STATUS = {
  phase: "Running",
  conditions: [{ type: "Ready", status: "False" }],
  containerStatuses: [
    {
      name: "model-server", image: "ghcr.io/deploybot/model-server:1.0", imageID: "", ready: false, restartCount: 2,
      state: { waiting: { reason: "CrashLoopBackOff", message: "back-off" } },
      lastState: { terminated: { reason: "OOMKilled", exitCode: 137, startedAt: "2026-11-30T10:00:00Z", finishedAt: "2026-11-30T10:00:04Z" } },
    },
  ],
};

/** Gives every pod whose name starts with `prefix` this status (the fake cluster keeps pods as they are put). */
export function setPodStatuses(kube: FakeKubeApiServer, namespace: string, prefix: string, status: Record<string, unknown>): void {
  for (const pod of kube.list("Pod", namespace).filter((p) => p.metadata.name.startsWith(prefix))) kube.put({ ...pod, status });
}
