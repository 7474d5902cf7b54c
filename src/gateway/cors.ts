import type { IncomingMessage, ServerResponse } from 'node:http';

function allowed(origin: string, origins: readonly string[]): boolean {
  return origins.includes('*') || origins.includes(origin);
}

/** Headers for an actual (non-preflight) gateway request from a browser origin. None by default. */
export function corsHeaders(origin: string, origins: readonly string[]): Record<string, string> {
  if (!allowed(origin, origins)) return {};
  return {
    'access-control-allow-origin': origins.includes('*') ? '*' : origin,
    'access-control-expose-headers': 'x-tresor-request-id, x-tresor-attempts, server-timing, retry-after',
    vary: 'origin',
  };
}

/** Answer a CORS preflight: 204 for an allowed origin, 403 otherwise. */
export function handlePreflight(req: IncomingMessage, res: ServerResponse, origins: readonly string[]): void {
  req.resume();
  const origin = String(req.headers.origin);
  if (!allowed(origin, origins)) {
    res.writeHead(403, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { message: `origin ${origin} is not allowed (cors_origins)`, type: 'permission_error' } }));
    return;
  }
  const reqHeaders = req.headers['access-control-request-headers'];
  res.writeHead(204, {
    'access-control-allow-origin': origins.includes('*') ? '*' : origin,
    'access-control-allow-methods': 'GET, POST, OPTIONS',
    'access-control-allow-headers':
      typeof reqHeaders === 'string' ? reqHeaders : 'authorization, content-type, x-api-key, x-goog-api-key, anthropic-version, anthropic-beta',
    'access-control-max-age': '600',
    vary: 'origin',
  });
  res.end();
}
