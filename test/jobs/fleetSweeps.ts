import type { DeploymentStatus } from "../../src/domain/deploymentStatus.js";
import type { DeploymentRepository } from "../../src/store/deploymentRepository.js";
import { buildSpec } from "../cluster/render/fixtures.js";

/** Development deployments stored as `status`, their objects never applied; returns their ids in order. */
export async function storedDeployments(deployments: DeploymentRepository, names: readonly string[], status: Exclude<DeploymentStatus, "pending">): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names) {
    const { deployment, operation } = await deployments.createWithOperation({
      spec: buildSpec({ name, environment: "development" }),
      namespace: "ml-development",
      replicas: 1,
      channelId: "C0FLEET",
      teamId: null,
      requestedBy: "U0FLEET",
      idempotencyKey: `seed:${name}`,
    });
    await deployments.settle(deployment.id, operation.id, status);
    ids.push(deployment.id);
  }
  return ids;
}

/** The real repository, noting how many deployments each page of a sweep held. */
export function countingPages(deployments: DeploymentRepository): { reads: DeploymentRepository; pages: number[] } {
  const pages: number[] = [];
  const reads = Object.create(deployments) as DeploymentRepository;
  reads.listPage = async (page) => {
    const found = await deployments.listPage(page);
    pages.push(found.length);
    return found;
  };
  return { reads, pages };
}
