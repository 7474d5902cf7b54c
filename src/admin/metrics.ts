import type { Observability } from '../observe/index.js';
import { authorizeAdmin, safeEqual } from './auth.js';
import type { AdminRequest, Router } from './router.js';

/**
 * GET /metrics. Registered as public so it can do its own check: the metrics token (for
 * Prometheus) first, else whatever the admin API accepts (session, password, loopback).
 */
export function registerMetricsRoute(router: Router, obs: Observability): void {
  router.get(
    '/metrics',
    async (r) => {
      if (!hasMetricsToken(r)) await authorizeAdmin(r, false);
      const text = await obs.metrics.text();
      r.res.writeHead(200, { 'content-type': obs.metrics.contentType, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
      r.res.end(r.method === 'HEAD' ? undefined : text);
      return { handled: true };
    },
    { public: true },
  );
}

function hasMetricsToken(r: AdminRequest): boolean {
  const token = r.ctx.config.current.metrics_token;
  const auth = r.headers.authorization;
  return !!token && typeof auth === 'string' && auth.startsWith('Bearer ') && safeEqual(auth.slice(7), token);
}
