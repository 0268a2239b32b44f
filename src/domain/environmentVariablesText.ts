import { credentialVariableProblem, environmentVariableSchema, type EnvironmentVariable, type FieldError } from "./deploymentSpec.js";

/**
 * Environment variables as a person types them in one text box, a line each:
 *   LOG_LEVEL=info
 *   HF_TOKEN=secret:huggingface/token     (a key of a Kubernetes Secret; the value never passes through Slack)
 * Blank lines and lines starting with # are ignored. A name that looks like a credential
 * (`*TOKEN`, `*SECRET`, `*PASSWORD`, `*KEY`) must be a secret reference.
 */
const SECRET_PATTERN = /^secret:([^/\s]+)\/(\S+)$/;

export function formatEnvironmentVariables(variables: readonly EnvironmentVariable[]): string {
  return variables
    .map((variable) => (variable.kind === "secret" ? `${variable.name}=secret:${variable.secretName}/${variable.secretKey}` : `${variable.name}=${variable.value}`))
    .join("\n");
}

export function parseEnvironmentVariables(text: string): { ok: true; variables: EnvironmentVariable[] } | { ok: false; error: FieldError } {
  const variables: EnvironmentVariable[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const equals = line.indexOf("=");
    if (equals <= 0) return { ok: false, error: { path: "env", message: `Line ${index + 1}: write NAME=value (or NAME=secret:secret-name/key).` } };
    const name = line.slice(0, equals).trim();
    const value = line.slice(equals + 1).trim();
    const secret = SECRET_PATTERN.exec(value);
    const candidate = secret ? { kind: "secret", name, secretName: secret[1], secretKey: secret[2] } : { kind: "plain", name, value };
    const parsed = environmentVariableSchema.safeParse(candidate);
    if (!parsed.success) return { ok: false, error: { path: "env", message: `Line ${index + 1} (${name}): ${parsed.error.issues[0]?.message ?? "invalid"}` } };
    const credential = credentialVariableProblem(parsed.data);
    if (credential) return { ok: false, error: { path: "env", message: `Line ${index + 1}: ${credential}` } };
    variables.push(parsed.data);
  }
  return { ok: true, variables };
}
