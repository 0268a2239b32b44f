import { describe, expect, it } from "vitest";
import { credentialVariableProblem, isCredentialName, validateDeploymentSpec } from "../../src/domain/deploymentSpec.js";
import { parseEnvironmentVariables } from "../../src/domain/environmentVariablesText.js";

const validInput = {
  name: "resnet-prod",
  modelId: "model-001",
  modelVersion: "v2.1.0",
  resources: { cpuCores: 4, memoryGb: 16 },
  scaling: { minReplicas: 2, maxReplicas: 10, targetCpuUtilization: 70, targetMemoryUtilization: 80 },
};

describe("credential-looking variable names", () => {
  it.each(["HF_TOKEN", "hf_token", "TOKEN", "CLIENT_SECRET", "DB_PASSWORD", "API_KEY", "OpenAiKey"])("%s is a credential name", (name) => {
    expect(isCredentialName(name)).toBe(true);
  });

  it.each(["LOG_LEVEL", "TOKEN_TTL", "KEYS_DIR", "PASSWORD_MIN_LENGTH", "API_URL"])("%s is not", (name) => {
    expect(isCredentialName(name)).toBe(false);
  });

  it("refuses a plain value and says how to write the reference", () => {
    expect(credentialVariableProblem({ kind: "plain", name: "HF_TOKEN", value: "abc" })).toBe(
      "HF_TOKEN looks like a credential: its value must not pass through Slack. Put it in a Kubernetes Secret and write HF_TOKEN=secret:<secret-name>/<key>.",
    );
  });

  it("accepts a secret reference under a credential name", () => {
    expect(credentialVariableProblem({ kind: "secret", name: "HF_TOKEN", secretName: "huggingface", secretKey: "token" })).toBeUndefined();
  });

  it("is an error on the env field of the text box, with the line, and never echoes the value", () => {
    const parsed = parseEnvironmentVariables("LOG_LEVEL=info\nhf_token=abc-planted");
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.error.path).toBe("env");
    expect(parsed.error.message).toMatch(/^Line 2: hf_token looks like a credential.*hf_token=secret:<secret-name>\/<key>\.$/);
    expect(parsed.error.message).not.toContain("abc-planted");
  });

  it("accepts the same variable written as a reference", () => {
    expect(parseEnvironmentVariables("HF_TOKEN=secret:huggingface/token")).toMatchObject({ ok: true });
  });

  it("refuses a submitted spec with a plain credential, on the variable's value", () => {
    const result = validateDeploymentSpec({ ...validInput, env: [{ kind: "plain", name: "LOG_LEVEL", value: "info" }, { kind: "plain", name: "DB_PASSWORD", value: "x" }] });
    expect(result).toEqual({ ok: false, errors: [{ path: "env.1.value", message: expect.stringContaining("DB_PASSWORD=secret:<secret-name>/<key>") }] });
    expect(validateDeploymentSpec({ ...validInput, env: [{ kind: "secret", name: "DB_PASSWORD", secretName: "db", secretKey: "password" }] })).toMatchObject({ ok: true });
  });
});
