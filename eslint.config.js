import js from "@eslint/js";
import tseslint from "typescript-eslint";

/** One layer per folder: what each may import (see the README's code layout). */
function layer(files, forbidden, why) {
  return {
    files,
    rules: {
      "no-restricted-imports": [
        "error",
        { patterns: forbidden.map((group) => ({ group: [group], message: why })) },
      ],
    },
  };
}

const IO_PACKAGES = ["node:*", "@prisma/*", "@slack/*", "@kubernetes/*", "bullmq", "ioredis", "pino", "pg", "quickchart-js"];

export default tseslint.config(
  { ignores: ["node_modules/", "src/generated/", "coverage/", "dist/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  layer(["src/domain/**/*.ts"], ["../*", ...IO_PACKAGES], "src/domain holds pure rules: it imports nothing of ours outside the domain, and does no I/O."),
  layer(
    ["src/slack/**/*.ts"],
    ["**/store/**", "**/cluster/**", "**/jobs/**"],
    "src/slack parses, calls the operations service and renders: it never reaches the store, the cluster or the jobs.",
  ),
  layer(
    ["src/cluster/**/*.ts", "src/store/**/*.ts", "src/monitoring/**/*.ts"],
    ["**/jobs/**", "**/slack/**", "**/operations/**"],
    "src/cluster, src/store and src/monitoring know neither the jobs, the operations service nor Slack.",
  ),
  layer(["src/operations/**/*.ts", "src/jobs/**/*.ts"], ["**/slack/**"], "The operations service and the jobs do not know Slack: they talk to it through the domain's ports."),
);
