import type { Requester } from "../domain/operation.js";
import type { DeploymentRepository } from "../store/deploymentRepository.js";
import type { AccessControl } from "./accessControl.js";
import { findDeployment } from "./deploymentLookup.js";
import type { OperationRequests } from "./operationRequests.js";

/**
 * `/deploy lock` and `/deploy unlock`: a freeze for incidents and launches. Only a deployer may
 * lock (freezing is a change of who may change); only the holder lifts it, or an admin breaks it.
 */
export class DeploymentFreezes {
  constructor(
    private readonly deps: { deployments: DeploymentRepository; access: AccessControl; requests: OperationRequests; now?: () => Date },
  ) {}

  async lock(name: string, reason: string, requester: Requester): Promise<{ ok: boolean; message: string }> {
    const found = await findDeployment(this.deps.deployments, name);
    if (!found.ok) return found;
    const { deployment } = found;
    const access = await this.deps.access.check(requester, "request", deployment.environment);
    if (!access.ok) return access;
    const now = this.deps.now?.() ?? new Date();
    if (!(await this.deps.deployments.freeze(deployment.id, requester.userId, reason, now))) {
      const holder = (await this.deps.deployments.get(deployment.id))?.freeze?.holder;
      return { ok: false, message: `*${name}* is already locked by <@${holder ?? "someone"}>.` };
    }
    await this.deps.requests.audit({ actorId: requester.userId, channelId: requester.channelId, deploymentName: name, environment: deployment.environment, action: "locked", reason });
    return { ok: true, message: `:lock: <@${requester.userId}> locked *${name}*: ${reason}. Only they can change it until \`/deploy unlock ${name}\`.` };
  }

  async unlock(name: string, requester: Requester): Promise<{ ok: boolean; message: string }> {
    const found = await findDeployment(this.deps.deployments, name);
    if (!found.ok) return found;
    const { deployment } = found;
    const freeze = deployment.freeze;
    if (!freeze) return { ok: false, message: `*${name}* is not locked.` };
    if (freeze.holder === requester.userId) {
      await this.deps.deployments.unfreeze(deployment.id, requester.userId);
      await this.deps.requests.audit({ actorId: requester.userId, channelId: requester.channelId, deploymentName: name, environment: deployment.environment, action: "unlocked" });
      return { ok: true, message: `:unlock: <@${requester.userId}> unlocked *${name}*.` };
    }
    const admin = await this.deps.access.check(requester, "administer", null);
    if (!admin.ok) return { ok: false, message: `*${name}* is locked by <@${freeze.holder}>: only they, or an admin, can unlock it.` };
    await this.deps.deployments.unfreeze(deployment.id, null);
    await this.deps.requests.audit({
      actorId: requester.userId,
      channelId: requester.channelId,
      deploymentName: name,
      environment: deployment.environment,
      action: "lock-broken",
      before: { holder: freeze.holder, reason: freeze.reason, since: freeze.since },
    });
    return { ok: true, message: `:unlock: <@${requester.userId}> (admin) broke <@${freeze.holder}>'s lock on *${name}* (${freeze.reason}).` };
  }
}
