import type QuickChartModule from "quickchart-js";
import { CHART_JS_VERSION, chartAltText, type ChartSpec } from "./charts.js";

/**
 * Turns a chart configuration into what Slack can show. Slack fetches an image block's URL from
 * its own servers, so:
 * - hosted quickchart.io: an image URL (at most 3000 characters; a short URL when longer);
 * - a QuickChart Slack can reach (`DEPLOYBOT_QUICKCHART_PUBLIC=true`): its URL when short enough;
 * - otherwise (self-hosted inside the cluster): the PNG bytes, for the caller to upload.
 */

// Under nodenext the default import types as the module namespace while at run time it is the
// class itself (ESM build); take `.default` when it is there, the import otherwise.
type QuickChartClass = typeof QuickChartModule.default;

let quickChartClass: Promise<QuickChartClass> | undefined;

/**
 * quickchart-js (and the HTTP client it brings) is loaded on the first chart, not at start: it
 * adds about 10 MiB to the process, and only `/deploy metrics` and alerts with charts use it.
 */
function loadQuickChart(): Promise<QuickChartClass> {
  quickChartClass ??= import("quickchart-js").then((module) => {
    const loaded = module as unknown as { default?: QuickChartClass };
    return loaded.default ?? (module as unknown as QuickChartClass);
  });
  return quickChartClass;
}

/** Slack's limit on an image block's `image_url`. */
export const SLACK_IMAGE_URL_LIMIT = 3000;

export type RenderedChart =
  | { kind: "image-url"; url: string; altText: string; title: string }
  | { kind: "png"; png: Buffer; fileName: string; altText: string; title: string }
  /** The chart could not be made; the message goes out without it, saying why. */
  | { kind: "failed"; reason: string; altText: string; title: string };

export interface ChartRendererSettings {
  baseUrl: string;
  publiclyReachable: boolean;
  supportsShortUrls: boolean;
  width?: number;
  height?: number;
  /** Bound on a PNG render or a short-URL request (default 10 s). */
  timeoutMs?: number;
}

export class ChartRenderer {
  private readonly base: URL;

  constructor(private readonly settings: ChartRendererSettings) {
    this.base = new URL(settings.baseUrl);
  }

  /** A QuickChart client for one chart, pointed at the configured server. */
  async quickChart(spec: ChartSpec): Promise<InstanceType<QuickChartClass>> {
    const QuickChart = await loadQuickChart();
    const client = new QuickChart();
    client.setScheme(this.base.protocol.replace(":", ""));
    // The path prefix of a self-hosted server behind a proxy rides along with the host.
    client.setHost(`${this.base.host}${this.base.pathname.replace(/\/+$/, "")}`);
    client.setVersion(CHART_JS_VERSION);
    client.setWidth(this.settings.width ?? 800);
    client.setHeight(this.settings.height ?? 400);
    client.setDevicePixelRatio(2);
    client.setBackgroundColor("#ffffff");
    client.setConfig(JSON.stringify(spec));
    return client;
  }

  /** `fileName` without extension, e.g. "resnet-prod-latency-1h". */
  async render(spec: ChartSpec, fileName: string): Promise<RenderedChart> {
    const title = spec.options.plugins.title.text;
    const altText = chartAltText(spec);
    try {
      const client = await this.quickChart(spec);
      if (this.settings.publiclyReachable) {
        const url = client.getUrl();
        if (url.length <= SLACK_IMAGE_URL_LIMIT) return { kind: "image-url", url, altText, title };
        if (this.settings.supportsShortUrls) {
          return { kind: "image-url", url: await this.bounded(client.getShortUrl(), "short URL"), altText, title };
        }
      }
      const png = await this.bounded(client.toBinary(), "PNG render");
      return { kind: "png", png, fileName: `${fileName}.png`, altText, title };
    } catch (error) {
      return { kind: "failed", reason: `QuickChart at ${this.base.origin}: ${error instanceof Error ? error.message : String(error)}`, altText, title };
    }
  }

  /** quickchart-js has no timeout of its own; a stuck chart server must not hold a reply. */
  private bounded<T>(work: Promise<T>, what: string): Promise<T> {
    const timeoutMs = this.settings.timeoutMs ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }
}
