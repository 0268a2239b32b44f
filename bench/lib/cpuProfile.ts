/**
 * Where the bot's CPU time went, from the V8 profiles `node --cpu-prof` writes on exit: self
 * time per function and per area (a file of the bot, a package, Node itself, GC, idle).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface ProfileSummary {
  totalMs: number;
  areas: { area: string; ms: number; share: number }[];
  functions: { name: string; ms: number; share: number }[];
}

function areaOf(url: string, functionName: string): string {
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  if (url.startsWith("node:")) return "node internals";
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules?.[1]) return modules[1];
  const built = /\/build\/(.+)\.js$/.exec(url);
  if (built?.[1]) return `src/${built[1].split("/").slice(0, 2).join("/")}`;
  return url.replace(/^file:\/\//, "");
}

function shortUrl(url: string): string {
  const modules = /node_modules\/(.+)$/.exec(url);
  if (modules?.[1]) return modules[1];
  const built = /\/build\/(.+)$/.exec(url);
  if (built?.[1]) return `src/${built[1]}`;
  return url.replace(/^file:\/\//, "");
}

/** Sums every profile in `directory` (one per bot process that ran with --cpu-prof). */
export function summarizeProfiles(directory: string, top = 15): ProfileSummary | undefined {
  const files = readdirSync(directory).filter((file) => file.endsWith(".cpuprofile"));
  if (files.length === 0) return undefined;
  const areaMs = new Map<string, number>();
  const functionMs = new Map<string, number>();
  let totalMs = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(join(directory, file), "utf8")) as CpuProfile;
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const samples = profile.samples ?? [];
    const deltas = profile.timeDeltas ?? [];
    samples.forEach((id, index) => {
      const node = byId.get(id);
      if (!node) return;
      // A sample's time is the delta to the next one; the last sample has none.
      const sampleMs = (deltas[index + 1] ?? 0) / 1000;
      const { functionName, url, lineNumber } = node.callFrame;
      totalMs += sampleMs;
      const area = areaOf(url, functionName);
      areaMs.set(area, (areaMs.get(area) ?? 0) + sampleMs);
      const name = `${functionName || "(anonymous)"} ${url ? `${shortUrl(url)}:${lineNumber + 1}` : ""}`.trim();
      functionMs.set(name, (functionMs.get(name) ?? 0) + sampleMs);
    });
  }
  const ranked = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms, share: totalMs > 0 ? ms / totalMs : 0 }));
  return {
    totalMs,
    areas: ranked(areaMs).map(({ name, ms, share }) => ({ area: name, ms, share })),
    functions: ranked(functionMs),
  };
}
