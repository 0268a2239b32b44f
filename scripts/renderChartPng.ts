/**
 * Renders deploybot's latency chart (the same Chart.js config QuickChart receives) to a PNG with
 * the chart.js package and headless Chromium, to look at it and to keep docs/latency-chart.png
 * current. Not part of the tests: Chromium is not a project dependency.
 *
 *   tsx scripts/renderChartPng.ts [output.png]     (needs `chromium` on PATH, e.g. apt-get install chromium)
 */

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { latencyChart } from "../src/monitoring/charts.js";
import { sampleDeploymentSeries } from "../test/harness/sampleDeploymentSeries.js";

const WIDTH = 900;
const HEIGHT = 450;

const output = resolve(process.argv[2] ?? "docs/latency-chart.png");
const { series, deployAt, rollbackAt } = sampleDeploymentSeries();
const spec = latencyChart({
  deployment: "resnet-prod",
  series,
  markers: [
    { kind: "deploy", time: deployAt, label: "v2.2.0" },
    { kind: "rollback", time: rollbackAt, label: "v2.1.0" },
  ],
});

// The UMD build is not in chart.js's export map: find it beside the CommonJS entry point.
const chartJs = readFileSync(join(dirname(createRequire(import.meta.url).resolve("chart.js")), "chart.umd.js"), "utf8");
// The config is JSON; "</" is escaped so that no label can close the script element.
const configJson = JSON.stringify(spec).replaceAll("</", "<\\/");
const page = `<!doctype html><html><head><meta charset="utf-8"><style>html,body{margin:0;background:#fff}</style></head>
<body><div style="width:${WIDTH}px;height:${HEIGHT}px"><canvas id="chart"></canvas></div>
<script>${chartJs}</script>
<script>
  const config = ${configJson};
  config.options.responsive = true;
  config.options.maintainAspectRatio = false;
  new Chart(document.getElementById("chart"), config);
</script></body></html>`;

const workDir = mkdtempSync(join(tmpdir(), "deploybot-chart-"));
try {
  const pagePath = join(workDir, "chart.html");
  writeFileSync(pagePath, page);
  execFileSync(
    "chromium",
    [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--no-first-run",
      "--hide-scrollbars",
      `--user-data-dir=${join(workDir, "profile")}`,
      `--window-size=${WIDTH},${HEIGHT}`,
      "--force-device-scale-factor=1",
      "--virtual-time-budget=3000",
      `--screenshot=${output}`,
      `file://${pagePath}`,
    ],
    { stdio: ["ignore", "ignore", "pipe"], timeout: 60_000 },
  );
  console.log(`wrote ${output}`);
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
