import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AccessRepository } from "../../src/store/accessRepository.js";
import { createTestDatabase, type TestDatabase } from "../harness/database.js";

let database: TestDatabase;
let access: AccessRepository;

beforeAll(async () => {
  database = await createTestDatabase();
  access = new AccessRepository(database.db);
});
afterAll(async () => {
  await database?.drop();
});

describe("the access policy a change request is authorized against, in one read", () => {
  it("is what the separate reads of grants, the channel's binding and the environment's rules answer", async () => {
    // Nothing stored yet: no grants, an unbound channel, no rules.
    expect(await access.requestPolicy("C1", "production")).toEqual({ grants: [], channelBinding: null, environmentRules: null });

    await access.grant({ subjectType: "user", subjectId: "U2", role: "deployer", environment: "staging" }, "U0");
    await access.grant({ subjectType: "usergroup", subjectId: "S1", role: "approver", environment: "production" }, "U0");
    await access.grant({ subjectType: "user", subjectId: "U1", role: "admin", environment: "*" }, "U0");
    await access.bind("C1", ["staging", "production"], "U0");
    await access.setEnvironmentRules("production", { requiredApprovals: 2, maxReplicas: 6, canaryStepApproval: true }, "U0");

    for (const [channelId, environment] of [["C1", "production"], ["C1", "staging"], ["C2", "development"]] as const) {
      expect(await access.requestPolicy(channelId, environment)).toEqual({
        grants: await access.grants(),
        channelBinding: (await access.bindings()).find((binding) => binding.channelId === channelId)?.environments ?? null,
        environmentRules: await access.environmentRules(environment),
      });
    }
    const production = await access.requestPolicy("C1", "production");
    expect(production.grants).toHaveLength(3);
    expect(production.channelBinding).toEqual(["staging", "production"]);
    expect(production.environmentRules).toEqual({ requiredApprovals: 2, approvalTtlMinutes: null, approversChannelId: null, maxReplicas: 6, maxGpusPerDeployment: null, canaryStepApproval: true });
  });

  it("grants nothing for a stored row it does not know (a role or scope of a newer version), as the grants read does", async () => {
    await database.db.accessGrant.create({ data: { subjectType: "user", subjectId: "U9", role: "owner", environment: "*", grantedBy: "U0" } });
    const policy = await access.requestPolicy("C9", "development");
    expect(policy.grants.some((grant) => grant.subjectId === "U9")).toBe(false);
    expect(policy.grants).toEqual(await access.grants());
  });
});
