import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readRuntimeEnv } from "../../bench/lib/stack.js";

/**
 * No Docker engine (or hadolint) here, so the Dockerfile's rules are checked as text: the
 * properties the cluster relies on must not regress silently.
 */

const ROOT = new URL("../../", import.meta.url);
const dockerfile = readFileSync(new URL("Dockerfile", ROOT), "utf8");
const dockerignore = readFileSync(new URL(".dockerignore", ROOT), "utf8").split("\n").map((line) => line.trim());
const packageJson = JSON.parse(readFileSync(new URL("package.json", ROOT), "utf8")) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

interface Stage {
  from: string;
  name: string;
  lines: string[];
}

/** Stages with their instructions (continuation lines joined, comments dropped). */
function stages(): Stage[] {
  const instructions = dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
  const result: Stage[] = [];
  for (const line of instructions) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?$/i.exec(line);
    if (from !== null) result.push({ from: from[1] ?? "", name: from[2] ?? "", lines: [] });
    else result.at(-1)?.lines.push(line);
  }
  return result;
}

function stage(name: string): Stage {
  const found = stages().find((s) => s.name === name);
  if (found === undefined) throw new Error(`no stage ${name}`);
  return found;
}

/** USER in effect at the end of a stage, following FROM chains between stages. */
function effectiveUser(name: string): string | undefined {
  const current = stage(name);
  const own = current.lines.filter((line) => line.startsWith("USER ")).at(-1);
  if (own !== undefined) return own.slice("USER ".length).trim();
  return stages().some((s) => s.name === current.from) ? effectiveUser(current.from) : undefined;
}

describe("the Dockerfile", () => {
  it("builds every stage on one pinned Node LTS major", () => {
    const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(image).toMatch(/^node:(2[46])-[a-z]+-slim$/);
    for (const s of stages()) expect([`\${NODE_IMAGE}`, "runtime"], s.name).toContain(s.from);
  });

  it("produces the bot by default and a separate migrate target", () => {
    expect(stages().at(-1)?.name).toBe("bot");
    expect(stage("bot").lines).toContain('CMD ["node", "dist/main.js"]');
    expect(stage("migrate").lines).toContain('CMD ["node", "node_modules/prisma/build/index.js", "migrate", "deploy"]');
    // The bot never migrates at start: it does not hold the credentials for it.
    expect(stage("bot").lines.join("\n")).not.toMatch(/migrate|prisma\/|ENTRYPOINT|sh -c/);
  });

  it("runs both images as a numeric non-root user", () => {
    for (const name of ["bot", "migrate"]) expect(effectiveUser(name), name).toMatch(/^[1-9]\d{3,}:[1-9]\d{3,}$/);
  });

  it("ships production dependencies only, installed without install scripts", () => {
    const deps = stage("deps").lines.join("\n");
    expect(deps).toMatch(/npm ci --omit=dev --ignore-scripts/);
    const runtime = stage("runtime").lines;
    expect(runtime).toContain("COPY --from=deps /app/node_modules ./node_modules");
    expect(stages().filter((s) => s.lines.some((line) => line.includes("--from=build"))).map((s) => s.name)).toEqual(["bot"]);
    expect(stage("bot").lines).toContain("COPY --from=build /app/dist ./dist");
    // What the runtime loads is a production dependency; build tools are not.
    for (const name of ["@prisma/client", "@prisma/adapter-pg", "pg", "prisma"]) expect(packageJson.dependencies, name).toHaveProperty(name);
    for (const name of ["tsx", "typescript", "vitest"]) expect(packageJson.dependencies, name).not.toHaveProperty(name);
  });

  it("keeps local secrets and build output out of the build context", () => {
    for (const entry of [".env", ".env.*", "node_modules", "dist", "src/generated", ".git"]) expect(dockerignore, entry).toContain(entry);
  });

  it("runs the bot with the Node runtime settings that start.sh and the bench use", () => {
    const runtimeEnv = readRuntimeEnv(fileURLToPath(new URL("scripts/node-runtime.env", ROOT)));
    expect(Object.keys(runtimeEnv).sort()).toEqual(["MALLOC_ARENA_MAX", "NODE_OPTIONS"]);
    expect(runtimeEnv.NODE_OPTIONS).toMatch(/--max-old-space-size=\d+/);
    const env = stage("bot").lines.filter((line) => line.startsWith("ENV ")).join(" ");
    for (const [key, value] of Object.entries(runtimeEnv)) {
      expect(env, key).toContain(/\s/.test(value) ? `${key}="${value}"` : `${key}=${value}`);
    }
    // The migrate image runs the prisma CLI, which needs more heap than the bot: not these settings.
    expect(stage("runtime").lines.join("\n")).not.toContain("NODE_OPTIONS");
    expect(readFileSync(new URL("scripts/start.sh", ROOT), "utf8")).toMatch(/\. scripts\/node-runtime\.env[^\n]*\nexec node dist\/main\.js/);
  });
});
