import {
  createConfiguration,
  ServerConfiguration,
  type Configuration,
  type KubeConfig,
  type RequestContext,
  type ResponseContext,
} from "@kubernetes/client-node";
import { keptAliveAgentFor } from "./keptAliveAgents.js";

/**
 * The client-node configuration every typed API of the cluster layer uses: the kubeconfig's
 * current cluster and credentials, and a bound on each request. client-node has no request
 * timeout of its own; a signal set in a middleware bounds each call, so a hung API server cannot
 * hang a job.
 */
export function createApiConfiguration(kubeConfig: KubeConfig, timeoutMs: number): Configuration {
  const cluster = kubeConfig.getCurrentCluster();
  if (cluster === null) throw new Error("The kubeconfig has no current cluster");
  return createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kubeConfig },
    promiseMiddleware: [
      {
        pre: async (context: RequestContext) => {
          context.setSignal(AbortSignal.timeout(timeoutMs));
          const agent = keptAliveAgentFor(context.getAgent());
          if (agent) context.setAgent(agent);
          return context;
        },
        post: async (response: ResponseContext) => response,
      },
    ],
  });
}
