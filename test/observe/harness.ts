import { createServer, request, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { createContext, type AppContext } from '../../src/app/context.js';
import { handleAdmin } from '../../src/admin/http.js';
import { ConfigManager } from '../../src/config/manager.js';
import { installObservability, type Observability, type ObservabilityOptions } from '../../src/observe/index.js';
import { zeroUsage, type LogEntry } from '../../src/observe/types.js';

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'tresor-observe-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Harness {
  ctx: AppContext;
  obs: Observability;
  url: string;
  dir: string;
  /** Run the context's closers (as the daemon does), stop the server, remove the temp dir. */
  close(): Promise<void>;
}

/**
 * The observability half of a daemon: a real context, config file and SQLite database, with
 * the admin routes served over HTTP exactly as the daemon dispatches them.
 */
export async function startHarness(opts: { yaml?: string; options?: ObservabilityOptions; logger?: Logger; dbPath?: string } = {}): Promise<Harness> {
  const { dir, cleanup } = tempDir();
  const configPath = join(dir, 'config.yaml');
  const dbPath = opts.dbPath ?? join(dir, 'data', 'tresor.db');
  writeFileSync(configPath, `bind_addr: "127.0.0.1:0"\ndb_path: ${JSON.stringify(dbPath)}\n${opts.yaml ?? ''}`, { mode: 0o600 });
  const config = new ConfigManager(configPath, {});
  const ctx = createContext({ version: 'test', config, logger: opts.logger ?? pino({ level: 'silent' }) });
  const obs = await installObservability(ctx, { processMetrics: false, ...opts.options });
  const server: Server = createServer((req, res) => {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    void handleAdmin(ctx, req, res, q === -1 ? raw : raw.slice(0, q), new URLSearchParams(q === -1 ? '' : raw.slice(q + 1)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let closed = false;
  return {
    ctx,
    obs,
    url,
    dir,
    async close() {
      if (closed) return;
      closed = true;
      for (const fn of ctx.closers.reverse()) await fn();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      config.close();
      cleanup();
    },
  };
}

let counter = 0;

/** A finished gateway request with sensible defaults. */
export function makeEntry(over: Partial<LogEntry> = {}): LogEntry {
  counter++;
  return {
    id: `req-${process.pid}-${counter}`,
    time: new Date().toISOString(),
    client_addr: '127.0.0.1',
    client_format: 'openai',
    path: '/v1/chat/completions',
    model: 'gpt-4o',
    downstream_id: 'anthropic',
    output_model: 'claude-sonnet-4-20250514',
    stream: false,
    status: 200,
    error: null,
    ttfb_ms: 20,
    duration_ms: 40,
    usage: { ...zeroUsage(), input_tokens: 10, output_tokens: 5 },
    plugins: ['openai2anthropic'],
    attempts: over.downstream_id === null ? [] : [{ downstream_id: over.downstream_id ?? 'anthropic', status: over.status ?? 200, duration_ms: 40 }],
    ...over,
  };
}

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => unknown;
}

export function get(url: string, headers: Record<string, string> = {}): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
    });
    req.on('error', reject);
    req.end();
  });
}

/** Resolve on the next turn of the event loop after pending setImmediate work. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export async function waitFor(cond: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
