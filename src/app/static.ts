import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built web UI (vite output), shipped in the package. */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

const cache = new Map<string, { body: Buffer; type: string }>();

function load(file: string): { body: Buffer; type: string } | undefined {
  const hit = cache.get(file);
  if (hit) return hit;
  if (!existsSync(file) || !statSync(file).isFile()) return undefined;
  const entry = { body: readFileSync(file), type: TYPES[extname(file)] ?? 'application/octet-stream' };
  cache.set(file, entry);
  return entry;
}

/**
 * Serve a file of the web UI; unknown paths without an extension get index.html (client-side
 * routes). Returns false when there is nothing to serve.
 */
export function serveStatic(req: IncomingMessage, res: ServerResponse, path: string): boolean {
  let rel: string;
  try {
    rel = decodeURIComponent(path);
  } catch {
    return false;
  }
  const target = normalize(join(WEB_DIST, rel));
  if (!target.startsWith(WEB_DIST.endsWith(sep) ? WEB_DIST : WEB_DIST + sep) && target + sep !== WEB_DIST) return false;
  let entry = rel.endsWith('/') ? load(join(target, 'index.html')) : load(target);
  if (!entry && !extname(rel)) entry = load(join(WEB_DIST, 'index.html'));
  if (!entry) return false;
  const immutable = rel.startsWith('/assets/');
  res.writeHead(200, {
    'content-type': entry.type,
    'content-length': entry.body.length,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
    ...(entry.type.startsWith('text/html')
      ? {
          'content-security-policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
          'x-frame-options': 'DENY',
        }
      : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : entry.body);
  return true;
}
