/**
 * A QuickChart-compatible server on 127.0.0.1, as the open-source QuickChart answers: `POST /chart`
 * with `{chart, width, height, devicePixelRatio, version, ...}` returns a PNG, and there is no
 * `/chart/create` (short URLs exist only on the hosted service). The PNG is a real one of the
 * requested size (blank): what matters here is the wire format, not the drawing; the drawing is
 * checked by rendering the same Chart.js config in a browser (scripts/renderChartPng.ts).
 */

import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { crc32, deflateSync } from "node:zlib";

export interface ChartRequest {
  chart: unknown;
  width: number | undefined;
  height: number | undefined;
  devicePixelRatio: number | undefined;
  version: string | undefined;
  backgroundColor: string | undefined;
  format: string | undefined;
}

export class FakeQuickChart {
  readonly requests: ChartRequest[] = [];
  private failures = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<FakeQuickChart> {
    const holder: { instance?: FakeQuickChart } = {};
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        const instance = holder.instance;
        if (!instance) {
          res.destroy();
          return;
        }
        if (req.method !== "POST" || req.url !== "/chart") {
          res.writeHead(404, { "Content-Type": "text/html" });
          res.end(`Cannot ${req.method ?? "GET"} ${req.url ?? "/"}`);
          return;
        }
        if (instance.failures > 0) {
          instance.failures -= 1;
          res.writeHead(500, { "X-quickchart-error": "chart rendering failed" });
          res.end();
          return;
        }
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
        } catch {
          res.writeHead(400);
          res.end("bad JSON");
          return;
        }
        const chartText = typeof body.chart === "string" ? body.chart : "";
        let chart: unknown;
        try {
          chart = JSON.parse(chartText);
        } catch {
          chart = chartText;
        }
        const num = (v: unknown) => (typeof v === "number" ? v : undefined);
        const str = (v: unknown) => (typeof v === "string" ? v : undefined);
        const request: ChartRequest = {
          chart,
          width: num(body.width),
          height: num(body.height),
          devicePixelRatio: num(body.devicePixelRatio),
          version: str(body.version),
          backgroundColor: str(body.backgroundColor),
          format: str(body.format),
        };
        instance.requests.push(request);
        const scale = request.devicePixelRatio ?? 1;
        const png = blankPng(Math.round((request.width ?? 500) * scale), Math.round((request.height ?? 300) * scale));
        res.writeHead(200, { "Content-Type": "image/png", "Content-Length": png.length });
        res.end(png);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    holder.instance = new FakeQuickChart(server, `http://127.0.0.1:${port}`);
    return holder.instance;
  }

  failNext(count: number): void {
    this.failures = count;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}

/** A white RGB PNG: signature, IHDR, one IDAT of filter-0 rows, IEND. */
export function blankPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const typeAndData = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typeAndData));
    return Buffer.concat([length, typeAndData, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // colour type RGB
  const row = Buffer.alloc(1 + width * 3, 0xff);
  row[0] = 0;
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", deflateSync(pixels)),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}
