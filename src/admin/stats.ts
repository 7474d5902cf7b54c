import { z } from 'zod';
import type { Observability } from '../observe/index.js';
import { STATS_GROUPS, utcDay, type StatsGroupBy } from '../store/stats-store.js';
import { parseQuery } from './logs.js';
import { ApiError, type Router } from './router.js';

const DAY_MS = 86_400_000;

/** ISO date/time or epoch milliseconds → epoch ms; undefined when unreadable. */
export function parseInstant(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s);
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
}

const instant = z
  .string()
  .refine((s) => parseInstant(s) !== undefined, 'must be an ISO date (2025-01-31), an ISO time or epoch milliseconds')
  .optional();

const statsQuery = z
  .object({
    from: instant,
    to: instant,
    group_by: z.enum(STATS_GROUPS as [StatsGroupBy, ...StatsGroupBy[]]).default('day'),
  })
  .strict();

/** GET /api/stats?from=&to=&group_by=, and GET /api/health/downstreams. */
export function registerStatsRoutes(router: Router, obs: Observability): void {
  router.get('/api/stats', async (r) => {
    const q = parseQuery(statsQuery, r.query);
    const now = Date.now();
    const toMs = q.to !== undefined ? parseInstant(q.to)! : now;
    const fromMs = q.from !== undefined ? parseInstant(q.from)! : toMs - 29 * DAY_MS;
    const from = utcDay(fromMs);
    const to = utcDay(toMs);
    if (from > to) throw new ApiError(400, 'from: must not be after to', 'from');
    if (!obs.stats) throw new ApiError(503, 'statistics are unavailable: no database could be opened');
    // Count what finished since the last batch, so the answer includes the latest requests.
    await obs.observer.flushed();
    return { body: { from, to, group_by: q.group_by, rows: obs.stats.query(from, to, q.group_by) } };
  });

  router.get('/api/health/downstreams', (r) => {
    const ids = r.ctx.config.current.downstreams.map((d) => d.id);
    return { body: { window_ms: obs.health.windowMs, downstreams: obs.health.report(ids) } };
  });
}
