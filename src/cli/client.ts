import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import YAML from 'yaml';
import { discoverConfigPath, expandEnv } from '../config/load.js';
import { parseBindAddr } from '../config/schema.js';
import { resolveSocketPath } from '../admin/socket.js';
import { isPlainObject } from '../config/tree.js';
import { CommandFailed } from './io.js';

/** How the CLI reaches the daemon: its admin socket, or its HTTP address. */
export interface DaemonTarget {
  url?: string;
  socketPath?: string;
  password?: string;
  /** For messages: what we tried to reach. */
  describe: string;
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

const DEFAULT_BIND = '127.0.0.1:11510';
const REQUEST_TIMEOUT_MS = 60_000;

/** A wildcard bind address is reached through loopback. */
function connectHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

/**
 * Where the daemon is, from the same config the daemon reads (found the same way):
 * socket_path when set and present, else bind_addr. TRESOR_ADMIN_URL overrides both; the
 * password comes from TRESOR_ADMIN_PASSWORD, else the config's admin_password.
 */
export function resolveTarget(configFlag: string | undefined, env: NodeJS.ProcessEnv): DaemonTarget {
  const found = discoverConfigPath(configFlag, env);
  let raw: Record<string, unknown> = {};
  if (found.exists) {
    try {
      const parsed: unknown = YAML.parse(readFileSync(found.path, 'utf8'));
      if (isPlainObject(parsed)) raw = parsed;
    } catch {
      // An invalid file still may say where the daemon is; if not, defaults apply.
    }
  }
  const setting = (key: string): string | undefined => {
    const v = raw[key];
    if (typeof v !== 'string' || !v) return undefined;
    const problems: string[] = [];
    const expanded = expandEnv(v, env, [key], problems);
    return problems.length ? undefined : String(expanded);
  };
  const password = env.TRESOR_ADMIN_PASSWORD || setting('admin_password');
  if (env.TRESOR_ADMIN_URL) return { url: env.TRESOR_ADMIN_URL.replace(/\/+$/, ''), password, describe: env.TRESOR_ADMIN_URL };
  const socket = setting('socket_path');
  if (socket) {
    const path = resolveSocketPath(socket, found.path);
    if (existsSync(path)) return { socketPath: path, password, describe: path };
  }
  const bind = parseBindAddr(setting('bind_addr') ?? DEFAULT_BIND) ?? parseBindAddr(DEFAULT_BIND)!;
  const host = connectHost(bind.host);
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bind.port}`;
  return { url, password, describe: url };
}

/** Calls the admin API. Connection failures become "no daemon is running" failures. */
export class AdminClient {
  constructor(readonly target: DaemonTarget) {}

  call(method: string, path: string, body?: unknown): Promise<ApiResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(payload.length);
    }
    if (this.target.password) headers.authorization = `Bearer ${this.target.password}`;
    const where = this.target.socketPath
      ? { socketPath: this.target.socketPath, path, hostname: 'localhost' }
      : (() => {
          const u = new URL(path, this.target.url);
          return { hostname: u.hostname.replace(/^\[|\]$/g, ''), port: u.port, path: u.pathname + u.search, protocol: u.protocol };
        })();
    return new Promise((resolve, reject) => {
      const req = request({ ...where, method, headers, timeout: REQUEST_TIMEOUT_MS }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            /* not JSON: keep the text */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'ECONNREFUSED' || e.code === 'ENOENT' || e.code === 'ECONNRESET' || e.code === 'EHOSTUNREACH') {
          reject(new CommandFailed(`no tresor daemon is running at ${this.target.describe} (start one with "tresor run")`));
        } else reject(new CommandFailed(`cannot reach the daemon at ${this.target.describe}: ${e.message}`));
      });
      req.end(payload);
    });
  }

  /** The body of a 2xx answer; anything else fails with the daemon's one-line reason. */
  async expect(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await this.call(method, path, body);
    if (res.status >= 200 && res.status < 300) return res.body;
    throw new CommandFailed(this.reason(res));
  }

  private reason(res: ApiResponse): string {
    const b = res.body as { error?: unknown } | string | undefined;
    const msg = typeof b === 'object' && b && typeof b.error === 'string' ? b.error : typeof b === 'string' && b ? b.slice(0, 200) : `HTTP ${res.status}`;
    if (res.status === 401 && !this.target.password) {
      return `${msg} (the daemon has an admin password: set TRESOR_ADMIN_PASSWORD or admin_password in the config)`;
    }
    return msg.replace(/\s*\n\s*/g, ' ');
  }
}

export function segment(s: string): string {
  return encodeURIComponent(s);
}
