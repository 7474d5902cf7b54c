import { z } from 'zod';
import { parseStatusFilter, type LogFilter } from '../observe/filter.js';
import type { Observability } from '../observe/index.js';
import { ApiError, type AdminRequest, type Router } from './router.js';

/** Parse query parameters with a zod schema; the first problem becomes a 400 naming its field. */
export function parseQuery<T extends z.ZodType>(schema: T, query: URLSearchParams): z.infer<T> {
  const raw: Record<string, string> = {};
  for (const [k, v] of query) raw[k] = v;
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue.path.length ? String(issue.path[0]) : undefined;
  throw new ApiError(400, field ? `${field}: ${issue.message}` : issue.message, field);
}

const statusParam = z
  .string()
  .refine((s) => parseStatusFilter(s) !== undefined, 'must be a status code (200), a class (4xx), "error" or "ok"')
  .optional();

const filterParams = {
  model: z.string().min(1).optional(),
  downstream: z.string().min(1).optional(),
  status: statusParam,
};

const pageQuery = z
  .object({
    ...filterParams,
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    before: z.coerce.number().int().positive().optional(),
  })
  .strict();

const streamQuery = z
  .object({
    ...filterParams,
    replay: z.coerce.number().int().min(0).default(0),
  })
  .strict();

function filterOf(q: { model?: string; downstream?: string; status?: string }): LogFilter {
  const f: LogFilter = {};
  if (q.model !== undefined) f.model = q.model;
  if (q.downstream !== undefined) f.downstream = q.downstream;
  if (q.status !== undefined) f.status = parseStatusFilter(q.status);
  return f;
}

/** GET /api/logs, /api/logs/stream (SSE), /api/logs/{id}. */
export function registerLogRoutes(router: Router, obs: Observability): void {
  router.get('/api/logs', (r) => {
    const q = parseQuery(pageQuery, r.query);
    return { body: obs.observer.page(filterOf(q), q.before, q.limit) };
  });

  router.get('/api/logs/stream', (r: AdminRequest) => {
    const q = parseQuery(streamQuery, r.query);
    const filter = filterOf(q);
    const lastId = Number(r.headers['last-event-id']);
    // A reconnecting EventSource resumes after the last entry it saw; otherwise replay=N.
    const replay =
      Number.isInteger(lastId) && lastId > 0 ? obs.observer.replay(obs.observer.ring.capacity, filter, lastId) : obs.observer.replay(q.replay, filter);
    obs.live.attach(r.res, filter, replay);
    return { handled: true };
  });

  router.get('/api/logs/:id', (r) => {
    const found = obs.observer.entry(r.params.id);
    if (!found) throw new ApiError(404, `no log entry with id "${r.params.id}" (it may have been pruned)`, 'id');
    return { body: { ...found.entry, payloads: found.payloads } };
  });
}
