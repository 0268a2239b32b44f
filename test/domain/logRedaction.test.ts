import { describe, expect, it } from "vitest";
import { REDACTED, redactSecrets } from "../../src/domain/logRedaction.js";

describe("log redaction", () => {
  it("removes the deployment's secret values wherever they appear", () => {
    const text = "connecting with s3cr3t-db-pass to db\nretry: s3cr3t-db-pass";
    expect(redactSecrets(text, ["s3cr3t-db-pass", "ab"])).toBe(`connecting with ${REDACTED} to db\nretry: ${REDACTED}`);
    // Too short to be told apart from ordinary text: left alone.
    expect(redactSecrets("a b ab", ["ab"])).toBe("a b ab");
  });

  it("removes tokens by their shape", () => {
    const lines = [
      "slack xoxb-1234567890-abcdefghijkl",
      "app xapp-1-A0123-456789-abcdef",
      "gh ghp_abcdefghijklmnopqrstuvwxyz0123",
      "hf hf_abcdefghijklmnopqrstuvwxyz",
      "aws AKIAIOSFODNN7EXAMPLE",
      "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    ];
    expect(redactSecrets(lines.join("\n")).split("\n")).toEqual(lines.map((line) => `${line.split(" ")[0] ?? ""} ${REDACTED}`));
  });

  it("keeps keys and removes values of password=, JSON secrets, flags, Authorization headers and bearer credentials", () => {
    expect(redactSecrets("db password=hunter2 user=bob")).toBe(`db password=${REDACTED} user=bob`);
    expect(redactSecrets('{"api_key": "abc123", "name": "x"}')).toBe(`{"api_key": "${REDACTED}", "name": "x"}`);
    expect(redactSecrets("serve --hf-token abcdef123 --port 8080")).toBe(`serve --hf-token ${REDACTED} --port 8080`);
    expect(redactSecrets("Authorization: Basic dXNlcjpwYXNz")).toBe(`Authorization: ${REDACTED}`);
    expect(redactSecrets("curl -H 'authorization: Bearer abc.def.ghi'")).toBe(`curl -H 'authorization: ${REDACTED}'`);
    expect(redactSecrets("sent Bearer abcdefgh12345678 upstream")).toBe(`sent Bearer ${REDACTED} upstream`);
    expect(redactSecrets("postgres://app:pa55word@db:5432/x")).toBe(`postgres://app:${REDACTED}@db:5432/x`);
  });

  it("leaves ordinary log lines alone", () => {
    const text = "INFO loaded model resnet-50 in 12.3s; the token bucket refilled; 200 OK";
    expect(redactSecrets(text)).toBe(text);
  });
});
