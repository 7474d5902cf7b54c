import type { AppContext } from '../app/context.js';
import { registerLogRoutes } from '../admin/logs.js';
import { registerMetricsRoute } from '../admin/metrics.js';
import { registerStatsRoutes } from '../admin/stats.js';
import { errorText, openDatabase, resolveDbPath, type Db } from '../store/db.js';
import { LogStore } from '../store/log-store.js';
import { OBSERVE_MIGRATIONS } from '../store/schema.js';
import { StatsStore } from '../store/stats-store.js';
import { DownstreamHealth, type HealthOptions } from './health.js';
import { LiveHub, type LiveOptions } from './live.js';
import { GatewayMetrics } from './metrics.js';
import { DEFAULT_OBSERVER_OPTIONS, Observer, type ObserverOptions } from './observer.js';

export type ObservabilityOptions = Partial<ObserverOptions & LiveOptions & { health: HealthOptions; processMetrics: boolean }>;

/** Everything installObservability builds; also at `ctx.services.observability`. */
export interface Observability {
  observer: Observer;
  metrics: GatewayMetrics;
  health: DownstreamHealth;
  live: LiveHub;
  /** The SQLite database (file, or in-memory when the file could not be used). */
  db?: Db;
  dbPath: string;
  dbInMemory: boolean;
  log?: LogStore;
  stats?: StatsStore;
}

/**
 * Set up the request log, statistics and metrics, and attach them to the context:
 * `ctx.observer` (the gateway's sink), `ctx.services.db` (shared SQLite handle),
 * `ctx.services.metrics` (in-flight gauges for the gateway), `ctx.services.observability`,
 * and the routes /api/logs*, /api/stats, /api/health/downstreams and /metrics.
 * The database failing to open never stops the daemon: history is then kept in memory.
 */
export async function installObservability(ctx: AppContext, options: ObservabilityOptions = {}): Promise<Observability> {
  const cfg = ctx.config.current;
  const file = resolveDbPath(cfg.db_path, ctx.config.path);
  let opened: ReturnType<typeof openDatabase> | undefined;
  try {
    opened = openDatabase(file, OBSERVE_MIGRATIONS, ctx.logger);
  } catch (e) {
    ctx.logger.error({ err: errorText(e) }, 'no database at all (not even in memory); the request log lives in its memory ring only');
  }
  const db = opened?.db;
  const metrics = new GatewayMetrics({ processMetrics: options.processMetrics });
  // The gateway is built after us: look its counter up at scrape time.
  metrics.setInflightSource(() => {
    const gw = ctx.services.gateway as { inflightCount?: unknown } | undefined;
    return typeof gw?.inflightCount === 'number' ? gw.inflightCount : 0;
  });
  const health = new DownstreamHealth(options.health);
  const live = new LiveHub(
    {
      heartbeatMs: options.heartbeatMs ?? 15_000,
      maxBufferedBytes: options.maxBufferedBytes ?? 1024 * 1024,
      sendIntervalMs: options.sendIntervalMs ?? 200,
      eventsPerSend: options.eventsPerSend ?? 200,
    },
    (n) => metrics.viewerCount(n),
    () => metrics.viewerDropped(),
  );
  const log = db && new LogStore(db);
  const stats = db && new StatsStore(db);
  const observer = new Observer(
    {
      config: () => ctx.config.current,
      logger: ctx.logger,
      db,
      dbFile: opened && !opened.inMemory ? opened.path : undefined,
      log,
      stats,
      metrics,
      health,
      live,
    },
    {
      ringSize: options.ringSize ?? DEFAULT_OBSERVER_OPTIONS.ringSize,
      flushIntervalMs: options.flushIntervalMs ?? DEFAULT_OBSERVER_OPTIONS.flushIntervalMs,
      flushBatchSize: options.flushBatchSize ?? DEFAULT_OBSERVER_OPTIONS.flushBatchSize,
      pruneIntervalMs: options.pruneIntervalMs ?? DEFAULT_OBSERVER_OPTIONS.pruneIntervalMs,
      storeWorkerFrom: options.storeWorkerFrom ?? DEFAULT_OBSERVER_OPTIONS.storeWorkerFrom,
    },
  );
  const obs: Observability = { observer, metrics, health, live, db, dbPath: opened?.path ?? file, dbInMemory: opened?.inMemory ?? true, log, stats };

  ctx.observer = observer;
  if (db) ctx.services.db = db;
  ctx.services.metrics = metrics;
  ctx.services.observability = obs;
  registerLogRoutes(ctx.adminRouter, obs);
  registerStatsRoutes(ctx.adminRouter, obs);
  registerMetricsRoute(ctx.adminRouter, obs);

  // SPEC §8: log viewers are ended as shutdown begins, not after the drain.
  ctx.drainHooks.push(() => live.closeAll());
  ctx.closers.push(async () => {
    live.closeAll();
    await observer.close();
    if (db?.open) {
      try {
        // Keeps the query planner's statistics fresh for the next start (cheap, bounded work).
        db.pragma('optimize');
        db.close();
      } catch (e) {
        ctx.logger.error({ err: errorText(e) }, 'error while closing the database');
      }
    }
  });
  return obs;
}
