/**
 * A provider stand-in with byte-level control, for the fault tests: each request is handed to
 * the test's own handler with the raw node:http objects, so it can reset the socket before
 * the headers, after them, in the middle of an SSE frame, or stream for ever. It records when
 * the gateway closed each connection (to time client-abort propagation) and how many frames
 * a streaming handler managed to hand to the socket (to observe backpressure).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FaultRequest {
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  /** performance.now() when the body was read. */
  at: number;
  /** performance.now() when the gateway closed the connection before the answer ended. */
  abortedAt?: number;
}

export type FaultHandler = (req: FaultRequest, res: ServerResponse, raw: IncomingMessage) => void | Promise<void>;

export interface FaultServer {
  url: string;
  requests: FaultRequest[];
  /** Frames written by `streamFrames` so far (only counts frames the socket accepted). */
  framesWritten: number;
  handle(fn: FaultHandler): void;
  close(): Promise<void>;
}

export async function startFaultServer(initial?: FaultHandler): Promise<FaultServer> {
  let handler: FaultHandler = initial ?? ((_q, res) => void res.end('{}'));
  const sockets = new Set<Socket>();
  const state: FaultServer = {
    url: '',
    requests: [],
    framesWritten: 0,
    handle(fn) {
      handler = fn;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer(async (raw, res) => {
    const chunks: Buffer[] = [];
    for await (const c of raw) chunks.push(c as Buffer);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      /* recorded as {} */
    }
    const rec: FaultRequest = { path: (raw.url ?? '/').split('?')[0], headers: raw.headers, body, at: performance.now() };
    state.requests.push(rec);
    res.on('close', () => {
      if (!res.writableFinished) rec.abortedAt = performance.now();
    });
    await handler(rec, res, raw);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

/** Send SSE response headers now (so the gateway sees them before any frame). */
export function sseHead(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.flushHeaders();
}

/** Write one chunk and wait until the socket took it (false when the connection is gone). */
export function writeAccepted(res: ServerResponse, chunk: string): Promise<boolean> {
  return new Promise((resolve) => {
    if (res.destroyed) return resolve(false);
    res.write(chunk, (err) => resolve(!err && !res.destroyed));
  });
}

/**
 * Stream `count` frames as fast as the socket accepts them, counting each accepted one in
 * `server.framesWritten`; ends with `tail`. Stops when the connection goes away.
 */
export async function streamFrames(server: FaultServer, res: ServerResponse, frame: (i: number) => string, count: number, tail: string): Promise<void> {
  for (let i = 0; i < count; i++) {
    if (!(await writeAccepted(res, frame(i)))) return;
    server.framesWritten++;
  }
  res.end(tail);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll until `check` holds or `timeoutMs` passes; returns whether it held. */
export async function waitFor(check: () => boolean, timeoutMs: number, everyMs = 5): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (performance.now() < end) {
    if (check()) return true;
    await sleep(everyMs);
  }
  return check();
}
