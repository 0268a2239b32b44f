import type { KubeConfig } from "@kubernetes/client-node";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClusterDirectory } from "../../src/cluster/clusterDirectory.js";
import { KubeContextConfigError, parseKubeContexts } from "../../src/cluster/kubeContexts.js";
import { kubeConfigWithContexts, startFakeKubeApiServer, type FakeKubeApiServer } from "../harness/fakeKubeApiServer.js";

const logger = pino({ level: "silent" });
const options = { fieldManager: "deploybot", logger };

let shared: FakeKubeApiServer;
let production: FakeKubeApiServer;

/** One kubeconfig with a context per cluster, each with its own credentials, current context "shared". */
function twoClusterKubeConfig(): KubeConfig {
  return kubeConfigWithContexts({ shared, prod: production }, "shared");
}

beforeAll(async () => {
  shared = await startFakeKubeApiServer({ token: "shared-token", namespaces: ["ml-development", "ml-staging"] });
  production = await startFakeKubeApiServer({ token: "prod-token", namespaces: ["ml-production"] });
});
afterAll(async () => {
  await Promise.all([shared.close(), production.close()]);
});

describe("parseKubeContexts", () => {
  it("reads a context per environment; unset or empty means the current context", () => {
    expect(parseKubeContexts({ DEPLOYBOT_KUBE_CONTEXT_PRODUCTION: " prod ", DEPLOYBOT_KUBE_CONTEXT_STAGING: "", OTHER: "x" })).toEqual({
      development: undefined,
      staging: undefined,
      production: "prod",
    });
  });

  it("names the variable of a malformed context", () => {
    expect(() => parseKubeContexts({ DEPLOYBOT_KUBE_CONTEXT_STAGING: "my context" })).toThrow(
      /DEPLOYBOT_KUBE_CONTEXT_STAGING must be a kubeconfig context name/,
    );
  });
});

describe("ClusterDirectory", () => {
  it("sends each environment to its own context's cluster, with that context's credentials", async () => {
    const directory = ClusterDirectory.create(twoClusterKubeConfig(), parseKubeContexts({ DEPLOYBOT_KUBE_CONTEXT_PRODUCTION: "prod" }), options);

    await directory.forEnvironment("development").ensureNamespace("ml-development");
    await directory.forEnvironment("production").ensureNamespace("ml-production");
    // Each namespace exists on one cluster only: asking the other cluster fails. Each server demands
    // its own token, so reaching it at all shows the context's user was used.
    await expect(directory.forEnvironment("production").ensureNamespace("ml-development")).rejects.toThrow(/Namespace ml-development does not exist/);

    const asked = (server: FakeKubeApiServer, path: string) => server.requests.some((request) => request.path === path);
    expect(asked(shared, "/api/v1/namespaces/ml-development")).toBe(true);
    expect(asked(production, "/api/v1/namespaces/ml-production")).toBe(true);
    expect(asked(shared, "/api/v1/namespaces/ml-production")).toBe(false);

    // The other API readers follow the same contexts.
    await directory.podsFor("production").listPods({ namespace: "ml-production", name: "resnet" });
    expect(production.requests.some((request) => request.path === "/api/v1/namespaces/ml-production/pods")).toBe(true);
    await directory.workloadsFor("production").read({ namespace: "ml-production", name: "resnet" });
    expect(production.requests.some((request) => request.path === "/apis/apps/v1/namespaces/ml-production/deployments")).toBe(true);
  });

  it("reads the alerts' fleet of each namespace from the cluster of the environments deploying there", async () => {
    const directory = ClusterDirectory.create(twoClusterKubeConfig(), parseKubeContexts({ DEPLOYBOT_KUBE_CONTEXT_PRODUCTION: "prod" }), options);
    const namespaceOf = { development: "ml-development", staging: "ml-staging", production: "ml-production" };
    const deploymentsListed = (server: FakeKubeApiServer) =>
      server.requests.filter((request) => /^\/apis\/apps\/v1\/namespaces\/[^/]+\/deployments$/.test(request.path)).map((request) => request.path.split("/")[5]);
    shared.clearRequests();
    production.clearRequests();
    await directory.readFleet(["ml-development", "ml-production"], namespaceOf);
    expect(deploymentsListed(shared)).toEqual(["ml-development"]);
    expect(deploymentsListed(production)).toEqual(["ml-production"]);
  });

  it("shares one cluster between environments on the same context", () => {
    const directory = ClusterDirectory.create(twoClusterKubeConfig(), parseKubeContexts({ DEPLOYBOT_KUBE_CONTEXT_STAGING: "shared", DEPLOYBOT_KUBE_CONTEXT_PRODUCTION: "prod" }), options);
    expect(directory.forEnvironment("development")).toBe(directory.forEnvironment("staging"));
    expect(directory.forEnvironment("production")).not.toBe(directory.forEnvironment("staging"));
    expect(directory.kubeConfigFor("development")).toBe(directory.kubeConfigFor("staging"));
    expect(directory.kubeConfigFor("production").getCurrentContext()).toBe("prod");
    expect(directory.clusters().map(({ context, environments }) => ({ context, environments }))).toEqual([
      { context: "shared", environments: ["development", "staging"] },
      { context: "prod", environments: ["production"] },
    ]);
  });

  it("uses the current context for every environment when none is configured", async () => {
    const directory = ClusterDirectory.create(twoClusterKubeConfig(), parseKubeContexts({}), options);
    expect(directory.clusters()).toHaveLength(1);
    expect(await directory.forEnvironment("production").ping()).toMatch(/^v1\./);
  });

  it("leaves the kubeconfig it was given untouched", () => {
    const kubeConfig = twoClusterKubeConfig();
    ClusterDirectory.create(kubeConfig, parseKubeContexts({ DEPLOYBOT_KUBE_CONTEXT_PRODUCTION: "prod" }), options);
    expect(kubeConfig.getCurrentContext()).toBe("shared");
  });

  it("refuses at start a context the kubeconfig does not have, naming the variable and the known contexts", () => {
    const create = () =>
      ClusterDirectory.create(twoClusterKubeConfig(), parseKubeContexts({ DEPLOYBOT_KUBE_CONTEXT_PRODUCTION: "prdo" }), options);
    expect(create).toThrow(KubeContextConfigError);
    expect(create).toThrow('production: DEPLOYBOT_KUBE_CONTEXT_PRODUCTION names context "prdo", which the kubeconfig does not have (it has: shared, prod)');
  });
});
