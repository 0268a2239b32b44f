import { KubeConfig } from "@kubernetes/client-node";
import { ENVIRONMENTS, type Environment } from "../domain/deploymentSpec.js";
import { DeploymentPods } from "./deploymentPods.js";
import { KubernetesCluster, type KubernetesClusterOptions } from "./kubernetesClient.js";
import { KUBE_CONTEXT_VARIABLES, KubeContextConfigError, type KubeContexts } from "./kubeContexts.js";
import { WorkloadStatusReader, type WorkloadStatus } from "./workloadStatus.js";

/** One cluster the bot talks to, and the environments it serves. */
export interface ClusterEntry {
  context: string;
  environments: Environment[];
  cluster: KubernetesCluster;
  /** The kubeconfig with this context current. */
  kubeConfig: KubeConfig;
  /** The cluster's pods (logs, diagnosis, secret values to redact). */
  pods: DeploymentPods;
  /** The cluster's workloads (replicas, autoscaler bounds) for metrics and alerts. */
  workloads: WorkloadStatusReader;
}

/**
 * The KubernetesCluster of each environment. Environments can live on separate clusters (a
 * production cluster apart from development and staging is common), each reached through its own
 * kubeconfig context. Environments naming the same context share one KubernetesCluster, so its
 * discovery cache and connections are not duplicated.
 */
export class ClusterDirectory {
  private constructor(
    private readonly byEnvironment: ReadonlyMap<Environment, ClusterEntry>,
    private readonly entries: readonly ClusterEntry[],
  ) {}

  /**
   * Resolves every environment's context up front, so a misspelt context stops the bot at start
   * (naming the variable and the contexts that do exist) rather than failing the first deployment.
   * The current context is used for environments without one; `logger` in `options` gets a
   * `context` binding per cluster.
   */
  static create(kubeConfig: KubeConfig, contexts: KubeContexts, options: KubernetesClusterOptions): ClusterDirectory {
    const known = kubeConfig.getContexts().map((context) => context.name);
    const problems: string[] = [];
    const contextOf = new Map<Environment, string>();
    for (const environment of ENVIRONMENTS) {
      const wanted = contexts[environment] ?? kubeConfig.getCurrentContext();
      if (!wanted || kubeConfig.getContextObject(wanted) === null) {
        const source = contexts[environment] === undefined ? "the kubeconfig's current context" : KUBE_CONTEXT_VARIABLES[environment];
        problems.push(
          `${environment}: ${source} ${wanted ? `names context "${wanted}", which` : "is not set and"} the kubeconfig does not have (it has: ${known.length > 0 ? known.join(", ") : "no contexts"})`,
        );
        continue;
      }
      contextOf.set(environment, wanted);
    }
    if (problems.length > 0) throw new KubeContextConfigError(problems);

    const byContext = new Map<string, ClusterEntry>();
    const byEnvironment = new Map<Environment, ClusterEntry>();
    for (const [environment, context] of contextOf) {
      let entry = byContext.get(context);
      if (entry === undefined) {
        const contextConfig = withCurrentContext(kubeConfig, context);
        const cluster = new KubernetesCluster(contextConfig, { ...options, logger: options.logger.child({ context }) });
        entry = { context, environments: [], cluster, kubeConfig: contextConfig, pods: new DeploymentPods(contextConfig), workloads: new WorkloadStatusReader(contextConfig) };
        byContext.set(context, entry);
      }
      entry.environments.push(environment);
      byEnvironment.set(environment, entry);
    }
    return new ClusterDirectory(byEnvironment, [...byContext.values()]);
  }

  forEnvironment(environment: Environment): KubernetesCluster {
    return this.entryFor(environment).cluster;
  }

  /** The environment's kubeconfig (its context current), shared by environments on one context. */
  kubeConfigFor(environment: Environment): KubeConfig {
    return this.entryFor(environment).kubeConfig;
  }

  /** The pods of the environment's cluster: logs and diagnosis come from where the deployment runs. */
  podsFor(environment: Environment): DeploymentPods {
    return this.entryFor(environment).pods;
  }

  workloadsFor(environment: Environment): WorkloadStatusReader {
    return this.entryFor(environment).workloads;
  }

  /**
   * Every deploybot workload in these namespaces, each namespace read from the cluster of the
   * environments that deploy there (`namespaces`: the namespace of each environment); a namespace
   * no environment names is read from every cluster.
   */
  async readFleet(namespaces: readonly string[], namespaceOf: Readonly<Record<Environment, string>>): Promise<Map<string, WorkloadStatus>> {
    const reads = namespaces.flatMap((namespace) => {
      const environments = ENVIRONMENTS.filter((environment) => namespaceOf[environment] === namespace);
      const entries = environments.length > 0 ? new Set(environments.map((environment) => this.entryFor(environment))) : this.entries;
      return [...entries].map((entry) => entry.workloads.readFleet([namespace]));
    });
    const fleets = await Promise.all(reads);
    return new Map(fleets.flatMap((fleet) => [...fleet]));
  }

  /** Each distinct cluster once, e.g. for a readiness check that pings every one. */
  clusters(): readonly ClusterEntry[] {
    return this.entries;
  }

  private entryFor(environment: Environment): ClusterEntry {
    const entry = this.byEnvironment.get(environment);
    // create() resolves every environment or throws, so this is a programming error.
    if (entry === undefined) throw new Error(`No cluster for environment ${environment}`);
    return entry;
  }
}

/**
 * A copy of the kubeconfig whose current context is `context`. KubernetesCluster (and client-node's
 * Watch) take the cluster, user and credentials of the current context, so each cluster gets its
 * own copy; the lists are shared, credentials (files, exec plugins) are read as before.
 */
function withCurrentContext(kubeConfig: KubeConfig, context: string): KubeConfig {
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: kubeConfig.getClusters(),
    users: kubeConfig.getUsers(),
    contexts: kubeConfig.getContexts(),
    currentContext: context,
  });
  return copy;
}
