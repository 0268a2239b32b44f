import { describe, expect, it } from "vitest";
import { parseDeployCommand } from "../../src/domain/command.js";

describe("/deploy grammar", () => {
  it.each([
    ["", { verb: "help" }],
    ["help", { verb: "help" }],
    ["create", { verb: "create" }],
    ["  LIST ", { verb: "list" }],
    ["list 3", { verb: "list", page: 3 }],
    ["show resnet-prod", { verb: "show", name: "resnet-prod" }],
    ["edit bert-api-v1", { verb: "edit", name: "bert-api-v1" }],
    ["scale resnet-prod 4", { verb: "scale", name: "resnet-prod", replicas: 4 }],
    ["scale resnet-prod", { verb: "scale", name: "resnet-prod" }],
    ["stop resnet-prod", { verb: "stop", name: "resnet-prod" }],
    ["start resnet-prod", { verb: "start", name: "resnet-prod" }],
    ["delete resnet-prod", { verb: "delete", name: "resnet-prod" }],
    ["reapply resnet-prod", { verb: "reapply", name: "resnet-prod" }],
    ["re-apply resnet-prod", { verb: "reapply", name: "resnet-prod" }],
    ["adopt resnet-prod", { verb: "adopt", name: "resnet-prod" }],
    ["update-model resnet-prod v2.2.0 canary", { verb: "update-model", name: "resnet-prod", version: "v2.2.0", strategy: "canary" }],
    ["update-model canary", { verb: "update-model", strategy: "canary" }],
    ["update-model resnet-prod v3", { verb: "update-model", name: "resnet-prod", version: "v3" }],
    ["update-model blue-green resnet-prod v3", { verb: "update-model", name: "resnet-prod", version: "v3", strategy: "blue-green" }],
    ["rollback resnet-prod", { verb: "rollback", name: "resnet-prod" }],
    ["rollback resnet-prod 3", { verb: "rollback", name: "resnet-prod", revision: 3 }],
    ["rollback resnet-prod r3", { verb: "rollback", name: "resnet-prod", revision: 3 }],
  ])("parses %j", (text, command) => {
    expect(parseDeployCommand(text)).toEqual({ ok: true, command });
  });

  it.each([
    ["deploy everything", /Unknown command `deploy`/],
    ["create now", /takes no arguments/],
    ["show", /Which deployment\? Usage: `\/deploy show NAME`/],
    ["show Bad_Name", /is not a deployment name/],
    ["scale resnet-prod many", /Replicas must be a whole number/],
    ["scale resnet-prod -1", /Replicas must be a whole number/],
    ["scale resnet-prod 1000", /At most 100 replicas/],
    ["stop a b", /Too many arguments/],
    ["reapply", /Which deployment\? Usage: `\/deploy reapply NAME`/],
    ["adopt a b", /Too many arguments. Usage: `\/deploy adopt NAME`/],
    ["reapply resnet-prod --dry-run", /`--dry-run` previews scale, stop, start, delete, update-model and rollback; `\/deploy show NAME` shows what a re-apply/],
    ["rollback resnet-prod latest", /Revision must be a number/],
    ["update-model resnet-prod v/1", /Model version may contain/],
  ])("explains what is wrong with %j", (text, message) => {
    const result = parseDeployCommand(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});
