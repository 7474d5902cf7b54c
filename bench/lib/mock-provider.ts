/**
 * A minimal provider that answers instantly in all four wire formats, JSON or SSE.
 *
 * Stream shape is chosen per downstream by an optional path prefix, so one mock serves
 * every profile of the generated config: `/c{chunks}/d{delayMs}/v1/chat/completions`
 * streams `chunks` content chunks spaced `delayMs` apart (defaults: 20 chunks, no delay).
 * With no delay the whole stream is written at once; with a delay the head goes out with
 * the headers and each content chunk after its own delay (the first one too, so time to
 * first token is measurable). Answers are rendered once per shape and cached.
 *
 * Run as a child process: `node --import tsx bench/lib/mock-provider.ts PORT`; it prints
 * `ready PORT` on stdout once listening.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jsonAnswer, streamAnswer, type StreamAnswer, type Wire } from './wire.js';

const MODEL = 'mock-model';
const DEFAULT_CHUNKS = 20;

interface Route {
  wire: Wire;
  /** Gemini decides streaming by the path; the others by the body's `stream`. */
  pathStream?: boolean;
  chunks: number;
  delayMs: number;
}

function routeOf(url: string): Route | undefined {
  const q = url.indexOf('?');
  let path = q === -1 ? url : url.slice(0, q);
  let chunks = DEFAULT_CHUNKS;
  let delayMs = 0;
  for (;;) {
    const m = /^\/([cd])(\d+)(\/.*)$/.exec(path);
    if (!m) break;
    if (m[1] === 'c') chunks = Math.max(1, Number(m[2]));
    else delayMs = Number(m[2]);
    path = m[3];
  }
  if (path.endsWith('/chat/completions')) return { wire: 'openai', chunks, delayMs };
  if (path.endsWith('/responses')) return { wire: 'openai_responses', chunks, delayMs };
  if (path.endsWith('/messages')) return { wire: 'anthropic', chunks, delayMs };
  if (path.endsWith(':generateContent')) return { wire: 'gemini', pathStream: false, chunks, delayMs };
  if (path.endsWith(':streamGenerateContent')) return { wire: 'gemini', pathStream: true, chunks, delayMs };
  return undefined;
}

const jsonCache = new Map<Wire, Buffer>();
const streamCache = new Map<string, { head: Buffer; chunks: Buffer[]; tail: Buffer; whole: Buffer }>();

function cachedJson(wire: Wire): Buffer {
  let b = jsonCache.get(wire);
  if (!b) {
    b = Buffer.from(jsonAnswer(wire, MODEL));
    jsonCache.set(wire, b);
  }
  return b;
}

function cachedStream(wire: Wire, chunks: number, includeUsage: boolean) {
  const key = `${wire}:${chunks}:${includeUsage}`;
  let s = streamCache.get(key);
  if (!s) {
    const a: StreamAnswer = streamAnswer(wire, MODEL, chunks, includeUsage);
    const head = Buffer.from(a.head);
    const parts = a.chunks.map((c) => Buffer.from(c));
    const tail = Buffer.from(a.tail);
    s = { head, chunks: parts, tail, whole: Buffer.concat([head, ...parts, tail]) };
    streamCache.set(key, s);
  }
  return s;
}

function answer(req: IncomingMessage, res: ServerResponse, body: string): void {
  const route = req.method === 'POST' ? routeOf(req.url ?? '/') : undefined;
  if (!route) {
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end('{"error":{"message":"mock: unknown route","type":"not_found"}}');
    return;
  }
  const stream = route.pathStream ?? body.includes('"stream":true');
  if (!stream) {
    const b = cachedJson(route.wire);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': b.length });
    res.end(b);
    return;
  }
  // OpenAI only sends the usage chunk when asked; the others always carry usage.
  const s = cachedStream(route.wire, route.chunks, route.wire !== 'openai' || body.includes('"include_usage":true'));
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  // providers send the headers at once, before the first event (Gemini's stream has no preamble)
  res.flushHeaders();
  if (route.delayMs === 0) {
    res.write(s.whole);
    res.end();
    return;
  }
  if (s.head.length) res.write(s.head);
  let i = 0;
  const next = (): void => {
    if (res.destroyed) return;
    if (i < s.chunks.length) {
      res.write(s.chunks[i++]);
      timer = setTimeout(next, route.delayMs);
      return;
    }
    res.end(s.tail);
  };
  let timer = setTimeout(next, route.delayMs);
  res.on('close', () => clearTimeout(timer));
}

export function createMockProvider(): Server {
  const server = createServer({ keepAliveTimeout: 120_000 }, (req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => answer(req, res, body));
  });
  server.on('connection', (s) => s.setNoDelay(true));
  return server;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.argv[2] ?? 0);
  const server = createMockProvider();
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`ready ${(server.address() as AddressInfo).port}\n`);
  });
  process.on('SIGTERM', () => {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  });
}
