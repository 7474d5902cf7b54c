import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import { createContext, type AppContext } from '../../src/app/context.js';
import { ConfigManager, type ConfigManagerOptions } from '../../src/config/manager.js';
import { PluginRegistry } from '../../src/plugins/registry.js';
import { registerBuiltinPlugins } from '../../src/plugins/builtins.js';
import { installAdmin } from '../../src/admin/index.js';
import { handleAdmin } from '../../src/admin/http.js';

/** A logger whose JSON lines tests can read. */
export function captureLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

export interface ApiAnswer {
  status: number;
  /** The parsed JSON answer; each test asserts the shape it expects. */
  body: any;
  headers: Headers;
}

export interface AdminHarness {
  url: string;
  dir: string;
  configPath: string;
  ctx: AppContext;
  logs: Record<string, unknown>[];
  api(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<ApiAnswer>;
  close(): Promise<void>;
}

export function tempConfig(text: string): { dir: string; configPath: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tresor-admin-'));
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, text, { mode: 0o600 });
  return { dir, configPath };
}

export async function callApi(url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiAnswer> {
  const res = await fetch(url + path, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* keep text */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/**
 * The admin API alone (config manager, plugins, routes) on 127.0.0.1:<random>, for fast
 * endpoint tests that need no gateway or database. `watch` turns on live reload.
 */
export async function startAdmin(text: string, opts: ConfigManagerOptions & { env?: NodeJS.ProcessEnv; watch?: boolean } = {}): Promise<AdminHarness> {
  const { dir, configPath } = tempConfig(text);
  const { logger, lines } = captureLogger();
  const config = new ConfigManager(configPath, opts.env ?? process.env, opts);
  const plugins = new PluginRegistry();
  registerBuiltinPlugins(plugins);
  const ctx = createContext({ version: '0.0.0-test', config, logger, plugins });
  installAdmin(ctx);
  if (opts.watch) config.watch(logger, 50);
  const server: Server = createServer((req, res) => {
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    void handleAdmin(ctx, req, res, q === -1 ? raw : raw.slice(0, q), new URLSearchParams(q === -1 ? '' : raw.slice(q + 1)));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  ctx.selfOrigins.add(url);
  ctx.selfOrigins.add(`http://localhost:${port}`);
  return {
    url,
    dir,
    configPath,
    ctx,
    logs: lines,
    api: (method, path, body, headers) => callApi(url, method, path, body, headers),
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      for (const fn of ctx.closers.reverse()) await fn();
      config.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Poll until `check` passes or `ms` elapse. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 2000, stepMs = 20): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return check();
}
