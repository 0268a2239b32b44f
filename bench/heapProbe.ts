/**
 * Forces a full garbage collection in a bot started with `--inspect=127.0.0.1:<port>` and prints
 * its V8 heap use afterwards as JSON ({"usedMiB":…,"totalMiB":…}). RSS alone cannot tell a leak
 * from a heap that has not been collected yet; the heap after a forced GC can. Runs in a process
 * of its own because Node 20's WebSocket client needs `--experimental-websocket`.
 *
 *   node --experimental-websocket --import tsx bench/heapProbe.ts <inspector port>
 */
interface InspectorTarget {
  webSocketDebuggerUrl: string;
}

interface InspectorReply {
  id: number;
  result?: { usedSize?: number; totalSize?: number };
  error?: { message: string };
}

const port = Number(process.argv[2]);
const [target] = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as InspectorTarget[];
if (!target) throw new Error(`no inspector target on port ${port}`);

const socket = new WebSocket(target.webSocketDebuggerUrl);
const pending = new Map<number, (reply: InspectorReply) => void>();
let nextId = 1;
socket.addEventListener("message", (event: MessageEvent) => {
  const reply = JSON.parse(String(event.data)) as InspectorReply;
  pending.get(reply.id)?.(reply);
});
await new Promise<void>((resolve, reject) => {
  socket.addEventListener("open", () => resolve());
  socket.addEventListener("error", () => reject(new Error("inspector connection failed")));
});

function send(method: string): Promise<InspectorReply> {
  const id = nextId++;
  return new Promise((resolve) => {
    pending.set(id, resolve);
    socket.send(JSON.stringify({ id, method }));
  });
}

await send("HeapProfiler.enable");
// Twice: objects freed by the first collection's finalizers go in the second.
await send("HeapProfiler.collectGarbage");
await send("HeapProfiler.collectGarbage");
const usage = await send("Runtime.getHeapUsage");
socket.close();
if (usage.error) throw new Error(usage.error.message);
const toMiB = (bytes: number | undefined) => (bytes ?? Number.NaN) / 2 ** 20;
process.stdout.write(`${JSON.stringify({ usedMiB: toMiB(usage.result?.usedSize), totalMiB: toMiB(usage.result?.totalSize) })}\n`);
process.exit(0);
