import { chmodSync, lstatSync, unlinkSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { AppContext } from '../app/context.js';
import { expandHome } from '../util/paths.js';
import { handleAdmin, sendJson } from './http.js';

/** Where socket_path points: `~` expands; a relative path is taken from the config file's folder. */
export function resolveSocketPath(socketPath: string, configPath: string): string {
  const p = expandHome(socketPath);
  return isAbsolute(p) ? p : resolve(dirname(configPath), p);
}

/** Is someone answering on this socket? */
function socketInUse(path: string): Promise<boolean> {
  return new Promise((done) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      done(true);
    });
    s.once('error', () => done(false));
  });
}

/** A socket file left by a daemon that died is removed; a live one or a regular file is not. */
async function clearStaleSocket(path: string): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch {
    return;
  }
  if (!isSocket) throw new Error(`socket_path ${path} exists and is not a socket`);
  if (await socketInUse(path)) throw new Error(`socket_path ${path} is in use by another process (is another tresor running?)`);
  unlinkSync(path);
}

/**
 * Serve the admin API (only) on a Unix socket, mode 0600: the CLI can reach the daemon
 * without a TCP port, and file permissions say who may. Returns the closer.
 */
export async function listenAdminSocket(ctx: AppContext, socketPath: string): Promise<() => Promise<void>> {
  const path = resolveSocketPath(socketPath, ctx.config.path);
  await clearStaleSocket(path);
  const server: Server = createServer({ requestTimeout: 0, headersTimeout: ctx.config.current.headers_timeout_ms }, (req, res) => {
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const p = q === -1 ? rawUrl : rawUrl.slice(0, q);
    if (p === '/metrics' || p === '/api' || p.startsWith('/api/')) {
      void handleAdmin(ctx, req, res, p, new URLSearchParams(q === -1 ? '' : rawUrl.slice(q + 1)), { viaSocket: true });
      return;
    }
    sendJson(res, 404, { error: `the admin socket serves only /api and /metrics, not ${p}` });
  });
  // Created owner-only from the start, so no other user can connect before the chmod.
  const previousMask = process.umask(0o177);
  try {
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(path, () => {
        server.off('error', fail);
        done();
      });
    });
  } finally {
    process.umask(previousMask);
  }
  chmodSync(path, 0o600);
  ctx.logger.info({ socket: path }, 'admin API listening on a Unix socket');
  return async () => {
    await new Promise<void>((done) => {
      server.close(() => done());
      server.closeAllConnections();
    });
    try {
      unlinkSync(path);
    } catch {
      /* already gone */
    }
  };
}
